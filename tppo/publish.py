"""Write-audit-publish: readers only ever see marts that passed every check.

dbt builds into the restricted warehouse; readers never open it. Publishing
copies the marts into a new file under ``$TPPO_HOME/work``, flushes it to disk
and renames it over ``analytics.duckdb`` (and the aggregate, small-cell
protected copy over ``dashboard.duckdb``). A rename is atomic: a reader that
holds the old file open keeps reading the old, complete data until it
reopens, and never blocks the run. When the marts' content is unchanged
(same fingerprint as the last publication) nothing is replaced, so a rerun
with nothing new leaves the published files byte for byte as they were.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tppo.config import Paths

# The public interface of ../shared/MARTS.md: the minimum columns per mart.
MART_CONTRACT: dict[str, tuple[str, ...]] = {
    "mart_village_risk": (
        "village_code", "village_name", "district_code", "district_name", "regency_code",
        "regency_name", "month", "procedural_placements", "passport_applications",
        "passport_postponements", "labour_destination_departures",
        "suspected_nonprocedural_departures", "tppo_victims", "interdicted_persons",
        "nonprocedural_complaints", "active_foreign_permits", "timpora_findings", "risk_score",
        "risk_rank", "risk_tier",
    ),
    "fct_departures": (
        "crossing_id", "departed_at", "destination_country", "person_key", "village_code",
        "classification", "classification_reason",
    ),
    "mart_regency_month": ("regency_code", "month"),
    "mart_recruiter_watchlist": (),
    "mart_desa_binaan_candidates": ("village_code",),
    "mart_feed_quality": (
        "source", "feed", "file_name", "delivery_date", "sha256", "status", "rows_read",
        "rows_loaded", "rows_quarantined", "validation_result", "loaded_at",
    ),
}

COUNT_MEASURES: tuple[str, ...] = (
    "procedural_placements", "passport_applications", "passport_postponements",
    "labour_destination_departures", "suspected_nonprocedural_departures", "tppo_victims",
    "interdicted_persons", "nonprocedural_complaints", "active_foreign_permits",
    "timpora_findings",
)

# Aggregate marts that the dashboards' copy may hold (no person-level rows,
# no recruiter names).
DASHBOARD_MARTS = ("mart_village_risk", "mart_regency_month", "mart_desa_binaan_candidates",
                   "mart_recruiter_watchlist", "mart_feed_quality")
SMALL_CELL_MIN, SMALL_CELL_MAX = 1, 4
VILLAGES = 2642


def _tables(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
    where = f"AND table_catalog = '{catalog}'" if catalog else ""
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
        f"{where} ORDER BY table_name").fetchall()]


def _columns(con: duckdb.DuckDBPyConnection, table: str, catalog: str | None = None) -> list[str]:
    where = f"AND table_catalog = '{catalog}'" if catalog else ""
    return [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' "
        f"AND table_name = ? {where} ORDER BY ordinal_position", [table]).fetchall()]


def check_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Checks a mart must pass before anyone may read it; returns the failures."""
    problems: list[str] = []
    tables = set(_tables(con))
    for mart, cols in MART_CONTRACT.items():
        if mart not in tables:
            problems.append(f"marts.{mart} is missing")
            continue
        missing = [c for c in cols if c not in _columns(con, mart)]
        if missing:
            problems.append(f"marts.{mart} lacks contracted column(s) {', '.join(missing)}")
    if problems:
        return problems
    months, rows, villages = con.execute(
        "SELECT count(DISTINCT month), count(*), count(DISTINCT village_code) "
        "FROM marts.mart_village_risk").fetchall()[0]
    if rows != months * VILLAGES or (months and villages != VILLAGES):
        problems.append(f"mart_village_risk has {rows} rows for {months} month(s) and "
                        f"{villages} villages; expected every one of {VILLAGES} villages "
                        "every month")
    nulls = con.execute(
        "SELECT " + ", ".join(f"count(*) FILTER (WHERE {c} IS NULL OR {c} < 0)"
                              for c in COUNT_MEASURES) + " FROM marts.mart_village_risk"
    ).fetchall()[0]
    for c, n in zip(COUNT_MEASURES, nulls, strict=True):
        if n:
            problems.append(f"mart_village_risk.{c} has {n} NULL or negative value(s)")
    bad_score = con.execute(
        "SELECT count(*) FROM marts.mart_village_risk WHERE risk_score NOT BETWEEN 0 AND 100 "
        "OR risk_score IS NULL OR risk_tier NOT IN ('TINGGI', 'SEDANG', 'RENDAH')"
    ).fetchall()[0][0]
    if bad_score:
        problems.append(f"mart_village_risk has {bad_score} row(s) with a score outside 0-100 "
                        "or an unknown tier")
    unbalanced = con.execute(
        "SELECT count(*) FROM marts.mart_feed_quality WHERE status = 'LOADED' "
        "AND rows_read <> rows_loaded + rows_quarantined").fetchall()[0][0]
    if unbalanced:
        problems.append(f"{unbalanced} LOADED file(s) where rows_read <> rows_loaded + "
                        "rows_quarantined")
    return problems


