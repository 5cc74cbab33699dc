"""How `tppo run` fails: children that die with it, stale locks (RELIABILITY.md)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tppo import runner
from tppo.config import paths

DAY = "2025-09-01"


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
