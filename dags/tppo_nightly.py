"""
### tppo_nightly — the nightly cross-agency load (airflow DAG)

Every night at 01:00 WIB: find new deliveries in `TPPO_LANDING`, load and
audit each of the nine feeds (Great Expectations), `dbt build` the
staging, intermediate and mart models with their tests, check the marts,
publish `analytics.duckdb` and `dashboard.duckdb` by atomic rename, and write
the morning report under `TPPO_HOME/reports/<date>/`.

Every task that opens the DuckDB warehouse runs in the one-slot pool
`duckdb_writer`: DuckDB allows one writing process per file. A data problem
(schema drift, a failed critical expectation, a failing dbt test) fails its
task without retries and blocks publication; yesterday's published files stay.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pendulum
from airflow.sdk import Asset, dag, task
from airflow.sdk.definitions.callback import SyncCallback
from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference
from airflow.sdk.exceptions import AirflowFailException

from ingest.feeds import FEEDS as FEED_DECLARATIONS
from tppo.alerts import TppoNotifier
from tppo.config import (
    WIB,
    WRITER_POOL,
    deadline_minutes,
    in_process_run,
    nightly_schedule,
    published_marts,
    retry_delay_seconds,
)

FEEDS = tuple(f.name for f in FEED_DECLARATIONS)
POOL = WRITER_POOL
PUBLISHED = [Asset(name=f"tppo.{f}.{t}", uri=f"file:///tppo/{f}/marts/{t}")
             for f, tables in published_marts().items() for t in tables]


def _step(label: str, batch_id: str, fn, *args):
    """Call a pipeline step; a data problem, a missing or unsafe secret, or a full disk
    fails the task without retrying (retrying cannot fix any of them) and leaves its
    reason where the runner prints it."""
    from tppo.pipeline import DataProblem, record_failure
    from tppo.pseudonym import KeyProblem

    try:
        return fn(*args)
    except (DataProblem, KeyProblem) as exc:
        record_failure(batch_id, label, str(exc))
        raise AirflowFailException(str(exc)) from exc
    except Exception as exc:
        from tppo.config import paths
        from tppo.faults import disk_full_reason

        reason = disk_full_reason(exc, paths().home)
        if reason is None:
            raise
        with contextlib.suppress(OSError):  # a full disk may refuse the note too
            record_failure(batch_id, label, reason)
        raise AirflowFailException(reason) from exc


def _run(context) -> tuple[str, object]:
    from tppo.pipeline import batch_id_of, wib_date

    return batch_id_of(context["run_id"]), wib_date(context["dag_run"].run_after)


@dag(
    dag_id="tppo_nightly",
    # 01:00 WIB. TPPO_NIGHTLY_SCHEDULE exists for tests/scheduler only (a cron that
    # fires within a minute); production never sets it.
    schedule=nightly_schedule(),
    start_date=pendulum.datetime(2025, 1, 1, tz=WIB.key),
    catchup=False,
    max_active_runs=1,
    # A late run still finishes (the alert below tells people); the next night waits.
    dagrun_timeout=timedelta(hours=22),
    # Not finished by 06:00 WIB (five hours after the 01:00 start): alert. The
    # scheduler watches deadlines; an in-process run (`tppo run`, dag.test()) has
    # no scheduler, and dag.test() cannot store a deadline, so it runs without.
    deadline=None if in_process_run() else DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=timedelta(minutes=deadline_minutes()),
        callback=SyncCallback("tppo.alerts.run_not_finished"),
        name="morning_report_late",
    ),
    # A failed run tells people (file, SMTP, webhook from TPPO_NOTIFY_*: tppo/alerts.py);
    # dag.test() (`tppo run`) calls it too.
    on_failure_callback=TppoNotifier("failed"),
    tags=["tppo", "nightly", "lampung"],
    doc_md=__doc__,
    default_args={
        "owner": "tppo-data",
        "retries": 2,
        # Machine faults are retried; TPPO_RETRY_DELAY_SECONDS shortens the wait in tests.
        "retry_delay": timedelta(seconds=retry_delay_seconds()),
        "pool": POOL,
    },
)
def tppo_nightly():
    @task
    def discover(**context) -> dict:
        from tppo import pipeline

        batch_id, day = _run(context)
        return _step("discover", batch_id, pipeline.discover, batch_id, day)

    @task
    def ingest(feed_name: str, **context) -> dict:
        from tppo import pipeline

        batch_id, day = _run(context)
        return _step(f"ingest_{feed_name}", batch_id, pipeline.ingest, feed_name, batch_id, day)

    @task
    def dbt_build(**context) -> dict:
        from tppo import pipeline

        batch_id, _ = _run(context)
        return _step("dbt_build", batch_id, pipeline.dbt_build, batch_id)

    @task
    def validate_marts(**context) -> dict:
        from tppo import pipeline

        batch_id, _ = _run(context)
        return _step("validate_marts", batch_id, pipeline.validate_marts, batch_id)

    @task(outlets=PUBLISHED)
    def publish(**context) -> dict:
        from tppo import pipeline

        batch_id, _ = _run(context)
        return _step("publish", batch_id, pipeline.publish, batch_id)

    @task
    def report(**context) -> str:
        from tppo import pipeline

        batch_id, day = _run(context)
        return _step("report", batch_id, pipeline.report, batch_id, day)

    found = discover()
    loads = [ingest.override(task_id=f"ingest_{f}")(f) for f in FEEDS]
    built = dbt_build()
    found >> loads >> built
    built >> validate_marts() >> publish() >> report()


tppo_nightly()
