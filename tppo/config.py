"""Where the project keeps things and how it is set, read from the environment here only.

``TPPO_LANDING`` is the agencies' landing area (layout in FEEDS.md) and
``TPPO_HOME`` holds everything a run writes. Both default to folders of the
checkout and are always resolved to absolute paths, because dbt, Airflow and
DuckDB each resolve relative paths against their own working directory.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DAGS_DIR = REPO_ROOT / "dags"
REFERENCE_DIR = DBT_PROJECT_DIR / "seeds" / "reference"
DAG_ID = "tppo_nightly"
WRITER_POOL = "duckdb_writer"
# The time of every feed and of every date a user sees: WIB (UTC+7, no daylight saving).
WIB = ZoneInfo("Asia/Jakarta")


@cache
def villages() -> int:
    """Lampung's villages: the rows of the BPS gazetteer seed (every village-month mart
    carries each of them every month)."""
    with open(REFERENCE_DIR / "bps_villages.csv", encoding="utf-8") as gazetteer:
        return sum(1 for _ in gazetteer) - 1


@cache
def count_measures() -> tuple[str, ...]:
    """The counted measures of the village and regency marts, in column order: declared
    once in dbt_project.yml (var count_measures), which the dbt macros read too."""
    measures = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(
        encoding="utf-8"))["vars"]["count_measures"]
    return tuple(measures["distinct"] + measures["snapshot"] + measures["summed"])


def __getattr__(name: str):
    """``VILLAGES`` and ``COUNT_MEASURES`` as constants, read from the dbt project on
    first use (so that importing the package needs no dbt project beside it)."""
    if name == "VILLAGES":
        return villages()
    if name == "COUNT_MEASURES":
        return count_measures()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The marts of the dashboards' copy (aggregates only, small cells protected:
# docs/PRIVACY.md); analytics.duckdb carries every mart the dbt project builds.
DASHBOARD_MARTS = ("mart_village_risk", "mart_regency_month", "mart_desa_binaan_candidates",
                   "mart_recruiter_watchlist", "mart_feed_quality", "mart_unmapped_values",
                   "mart_village_foreigners_month", "mart_operation_targets",
                   "mart_p3mi_licence_history", "mart_routes")


def analytics_marts() -> tuple[str, ...]:
    """The marts analytics.duckdb carries: every model of dbt_project/models/marts."""
    return tuple(sorted(p.stem for p in (DBT_PROJECT_DIR / "models" / "marts").rglob("*.sql")))


def published_marts() -> dict[str, tuple[str, ...]]:
    """Published file (without .duckdb) -> the marts it holds: the DAG's Assets, what
    readers may rely on."""
    return {"analytics": analytics_marts(), "dashboard": DASHBOARD_MARTS}


def today_wib() -> dt.date:
    """Today's date in Lampung."""
    return dt.datetime.now(WIB).date()


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
        for d in (self.home, self.reports):  # readers (Superset's user) reach these
            if not d.exists():
                d.mkdir(parents=True, exist_ok=True)
                share(d)
        for d in (self.restricted, self.work, self.airflow_home):
            d.mkdir(parents=True, exist_ok=True)
        for d in (self.logs, self.validation):  # may quote delivered values: owner only
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(d, 0o700)
        self.secrets.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.restricted, 0o700)


READER_UMASK_VAR = "TPPO_READER_UMASK"


def reader_umask() -> int:
    """The umask the run was started with: what readers' files are made with.

    ``tppo run`` works under umask 077 (its logs and validation output are for the
    owner only) and keeps the caller's umask here for the files meant for readers."""
    value = os.environ.get(READER_UMASK_VAR)
    if value:
        return int(value, 8)
    current = os.umask(0o022)
    os.umask(current)
    return current


def share(path: Path) -> None:
    """Give a file or folder meant for readers the mode the caller's umask gives."""
    full = 0o777 if path.is_dir() else 0o666
    os.chmod(path, full & ~reader_umask())


def paths() -> Paths:
    """The current locations, from ``TPPO_LANDING`` and ``TPPO_HOME``."""
    landing = Path(os.environ.get("TPPO_LANDING", REPO_ROOT / "data" / "landing"))
    home = Path(os.environ.get("TPPO_HOME", REPO_ROOT / "data" / "home"))
    return Paths(landing=landing.expanduser().resolve(), home=home.expanduser().resolve())


SETTLE_SECONDS = 600.0


