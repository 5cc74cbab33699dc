"""Airflow's own scheduler runs tppo_nightly on its schedule: no trigger, no dag.test().

The test starts, in a temporary AIRFLOW_HOME and on loopback only, what a
production deployment runs (docker-compose.yml): a PostgreSQL metadata server
(Debian's ``postgresql``, started with pg_ctl on a Unix socket in a temporary
folder), then ``airflow api-server`` (task execution goes through it in
Airflow 3), ``airflow dag-processor`` and ``airflow scheduler`` with the
LocalExecutor and ``AIRFLOW__CORE__PARALLELISM=4``. The real DAG file is
parsed; only ``TPPO_NIGHTLY_SCHEDULE`` makes its cron fire every minute
instead of 01:00 WIB. The DAG is created unpaused, the scheduler creates a
scheduled run by itself, and the test waits (bounded) for it to finish, then
stops every process with SIGINT to its process group.
"""

from __future__ import annotations

import os
import time
from contextlib import ExitStack

import psycopg2
import pytest

from tests.scheduler.airflow_stack import (
    airflow_env,
    airflow_process,
    dag_runs,
    migrate,
    start_metadata,
)
from tppo.config import DAG_ID

pytestmark = pytest.mark.slow
RUN_TIMEOUT = 600  # seconds for the scheduled run to finish
TASKS = 14


def test_scheduler_runs_the_nightly_dag_on_its_own_schedule(tmp_path):
    with ExitStack() as stack:
        tppo, logs, port, db = start_metadata(tmp_path, "scheduler-test-key", stack)
        env = {
            **os.environ, **tppo,
            **airflow_env(tmp_path, db, port, logs, "LocalExecutor"),
            "TPPO_NIGHTLY_SCHEDULE": "* * * * *",
            # A deadline already past when the run starts: the late-run alert must fire.
            "TPPO_DEADLINE_MINUTES": "0",
        }
        migrate(env)
        for name, args in (("api-server", ["api-server", "--port", str(port)]),
                           ("dag-processor", ["dag-processor"]),
                           ("scheduler", ["scheduler"])):
            stack.enter_context(airflow_process(name, args, env, logs))
        deadline = time.monotonic() + RUN_TIMEOUT
        runs: list[tuple[str, str, str]] = []
        while time.monotonic() < deadline:
            runs = dag_runs(db)
            if runs and runs[0][2] in ("success", "failed"):
                break
            time.sleep(3)
        with psycopg2.connect(**db) as con, con.cursor() as cur:
            cur.execute("SELECT is_paused FROM dag WHERE dag_id = %s", [DAG_ID])
            paused = cur.fetchall()
            cur.execute("SELECT task_id, state FROM task_instance WHERE dag_id = %s "
                        "AND run_id = %s", [DAG_ID, runs[0][0] if runs else ""])
            tasks = dict(cur.fetchall())
    assert paused == [(False,)]
    assert runs, "the scheduler created no run: " + (logs / "scheduler.log").read_text()[-3000:]
    run_id, run_type, state = runs[0]
    assert run_type == "scheduled" and run_id.startswith("scheduled__")
    assert state == "success", f"{tasks}\n" + (logs / "scheduler.log").read_text()[-3000:]
    assert len(tasks) == TASKS and set(tasks.values()) == {"success"}
    home = tmp_path / "home"
    assert (home / "dashboard.duckdb").exists() and (home / "analytics.duckdb").exists()
    alerts = list((home / "alerts").glob("*.txt"))
    assert alerts, "the deadline alert did not fire: " + \
        (logs / "scheduler.log").read_text()[-3000:]
    assert "not finished 0 minutes after its start" in alerts[0].read_text()
    assert list((home / "reports").glob("*/index.html"))
