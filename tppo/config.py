"""Where the project keeps things, read from the environment in one place.

``TPPO_LANDING`` is the agencies' landing area (layout in FEEDS.md) and
``TPPO_HOME`` holds everything a run writes. Both default to folders of the
checkout and are always resolved to absolute paths, because dbt, Airflow and
DuckDB each resolve relative paths against their own working directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DAGS_DIR = REPO_ROOT / "dags"
REFERENCE_DIR = DBT_PROJECT_DIR / "seeds" / "reference"
DAG_ID = "tppo_nightly"
WRITER_POOL = "duckdb_writer"


@dataclass(frozen=True)
class Paths:
    """Every location a run reads or writes, derived from the two roots."""

    landing: Path
    home: Path

    @property
    def restricted(self) -> Path:
        """Identified data: raw, quarantine, staging. Never opened by analysts."""
        return self.home / "restricted"

    @property
    def warehouse(self) -> Path:
        return self.restricted / "warehouse.duckdb"

    @property
    def analytics(self) -> Path:
        return self.home / "analytics.duckdb"

    @property
    def dashboard(self) -> Path:
        return self.home / "dashboard.duckdb"

    @property
    def work(self) -> Path:
        """Files being built for publication; renamed into place when complete."""
        return self.home / "work"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def validation(self) -> Path:
        return self.home / "validation"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def secrets(self) -> Path:
        return self.home / "secrets"

    def ensure(self) -> None:
        for d in (self.home, self.restricted, self.work, self.reports, self.validation,
                  self.logs, self.airflow_home):
            d.mkdir(parents=True, exist_ok=True)
        self.secrets.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.restricted, 0o700)


def paths() -> Paths:
    """The current locations, from ``TPPO_LANDING`` and ``TPPO_HOME``."""
    landing = Path(os.environ.get("TPPO_LANDING", REPO_ROOT / "data" / "landing"))
    home = Path(os.environ.get("TPPO_HOME", REPO_ROOT / "data" / "home"))
    return Paths(landing=landing.expanduser().resolve(), home=home.expanduser().resolve())
