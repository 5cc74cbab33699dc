"""Time the privacy steps on a built TPPO_HOME: dashboard copy, compaction, and what
the encryption of the restricted warehouse costs (OpenSSL through httpfs, as the
pipeline writes it, against the same database written plain).

    .venv/bin/python benchmarks/bench_privacy.py [--home $TPPO_HOME]

Needs a home where a run succeeded (e.g. after `tppo synth --scale 1.0` and
`tppo run`). Works on copies in a temporary folder; the home is not changed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402

from tppo.config import Paths  # noqa: E402
from tppo.privacy.storage import compact  # noqa: E402
from tppo.publish import _build, _dashboard_tables  # noqa: E402
from tppo.warehouse import attach_sql, load_crypto, warehouse_key  # noqa: E402

KEY = "bench-key-0123456789abcdef0123456789"
SCAN = ("SELECT count(DISTINCT no_paspor_key), count(*) FILTER (WHERE arah = 'KEBERANGKATAN'), "
        "max(waktu_ts) FROM raw.imigrasi__perlintasan")


def _copy_db(src: Path, dst: Path, key: str, encrypted: bool) -> float:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    load_crypto(con)
    con.execute(attach_sql(src, "src", key, read_only=True))
    started = time.perf_counter()
    con.execute(attach_sql(dst, "dst", KEY) if encrypted else f"ATTACH '{dst}' AS dst")
    con.execute("COPY FROM DATABASE src TO dst")
    con.execute("CHECKPOINT dst")
    con.execute("DETACH dst")
    con.close()
    return time.perf_counter() - started


def _scan(path: Path, encrypted: bool) -> float:
    con = duckdb.connect()
    started = time.perf_counter()
    con.execute(attach_sql(path, "w", KEY, read_only=True) if encrypted
                else f"ATTACH '{path}' AS w (READ_ONLY)")
    con.execute("USE w")
    con.execute(SCAN).fetchall()
    con.close()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path(os.environ.get("TPPO_HOME", "")))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    home = Paths(landing=args.home / "landing", home=args.home)
    if not home.warehouse.exists():
        print(f"no warehouse at {home.warehouse}: run `tppo run` first", file=sys.stderr)
        return 2
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"duckdb {duckdb.__version__}; warehouse {home.warehouse.stat().st_size / 1e6:.0f} MB")
    started = time.perf_counter()
    built = _build(home, "bench_dashboard",
                   lambda con: _dashboard_tables(con, home.work / "dbt_target"))
    print(f"dashboard copy (suppression, recomputed scores): {time.perf_counter() - started:.2f} s")
    built.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "restricted" / "warehouse.duckdb"
        copy.parent.mkdir()
        shutil.copyfile(home.warehouse, copy)
        shutil.copytree(home.secrets, Path(tmp) / "secrets")  # the warehouse's key
        key = warehouse_key(Path(tmp) / "secrets", create=False)
        started = time.perf_counter()
        compact(copy)
        print(f"compaction (encrypted): {time.perf_counter() - started:.2f} s")
        for encrypted in (False, True):
            label = "encrypted (OpenSSL)" if encrypted else "plain"
            target = Path(tmp) / f"{'encrypted' if encrypted else 'plain'}.duckdb"
            writes = []
            for _ in range(args.repeat):
                target.unlink(missing_ok=True)
                writes.append(_copy_db(copy, target, key, encrypted))
            scans = [_scan(target, encrypted) for _ in range(args.repeat + 2)]
            plain_text = target.read_bytes().count(b"1809")
            print(f"{label:>19}: write {statistics.median(writes):.2f} s, scan of the crossings "
                  f"{statistics.median(scans):.3f} s, '1809' in the bytes {plain_text} times")
    return 0


if __name__ == "__main__":
    sys.exit(main())
