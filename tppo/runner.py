"""Run the nightly DAG once, in-process, through Airflow itself.

``make run`` comes here: Airflow's own ``dag.test()`` executes the real DAG
file (no second code path), with a local SQLite metadata database under
``$TPPO_HOME/airflow``. A file lock on ``$TPPO_HOME/run.lock`` makes a second
run started at the same time refuse with a clear message instead of fighting
over the DuckDB files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from tppo.config import DAG_ID, DAGS_DIR, WRITER_POOL, Paths, paths

log = logging.getLogger(__name__)


class RunLocked(RuntimeError):
    """Another run holds this TPPO_HOME."""


def airflow_env(p: Paths) -> dict[str, str]:
    """Environment that points Airflow at the project's DAGs and a local metadata DB."""
    home = p.airflow_home
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(p.logs / "airflow"),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "GX_ANALYTICS_ENABLED": "false",
        "TPPO_RUN_MODE": "in-process",
        "DO_NOT_TRACK": "1",
        "TPPO_HOME": str(p.home),
        "TPPO_LANDING": str(p.landing),
    }


def _recorded(fh) -> tuple[int, str] | None:
    """The PID (and start time) a run wrote into the lock file, if any."""
    fh.seek(0)
    parts = fh.read().split()
    try:
        return int(parts[0]), (parts[1] if len(parts) > 1 else "")
    except (IndexError, ValueError):
        return None


def _dead(holder: tuple[int, str] | None) -> bool:
    """Whether the recorded run is gone (a reused PID has another start time)."""
    from tppo.children import start_time

    if holder is None:
        return False
    now = start_time(holder[0])
    return now is None or bool(holder[1]) and now != holder[1]


def _lock_holders(lock: Path) -> list[int]:
    """Processes with the lock file open: a dead run's leftovers inherit its lock."""
    target = lock.stat()
    found = []
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        pid = int(fd_dir.parent.name)
        if pid == os.getpid():
            continue
        try:
            for fd in fd_dir.iterdir():
                st = fd.stat()
                if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
                    found.append(pid)
                    break
        except OSError:
            continue
    return found


def _take_over(fh, lock: Path, holder: tuple[int, str]) -> bool:
    """The run that locked ``lock`` is dead but something it started still holds the
    lock: kill those leftovers and take the lock. False if it stays held."""
    import signal
    import time

    for pid in _lock_holders(lock):
        log.info("run pid %d is gone but pid %d still holds its lock %s: killing it",
                    holder[0], pid, lock)
        print(f"stale lock {lock}: run pid {holder[0]} is gone, its leftover process "
              f"pid {pid} held the lock; killed it", file=sys.stderr, flush=True)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            time.sleep(0.05)
    return False


@contextmanager
def run_lock(p: Paths):
    """Hold ``run.lock`` for the whole run, or refuse at once.

    The lock file names the holding run's PID. A live holder makes this refuse; a
    dead one (``kill -9``) is taken over with a log line, after killing whatever it
    left behind holding the lock or the warehouse (dbt)."""
    from tppo.children import dbt_pid_file, reap_stale, start_time

    if not p.home.exists():
        from tppo.config import share

        p.home.mkdir(parents=True, exist_ok=True)
        share(p.home)  # readers reach the published files in it
    lock = p.home / "run.lock"
    fh = open(lock, "a+")  # noqa: SIM115  (held across the yield)
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _recorded(fh)
        if not (_dead(holder) and _take_over(fh, lock, holder)):
            fh.close()
            raise RunLocked(
                f"another run is using {p.home} (lock {lock}"
                + (f", pid {holder[0]}" if holder else "") + "); "
                "wait for it to finish, then run again") from None
    try:
        previous = _recorded(fh)
        if previous is not None and previous[0] != os.getpid():
            log.info("taking over %s from run pid %d, which ended without releasing it "
                        "(killed?)", lock, previous[0])
            print(f"previous run (pid {previous[0]}) ended without releasing {lock} "
                  "(killed?); taking it over", file=sys.stderr, flush=True)
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()} {start_time(os.getpid()) or ''}\n")
        fh.flush()
        reap_stale(dbt_pid_file(p))  # a dbt that outlived a killed run holds the warehouse
        yield
    finally:
        fh.seek(0)
        fh.truncate()  # released in order: the next run finds no PID
        fh.flush()
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def _airflow_cli(args: list[str], env: dict[str, str]) -> None:
    exe = Path(sys.executable).with_name("airflow")
    from tppo.children import run_child

    proc = run_child([str(exe), *args], env={**os.environ, **env}, capture_output=True,
                     text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(args)} failed:\n{proc.stdout[-2000:]}"
                           f"\n{proc.stderr[-2000:]}")


def prepare_airflow(p: Paths) -> dict[str, str]:
    """Migrate the metadata DB once per Airflow version and create the writer pool."""
    from importlib.metadata import version

    env = airflow_env(p)
    p.ensure()
    (p.logs / "airflow").mkdir(parents=True, exist_ok=True)
    marker = p.airflow_home / f".migrated-{version('apache-airflow')}"
    if not marker.exists():
        _airflow_cli(["db", "migrate"], env)
        _airflow_cli(["pools", "set", WRITER_POOL, "1",
                      "DuckDB allows one writing process per file"], env)
        marker.write_text("ok\n")
    return env


@contextmanager
def output_to(log_file: Path | None):
    """Send everything written to stdout and stderr (Airflow's task logs) to a file."""
    if log_file is None:
        yield
        return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log_file, "ab") as fh:
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def run_dag(p: Paths | None = None, logical_date: dt.datetime | None = None,
            verbose: bool = False) -> int:
    """Run the nightly DAG once; 0 when every task succeeded, 1 otherwise.

    Airflow's own log lines go to ``logs/runs/<time>.log`` unless ``verbose``.
    """
    p = p or paths()
    when = logical_date or dt.datetime.now(dt.UTC)
    log_file = None if verbose else (
        p.logs / "runs" / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.log")
    with run_lock(p):
        # Airflow reads its configuration once, at import: set it first.
        os.environ.update(prepare_airflow(p))
        if log_file:
            print(f"running DAG {DAG_ID} (Airflow's log: {log_file})", flush=True)
        with output_to(log_file):
            from airflow.dag_processing.dagbag import DagBag

            bag = DagBag(dag_folder=str(DAGS_DIR))
            errors = dict(bag.import_errors)
            if not errors:
                dag = bag.get_dag(DAG_ID)
                run = dag.test(logical_date=when, run_after=when)
                by_id = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
                states = {t.task_id: by_id.get(t.task_id, "none")
                          for t in dag.topological_sort()}
    if errors:
        for file, err in errors.items():
            print(f"DAG import error in {file}:\n{err}", file=sys.stderr)
        return 1
    failed = {t: s for t, s in states.items() if not s.endswith("success")}
    print(f"DAG {DAG_ID} run {run.run_id}: {run.state}")
    for task_id, state in states.items():
        print(f"  {task_id:<24} {state.split('.')[-1]}")
    if failed or not str(run.state).endswith("success"):
        from tppo.pipeline import batch_id_of, failures_dir

        print(f"run failed: {', '.join(sorted(failed)) or run.state}; published files are "
              f"unchanged. Airflow's log: {log_file or 'above'}", file=sys.stderr)
        for note in sorted(failures_dir(p, batch_id_of(run.run_id)).glob("*.txt")):
            print(f"\n[{note.stem}] {note.read_text(encoding='utf-8').strip()}", file=sys.stderr)
        return 1
    return 0
