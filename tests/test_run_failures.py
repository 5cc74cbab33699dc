"""How `tppo run` fails: children that die with it, stale locks, a full disk, a report
that fails after publishing, and private logs (RELIABILITY.md)."""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from ingest.feeds import feed
from tests.conftest import paspor_row, write_csv
from tppo import runner
from tppo.config import paths
from tppo.warehouse import open_warehouse

DAY = "2025-09-01"
DATA_DAY = "2025-08-30"  # small_world's one delivery: the report's name


def _gone(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return True
    return fields[0] in ("Z", "X")


def _wait(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _python(code: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], **kw)


# --- 9: children die with the run; a dead run's lock is taken over -----------------


def test_dbt_dies_when_the_run_is_killed(tppo_env, tmp_path):
    """kill -9 of the run's process must not leave dbt running (holding the warehouse)."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    started = tmp_path / "dbt-started"
    (fake_bin / "dbt").write_text(f"#!{sys.executable}\nimport os, time\n"
                                  f"open({str(started)!r}, 'w').write(str(os.getpid()))\n"
                                  "time.sleep(60)\n")
    (fake_bin / "dbt").chmod(0o755)
    run = _python(f"""
        import sys
        sys.executable = {str(fake_bin / 'python')!r}   # run_dbt finds dbt next to it
        from tppo.pipeline import run_dbt
        run_dbt(["build"])
    """)
    dbt = None
    try:
        assert _wait(lambda: started.exists() and started.read_text(), 30), "dbt never started"
        dbt = int(started.read_text())
        assert not _gone(dbt)
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
        assert _wait(lambda: _gone(dbt), 5), f"dbt (pid {dbt}) outlived the killed run"
    finally:
        run.kill()
        run.wait()
        if dbt and not _gone(dbt):
            os.kill(dbt, signal.SIGKILL)


def test_a_dbt_left_by_a_dead_run_is_killed_by_the_next(tppo_env, capsys):
    """Where the kernel cannot kill it (not Linux, or an older dbt), the next run does."""
    from tppo.children import start_time

    p = paths()
    p.work.mkdir(parents=True)
    survivor = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (p.work / "dbt.pid").write_text(f"{survivor.pid} {start_time(survivor.pid)} dbt\n")
        with runner.run_lock(p):
            assert survivor.poll() is not None or _wait(lambda: survivor.poll() is not None)
        assert not (p.work / "dbt.pid").exists()
        assert f"pid {survivor.pid}" in capsys.readouterr().err
    finally:
        survivor.kill()
        survivor.wait()


def test_a_pid_file_naming_a_reused_pid_kills_nothing(tppo_env):
    p = paths()
    p.work.mkdir(parents=True)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (p.work / "dbt.pid").write_text(f"{bystander.pid} 1 dbt\n")  # another start time
        with runner.run_lock(p):
            pass
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_the_lock_of_a_killed_run_is_taken_over_with_a_log_line(tppo_env, capsys):
    p = paths()
    p.home.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (p.home / "run.lock").write_text(f"{dead.pid} 1\n")  # written by a run killed with -9
    with runner.run_lock(p):
        assert (p.home / "run.lock").read_text().split()[0] == str(os.getpid())
    err = capsys.readouterr().err
    assert f"previous run (pid {dead.pid}) ended without releasing" in err
    assert (p.home / "run.lock").read_text() == ""  # released in order: no PID left


def test_a_lock_held_by_a_killed_runs_leftover_is_taken_over(tppo_env, capsys):
    """The killed run's lock is inherited by a process it forked: kill that, go on."""
    p = paths()
    ready = p.home.parent / "ready"
    run = _python(f"""
        import os, time
        from pathlib import Path
        from tppo.config import paths
        from tppo.runner import run_lock
        with run_lock(paths()):
            if os.fork() == 0:          # a leftover that inherits the lock
                Path({str(ready)!r}).write_text(str(os.getpid()))
                time.sleep(60)
                os._exit(0)
            while not Path({str(ready)!r}).exists():
                time.sleep(0.02)
            os.kill(os.getpid(), 9)     # the run is killed, its leftover lives on
    """)
    run.wait(timeout=60)
    leftover = int(ready.read_text())
    try:
        assert not _gone(leftover)
        with runner.run_lock(p):
            assert _gone(leftover)
        assert f"pid {leftover} held the lock" in capsys.readouterr().err
    finally:
        if not _gone(leftover):
            os.kill(leftover, signal.SIGKILL)


def test_a_live_run_still_makes_the_second_refuse(tppo_env):
    p = paths()
    ready = p.home.parent / "ready"
    holder = _python(f"""
        import time
        from pathlib import Path
        from tppo.config import paths
        from tppo.runner import run_lock
        with run_lock(paths()):
            Path({str(ready)!r}).write_text("x")
            time.sleep(60)
    """)
    try:
        assert _wait(ready.exists, 60)
        with pytest.raises(runner.RunLocked, match="another run is using"), runner.run_lock(p):
            pass
        assert holder.poll() is None  # a live holder is never killed
    finally:
        holder.kill()
        holder.wait()


# --- 11: a full disk is named, not a traceback --------------------------------------


def _sqlite_full() -> Exception:
    from sqlalchemy.exc import OperationalError

    return OperationalError("INSERT INTO task_instance ...", {},
                            sqlite3.OperationalError("database or disk is full"))


@pytest.mark.parametrize("make, where", [
    (_sqlite_full, lambda p: p.airflow_home / "airflow.db"),
    (lambda: OSError(errno.ENOSPC, "No space left on device", "/tmp/tppo-full/x.log"),
     lambda p: Path("/tmp/tppo-full/x.log")),
    (lambda: duckdb.IOException(
        'Could not write file "/tmp/tppo-full/warehouse.duckdb.wal": No space left on device'),
     lambda p: Path("/tmp/tppo-full/warehouse.duckdb.wal")),
], ids=["airflow-sqlite", "oserror", "duckdb"])
def test_a_full_disk_names_the_place_and_the_tasks_not_a_traceback(tppo_env, monkeypatch,
                                                                   capsys, make, where):
    from tppo.cli import main

    def full(_p):  # e.g. `airflow db migrate`, or the first write of the run
        raise make()

    monkeypatch.setattr(runner, "prepare_airflow", full)
    monkeypatch.setattr(runner, "_states_so_far", raising=False,
                        value=lambda when: {"discover": "success", "ingest_paspor": "failed"})
    code = main(["run", "--logical-date", DAY])
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == 1
    assert "Traceback" not in text
    assert f"disk full: no space left on {where(paths())} (df shows " in out.err
    assert "MB free); free space and run again" in out.err
    assert "discover" in out.err and "ingest_paspor" in out.err and "failed" in out.err
    assert "published files: unchanged" in out.err


def test_other_errors_are_not_called_a_full_disk(tppo_env, monkeypatch):
    def broken(_p):
        raise RuntimeError("something else")

    monkeypatch.setattr(runner, "prepare_airflow", broken)
    with pytest.raises(RuntimeError, match="something else"):
        runner.run_dag(paths())


# --- 6 and 1b: a real run whose report fails after publishing ----------------------


def _tppo(env: dict[str, str], *args: str, patch: str = "") -> subprocess.CompletedProcess:
    """`tppo <args>`; ``patch``: Python run first in the same process (tasks run in it)."""
    code = f"import sys\n{patch}\nfrom tppo.cli import main\nsys.exit(main({list(args)!r}))"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=900)