def settle_seconds() -> float:
    """How recent a landing file's last change must be for the run to watch it before
    loading (``TPPO_SETTLE_SECONDS``, default ten minutes; 0 loads at once)."""
    raw = os.environ.get("TPPO_SETTLE_SECONDS", "")
    try:
        value = float(raw) if raw.strip() else SETTLE_SECONDS
    except ValueError:
        raise ValueError(f"TPPO_SETTLE_SECONDS={raw!r} is not a number of seconds") from None
    if value < 0:
        raise ValueError(f"TPPO_SETTLE_SECONDS={raw!r} must be 0 or more")
    return value


# The other settings a deployment gives in the environment (README, "Settings"). No
# other module reads os.environ for a setting (tests/test_layers.py checks).
RETENTION_ENV = "TPPO_RETENTION_YEARS"
DEFAULT_DEADLINE_MINUTES = 5 * 60  # 06:00 WIB for a run starting at 01:00
NOTIFY_PREFIX = "TPPO_NOTIFY_"


def is_production() -> bool:
    """``TPPO_ENV=production``: a run without its secrets refuses to start."""
    return os.environ.get("TPPO_ENV", "").lower() == "production"


def secret_from_environment(variable: str) -> str | None:
    """A secret given in the environment (``TPPO_PSEUDONYM_KEY`` and the like), or None."""
    return os.environ.get(variable) or None


def retention_years() -> int | None:
    """``TPPO_RETENTION_YEARS`` as a positive whole number, or None (keep everything)."""
    value = os.environ.get(RETENTION_ENV, "").strip()
    if not value:
        return None
    years = int(value)
    if years < 1:
        raise ValueError(f"{RETENTION_ENV} must be a whole number of years >= 1, not {value!r}")
    return years


def deadline_minutes() -> int:
    """Minutes after the run's logical date at which a late run raises the alert
    (``TPPO_DEADLINE_MINUTES``)."""
    return int(os.environ.get("TPPO_DEADLINE_MINUTES", DEFAULT_DEADLINE_MINUTES))


def notify_settings() -> dict[str, str]:
    """The ``TPPO_NOTIFY_*`` channels of tppo.alerts (file, SMTP, webhook)."""
    return {k: v for k, v in os.environ.items() if k.startswith(NOTIFY_PREFIX)}


def nightly_schedule() -> str:
    """The DAG's cron: 01:00 WIB. ``TPPO_NIGHTLY_SCHEDULE`` exists for tests/scheduler
    only (a cron that fires within a minute); production never sets it."""
    return os.environ.get("TPPO_NIGHTLY_SCHEDULE", "0 1 * * *")


def retry_delay_seconds() -> int:
    """Wait before a task's retry (``TPPO_RETRY_DELAY_SECONDS``, tests shorten it)."""
    return int(os.environ.get("TPPO_RETRY_DELAY_SECONDS", "180"))


RUN_MODE_VAR = "TPPO_RUN_MODE"


def in_process_run() -> bool:
    """Set by ``tppo run`` for the DAG it runs in-process (dag.test(), no scheduler)."""
    return os.environ.get(RUN_MODE_VAR) == "in-process"


DUCKDB_MEMORY_VAR = "TPPO_DUCKDB_MEMORY_LIMIT"
# DuckDB's share of the machine per database instance: a night has up to three at once
# (the run's own, dbt's, and Splink's inside dbt), besides the frames Python holds.
# Measured at scale 3 (docs/BENCHMARKS.md): DuckDB's default (80 %) let dbt's process
# reach 6.4 GB; 2 GiB kept the night's peak at 5.2 GB for 3 % more time, and 1 GiB made
# models fail for want of memory, hence the floor.
DUCKDB_MEMORY_SHARE = 0.125
DUCKDB_MEMORY_FLOOR = 2 * 2**30


def machine_memory() -> int:
    """Bytes of memory this process may use: the machine's, or its cgroup's limit when
    lower (a container's)."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            value = Path(limit).read_text().strip()
        except OSError:
            continue
        if value.isdigit():
            total = min(total, int(value))
    return total


def duckdb_memory_limit() -> str:
    """DuckDB's ``memory_limit`` for every database instance of a run:
    ``TPPO_DUCKDB_MEMORY_LIMIT`` (DuckDB's syntax, e.g. ``4GiB``), else an eighth of
    :func:`machine_memory`, at least 2 GiB (at most half the machine). Past it DuckDB
    spills to encrypted temporary files (tppo.warehouse.tune)."""
    raw = os.environ.get(DUCKDB_MEMORY_VAR, "").strip()
    if raw:
        return raw
    memory = machine_memory()
    limit = min(max(int(memory * DUCKDB_MEMORY_SHARE), DUCKDB_MEMORY_FLOOR), memory // 2)
    return f"{limit // 2**20}MiB"


def run_marker(variable: str) -> str | None:
    """A value one process of a run leaves for its children (not a setting)."""
    return os.environ.get(variable)