def fingerprint(con: duckdb.DuckDBPyConnection, catalog: str) -> str:
    """A digest of every mart's columns and rows, independent of row order."""
    h = hashlib.sha256()
    for table in _tables(con, catalog):
        cols = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE "
            "table_catalog = ? AND table_schema = 'marts' AND table_name = ? "
            "ORDER BY ordinal_position", [catalog, table]).fetchall()
        n, digest = con.execute(
            "SELECT count(*), coalesce(sum(hash(t)), 0)::VARCHAR || '/' || "
            f'coalesce(bit_xor(hash(t)), 0)::VARCHAR FROM {catalog}.marts."{table}" AS t'
        ).fetchall()[0]
        h.update(json.dumps([table, cols, n, digest]).encode())
    return h.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _order_by(con: duckdb.DuckDBPyConnection, table: str) -> str:
    cols = _columns(con, table, "wh")
    keys = [c for c in ("month", "regency_code", "village_code", "crossing_id", "file_name",
                        "recruiter_key") if c in cols]
    return ", ".join(keys or ["ALL"])


def _suppress_sql(source: str, keep: list[str], group: list[str], tiebreak: str,
                  measures: tuple[str, ...] = COUNT_MEASURES) -> str:
    """Primary and secondary suppression of small counts from ``source``.

    Primary: a count from 1 to 4 becomes NULL with ``<count>_suppressed`` true.
    Secondary: where a group (the villages of one regency in one month, the
    regencies of one month) has exactly one suppressed cell for a measure, the
    smallest other non-zero cell of that group is suppressed too, so that the
    group's total cannot reveal the first.
    """
    measures = [c for c in measures if c in keep]
    part = ", ".join(group)
    windows, selects = [], []
    for m in measures:
        small = f"({m} BETWEEN {SMALL_CELL_MIN} AND {SMALL_CELL_MAX})"
        windows.append(
            f"count(*) FILTER (WHERE {small}) OVER (PARTITION BY {part}) AS _n_{m}, "
            f"row_number() OVER (PARTITION BY {part} ORDER BY CASE WHEN {m} > 0 AND NOT {small} "
            f"THEN {m} END NULLS LAST, {tiebreak}) AS _r_{m}"
        )
        flag = f"({small} OR (_n_{m} = 1 AND _r_{m} = 1 AND {m} > {SMALL_CELL_MAX}))"
        selects.append(f"CASE WHEN {flag} THEN NULL ELSE {m} END AS {m}")
        selects.append(f"{flag} AS {m}_suppressed")
    others = [c for c in keep if c not in measures]
    return (f"SELECT {', '.join(others + selects)} FROM "
            f"(SELECT {', '.join(keep)}, {', '.join(windows)} FROM {source})")


PLACE = ["village_code", "village_name", "district_code", "district_name", "regency_code",
         "regency_name"]
RECRUITER_COUNTS = ("linked_complaints", "victims", "interdictions", "tppo_cases")


@dataclass(frozen=True)
class DashboardMart:
    """What a dashboard mart may show: its columns besides the protected counts,
    the group for secondary suppression, and which rows (licensed agencies only
    for the recruiter watchlist: informal recruiters are suspects' names)."""

    extra: tuple[str, ...]
    group: tuple[str, ...]
    tiebreak: str
    measures: tuple[str, ...] = COUNT_MEASURES
    where: str = "true"


