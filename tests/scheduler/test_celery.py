"""The multi-machine path: tppo_nightly on the CeleryExecutor with two workers.

What the ``celery`` profile of docker-compose.yml runs, on loopback only: Debian's
``redis-server`` as the broker on a free loopback port (no persistence), the
throw-away PostgreSQL of the scheduler test as metadata database and Celery
result backend (``db+postgresql+psycopg2://``), ``airflow api-server`` (workers run their
tasks through its execution API), ``airflow dag-processor``, ``airflow scheduler``
with ``AIRFLOW__CORE__EXECUTOR=CeleryExecutor``, and two ``airflow celery worker``
processes with distinct Celery hostnames, each recording its own hostname on the
task instances it runs (``[core] hostname_callable``), as two machines would.

The scheduled run must succeed with every task at its first try (a writer that
met another writer's lock would fail and be retried), the tasks must have run on
both workers, and the task instances in the one-slot pool ``duckdb_writer`` must
never overlap in time although four worker slots were free.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg2
import pytest
import redis

from tests.scheduler.airflow_stack import (
    airflow_env,
    airflow_process,
    dag_runs,
    free_port,
    migrate,
    start_metadata,
    stop_group,
    wait_for_api,
)
from tppo.config import DAG_ID, WRITER_POOL

pytestmark = [pytest.mark.slow, pytest.mark.soak]  # make test-soak
RUN_TIMEOUT = 900  # seconds for the scheduled run to finish (a busy machine is slow)
TASKS = 14
WORKERS = ("tppo-worker-a", "tppo-worker-b")


@contextmanager
def redis_server(root: Path) -> Iterator[str]:
    """Debian's redis-server on a free loopback port, nothing kept on disk; yields its URL."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("Redis is not installed: `apt-get install -y redis-server` "
                    "(make test installs it)")
    port = free_port()
    out = open(root / "redis.log", "wb")  # noqa: SIM115  (closed below)
    proc = subprocess.Popen([exe, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                             "--appendonly", "no", "--dir", str(root)],
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, \
                    (root / "redis.log").read_text()
                time.sleep(0.1)
        client.close()
        yield url
    finally:
        stop_group(proc)
        out.close()


def _overlaps(spans: list[tuple[str, object, object]]) -> list[tuple[str, str]]:
    """Pairs of task instances whose [start, end] intervals intersect."""
    ordered = sorted(spans, key=lambda s: s[1])
    return [(a[0], b[0]) for a, b in zip(ordered, ordered[1:], strict=False) if b[1] < a[2]]


def _celery_loads_the_executor() -> None:
    """The provider's executor imports ``retry`` from Celery's database backend, which
    Celery 5.7 removed: with it, the scheduler and the workers end at start-up."""
    import celery
    import celery.backends.database as backend

    if not hasattr(backend, "retry"):
        pytest.fail(f"celery {celery.__version__} cannot load the CeleryExecutor of "
                    "apache-airflow-providers-celery (ImportError: retry from "
                    "celery.backends.database): the lock needs celery<5.7")


def test_two_celery_workers_run_the_nightly_dag_one_writer_at_a_time(tmp_path):
    _celery_loads_the_executor()
    with ExitStack() as stack:
        tppo, logs, port, db = start_metadata(tmp_path, "celery-test-key", stack)
        broker = stack.enter_context(redis_server(tmp_path))
        env = {
            **os.environ, **tppo,
            **airflow_env(tmp_path, db, port, logs, "CeleryExecutor"),
            "AIRFLOW__CELERY__BROKER_URL": broker,
            "AIRFLOW__CELERY__RESULT_BACKEND":
                f"db+postgresql+psycopg2://airflow@/airflow?host={db['host']}",
            "TPPO_NIGHTLY_SCHEDULE": "* * * * *",
        }
        migrate(env)
        procs = {name: stack.enter_context(airflow_process(name, args, env, logs))
                 for name, args in (("api-server", ["api-server", "--port", str(port)]),
                                    ("dag-processor", ["dag-processor"]))}
        for name in WORKERS:
            # Both share this machine: no log server (the api-server reads the task
            # logs from the shared folder), a hostname of its own on every task.
            worker_env = {**env, "TPPO_TEST_WORKER_HOSTNAME": name,
                          "AIRFLOW__CORE__HOSTNAME_CALLABLE":
                              "tests.scheduler.worker_name.hostname"}
            procs[name] = stack.enter_context(airflow_process(
                name, ["celery", "worker", "--queues", "default", "--concurrency", "2",
                       "--celery-hostname", f"{name}@%h", "--skip-serve-logs"],
                worker_env, logs))
        # The scheduler last: a task queued before the execution API answers fails its try.
        wait_for_api(port, procs["api-server"])
        procs["scheduler"] = stack.enter_context(
            airflow_process("scheduler", ["scheduler"], env, logs))
        deadline = time.monotonic() + RUN_TIMEOUT
        runs: list[tuple[str, str, str]] = []
        ended: list[str] = []
        while time.monotonic() < deadline:
            runs = dag_runs(db)
            if runs and runs[0][2] in ("success", "failed"):
                break
            ended = [name for name, proc in procs.items() if proc.poll() is not None]
            if ended:  # a component that cannot start (configuration, versions) ends at once
                break
            time.sleep(2)
        with psycopg2.connect(**db) as con, con.cursor() as cur:
            cur.execute("SELECT task_id, state, try_number, hostname, pool, start_date, "
                        "end_date FROM task_instance WHERE dag_id = %s AND run_id = %s",
                        [DAG_ID, runs[0][0] if runs else ""])
            tis = cur.fetchall()
            cur.execute("SELECT slots FROM slot_pool WHERE pool = %s", [WRITER_POOL])
            slots = cur.fetchall()

    def tail(name: str) -> str:
        return f"\n--- {name}.log\n" + (logs / f"{name}.log").read_text(errors="replace")[-3000:]

    assert not ended, f"{ended} ended during the run:" + "".join(tail(n) for n in ended)
    assert runs, "the scheduler created no run:" + tail("scheduler")
    state = runs[0][2]
    assert state == "success", \
        f"{[t[:4] for t in tis]}" + tail("scheduler") + "".join(tail(w) for w in WORKERS)
    assert len(tis) == TASKS
    assert {t[1] for t in tis} == {"success"}
    retried = [t[0] for t in tis if t[2] != 1]
    assert not retried, f"tasks retried (a writer met a lock?): {retried}"
    hosts = {t[3] for t in tis}
    assert hosts == set(WORKERS), f"tasks ran on {hosts}, not on both workers"
    assert slots == [(1,)]
    writers = [(t[0], t[5], t[6]) for t in tis if t[4] == WRITER_POOL]
    assert len(writers) == TASKS  # tppo_nightly puts every task in the pool
    assert not _overlaps(writers), f"writers overlapped: {_overlaps(writers)}"
    home = tmp_path / "home"
    assert (home / "dashboard.duckdb").exists() and (home / "analytics.duckdb").exists()
    assert list((home / "reports").glob("*/index.html"))
