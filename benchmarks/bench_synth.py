"""Time the synthetic generator at Lampung scale and print rows per feed.

    .venv/bin/python benchmarks/bench_synth.py [--scale 1.0] [--days 540] [--keep DIR]

Prints wall-clock seconds, files, rows and bytes per feed. The target on a
2-core machine is under 2 minutes for scale 1.0 over 540 days.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synth import FEEDS, generate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=540)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="generate here and keep the output")
    args = parser.parse_args()
    out = args.keep or Path(tempfile.mkdtemp(prefix="bench_synth_"))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"generate(scale={args.scale}, days={args.days}, seed={args.seed}) -> {out}")
    t0 = time.perf_counter()
    summary = generate(out, seed=args.seed, start=date(2025, 1, 1), days=args.days,
                       scale=args.scale, force=True)  # fmt: skip
    seconds = time.perf_counter() - t0
    print(f"{'feed':12s} {'files':>7s} {'rows':>9s} {'MB':>8s}")
    total_rows = total_bytes = 0
    for feed in FEEDS:
        folder = next((out / "landing").glob(f"*/{feed}"), None)
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder else 0
        rows = summary["rows"][feed]
        total_rows += rows
        total_bytes += size
        print(f"{feed:12s} {summary['files'][feed]:7d} {rows:9d} {size / 1e6:8.1f}")
    files = sum(summary["files"].values())
    print(f"{'total':12s} {files:7d} {total_rows:9d} {total_bytes / 1e6:8.1f}")
    print(f"seconds: {seconds:.1f} ({total_rows / seconds:,.0f} rows/s)")
    if not args.keep:
        shutil.rmtree(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
