"""What a night costs: the read pass, an empty run, a full run and one more day, side by side.

Usage: .venv/bin/python benchmarks/bench_night.py [--scales 1.0,10] [--days 540] [--seed 7]
       [--out /tmp/tppo-bench] [--markdown]

For each scale: generates a landing (``tppo synth``, kept in ``--out`` and reused when
its arguments match), then measures, each ``tppo run`` a process of its own on a fresh
``TPPO_HOME``:

- the read pass: every file read once with the engines built for it and the contract's
  columns (DuckDB ``read_csv``/``read_json``, calamine for XLSX), nothing typed or kept:
  the floor any ingest stands on (the best of three passes: one pass is short enough
  for the page cache and other work to move it twofold);
- an empty run: the same DAG over an empty landing (Airflow, dbt over empty tables,
  publication): the fixed cost of a night;
- a full run: every delivery day but the last (``--logical-date`` the day before it; the
  last day's folders are not due yet);
- one more day: the next run, with the last day now due, on the same home.

Each run's wall-clock time, its tasks' durations (from the progress lines ``tppo run``
prints) and its peak memory (the whole process tree's resident memory, sampled every
0.2 s, and the largest single process) are printed, then the ratios the targets are
stated in: data work (a run minus the empty run) over the read pass, and the one-day
run's data work over the full run's. Figures, not assertions: no test times anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import fastexcel
import psutil

from ingest.feeds import FEEDS

TPPO = str(Path(sys.executable).with_name("tppo"))
TASK_LINE = re.compile(r"^\[[0-9:]+\] (\w+)\s+(\S+)\s+([0-9.]+) s")


@dataclass
class RunFigures:
    seconds: float
    peak_tree: int  # bytes, the process tree's resident memory at its highest
    peak_process: int  # bytes, the largest single process
    tasks: dict[str, float] = field(default_factory=dict)
    returncode: int = 0


def _tree_rss(root: psutil.Process) -> tuple[int, int]:
    total = largest = 0
    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0
    for proc in procs:
        try:
            rss = proc.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        total += rss
        largest = max(largest, rss)
    return total, largest


def run_measured(cmd: list[str], env: dict[str, str], log: Path) -> RunFigures:
    """Run ``cmd``, sampling its process tree's memory; its output goes to ``log``."""
    started = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        root = psutil.Process(proc.pid)
        peaks = [0, 0]
        halt = threading.Event()

        def sample() -> None:
            while not halt.wait(0.2):
                tree, largest = _tree_rss(root)
                peaks[0], peaks[1] = max(peaks[0], tree), max(peaks[1], largest)

        watcher = threading.Thread(target=sample, daemon=True)
        watcher.start()
        code = proc.wait()
        halt.set()
        watcher.join()
    seconds = time.perf_counter() - started
    tasks = {}
    for line in log.read_text(errors="replace").splitlines():
        m = TASK_LINE.match(line)
        if m and m[1] == "success":
            tasks[m[2]] = float(m[3])
    return RunFigures(seconds, peaks[0], peaks[1], tasks, code)


