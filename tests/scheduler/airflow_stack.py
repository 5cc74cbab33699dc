"""What the scheduler tests start, on loopback only: a throw-away PostgreSQL, Airflow's
components as processes, the environment they share, and the synthetic landing.

Used by test_scheduler.py (LocalExecutor) and test_celery.py (CeleryExecutor).
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
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg2
import pytest

from tppo.config import DAG_ID, DAGS_DIR, WRITER_POOL

BIN = Path(sys.executable).parent


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


def stop_group(proc: subprocess.Popen) -> None:
    """SIGINT to the process group, SIGKILL if it does not end."""
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
        stop_group(proc)
        out.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_api(port: int, proc: subprocess.Popen, timeout: float = 180) -> None:
    """Until the api-server on ``port`` answers: a task started before it fails its try."""
    url = f"http://127.0.0.1:{port}/api/v2/version"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            assert proc.poll() is None, f"the api-server ended (exit {proc.returncode})"
            assert time.monotonic() < deadline, f"the api-server did not answer {url}"
            time.sleep(0.5)


def airflow(env: dict[str, str], *args: str) -> None:
    proc = subprocess.run([str(BIN / "airflow"), *args], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, f"airflow {' '.join(args)}:\n{proc.stdout[-3000:]}" \
                                 f"\n{proc.stderr[-3000:]}"


def dag_runs(db: dict[str, str]) -> list[tuple[str, str, str]]:
    with psycopg2.connect(**db) as con, con.cursor() as cur:
        cur.execute("SELECT run_id, run_type, state FROM dag_run WHERE dag_id = %s "
                    "ORDER BY id", [DAG_ID])
        return cur.fetchall()


def synthetic_landing(tmp_path: Path, key: str) -> dict[str, str]:
    """30 days of synthetic feeds at scale 0.02 under ``tmp_path``; the TPPO_* variables."""
    tppo = {"TPPO_LANDING": str(tmp_path / "landing"), "TPPO_HOME": str(tmp_path / "home"),
            "TPPO_PSEUDONYM_KEY": key, "TPPO_RETRY_DELAY_SECONDS": "1"}
    synth = subprocess.run(
        [str(BIN / "tppo"), "synth", "--out", str(tmp_path), "--seed", "5", "--start",
         "2025-08-01", "--days", "30", "--scale", "0.02"],
        env={**os.environ, **tppo}, capture_output=True, text=True, timeout=300)
    assert synth.returncode == 0, synth.stderr[-3000:]
    return tppo


def start_metadata(tmp_path: Path, key: str, stack: ExitStack
                   ) -> tuple[dict[str, str], Path, int, dict[str, str]]:
    """What both scheduler tests start from: the synthetic landing (its TPPO_* variables),
    a folder for the components' logs, a free port for the api-server and a PostgreSQL
    (psycopg2 arguments) that ``stack`` stops and removes."""
    tppo = synthetic_landing(tmp_path, key)
    logs = tmp_path / "airflow-logs"
    logs.mkdir()
    pg_root = Path(tempfile.mkdtemp(prefix="tppo-pg-"))  # not under pytest's 0700 tmp
    stack.callback(shutil.rmtree, pg_root, ignore_errors=True)
    db = stack.enter_context(postgres(pg_root))
    return tppo, logs, free_port(), db


def migrate(env: dict[str, str]) -> None:
    """Airflow's metadata schema and the one-slot pool of the DuckDB writers."""
    airflow(env, "db", "migrate")
    airflow(env, "pools", "set", WRITER_POOL, "1", "DuckDB: one writing process")


def airflow_env(tmp_path: Path, db: dict[str, str], port: int, logs: Path,
                executor: str) -> dict[str, str]:
    """What every component (api-server, dag-processor, scheduler, workers) is given."""
    return {
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__EXECUTOR": executor,
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
        # A task's first call to the execution API can take longer than the default
        # 5 s on a machine busy with other jobs; then the try fails before it starts.
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "30",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(logs / "tasks"),
    }
