"""Task progress of an in-process run, printed as it happens.

``tppo run`` executes the DAG with ``dag.test()`` and sends Airflow's own log
lines to a file. :class:`Progress` watches the run's task instances in Airflow's
metadata database from a thread and writes one line to the console per task
start and end, with the duration, and for each feed the rows it loaded and
quarantined (the ``ingest_*`` task's return value)::

    [01:00:03] started   ingest_paspor
    [01:00:05] success   ingest_paspor       2.1 s  3 file(s), 1,204 rows loaded, 3 quarantined

Polling the database (not a listener inside the task) keeps this outside the
DAG: what is printed is what Airflow recorded. Lines hold task names and
counts only, never data.

Inside a long task, a :class:`Meter` measures one step (the files of a feed,
dbt's models): every few seconds and at the end it writes a line with the
percentage done and rows per second to the task's log and appends it to the
run's progress file (:func:`progress_file`), which :class:`Progress` prints as it
grows, so ``tppo run`` shows it too::

  [01:00:04] progress  ingest_paspor      read   41 %  640/1,556 files  170,120 rows  52,300 rows/s
  [01:01:10] progress  dbt_build          build  46 %  290/631 nodes  last: int_person_match_pairs
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

FINISHED = {"success", "failed", "upstream_failed", "skipped", "up_for_retry", "removed"}


def _state(value: object) -> str:
    return str(value).split(".")[-1] if value is not None else "none"


def describe(result: object) -> str:
    """Rows per feed from an ingest task's return value (tppo.pipeline.ingest)."""
    if isinstance(result, str):
        try:
            result = json.loads(result)
        except ValueError:
            return ""
    if not isinstance(result, dict) or "rows_loaded" not in result:
        return ""
    return (f"{result.get('files', 0)} file(s), {result['rows_loaded']:,} rows loaded, "
            f"{result.get('rows_quarantined', 0):,} quarantined")


# Seconds between two lines of one step (its first and last line are always written).
EVERY = 3.0


def progress_file(work: Path) -> Path:
    """The run's progress lines (JSON, one per line), under ``$TPPO_HOME/work``."""
    return work / "progress.jsonl"


def rate(n: float, seconds: float) -> str:
    return f"{n / seconds:,.0f}" if seconds > 0 else "-"


