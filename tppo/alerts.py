"""The alert raised when a nightly run is not finished by 06:00 WIB.

Airflow's deadline alert (evaluated by the scheduler)
calls :func:`run_not_finished` (run by the executor). It logs an error and writes
``$TPPO_HOME/alerts/<run>.txt`` for whatever watches that folder (a mail or
chat relay in production). The text says which run and since when; it holds
no data.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from pathlib import Path

log = logging.getLogger(__name__)

# The DAG starts at 01:00 WIB; the morning report must be there by 06:00.
DEFAULT_DEADLINE_MINUTES = 5 * 60


def deadline_minutes() -> int:
    """Minutes after the run's logical date at which a late run raises the alert."""
    return int(os.environ.get("TPPO_DEADLINE_MINUTES", DEFAULT_DEADLINE_MINUTES))


def write_alert(home: Path, run_id: str, message: str) -> Path:
    folder = home / "alerts"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id) + ".txt")
    target.write_text(message + "\n", encoding="utf-8")
    return target


def run_not_finished(context: dict | None = None, **kwargs) -> None:
    """Deadline callback: the nightly run is still going after its deadline."""
    run = (context or {}).get("dag_run") or {}
    run_id = run.get("dag_run_id") or run.get("run_id") or "unknown"
    minutes = deadline_minutes()
    message = (f"TPPO nightly run {run_id} not finished {minutes} minutes after its start "
               f"time (checked {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC): the morning "
               "report will be late. See the Airflow UI and $TPPO_HOME/logs.")
    log.error(message)
    home = Path(os.environ.get("TPPO_HOME", "data/home")).resolve()
    write_alert(home, str(run_id), message)