REPORT_FAILS = """
from tppo import pipeline
def _broken_report(batch_id, logical_date):
    raise RuntimeError("chart library crashed")
pipeline.report = _broken_report
"""

DISK_FULL_IN_DBT = """
import errno
from tppo import pipeline
def _full(batch_id):
    raise OSError(errno.ENOSPC, "No space left on device", pipeline.paths().work / "x.duckdb")
pipeline.dbt_build = _full
"""


@pytest.fixture
def small_world(tppo_env):
    landing, home = tppo_env
    cols = list(feed("paspor").columns)
    write_csv(landing / "imigrasi" / "paspor" / "2025-08-30" / "paspor_BDL_20250830.csv", cols,
              [paspor_row(f"P-{i}", nik=f"18090145069000{i:02d}", tgl="29/08/2025")
               for i in range(5)])
    env = {**os.environ, "TPPO_RETRY_DELAY_SECONDS": "0", "TPPO_SETTLE_SECONDS": "0"}
    return landing, home, env


@pytest.mark.slow
def test_a_report_failing_after_publish_says_so_and_the_next_run_writes_it(small_world):
    _, home, env = small_world
    failed = _tppo(env, "run", "--logical-date", DAY, patch=REPORT_FAILS)
    assert failed.returncode == 1, failed.stdout[-3000:] + failed.stderr[-3000:]
    assert "published files are unchanged" not in failed.stderr
    assert f"{home / 'analytics.duckdb'} was replaced by this run" in failed.stderr
    assert f"{home / 'dashboard.duckdb'} was replaced by this run" in failed.stderr
    assert "meta.runs: PUBLISHED" in failed.stderr
    assert "morning report was NOT written; the next run writes it" in failed.stderr
    assert not list((home / "reports").glob("*/index.html"))

    nothing_new = _tppo(env, "run", "--logical-date", "2025-09-02")
    assert nothing_new.returncode == 0, nothing_new.stdout[-3000:] + nothing_new.stderr[-3000:]
    # one report, named by the data's date (the last loaded delivery), stands for both runs
    assert [p.parent.name for p in (home / "reports").glob("*/index.html")] == [DATA_DAY]
    with open_warehouse(home / "restricted" / "warehouse.duckdb", read_only=True) as con:
        statuses = {s for (s,) in con.execute("SELECT status FROM meta.runs").fetchall()}
    assert statuses == {"REPORTED"}

    # 1b: logs and validation output are the owner's only; the published files are not
    for root in (home / "logs", home / "validation"):
        assert any(root.rglob("*")), f"{root} is empty: nothing checked"
        for path in (root, *root.rglob("*")):
            mode = stat.S_IMODE(path.lstat().st_mode)
            if path.is_symlink():
                continue
            assert mode == (0o700 if path.is_dir() else 0o600), f"{path}: {oct(mode)}"
    umask = os.umask(0o022)
    os.umask(umask)
    for shared in (home, home / "analytics.duckdb", home / "dashboard.duckdb", home / "reports",
                   home / "reports" / DATA_DAY, home / "reports" / DATA_DAY / "index.html"):
        full = 0o777 if shared.is_dir() else 0o666
        assert stat.S_IMODE(shared.stat().st_mode) == full & ~umask, shared


@pytest.mark.slow
def test_a_full_disk_inside_a_task_lists_the_tasks_and_names_the_place(small_world):
    _, home, env = small_world
    run = _tppo(env, "run", "--logical-date", DAY, patch=DISK_FULL_IN_DBT)
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert "dbt_build" in run.stdout and "failed" in run.stdout
    assert (f"disk full: no space left on {home / 'work' / 'x.duckdb'} (df shows "
            in run.stderr)
    assert "published files are unchanged" in run.stderr
