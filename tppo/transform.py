"""Running dbt: the transform stage (dbt_project/) as a child process of this one.

The dbt project reads only the restricted warehouse and writes its schemas there;
the pipeline's ``dbt_build`` step and the report's dbt docs run it through here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tppo.children import dbt_pid_file, run_child
from tppo.config import DBT_PROJECT_DIR, Paths, paths
from tppo.warehouse import warehouse_key


def dbt_env(p: Paths) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"TPPO_HOME": str(p.home), "TPPO_LANDING": str(p.landing), "DO_NOT_TRACK": "1",
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                # the restricted warehouse's key (profiles.yml); dbt masks DBT_ENV_SECRET_*
                "DBT_ENV_SECRET_WAREHOUSE_KEY": warehouse_key(p.secrets,
                                                              create=not p.warehouse.exists())})
    return env


def run_dbt(args: list[str], p: Paths | None = None) -> subprocess.CompletedProcess:
    """Run dbt from this environment with the project's paths; output goes to a log.

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
    return run_child(cmd, pid_file=dbt_pid_file(p), env=dbt_env(p), capture_output=True,
                     text=True)
