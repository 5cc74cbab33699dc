"""Ingest and validation throughput per feed, and the reader choice per format.

Usage: .venv/bin/python benchmarks/bench_ingest.py [--scale 1.0] [--days 540] [--seed 7]

Generates synthetic feeds (or reuses --landing), loads every feed the way the
nightly DAG does (read, type, audit with Great Expectations, write raw), and
prints rows per second per feed, the reconciliation of every file, and how the
candidate readers compare on the same files. Figures, not assertions: the
tests never time anything.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import platform
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl

import synth
from expectations.audit import GxAuditor
from ingest.feeds import FEEDS, feed
from ingest.load import discover, load_feed
from ingest.readers import read_file
from ingest.schema import ensure_warehouse
from tppo.pseudonym import Pseudonymiser


def _files(landing: Path, source: str, name: str, suffix: str) -> list[Path]:
    return sorted((landing / source / name).rglob(f"*{suffix}"))


def compare_readers(landing: Path) -> None:
    """Time the project's reader against the alternatives on the same files."""
    print("\nreader comparison (all fields as text, schema from the contract)")
    paspor = _files(landing, "imigrasi", "paspor", ".csv")
    f = feed("paspor")
    schema = {c: pl.Utf8 for c in f.columns}

    def python_csv() -> int:
        n = 0
        for p in paspor:
            text = p.read_bytes().decode("utf-8-sig")
            n += sum(1 for _ in csv.reader(io.StringIO(text, newline=""), delimiter=";")) - 1
        return n

    def polars_csv() -> int:
        return sum(pl.read_csv(p, separator=";", schema=schema, has_header=True,
                               encoding="utf8-lossy").height for p in paspor)

    def duckdb_csv() -> int:
        cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in f.columns) + "}"
        files = "[" + ", ".join(f"'{p}'" for p in paspor) + "]"
        return duckdb.sql(f"SELECT count(*) FROM read_csv({files}, delim=';', header=true, "
                          f"columns={cols}, auto_detect=false)").fetchall()[0][0]

    def project(fd, paths) -> int:
        return sum(read_file(fd, p).rows_read for p in paths)

    kasus = _files(landing, "polda", "kasus_tppo", ".jsonl") + \
        _files(landing, "polda", "penggagalan", ".jsonl")
    perl = _files(landing, "imigrasi", "perlintasan", ".csv")

    def python_json() -> int:
        n = 0
        for p in kasus:
            for line in p.read_text().splitlines():
                try:
                    json.loads(line)
                    n += 1
                except json.JSONDecodeError:
                    pass
        return n

    penempatan = _files(landing, "bp3mi", "penempatan", ".xlsx")
    cases = [
        ("csv paspor", "python csv module (project reader core)", python_csv),
        ("csv paspor", "polars read_csv per file", polars_csv),
        ("csv paspor", "duckdb read_csv, columns given", duckdb_csv),
        ("csv paspor", "project read_file (csv + checks)", lambda: project(f, paspor)),
        ("csv perlintasan", "project read_file", lambda: project(feed("perlintasan"), perl)),
        ("jsonl polda", "python json per line (project reader core)", python_json),
        ("xlsx penempatan", "project read_file (fastexcel/calamine)",
         lambda: project(feed("penempatan"), penempatan)),
    ]
    for what, how, fn in cases:
        start = time.perf_counter()
        rows = fn()
        secs = time.perf_counter() - start
        print(f"  {what:<16} {how:<46} {rows:>9,} rows {secs:7.2f} s "
              f"{rows / secs if secs else 0:>10,.0f} rows/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--days", type=int, default=540)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--landing", type=Path, help="reuse an existing landing folder")
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {platform.python_version()}, "
          f"{platform.node()}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.landing:
            landing = args.landing
        else:
            start = time.perf_counter()
            synth.generate(root, seed=args.seed, start=dt.date(2025, 1, 1), days=args.days,
                           scale=args.scale)
            landing = root / "landing"
            print(f"synthetic feeds: scale {args.scale}, {args.days} days, "
                  f"{time.perf_counter() - start:.1f} s")
        con = duckdb.connect(str(root / "warehouse.duckdb"))
        ensure_warehouse(con)
        start = time.perf_counter()
        found = discover(con, landing, dt.date(2100, 1, 1), "bench")
        print(f"discover: {found.new_pending} new, {found.duplicates} duplicates, "
              f"{time.perf_counter() - start:.2f} s")
        auditor = GxAuditor(root / "validation", dt.date(2100, 1, 1))
        pseudo = Pseudonymiser(b"benchmark")
        print(f"\n{'feed':<12} {'files':>6} {'rows read':>10} {'loaded':>10} {'quar.':>6} "
              f"{'seconds':>8} {'rows/s':>9}  (read + type + GE audit + write)")
        for f in FEEDS:
            t0 = time.perf_counter()
            result = load_feed(con, f, landing, "bench", pseudo, auditor.validate)
            secs = time.perf_counter() - t0
            read = sum(o.rows_read for o in result.files)
            print(f"{f.name:<12} {len(result.files):>6} {read:>10,} "
                  f"{sum(o.rows_loaded for o in result.files):>10,} "
                  f"{sum(o.rows_quarantined for o in result.files):>6} {secs:>8.2f} "
                  f"{read / secs if secs else 0:>9,.0f}")
        bad = con.execute(
            "SELECT count(*) FROM meta.deliveries WHERE status = 'LOADED' "
            "AND rows_read <> rows_loaded + rows_quarantined").fetchall()[0][0]
        states = con.execute("SELECT status, count(*) FROM meta.deliveries GROUP BY 1 "
                             "ORDER BY 1").fetchall()
        print(f"\nreconciliation: {bad} LOADED file(s) where read <> loaded + quarantined; "
              f"files by status: {dict(states)}")
        con.close()
        compare_readers(landing)


if __name__ == "__main__":
    main()
