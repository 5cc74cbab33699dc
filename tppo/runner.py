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

from tppo.children import dbt_pid_file, reap_stale, run_child, start_time
from tppo.config import (
    DAG_ID,
    DAGS_DIR,
    READER_UMASK_VAR,
    RUN_MODE_VAR,
    WRITER_POOL,
    Paths,
    paths,
    share,
)
from tppo.errors import ExitCode, RunLocked
from tppo.faults import disk_full_reason
from tppo.pipeline import UNWRITTEN_FAILURES, batch_id_of, failures_dir
from tppo.progress import Progress, progress_file
from tppo.rebuild import set_aside
from tppo.warehouse import open_warehouse
from tppo.warehouse_check import ensure_whole

log = logging.getLogger(__name__)


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
        # task logs may quote delivered data: the owner's only
        "AIRFLOW__LOGGING__FILE_TASK_HANDLER_NEW_FOLDER_PERMISSIONS": "0o700",
        "AIRFLOW__LOGGING__FILE_TASK_HANDLER_NEW_FILE_PERMISSIONS": "0o600",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "GX_ANALYTICS_ENABLED": "false",
        RUN_MODE_VAR: "in-process",
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

    if not p.home.exists():

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
    """Send everything written to stdout and stderr (Airflow's task logs) to a file;
    yields a file descriptor of the console (the original stdout) for progress lines."""
    if log_file is None:
        yield 1
        return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log_file, "ab") as fh:
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        try:
            yield saved[0]
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


PRIVATE_UMASK = 0o077


def make_private(*roots: Path) -> None:
    """Folders 700 and files 600 under each root (logs and validation output may
    quote delivered data; some writers copy files with their own modes)."""
    for root in roots:
        if not root.exists():
            continue
        os.chmod(root, 0o700)
        for folder, dirs, files in os.walk(root):
            for name in dirs:
                _chmod(Path(folder) / name, 0o700)
            for name in files:
                _chmod(Path(folder) / name, 0o600)


def _chmod(path: Path, mode: int) -> None:
    try:
        if not path.is_symlink():
            os.chmod(path, mode)
    except OSError:
        pass


def _published_state(p: Paths) -> dict[str, tuple[int, int] | None]:
    out = {}
    for f in (p.analytics, p.dashboard):
        try:
            st = f.stat()
            out[f.name] = (st.st_ino, st.st_mtime_ns)
        except FileNotFoundError:
            out[f.name] = None
    return out


def _execute(when: dt.datetime, console: int | None = None,
             progress_lines: Path | None = None) -> dict:
    """Import the DAG and run it once with ``dag.test()``; what happened. With
    ``console``, each task's start and end is written there as it happens, and the
    lines the tasks append to ``progress_lines`` (:mod:`tppo.progress`)."""
    from airflow.dag_processing.dagbag import DagBag


    bag = DagBag(dag_folder=str(DAGS_DIR))
    errors = dict(bag.import_errors)
    if errors:
        return {"errors": errors}
    dag = bag.get_dag(DAG_ID)
    progress = (Progress(DAG_ID, when, console, lines_from=progress_lines)
                if console is not None else None)
    if progress:
        progress.start()
    try:
        run = dag.test(logical_date=when, run_after=when)
    finally:
        if progress:
            progress.stop()
    by_id = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    return {"run_id": run.run_id, "state": str(run.state),
            "states": {t.task_id: by_id.get(t.task_id, "none") for t in dag.topological_sort()}}


def _states_so_far(when: dt.datetime) -> dict[str, str] | None:
    """Task states of this logical date's run, from Airflow's database, if readable."""
    try:
        from airflow.models.dagrun import DagRun
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            run = session.scalars(select(DagRun).where(DagRun.dag_id == DAG_ID)
                                  .where(DagRun.logical_date == when)).first()
            if run is None:
                return None
            return {ti.task_id: str(ti.state) for ti in run.get_task_instances(session=session)}
    except Exception:  # noqa: BLE001  (the database may be what failed)
        return None


def _print_states(states: dict[str, str], file=sys.stdout) -> None:
    for task_id, state in states.items():
        print(f"  {task_id:<24} {state.split('.')[-1]}", file=file)


def _run_status(p: Paths, batch_id: str) -> tuple[str, str] | None:
    """``meta.runs`` (status, message) of this run, read-only."""

    try:
        with open_warehouse(p.warehouse, read_only=True) as con:
            row = con.execute("SELECT status, message FROM meta.runs WHERE batch_id = ?",
                              [batch_id]).fetchall()
    except Exception:  # noqa: BLE001  (no warehouse yet, or unreadable)
        return None
    return (row[0][0] or "", row[0][1] or "") if row else None


