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
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg2
import pytest

from tppo.config import DAG_ID, DAGS_DIR, WRITER_POOL

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
RUN_TIMEOUT = 600  # seconds for the scheduled run to finish
TASKS = 14


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not found:
        pytest.fail("PostgreSQL is not installed: `apt-get install -y postgresql` "
                    "(make test installs it)")
    return found[-1].parent


@contextmanager
def postgres(root: Path) -> Iterator[dict[str, str]]:
    """A throw-away PostgreSQL on a Unix socket in ``root``; yields psycopg2 arguments."""
    pg = _pg_bin()
    as_owner: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as Debian's postgres user
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_owner = ["runuser", "-u", "postgres", "--"]
    data, log = root / "data", root / "server.log"

    def run(*cmd: str) -> None:
        proc = subprocess.run([*as_owner, *cmd], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"{cmd[0]} failed:\n{proc.stdout}\n{proc.stderr}"

    run(str(pg / "initdb"), "-D", str(data), "-U", "airflow", "--auth=trust", "-E", "UTF8",
        "--no-sync")
    run(str(pg / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
        f"-k {root} -c listen_addresses='' -c fsync=off -c max_connections=100", "start")
    try:
        run(str(pg / "createdb"), "-h", str(root), "-U", "airflow", "airflow")
        yield {"host": str(root), "user": "airflow", "dbname": "airflow"}
    finally:
        run(str(pg / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "60", "stop")


@contextmanager
def airflow_process(name: str, args: list[str], env: dict[str, str],
                    logs: Path) -> Iterator[subprocess.Popen]:
    """An Airflow component in its own process group, stopped with SIGINT to the group."""
    out = open(logs / f"{name}.log", "wb")  # noqa: SIM115  (closed below)
    proc = subprocess.Popen([str(BIN / "airflow"), *args], env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        for sig, wait in ((signal.SIGINT, 45), (signal.SIGKILL, 15)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        out.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _airflow(env: dict[str, str], *args: str) -> None:
    proc = subprocess.run([str(BIN / "airflow"), *args], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, f"airflow {' '.join(args)}:\n{proc.stdout[-3000:]}" \
                                 f"\n{proc.stderr[-3000:]}"


def _runs(db: dict[str, str]) -> list[tuple[str, str, str]]:
    with psycopg2.connect(**db) as con, con.cursor() as cur:
        cur.execute("SELECT run_id, run_type, state FROM dag_run WHERE dag_id = %s "
                    "ORDER BY id", [DAG_ID])
        return cur.fetchall()


def test_scheduler_runs_the_nightly_dag_on_its_own_schedule(tmp_path):
    tppo = {"TPPO_LANDING": str(tmp_path / "landing"), "TPPO_HOME": str(tmp_path / "home"),
            "TPPO_PSEUDONYM_KEY": "scheduler-test-key", "TPPO_RETRY_DELAY_SECONDS": "1"}
    synth = subprocess.run(
        [str(BIN / "tppo"), "synth", "--out", str(tmp_path), "--seed", "5", "--start",
         "2025-08-01", "--days", "30", "--scale", "0.02"],
        env={**os.environ, **tppo}, capture_output=True, text=True, timeout=300)
    assert synth.returncode == 0, synth.stderr[-3000:]
    logs = tmp_path / "airflow-logs"
    logs.mkdir()
    port = _free_port()
    pg_root = Path(tempfile.mkdtemp(prefix="tppo-pg-"))  # not under pytest's 0700 tmp
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, pg_root, ignore_errors=True)
        db = stack.enter_context(postgres(pg_root))
        env = {
            **os.environ, **tppo,
            "AIRFLOW_HOME": str(tmp_path / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN":
                f"postgresql+psycopg2://airflow@/airflow?host={db['host']}",
            # Airflow derives an asyncpg URL for its async engine, and asyncpg is not in
            # the lock (the production image has it): empty turns the async engine off;
            # the scheduler and the execution API work on the sync one.
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": "",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": "scheduler-test-only-jwt-secret-0123456789",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(logs / "tasks"),
            "TPPO_NIGHTLY_SCHEDULE": "* * * * *",
            # A deadline already past when the run starts: the late-run alert must fire.
            "TPPO_DEADLINE_MINUTES": "0",
        }
        _airflow(env, "db", "migrate")
        _airflow(env, "pools", "set", WRITER_POOL, "1", "DuckDB: one writing process")
        for name, args in (("api-server", ["api-server", "--port", str(port)]),
                           ("dag-processor", ["dag-processor"]),
                           ("scheduler", ["scheduler"])):
            stack.enter_context(airflow_process(name, args, env, logs))
        deadline = time.monotonic() + RUN_TIMEOUT
        runs: list[tuple[str, str, str]] = []
        while time.monotonic() < deadline:
            runs = _runs(db)
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
