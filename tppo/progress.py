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
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading

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


class Progress(threading.Thread):
    """Print task starts and ends of the DAG run of ``logical_date`` to ``fd``."""

    def __init__(self, dag_id: str, logical_date: dt.datetime, fd: int,
                 interval: float = 0.5) -> None:
        super().__init__(name="tppo-progress", daemon=True)
        self.dag_id, self.logical_date, self.fd, self.interval = (
            dag_id, logical_date, fd, interval)
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
        try:
            self._poll()
        except Exception:  # noqa: BLE001  (a busy or locked database: try again later)
            return

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