DASHBOARD_SPECS: dict[str, DashboardMart] = {
    "mart_village_risk": DashboardMart(
        (*PLACE, "month", "risk_score", "risk_rank", "risk_tier"), ("regency_code", "month"),
        "village_code"),
    "mart_regency_month": DashboardMart(
        ("regency_code", "regency_name", "month", "estimated_nonprocedural_ratio"), ("month",),
        "regency_code"),
    "mart_desa_binaan_candidates": DashboardMart(
        (*PLACE, "candidate_rank", "candidate_score", "is_designated", "designated_program",
         "designated_on", "months_covered", "latest_risk_score", "latest_risk_rank",
         "latest_risk_tier"), ("regency_code",), "village_code"),
    "mart_recruiter_watchlist": DashboardMart(
        ("recruiter_key", "recruiter_type", "agency_id", "recruiter_name", "licence_status",
         "licence_status_date", "is_in_latest_register", "villages_reached", "placements",
         "first_seen_date", "last_seen_date"), ("recruiter_type",), "recruiter_key",
        RECRUITER_COUNTS, "recruiter_type = 'LICENSED_P3MI'"),
}


def _dashboard_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Fill ``out.marts`` from ``wh.marts`` with small cells protected."""
    for table in DASHBOARD_MARTS:
        cols = _columns(con, table, "wh")
        spec = DASHBOARD_SPECS.get(table)
        if spec is None:
            sql = f"SELECT * FROM wh.marts.{table}"
        else:
            keep = [c for c in cols if c in spec.extra or c in spec.measures]
            source = f"(SELECT * FROM wh.marts.{table} WHERE {spec.where})"
            sql = _suppress_sql(source, keep, list(spec.group), spec.tiebreak, spec.measures)
            if "estimated_nonprocedural_ratio" in keep:
                sql = (
                    "SELECT * REPLACE (CASE WHEN suspected_nonprocedural_departures_suppressed "
                    "OR procedural_placements_suppressed THEN NULL "
                    "ELSE estimated_nonprocedural_ratio END AS estimated_nonprocedural_ratio) "
                    f"FROM ({sql})")
        con.execute(f"CREATE TABLE out.marts.{table} AS {sql} ORDER BY {_order_by(con, table)}")


def _build(p: Paths, name: str, fill) -> Path:
    tmp = p.work / f"{name}.building.duckdb"
    for leftover in (tmp, tmp.with_suffix(".duckdb.wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{p.warehouse}' AS wh (READ_ONLY)")
        con.execute(f"ATTACH '{tmp}' AS out")
        con.execute("CREATE SCHEMA out.marts")
        fill(con)
        con.execute("CHECKPOINT out")
        con.execute("DETACH out")
    finally:
        con.close()
    _fsync(tmp)
    return tmp


def _analytics_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in _tables(con, "wh"):
        con.execute(f'CREATE TABLE out.marts."{table}" AS SELECT * FROM wh.marts."{table}" '
                    f"ORDER BY {_order_by(con, table)}")


def _state_file(p: Paths) -> Path:
    return p.home / "published.json"


def publish(p: Paths) -> dict:
    """Publish both reader files if the marts changed; return what was done."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{p.warehouse}' AS wh (READ_ONLY)")
        current = fingerprint(con, "wh")
    finally:
        con.close()
    state = json.loads(_state_file(p).read_text()) if _state_file(p).exists() else {}
    if (state.get("fingerprint") == current and p.analytics.exists()
            and p.dashboard.exists()):
        return {"action": "unchanged", "fingerprint": current}
    built = {
        p.analytics: _build(p, "analytics", _analytics_tables),
        p.dashboard: _build(p, "dashboard", _dashboard_tables),
    }
    for final, tmp in built.items():
        os.replace(tmp, final)
    dir_fd = os.open(p.home, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    state_tmp = p.work / "published.json.tmp"
    state_tmp.write_text(json.dumps({"fingerprint": current}))
    os.replace(state_tmp, _state_file(p))
    return {"action": "published", "fingerprint": current}
