"""Child processes (dbt, the Airflow CLI) that never outlive the run that started them.

A ``kill -9`` of ``tppo run`` gives the run no chance to stop its children. On
Linux each child asks the kernel (``prctl(PR_SET_PDEATHSIG, SIGKILL)``) to be
killed when its parent dies, so an orphaned dbt cannot keep holding the
warehouse's lock. Elsewhere, and as a second line, a child's PID (with its start
time, so a reused PID is never mistaken for it) is kept in a file while it runs;
the next run kills a child left over from a dead run before it starts
(:func:`reap_stale`).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1


def dbt_pid_file(p) -> Path:
    """Where a running dbt's PID is kept (``p``: :class:`tppo.config.Paths`)."""
    return p.work / "dbt.pid"


def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


_LIBC = _libc() if sys.platform.startswith("linux") else None


def _die_with(parent: int):
    """A ``preexec_fn``: the child gets SIGKILL when ``parent`` dies."""

    def arm() -> None:
        if _LIBC is not None:
            _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(137)

    return arm


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), or None if it is
    gone (or a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None if sys.platform.startswith("linux") else ("?" if alive(pid) else None)
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] in ("Z", "X") else fields[19]  # a zombie holds nothing


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_child(cmd: list[str], *, pid_file: Path | None = None,
              on_line: Callable[[str], None] | None = None, **kwargs
              ) -> subprocess.CompletedProcess:
    """``subprocess.run(cmd, **kwargs)`` with a child that dies with this process.

    ``kwargs`` as for :func:`subprocess.run` (``capture_output``, ``text``, ``env``,
    ``timeout``...); ``pid_file`` records the child while it runs. With ``on_line``,
    the child's output (stdout and stderr as one text, in ``stdout``) is read line by
    line as it comes and each line handed to ``on_line``."""
    capture = kwargs.pop("capture_output", False)
    if on_line is not None:
        kwargs.update(stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    elif capture:
        kwargs["stdout"] = kwargs["stderr"] = subprocess.PIPE
    timeout = kwargs.pop("timeout", None)
    check = kwargs.pop("check", False)
    with subprocess.Popen(cmd, preexec_fn=_die_with(os.getpid()), **kwargs) as proc:
        if pid_file is not None:
            pid_file.parent.mkdir(parents=True, exist_ok=True)
            pid_file.write_text(f"{proc.pid} {start_time(proc.pid) or ''} {cmd[0]}\n")
        try:
            if on_line is not None:
                out, err = _follow(proc, on_line, timeout), ""
            else:
                out, err = proc.communicate(timeout=timeout)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            if pid_file is not None:
                pid_file.unlink(missing_ok=True)
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    if check:
        done.check_returncode()
    return done


def _follow(proc: subprocess.Popen, on_line: Callable[[str], None],
            timeout: float | None) -> str:
    """Read ``proc``'s output to its end, handing each line to ``on_line``."""
    deadline = None if timeout is None else time.monotonic() + timeout
    lines = []
    for line in proc.stdout:  # type: ignore[union-attr]
        lines.append(line)
        with contextlib.suppress(Exception):  # progress never breaks the child's work
            on_line(line)
        if deadline is not None and time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(proc.args, timeout or 0)
    proc.wait(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
    return "".join(lines)


def reap_stale(pid_file: Path, wait: float = 10.0) -> int | None:
    """Kill the child recorded in ``pid_file`` by a run that died; its PID, or None.

    Called while holding the run lock, so the recorded child cannot belong to a
    live run. A PID now used by another process (different start time) is left
    alone."""
    try:
        pid_text, started, *what = pid_file.read_text().split()
        pid = int(pid_text)
    except (OSError, ValueError):
        return None
    now = start_time(pid)
    if now is None or (started and now != started):
        pid_file.unlink(missing_ok=True)
        return None
    log.info("a child of an earlier run that died is still running: pid %d (%s); "
                "killing it so that it releases the warehouse", pid, " ".join(what))
    print(f"stale process from an earlier run: pid {pid} ({' '.join(what)}), killed",
          file=sys.stderr, flush=True)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and start_time(pid) == now:
        time.sleep(0.05)
    pid_file.unlink(missing_ok=True)
    return pid
