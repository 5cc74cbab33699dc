"""One ``make demo`` run with unusual paths, shared by the tests of what users read and run:
the demo itself, the analysts' guide's queries and the dbt docs next to the report."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN_DATE = "2025-08-01"
DEMO_ARGS = f"--scale 0.01 --days 60 --start 2025-06-01 --logical-date {RUN_DATE}"


@dataclass(frozen=True)
class Demo:
    landing: Path  # absolute
    home: Path
    proc: subprocess.CompletedProcess


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> Demo:
    """``make demo`` from the checkout with TPPO_LANDING and TPPO_HOME relative to it (as
    a user types them), with spaces and a quote, and a landing not named 'landing'."""
    root = tmp_path_factory.mktemp("demo paths")
    landing = root / "Data Masuk" / "kiriman agensi"
    home = root / "rumah tppo's"
    env = {**os.environ, "TPPO_LANDING": os.path.relpath(landing, REPO),
           "TPPO_HOME": os.path.relpath(home, REPO), "TPPO_PSEUDONYM_KEY": "demo-test-key",
           "TPPO_RETRY_DELAY_SECONDS": "1"}
    proc = subprocess.run(["make", "--no-print-directory", "-C", str(REPO), "demo",
                           f"DEMO_ARGS={DEMO_ARGS}"], env=env, capture_output=True,
                          text=True, timeout=1200, check=False)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return Demo(landing=landing, home=home, proc=proc)


def report_folder(home: Path) -> Path:
    """The run's report folder: named by the data's date, the last loaded delivery."""
    import duckdb

    with duckdb.connect(str(home / "dashboard.duckdb"), read_only=True) as con:
        (delivered,) = con.execute("SELECT max(delivery_date) FROM marts.mart_feed_quality "
                                   "WHERE status = 'LOADED'").fetchone()
    return home / "reports" / delivered.isoformat()