def _failure_summary(p: Paths, failed: dict[str, str], run_state: str, batch_id: str,
                     before: dict, after: dict) -> str:
    """What a failed run did to the published files, from what actually happened."""
    what = ", ".join(sorted(failed)) or run_state
    replaced = [n for n in before if after[n] != before[n]]
    status = _run_status(p, batch_id)
    published = status is not None and status[0] in ("PUBLISHED", "REPORTED")
    if replaced:
        files = "; ".join(f"{p.home / n} was replaced by this run" for n in replaced)
        done = f"{files} (meta.runs: {status[0] if status else 'unknown'})"
    elif published:
        done = ("publish succeeded; the published files are unchanged because the marts "
                "had not changed")
    else:
        done = "published files are unchanged"
    text = f"run failed: {what}; {done}."
    if published and "report" in failed:
        text += (" The morning report was NOT written; the next run writes it "
                 f"(under {p.reports}).")
    return text


def run_dag(p: Paths | None = None, logical_date: dt.datetime | None = None,
            verbose: bool = False, rebuild: bool = False, erasures_lost: bool = False) -> int:
    """Run the nightly DAG once; 0 when every task succeeded, 1 otherwise.

    Airflow's own log lines go to ``logs/runs/<time>.log`` unless ``verbose``. The
    run works under umask 077: its logs and validation output are the owner's only
    (files meant for readers get the caller's umask, :func:`tppo.config.share`).

    A damaged restricted warehouse stops the run before anything is touched
    (:class:`tppo.warehouse_check.WarehouseDamaged`); ``rebuild`` first moves it aside and
    rebuilds it from the landing (:mod:`tppo.rebuild`).
    """

    p = p or paths()
    caller_umask = os.umask(PRIVATE_UMASK)
    os.environ[READER_UMASK_VAR] = f"{caller_umask:o}"
    try:
        return _run_dag(p, logical_date, verbose, rebuild, erasures_lost)
    finally:
        os.umask(caller_umask)
        os.environ.pop(READER_UMASK_VAR, None)


def _check_warehouse(p: Paths, rebuild: bool, erasures_lost: bool) -> None:
    """Before Airflow starts: set a damaged warehouse aside (``rebuild``), then refuse
    one that is damaged (holding the run lock, so no writer has it open)."""

    if rebuild:

        set_aside(p, erasures_lost)
    ensure_whole(p.warehouse, p.home)


def _run_dag(p: Paths, logical_date: dt.datetime | None, verbose: bool,
             rebuild: bool = False, erasures_lost: bool = False) -> int:

    when = logical_date or dt.datetime.now(dt.UTC)
    log_file = None if verbose else (
        p.logs / "runs" / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.log")
    before = _published_state(p)
    try:
        with run_lock(p):
            _check_warehouse(p, rebuild, erasures_lost)
            try:
                p.ensure()
                make_private(p.logs, p.validation)
                # Airflow reads its configuration once, at import: set it first.
                os.environ.update(prepare_airflow(p))
                if log_file:
                    print(f"running DAG {DAG_ID} (Airflow's log: {log_file})", flush=True)
                with output_to(log_file) as console:
                    outcome = _execute(when, console, progress_file(p.work))
            finally:
                make_private(p.logs, p.validation)
    except Exception as exc:
        reason = disk_full_reason(exc, p.home, p.airflow_home / "airflow.db")
        if reason is None:
            raise
        states = _states_so_far(when)
        print(f"run failed: {reason}", file=sys.stderr)
        if states:
            print("tasks so far:", file=sys.stderr)
            _print_states(states, sys.stderr)
        else:
            print("tasks so far: none recorded", file=sys.stderr)
        after = _published_state(p)
        replaced = [n for n in before if after[n] != before[n]]
        print("published files: " + ("replaced by this run: " + ", ".join(replaced)
                                     if replaced else "unchanged")
              + f". Airflow's log: {log_file or 'above'}", file=sys.stderr)
        return ExitCode.FAILED
    if "errors" in outcome:
        for file, err in outcome["errors"].items():
            print(f"DAG import error in {file}:\n{err}", file=sys.stderr)
        return ExitCode.FAILED
    states, run_state = outcome["states"], outcome["state"]
    failed = {t: s for t, s in states.items() if not s.endswith("success")}
    print(f"DAG {DAG_ID} run {outcome['run_id']}: {run_state}")
    _print_states(states)
    if failed or not run_state.endswith("success"):

        batch_id = batch_id_of(outcome["run_id"])
        print(_failure_summary(p, failed, run_state, batch_id, before, _published_state(p))
              + f" Airflow's log: {log_file or 'above'}", file=sys.stderr)
        notes = {n.stem: n.read_text(encoding="utf-8").strip()
                 for n in sorted(failures_dir(p, batch_id).glob("*.txt"))}
        for step, text in sorted(UNWRITTEN_FAILURES.get(batch_id, {}).items()):
            notes.setdefault(step, text.strip())  # the disk was too full to keep it
        for step, text in notes.items():
            print(f"\n[{step}] {text}", file=sys.stderr)
        return ExitCode.FAILED
    return ExitCode.OK