class Meter:
    """Progress of one step of a task: ``total`` units (files, dbt nodes), each bringing
    rows. :meth:`update` writes a line at most every :data:`EVERY` seconds, and
    always when the step completes."""

    def __init__(self, task: str, step: str, total: int, unit: str,
                 sink: Path | None = None, every: float = EVERY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.task, self.step, self.total, self.unit = task, step, total, unit
        self.sink, self.every, self.clock = sink, every, clock
        self.started = self.last = clock()
        self.done, self.rows, self.lines = 0, 0, []
        self._finished = False

    def line(self, note: str | None = None) -> str:
        pct = 100 * self.done / self.total if self.total else 100.0
        width = len(f"{self.total:,}")
        text = (f"{self.task:<18} {self.step:<5} {pct:3.0f} %  {self.done:>{width},}/"
                f"{self.total:,} {self.unit}")
        if self.rows:
            elapsed = self.clock() - self.started
            text += f"  {self.rows:,} rows  {rate(self.rows, elapsed)} rows/s"
        return text + (f"  {note}" if note else "")

    def update(self, done: int | None = None, rows: int = 0, note: str | None = None) -> None:
        """``done`` units so far (default: one more), ``rows`` more rows."""
        self.done = self.done + 1 if done is None else done
        self.rows += rows
        now = self.clock()
        complete = self.done >= self.total
        if complete and self._finished:
            return
        if complete or now - self.last >= self.every or self.done == 1:
            self.last = now
            self._finished = complete
            self.emit(self.line(note))

    def emit(self, text: str) -> None:
        self.lines.append(text)
        emit(text, self.sink)


def emit(text: str, sink: Path | None) -> None:
    """One progress line to the task's log and, with ``sink``, to the run's file."""
    log.info("progress: %s", text)
    if sink is None:
        return
    record = json.dumps({"at": dt.datetime.now().astimezone().isoformat(), "line": text})
    with contextlib.suppress(OSError):  # progress never fails a task
        fd = os.open(sink, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (record + "\n").encode())
        finally:
            os.close(fd)


def timed_step(task: str, step: str, rows: int, seconds: float, sink: Path | None) -> None:
    """One line for a step done in one go (typing, the audit, the write)."""
    emit(f"{task:<18} {step:<5} {rows:,} rows in {seconds:.1f} s  {rate(rows, seconds)} rows/s",
         sink)


def start_run(sink: Path) -> None:
    """A new run's progress file starts empty (the run's first task calls this, so that
    nights under the scheduler do not add up): the last run's lines move to ``.1``.
    Renamed, not deleted, so that the new file cannot take over the old one's inode,
    by which a reader following it tells that the file is new."""
    with contextlib.suppress(OSError):
        os.replace(sink, sink.with_name(sink.name + ".1"))


class Progress(threading.Thread):
    """Print task starts and ends of the DAG run of ``logical_date`` to ``fd``."""

    def __init__(self, dag_id: str, logical_date: dt.datetime, fd: int,
                 interval: float = 0.5, lines_from: Path | None = None) -> None:
        super().__init__(name="tppo-progress", daemon=True)
        self.dag_id, self.logical_date, self.fd, self.interval = (
            dag_id, logical_date, fd, interval)
        self.lines_from, self._offset, self._file = lines_from, 0, (0, 0)
        if lines_from is not None:  # only this run's lines
            start_run(lines_from)
        self.seen: dict[str, str] = {}
        self.lines: list[str] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.poll()

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)
        self.poll()  # the last transitions

    def _write(self, line: str) -> None:
        self.lines.append(line)
        with contextlib.suppress(OSError):
            os.write(self.fd, (line + "\n").encode())

    def poll(self) -> None:
        # first what the tasks wrote, so that a task's last lines come before its end
        self._tail()
        # a busy or locked database: try again at the next poll
        with contextlib.suppress(Exception):
            self._poll()

    def _tail(self) -> None:
        """Print the progress lines tasks appended since the last poll."""
        if self.lines_from is None:
            return
        try:
            with open(self.lines_from, "rb") as fh:
                st = os.fstat(fh.fileno())
                if (st.st_ino, st.st_dev) != self._file or st.st_size < self._offset:
                    self._file, self._offset = (st.st_ino, st.st_dev), 0  # a new file
                fh.seek(self._offset)
                chunk = fh.read()
        except OSError:
            return
        end = chunk.rfind(b"\n") + 1  # a line still being written waits
        self._offset += end
        for raw in chunk[:end].splitlines():
            try:
                record = json.loads(raw)
                at = dt.datetime.fromisoformat(record["at"])
            except (ValueError, KeyError, TypeError):
                continue
            self._write(f"[{at:%H:%M:%S}] progress  {record['line']}")

    def _poll(self) -> None:
        from airflow.models.dagrun import DagRun
        from airflow.models.xcom import XComModel
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            run = session.scalars(select(DagRun).where(DagRun.dag_id == self.dag_id)
                                  .where(DagRun.logical_date == self.logical_date)).first()
            if run is None:
                return
            tis = sorted(run.get_task_instances(session=session),
                         key=lambda ti: (ti.start_date or dt.datetime.max.replace(
                             tzinfo=dt.UTC), ti.task_id))
            for ti in tis:
                state, before = _state(ti.state), self.seen.get(ti.task_id)
                if state == before:
                    continue
                self.seen[ti.task_id] = state
                now = dt.datetime.now().astimezone()
                stamp = f"[{now:%H:%M:%S}]"
                if state == "running":
                    self._write(f"{stamp} started   {ti.task_id}")
                elif state in FINISHED and before != state:
                    seconds = ti.duration
                    if seconds is None and ti.start_date and ti.end_date:
                        seconds = (ti.end_date - ti.start_date).total_seconds()
                    took = f"{seconds:6.1f} s" if seconds is not None else "      -"
                    extra = ""
                    if state == "success" and ti.task_id.startswith("ingest_"):
                        value = session.scalars(select(XComModel.value).where(
                            XComModel.dag_id == self.dag_id, XComModel.run_id == run.run_id,
                            XComModel.task_id == ti.task_id,
                            XComModel.key == "return_value")).first()
                        extra = describe(value)
                    self._write(f"{stamp} {state:<9} {ti.task_id:<24} {took}"
                                + (f"  {extra}" if extra else ""))
