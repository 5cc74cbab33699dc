"""The nightly pipeline's steps, one function per DAG task.

Each function takes plain values (the run's batch id and logical date),
opens what it needs, and raises :class:`DataProblem` when the data, not the
machine, is at fault: the DAG turns that into a failure without retries,
because retrying cannot fix a bad delivery. Other exceptions are retried.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import re
from pathlib import Path

import duckdb

from expectations.audit import GxAuditor
from ingest.erasures import ErasureRegister
from ingest.feeds import FEEDS, feed
from ingest.load import discover as discover_files
from ingest.load import load_feed
from ingest.schema import ensure_warehouse
from tppo.config import WIB, Paths, paths, retention_years
from tppo.errors import DataProblem
from tppo.faults import MARKERS as DISK_FULL
from tppo.privacy import storage
from tppo.progress import progress_file, start_run
from tppo.pseudonym import load_key
from tppo.publish import check_marts, new_unmapped_values
from tppo.publish import publish as do_publish
from tppo.report import write_report
from tppo.report.dbt_docs import write_dbt_docs
from tppo.transform import run_dbt
from tppo.warehouse import open_warehouse, remove_stale_spills
from tppo.warehouse_check import WarehouseDamaged, ensure_whole

log = logging.getLogger(__name__)


def wib_date(logical: dt.datetime | dt.date | str) -> dt.date:
    """The WIB calendar date of a logical date (Airflow hands over UTC)."""
    if isinstance(logical, str):
        logical = dt.datetime.fromisoformat(logical)
    if isinstance(logical, dt.datetime):
        if logical.tzinfo is None:
            logical = logical.replace(tzinfo=dt.UTC)
        return logical.astimezone(WIB).date()
    return logical


def batch_id_of(run_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id)


def connect(p: Paths | None = None) -> duckdb.DuckDBPyConnection:
    """A writing connection to the restricted warehouse, created if absent."""
    p = p or paths()
    p.ensure()
    con = open_warehouse(p.warehouse)
    ensure_warehouse(con)
    return con


def discover(batch_id: str, logical_date: dt.date) -> dict:
    """Register new landing files; first refuse a missing or foreign pseudonym key or a
    damaged warehouse (:mod:`tppo.warehouse_check`) and drop raw records past the
    retention period (``TPPO_RETENTION_YEARS``)."""

    p = paths()
    pseudo = load_key(p.secrets)  # refuse early in production without a key
    try:  # a scheduler's run comes here first; `tppo run` checked before Airflow started
        ensure_whole(p.warehouse, p.home)
    except WarehouseDamaged as exc:
        raise DataProblem(str(exc)) from None
    years = retention_years()
    start_run(progress_file(p.work))
    remove_stale_spills(p.warehouse)  # a killed run's DuckDB spill folders (encrypted)
    with connect(p) as con:
        problem = storage.key_mismatch(con, pseudo)
        if problem:
            raise DataProblem(problem)
        con.execute(
            "INSERT OR REPLACE INTO meta.runs (batch_id, logical_date, started_at, status) "
            "VALUES (?, ?, now(), 'RUNNING')", [batch_id, logical_date])
        removed = {}
        if years is not None:
            cutoff = storage.retention_cutoff(logical_date, years)
            removed = storage.apply_retention(con, cutoff)
            if removed:
                storage.request_compaction(p.warehouse, f"retention before {cutoff}")
                log.info("retention (%d years): removed %s", years, removed)
        found = discover_files(con, p.landing, logical_date, batch_id)
    log.info("landing %s: %d new file(s), %d duplicate(s), %d rejected, %d changed after "
             "loading, %d still being written, %d not due yet", p.landing, found.new_pending,
             found.duplicates, found.misplaced, found.changed, found.waiting, found.not_due)
    return {"new": found.new_pending, "duplicates": found.duplicates,
            "misplaced": found.misplaced, "changed": found.changed, "waiting": found.waiting,
            "pending_by_feed": found.pending_by_feed,
            "retention_removed": sum(removed.values())}


def ingest(feed_name: str, batch_id: str, logical_date: dt.date) -> dict:
    """Load and audit one feed's pending files; fail naming each rejected file."""

    p = paths()
    f = feed(feed_name)
    pseudo = load_key(p.secrets)
    auditor: GxAuditor | None = None

    def validate(fd, batch):
        nonlocal auditor
        if auditor is None:
            auditor = GxAuditor(p.validation, logical_date)
        return auditor.validate(fd, batch)


    with connect(p) as con:
        erased = ErasureRegister.load(con, p.secrets)
        result = load_feed(con, f, p.landing, batch_id, pseudo, validate, erased,
                           progress=progress_file(p.work))
    log.info(result.summary())
    errors = [o for o in result.files if o.validation_result == "ERROR"]
    if errors:
        raise RuntimeError(
            f"{feed_name}: the audit itself failed (not the data): {errors[0].message}. "
            "The files stay pending and are tried again.")
    if result.failed:
        lines = [f"  {o.file_name}: {o.message}" for o in result.failed]
        raise DataProblem(f"{feed_name}: {len(result.failed)} file(s) rejected; publication "
                          "is blocked for this run:\n" + "\n".join(lines))
    return {"files": len(result.files),
            "rows_loaded": sum(o.rows_loaded for o in result.files),
            "rows_quarantined": sum(o.rows_quarantined for o in result.files)}


