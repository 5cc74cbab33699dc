"""Running dbt: the transform stage (dbt_project/) as a child process of this one.

The dbt project reads only the restricted warehouse and writes its schemas there;
the pipeline's ``dbt_build`` step and the report's dbt docs run it through here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tppo.children import dbt_pid_file, run_child
from tppo.config import DBT_PROJECT_DIR, Paths, paths
from tppo.progress import Meter
from tppo.warehouse import warehouse_key


def dbt_env(p: Paths) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"TPPO_HOME": str(p.home), "TPPO_LANDING": str(p.landing), "DO_NOT_TRACK": "1",
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                # the restricted warehouse's key (profiles.yml); dbt masks DBT_ENV_SECRET_*
                "DBT_ENV_SECRET_WAREHOUSE_KEY": warehouse_key(p.secrets,
                                                              create=not p.warehouse.exists())})
    return env


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NODE = re.compile(r"\b(\d+) of (\d+) (START|OK|PASS|WARN|ERROR|FAIL|SKIP|NO-OP)\b(.*)")
_STARTED = re.compile(r"(\S+?)\s*\.*\s*\[RUN\]")


class DbtProgress:
    """dbt's ``N of M`` lines as progress (:class:`tppo.progress.Meter`): the nodes done
    (models, seeds, tests) and the one running. dbt's lines name nodes only."""

    def __init__(self, task: str, step: str, sink: Path | None) -> None:
        self.task, self.step, self.sink = task, step, sink
        self.meter: Meter | None = None
        self.running: str | None = None

    def __call__(self, line: str) -> None:
        m = _NODE.search(_ANSI.sub("", line))
        if m is None:
            return
        total, status, rest = int(m[2]), m[3], m[4]
        if self.meter is None:
            self.meter = Meter(self.task, self.step, total, "nodes", self.sink)
        if status == "START":
            started = _STARTED.search(rest)
            self.running = started[1] if started else None
            return
        done = self.meter.done + 1  # dbt numbers nodes as they start: count the ends
        self.meter.update(done, note=f"last: {self.running}" if self.running else None)


def run_dbt(args: list[str], p: Paths | None = None,
            progress: Path | None = None, task: str = "dbt") -> subprocess.CompletedProcess:
    """Run dbt from this environment with the project's paths; output goes to a log.
    With ``progress`` (the run's progress file), each finished node is counted there
    as ``task``'s progress (:class:`DbtProgress`).

    dbt runs as a child that the kernel kills when this process dies."""
    p = p or paths()
    target = p.work / "dbt_target"
    logs = p.logs / "dbt"
    logs.mkdir(parents=True, exist_ok=True)
    dbt = Path(sys.executable).with_name("dbt")
    cmd = [str(dbt), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
           str(DBT_PROJECT_DIR), "--target-path", str(target), "--log-path", str(logs)]
    # dbt dies with this process (kill -9 of the run must not leave it holding the
    # warehouse's lock); its PID file lets the next run kill a survivor anyway.
    follow = DbtProgress(task, args[0], progress) if progress is not None else None
    return run_child(cmd, pid_file=dbt_pid_file(p), env=dbt_env(p), capture_output=True,
                     text=True, on_line=follow)