def landing_for(out: Path, scale: float, days: int, seed: int, start: dt.date) -> Path:
    """A synthetic landing with these arguments (generated once, then reused)."""
    folder = out / f"scale-{scale:g}"
    args = {"scale": scale, "days": days, "seed": seed, "start": start.isoformat()}
    marker = folder / "bench-args.json"
    if marker.exists() and json.loads(marker.read_text()) == args:
        return folder / "landing"
    cmd = [TPPO, "synth", "--out", str(folder), "--seed", str(seed), "--start",
           start.isoformat(), "--days", str(days), "--scale", str(scale), "--force"]
    print(f"generating {folder} ...", flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    marker.write_text(json.dumps(args))
    return folder / "landing"


def delivery_days(landing: Path) -> list[dt.date]:
    days = set()
    for folder in landing.glob("*/*/*"):
        try:
            days.add(dt.date.fromisoformat(folder.name))
        except ValueError:
            continue
    return sorted(days)


def read_pass(landing: Path) -> tuple[float, int, int, int]:
    """Seconds to read every delivered file once, the files, bytes and rows read."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    files = n_bytes = rows = 0
    started = time.perf_counter()
    for f in FEEDS:
        paths = sorted(p for p in (landing / f.source / f.name).rglob("*")
                       if p.is_file() and p.suffix.lstrip(".") == f.format)
        if not paths:
            continue
        files += len(paths)
        n_bytes += sum(p.stat().st_size for p in paths)
        listed = "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"
        if f.format == "csv":
            columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in f.columns) + "}"
            rows += con.execute(
                f"SELECT count(*) FROM read_csv({listed}, delim = ';', quote = '\"', "
                f"header = true, columns = {columns}, auto_detect = false, "
                "ignore_errors = true, null_padding = true, strict_mode = false)"
            ).fetchall()[0][0]
        elif f.format == "jsonl":
            fields = [*f.columns, *([f.child.array_field] if f.child else [])]
            columns = "{" + ", ".join(
                f"'{c}': '{'JSON' if f.child and c == f.child.array_field else 'VARCHAR'}'"
                for c in fields) + "}"
            rows += con.execute(
                f"SELECT count(*) FROM read_json({listed}, format = 'newline_delimited', "
                f"columns = {columns}, ignore_errors = true)").fetchall()[0][0]
        else:
            for p in paths:
                book = fastexcel.read_excel(p)
                rows += book.load_sheet("Data", header_row=2, dtypes="string").height
    con.close()
    return time.perf_counter() - started, files, n_bytes, rows


def _env(landing: Path, home: Path) -> dict[str, str]:
    return {**os.environ, "TPPO_LANDING": str(landing), "TPPO_HOME": str(home),
            "TPPO_PSEUDONYM_KEY": os.environ.get("TPPO_PSEUDONYM_KEY", "bench"),
            "TPPO_SETTLE_SECONDS": "0"}


def bench_scale(out: Path, scale: float, days: int, seed: int, start: dt.date) -> dict:
    landing = landing_for(out, scale, days, seed, start)
    last = delivery_days(landing)[-1]
    work = out / f"scale-{scale:g}" / f"runs-{dt.datetime.now():%Y%m%dT%H%M%S}"
    (work / "empty-landing").mkdir(parents=True)
    print(f"scale {scale:g}: read pass (best of three) ...", flush=True)
    passes = [read_pass(landing) for _ in range(3)]
    read_seconds, files, n_bytes, rows = min(passes)
    print(f"scale {scale:g}: empty run ...", flush=True)
    empty = run_measured([TPPO, "run", "--logical-date", last.isoformat()],
                         _env(work / "empty-landing", work / "empty-home"), work / "empty.log")
    print(f"scale {scale:g}: full run (up to {last - dt.timedelta(days=1)}) ...", flush=True)
    home = work / "home"
    full = run_measured([TPPO, "run", "--logical-date",
                         (last - dt.timedelta(days=1)).isoformat()],
                        _env(landing, home), work / "full.log")
    print(f"scale {scale:g}: one more day ({last}) ...", flush=True)
    one_day = run_measured([TPPO, "run", "--logical-date", last.isoformat()],
                           _env(landing, home), work / "one-day.log")
    return {"scale": scale, "files": files, "bytes": n_bytes, "rows": rows,
            "read_pass": read_seconds, "empty": empty, "full": full, "one_day": one_day,
            "logs": work}


def _gb(n: int) -> str:
    return f"{n / 1e9:.2f} GB"


def report(r: dict, days: int) -> list[str]:
    empty, full, one = r["empty"], r["full"], r["one_day"]
    data_full = full.seconds - empty.seconds
    data_one = one.seconds - empty.seconds
    lines = [
        f"scale {r['scale']:g} ({days} days): {r['files']:,} files, {r['bytes'] / 1e6:,.0f} MB, "
        f"{r['rows'] / 1e6:.2f} M rows",
        f"  read pass (DuckDB readers, calamine)      {r['read_pass']:8.1f} s",
    ]
    for name, run in (("empty run (fixed cost)", empty), ("full run", full),
                      ("one more delivery day", one)):
        failed = "" if run.returncode == 0 else f"  FAILED (exit {run.returncode})"
        lines.append(f"  {name:<40} {run.seconds:8.1f} s   peak {_gb(run.peak_tree)} "
                     f"(largest process {_gb(run.peak_process)}){failed}")
        ingest = sum(v for k, v in run.tasks.items() if k.startswith("ingest_"))
        t = run.tasks
        lines.append(f"    discover {t.get('discover', 0):.1f} s, ingest {ingest:.1f} s, "
                     f"dbt_build {t.get('dbt_build', 0):.1f} s, publish "
                     f"{t.get('publish', 0):.1f} s, report {t.get('report', 0):.1f} s")
    lines += [
        f"  data work of the full run / read pass     {data_full / r['read_pass']:8.1f}x "
        "(target <= 15x)",
        f"  one day's data work / the full run's      {100 * data_one / data_full:8.1f} % "
        "(target <= 10 %)" if data_full > 0 else "  one day's data work / the full run's: n/a",
        f"  peak memory                               {_gb(max(full.peak_tree, one.peak_tree))} "
        "(target <= 6 GB at scale 10)",
        f"  logs: {r['logs']}",
    ]
    return lines


def _data(r: dict, run: str) -> float:
    """A run's data work: its time minus the empty run's."""
    return r[run].seconds - r["empty"].seconds


def markdown(results: list[dict]) -> list[str]:
    head = ["| | " + " | ".join(f"scale {r['scale']:g}" for r in results) + " |",
            "|---|" + "---|" * len(results)]

    def row(label, fn):
        return f"| {label} | " + " | ".join(fn(r) for r in results) + " |"

    return head + [
        row("landing", lambda r: f"{r['files']:,} files, {r['bytes'] / 1e6:,.0f} MB, "
                                 f"{r['rows'] / 1e6:.2f} M rows"),
        row("read pass", lambda r: f"{r['read_pass']:.1f} s"),
        row("empty run", lambda r: (f"{r['empty'].seconds:.0f} s, peak "
                                    f"{_gb(r['empty'].peak_tree)}")),
        row("full run", lambda r: f"{r['full'].seconds:.0f} s, peak {_gb(r['full'].peak_tree)}"),
        row("... ingest / dbt_build", lambda r: (
            f"{sum(v for k, v in r['full'].tasks.items() if k.startswith('ingest_')):.0f} s / "
            f"{r['full'].tasks.get('dbt_build', 0):.0f} s")),
        row("one more day", lambda r: f"{r['one_day'].seconds:.0f} s, peak "
                                      f"{_gb(r['one_day'].peak_tree)}"),
        row("data work / read pass", lambda r: f"{_data(r, 'full') / r['read_pass']:.0f}x"),
        row("one day's data work / full run's",
            lambda r: f"{100 * _data(r, 'one_day') / _data(r, 'full'):.0f} %"),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="1.0", help="comma-separated, e.g. 1.0,10")
    ap.add_argument("--days", type=int, default=540)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--start", default="2025-01-01")
    ap.add_argument("--out", type=Path, default=Path("/tmp/tppo-bench"))
    ap.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    args = ap.parse_args()
    cpu = platform.processor() or platform.machine()
    print(f"machine: {os.cpu_count()} cores ({cpu}), "
          f"{psutil.virtual_memory().total / 2**30:.1f} GiB, Python {platform.python_version()}, "
          f"DuckDB {duckdb.__version__}; {dt.datetime.now():%Y-%m-%d %H:%M}")
    results = []
    for scale in (float(s) for s in args.scales.split(",")):
        r = bench_scale(args.out, scale, args.days, args.seed, dt.date.fromisoformat(args.start))
        results.append(r)
        print("\n".join(report(r, args.days)), flush=True)
    if args.markdown:
        print("\n" + "\n".join(markdown(results)))


if __name__ == "__main__":
    main()