def failures_dir(p: Paths, batch_id: str) -> Path:
    return p.logs / "failures" / batch_id


# Failure notes a full disk refused: `tppo run` runs the tasks in its own process and
# prints these too, so a run that fails because the disk is full still says so.
UNWRITTEN_FAILURES: dict[str, dict[str, str]] = {}


def record_failure(batch_id: str, step: str, message: str) -> None:
    """Keep a data problem's message where the runner (and operators) find it."""
    folder = failures_dir(paths(), batch_id)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{step}.txt").write_text(message + "\n", encoding="utf-8")
    except OSError:
        UNWRITTEN_FAILURES.setdefault(batch_id, {})[step] = message
        raise


def dbt_build(batch_id: str) -> dict:
    """``dbt build`` (seeds, models, tests, unit tests) into the restricted warehouse."""
    p = paths()
    with connect(p):
        pass  # the warehouse and its raw tables exist even before the first delivery
    proc = run_dbt(["build", "--fail-fast"], p, progress=progress_file(p.work),
                   task="dbt_build")
    (p.logs / "dbt" / f"build_{batch_id}.log").write_text(proc.stdout + proc.stderr)
    results_file = p.work / "dbt_target" / "run_results.json"
    failures: list[str] = []
    counts: dict[str, int] = {}
    if results_file.exists():
        for r in json.loads(results_file.read_text())["results"]:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
            if r["status"] in ("error", "fail"):
                message = (r.get("message") or "")[:400]
                failures.append(f"  {r['unique_id']}: {r['status']}: {message}")
    if proc.returncode != 0:
        full = [line for line in (proc.stdout + proc.stderr).splitlines()
                if any(m in line.lower() for m in DISK_FULL)]
        if full:  # not the data: a full disk (tppo.faults names it, no retry)
            raise OSError(errno.ENOSPC, f"No space left on device: dbt build: "
                          f"{full[0].strip()[:300]}")
        tail = "\n".join(proc.stdout.splitlines()[-15:])
        raise DataProblem("dbt build failed; publication is blocked:\n"
                          + ("\n".join(failures) or tail)
                          + f"\n(full log: {p.logs / 'dbt' / f'build_{batch_id}.log'})")
    log.info("dbt build: %s", counts)

    if storage.compaction_pending(p.warehouse):
        storage.compact(p.warehouse)  # rows deleted by retention or erasure: gone for good
        log.info("restricted warehouse compacted")
    return counts


def validate_marts(batch_id: str) -> dict:

    p = paths()
    with open_warehouse(p.warehouse, read_only=True) as con:
        problems = check_marts(con)
        fresh = new_unmapped_values(con, p.analytics)
    if problems:
        raise DataProblem("mart checks failed; publication is blocked:\n  "
                          + "\n  ".join(problems))
    for (source, feed_name, field_name), (values, rows) in sorted(fresh.items()):
        log.warning("%s/%s brought %d value(s) of %s that could not be mapped (%d rows): "
                    "see marts.mart_unmapped_values and the README, 'When a value is not "
                    "mapped'", source, feed_name, values, field_name, rows)
    return {"checks": "passed", "new_unmapped_values": sum(v for v, _ in fresh.values())}


def publish(batch_id: str) -> dict:

    p = paths()
    outcome = do_publish(p)
    with connect(p) as con:
        con.execute("UPDATE meta.runs SET status = 'PUBLISHED', finished_at = now(), "
                    "published_fingerprint = ?, message = ? WHERE batch_id = ?",
                    [outcome["fingerprint"], outcome["action"], batch_id])
    return outcome


def report(batch_id: str, logical_date: dt.date) -> str:
    """Write the morning report of the published data (``reports/<data date>/``, named by
    the latest loaded delivery, tppo.report.write_report); it also stands for any report an
    earlier run published but failed to write (``meta.runs`` still says PUBLISHED, not
    REPORTED): the published files it would have read are these or older."""

    p = paths()
    with connect(p) as con:
        owed = con.execute(
            "SELECT batch_id, logical_date FROM meta.runs WHERE status = 'PUBLISHED' "
            "AND batch_id <> ? AND logical_date IS NOT NULL ORDER BY logical_date",
            [batch_id]).fetchall()
    done = [batch_id]
    for earlier, day in owed:
        log.info("morning report of run %s (%s), not written then: this run's report "
                 "covers its data", earlier, day)
        done.append(earlier)

    started = dt.datetime.now()
    docs = write_dbt_docs(p)  # reports/dbt-docs.html: lineage for analysts, linked
    log.info("dbt docs: %s (%.1f s)", docs, (dt.datetime.now() - started).total_seconds())
    path = write_report(p, logical_date)
    with connect(p) as con:
        con.execute("UPDATE meta.runs SET status = 'REPORTED' WHERE status = 'PUBLISHED' "
                    f"AND batch_id IN ({', '.join('?' for _ in done)})", done)
    log.info("morning report: %s", path)
    return str(path)


FEED_NAMES: tuple[str, ...] = tuple(f.name for f in FEEDS)
