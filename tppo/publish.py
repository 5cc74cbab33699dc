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
import polars as pl

from tppo import scoring
from tppo.config import (  # noqa: F401  (DASHBOARD_MARTS, published_marts: read from here too)
    DASHBOARD_MARTS,
    Paths,
    count_measures,
    published_marts,
    share,
    villages,
)
from tppo.privacy import routes as route_copy
from tppo.privacy import suppression as sup
from tppo.warehouse import attach_warehouse, fsync, sql_literal  # noqa: F401  (sql_literal: read from here too)

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
    "mart_routes": (
        "month", "origin_regency_code", "is_transit", "checkpoint_code", "destination_country",
        "departures", "procedural_departures", "suspected_nonprocedural_departures",
        "non_labour_departures", "unresolved_departures", "interdictions", "interdicted_persons",
    ),
}


# Rows of a copied mart the dashboards' copy keeps: an unmapped value carried by fewer
# than five records stays in the analysts' file (it could be something typed once).
DASHBOARD_ROWS = {"mart_unmapped_values": "n_rows >= 5"}


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
    months, rows, n_villages = con.execute(
        "SELECT count(DISTINCT month), count(*), count(DISTINCT village_code) "
        "FROM marts.mart_village_risk").fetchall()[0]
    expected = villages()
    if rows != months * expected or (months and n_villages != expected):
        problems.append(f"mart_village_risk has {rows} rows for {months} month(s) and "
                        f"{n_villages} villages; expected every one of {expected} villages "
                        "every month")
    nulls = con.execute(
        "SELECT " + ", ".join(f"count(*) FILTER (WHERE {c} IS NULL OR {c} < 0)"
                              for c in count_measures()) + " FROM marts.mart_village_risk"
    ).fetchall()[0]
    for c, n in zip(count_measures(), nulls, strict=True):
        if n:
            problems.append(f"mart_village_risk.{c} has {n} NULL or negative value(s)")
    bad_score = con.execute(
        "SELECT count(*) FROM marts.mart_village_risk WHERE risk_score NOT BETWEEN 0 AND 100 "
        "OR risk_score IS NULL OR risk_tier NOT IN ('TINGGI', 'SEDANG', 'RENDAH')"
    ).fetchall()[0][0]
    if bad_score:
        problems.append(f"mart_village_risk has {bad_score} row(s) with a score outside 0-100 "
                        "or an unknown tier")
    routed, departed = con.execute(
        "SELECT (SELECT coalesce(sum(departures), 0) FROM marts.mart_routes), (SELECT count(*) "
        "FROM marts.fct_departures WHERE departure_month BETWEEN (SELECT min(month) FROM "
        "marts.mart_village_risk) AND (SELECT max(month) FROM marts.mart_village_risk))"
    ).fetchall()[0]
    if routed != departed:
        problems.append(f"mart_routes counts {routed} departures, fct_departures {departed} in "
                        "the same months")
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


def _order_by(con: duckdb.DuckDBPyConnection, table: str) -> str:
    cols = _columns(con, table, "wh")
    keys = [c for c in ("month", "regency_code", "village_code", "crossing_id", "file_name",
                        "recruiter_key") if c in cols]
    return ", ".join(keys or ["ALL"])


PLACE = ["village_code", "village_name", "district_code", "district_name", "regency_code",
         "regency_name"]
RECRUITER_COUNTS = ("linked_complaints", "victims", "interdictions", "tppo_cases")
# The risk score's components (points, not counts): the morning report shows why a
# village ranks high.
RISK_COMPONENTS = tuple(f"score_{m}" for m in (
    "suspected_nonprocedural_departures", "tppo_victims", "interdicted_persons",
    "nonprocedural_complaints", "passport_postponements", "timpora_findings",
    "labour_destination_departures"))


@dataclass(frozen=True)
class DashboardMart:
    """What a dashboard mart may show: its columns besides the protected counts, and
    which rows (licensed agencies only for the recruiter watchlist: informal
    recruiters are suspects' names). How the counts are protected, and why the
    risk scores are recomputed: :mod:`tppo.privacy.suppression`."""

    extra: tuple[str, ...]
    counts: tuple[str, ...] | None = None  # None: the village marts' count measures
    where: str = "true"

    @property
    def measures(self) -> tuple[str, ...]:
        return count_measures() if self.counts is None else self.counts


DASHBOARD_SPECS: dict[str, DashboardMart] = {
    "mart_village_risk": DashboardMart(
        (*PLACE, "month", "risk_score", "risk_rank", "risk_tier", *RISK_COMPONENTS,
         "risk_reason")),
    "mart_regency_month": DashboardMart(
        ("regency_code", "regency_name", "month", "estimated_nonprocedural_ratio")),
    "mart_desa_binaan_candidates": DashboardMart(
        (*PLACE, "candidate_rank", "candidate_score", "is_designated", "designated_program",
         "designated_on", "is_desa_migran_emas", "dme_designated_on", "months_covered",
         "latest_risk_score", "latest_risk_rank", "latest_risk_tier")),
    "mart_recruiter_watchlist": DashboardMart(
        ("recruiter_key", "recruiter_type", "agency_id", "recruiter_name", "licence_status",
         "licence_status_date", "is_in_latest_register", "villages_reached", "placements",
         "first_seen_date", "last_seen_date"),
        RECRUITER_COUNTS, "recruiter_type = 'LICENSED_P3MI'"),
}
SCORED = ("risk_score", "risk_rank", "risk_tier", *RISK_COMPONENTS)
AT_LEAST = "sedikitnya"


def reason_sql(points: str, counts: str, months: str, at_least: str | None = None) -> str:
    """risk_reason as dbt's macro ``risk_reason`` (macros/risk_score.sql) writes it, from
    columns ``<points><measure>`` and ``<counts><measure>``; with ``at_least`` (the
    dashboards' copy), where ``<at_least><measure>`` is true the count is a lower bound
    (a withheld month of the window counts as 1) and is written "sedikitnya N"."""
    flag = (lambda m: f"{at_least}{m}") if at_least else (lambda m: "false")
    parts = ", ".join(f"{{'points': {points}{c.measure}, 'n': {counts}{c.measure}, "
                      f"'low': {flag(c.measure)}, 'label': {sql_literal(c.label)}}}"
                      for c in scoring.definition().components)
    items = (f"list_transform(list_reverse_sort(list_filter([{parts}], "
             "lambda p: p.n > 0))[1:3], lambda p: CASE WHEN p.low THEN "
             f"'{AT_LEAST} ' ELSE '' END || p.n || ' ' || p.label)")
    tail = f"' dalam ' || {months} || ' bulan terakhir'"
    return (f"(SELECT CASE len(l) WHEN 0 THEN 'tidak ada kejadian dalam ' || {months} || "
            "' bulan terakhir; skor dari rata-rata kecamatan' "
            f"WHEN 1 THEN l[1] || {tail} WHEN 2 THEN l[1] || ' dan ' || l[2] || {tail} "
            f"ELSE l[1] || ', ' || l[2] || ' dan ' || l[3] || {tail} END "
            f"FROM (SELECT {items} AS l))")


def _copy_windows_sql(frame: pl.DataFrame) -> str:
    """Per village-month of ``dash_frame``: the window's months and, per score component,
    a lower bound of its window sum from the copy's own figures (a withheld month counts
    as 1, the least it can hold) and whether a month of the window is withheld."""
    d = scoring.definition()
    cols = []
    for c in d.components:
        m, flag = c.measure, f"{c.measure}_suppressed"
        shown = f"sum(coalesce({m}, 0)) OVER w" if m in frame.columns else "0"
        if flag in frame.columns:
            cols.append(f"{shown} + count(*) FILTER (WHERE {flag}) OVER w AS window_{m}, "
                        f"bool_or({flag}) OVER w AS low_{m}")
        else:
            cols.append(f"{shown} AS window_{m}, false AS low_{m}")
    return (f"SELECT village_code, month, count(*) OVER w AS window_months, {', '.join(cols)} "
            "FROM dash_frame WINDOW w AS (PARTITION BY village_code ORDER BY month "
            f"ROWS BETWEEN {d.window_months - 1} PRECEDING AND CURRENT ROW)")


def _village_scores_sql(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame,
                        dbt_target: Path) -> str:
    """The village months of ``frame`` (registered as ``dash_frame``) with risk columns
    recomputed by dbt's scoring model from the copy's own figures, or left empty
    when that model is not at hand (:mod:`tppo.privacy.suppression`)."""
    scored = [c for c in SCORED if c in frame.columns]
    if "risk_reason" in frame.columns:  # the exact reason would give withheld counts away
        scored.append("risk_reason")
    compiled = sup.scoring_sql(dbt_target)
    has_measured = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'wh' AND "
        "table_schema = 'intermediate' AND table_name = ?", [sup.MEASURED_MODEL]
    ).fetchall()[0][0]
    if compiled is None or not has_measured:
        return (f"SELECT * REPLACE ({', '.join(f'NULL AS {c}' for c in scored)}) "
                "FROM dash_frame")
    measures = [c for c in frame.columns if c in count_measures()]
    fill = ", ".join(f"coalesce(f.{m}, {sup.IMPUTED}) AS {m}" for m in measures)
    measured = (f"(SELECT m.* REPLACE ({fill}) FROM wh.intermediate.{sup.MEASURED_MODEL} AS m "
                "JOIN dash_frame AS f USING (village_code, month))")
    scores = sup.protected_scores_sql(compiled, measured, "wh")
    picked = [f"s.{c}" for c in scored if c != "risk_reason"]
    if "risk_reason" in scored:
        reason = reason_sql("s.score_", "w.window_", "w.window_months", "w.low_")
        picked.append(f"{reason} AS risk_reason")
        return (f"SELECT f.* EXCLUDE ({', '.join(scored)}), {', '.join(picked)} "
                f"FROM dash_frame AS f JOIN ({scores}) AS s USING (village_code, month) "
                f"JOIN ({_copy_windows_sql(frame)}) AS w USING (village_code, month)")
    return (f"SELECT f.* EXCLUDE ({', '.join(scored)}), {', '.join(picked)} "
            f"FROM dash_frame AS f JOIN ({scores}) AS s USING (village_code, month)")


def _dashboard_tables(con: duckdb.DuckDBPyConnection, dbt_target: Path) -> None:
    """Fill ``out.marts`` from ``wh.marts``: small cells protected, scores recomputed
    from the protected figures (:mod:`tppo.privacy.suppression`)."""
    frames: dict[str, pl.DataFrame] = {}
    for table, spec in DASHBOARD_SPECS.items():
        keep = [c for c in _columns(con, table, "wh") if c in spec.extra or c in spec.measures]
        frames[table] = con.sql(
            f"SELECT {', '.join(keep)} FROM wh.marts.{table} WHERE {spec.where} "
            f"ORDER BY {_order_by(con, table)}").pl()
    linked = {t: f for t, f in frames.items() if t != "mart_recruiter_watchlist"}
    flags = sup.suppress_linked(linked, {t: DASHBOARD_SPECS[t].measures for t in linked})
    flags["mart_recruiter_watchlist"] = sup.suppress_single(
        frames["mart_recruiter_watchlist"], RECRUITER_COUNTS, [])
    for table in DASHBOARD_SPECS:
        frame = sup.apply_flags(frames[table], flags[table])  # read by DuckDB by name
        cols = ", ".join(frame.columns)
        sql = "SELECT * FROM frame"
        if table == "mart_village_risk" and "risk_score" in frame.columns:
            con.register("dash_frame", frame)
            sql = _village_scores_sql(con, frame, dbt_target)
        elif table == "mart_desa_binaan_candidates":
            sql = sup.candidates_sql("frame", "out.marts.mart_village_risk",
                                     frames[table].columns)
        elif table == "mart_regency_month" and "estimated_nonprocedural_ratio" in cols:
            sql = ("SELECT * REPLACE (CASE WHEN suspected_nonprocedural_departures_suppressed "
                   "OR procedural_placements_suppressed THEN NULL "
                   "ELSE estimated_nonprocedural_ratio END AS estimated_nonprocedural_ratio) "
                   "FROM frame")
        con.execute(f"CREATE TABLE out.marts.{table} AS SELECT {cols} FROM ({sql}) "
                    f"ORDER BY {_order_by(con, table)}")
    present = set(_tables(con, "wh"))
    _foreigner_tables(con, dbt_target, present)
    if route_copy.ROUTES in present:
        _routes_table(con)
    for table in DASHBOARD_MARTS:
        if (table not in DASHBOARD_SPECS and table not in FOREIGNER_MARTS
                and table != route_copy.ROUTES and table in present):
            con.execute(f"CREATE TABLE out.marts.{table} AS SELECT * FROM wh.marts.{table} "
                        f"WHERE {DASHBOARD_ROWS.get(table, 'true')} "
                        f"ORDER BY {_order_by(con, table)}")


def _routes_table(con: duckdb.DuckDBPyConnection) -> None:
    """``mart_routes`` protected (:mod:`tppo.privacy.routes`)."""
    table, keys = route_copy.ROUTES, ", ".join(route_copy.ROUTE_KEYS)
    con.register("route_frame", route_copy.routes_frame(
        con.sql(f"SELECT * FROM wh.marts.{table} ORDER BY {keys}").pl()))
    con.execute(f"CREATE TABLE out.marts.{table} AS SELECT * FROM route_frame ORDER BY {keys}")
    con.unregister("route_frame")


FOREIGNER_MARTS = (sup.FOREIGNERS, sup.TARGETS)
TARGET_EVIDENCE = ("suspected_departures_6m", "overstays_open", "active_foreign_permits",
                   "recruiter_activity_6m", "nonprocedural_complaints_6m",
                   "interdicted_persons_6m")


def _foreigner_tables(con: duckdb.DuckDBPyConnection, dbt_target: Path, present: set[str]) -> None:
    """The copy's foreigners per village-month (counts protected, following the village
    copy) and the operation targets recomputed from the copy's own figures
    (:mod:`tppo.privacy.suppression`); left out until dbt has built them."""
    if sup.FOREIGNERS not in present:
        return
    frame = con.sql(f"SELECT * FROM wh.marts.{sup.FOREIGNERS} "
                    f"ORDER BY {_order_by(con, sup.FOREIGNERS)}").pl()
    flags = [c for c in _columns(con, "mart_village_risk", "out") if c.endswith("_suppressed")]
    village_copy = con.sql(f"SELECT village_code, month, {', '.join(flags) or 'NULL AS none'} "
                           "FROM out.marts.mart_village_risk").pl()
    con.register("foreigner_frame", sup.foreigner_months_frame(frame, village_copy))
    con.execute(f"CREATE TABLE out.marts.{sup.FOREIGNERS} AS SELECT * FROM foreigner_frame "
                f"ORDER BY {_order_by(con, sup.FOREIGNERS)}")
    con.unregister("foreigner_frame")
    compiled = sup.targets_model_sql(dbt_target)
    if sup.TARGETS not in present or compiled is None:
        return
    copied = {t: _columns(con, t, "out") for t in ("mart_village_risk", sup.FOREIGNERS)}
    sql = sup.operation_targets_sql(compiled, copied, TARGET_EVIDENCE)
    con.execute(f"CREATE TABLE out.marts.{sup.TARGETS} AS {sql} "
                "ORDER BY office_code, target_rank")


def new_unmapped_values(con: duckdb.DuckDBPyConnection,
                        published: Path) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(source, feed, field) -> (values, rows) of the unmapped values in the warehouse's
    marts that the published analytics file does not list yet: what this run brought."""
    if "mart_unmapped_values" not in _tables(con, con.execute(
            "SELECT current_database()").fetchall()[0][0]):
        return {}
    key = "concat_ws('|', source, feed, field, value_kind, raw_value)"
    query = ("SELECT source, feed, field, count(*), sum(n_rows) FROM marts.mart_unmapped_values "
             f"WHERE {key} NOT IN ({{known}}) GROUP BY ALL")
    nothing = query.format(known="SELECT NULL WHERE false")
    try:  # nothing published yet, or a file a reader cannot open now: all values are new
        con.execute(f"ATTACH {sql_literal(published)} AS previous (READ_ONLY)")
    except duckdb.Error:
        return _unmapped_counts(con.execute(nothing))
    try:
        listed = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_catalog = "
            "'previous' AND table_name = 'mart_unmapped_values'").fetchall()[0][0]
        return _unmapped_counts(con.execute(query.format(
            known=f"SELECT {key} FROM previous.marts.mart_unmapped_values") if listed
            else nothing))
    finally:
        con.execute("DETACH previous")


def _unmapped_counts(rows) -> dict[tuple[str, str, str], tuple[int, int]]:
    return {(r[0], r[1], r[2]): (r[3], int(r[4])) for r in rows.fetchall()}


DASHBOARD_NOTE = (" In dashboard.duckdb: a count from 1 to 4 is NULL with its <count>_suppressed "
                  "flag true, and scores are computed from the protected figures.")


def _copy_comments(con: duckdb.DuckDBPyConnection, dashboard: bool) -> None:
    """Give every table and column of ``out.marts`` the comment dbt wrote on its source in
    ``wh.marts`` (persist_docs: each mart's and column's description); a dashboard copy's
    ``<count>_suppressed`` flag gets its own. CREATE TABLE AS copies no comment."""
    tables = dict(con.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE database_name = 'wh' AND "
        "schema_name = 'marts'").fetchall())
    columns = {(t, c): text for t, c, text in con.execute(
        "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE "
        "database_name = 'wh' AND schema_name = 'marts'").fetchall()}
    for table, column in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = 'out' "
            "AND schema_name = 'marts' ORDER BY table_name, column_index").fetchall():
        text = columns.get((table, column))
        if text is None and column.endswith("_suppressed"):
            text = (f"True when {column.removesuffix('_suppressed')} is withheld in this copy "
                    "(a count from 1 to 4, shown as NULL) so that no one can be singled out.")
        if text:
            con.execute(f'COMMENT ON COLUMN out.marts."{table}"."{column}" IS '
                        f"{sql_literal(text)}")
    for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = "
                                "'out' AND schema_name = 'marts'").fetchall():
        if tables.get(table):
            text = tables[table] + (DASHBOARD_NOTE if dashboard else "")
            con.execute(f'COMMENT ON TABLE out.marts."{table}" IS {sql_literal(text)}')


def _build(p: Paths, name: str, fill) -> Path:
    tmp = p.work / f"{name}.building.duckdb"
    for leftover in (tmp, tmp.with_suffix(".duckdb.wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        attach_warehouse(con, p.warehouse, "wh", read_only=True)
        con.execute(f"ATTACH {sql_literal(tmp)} AS out")
        con.execute("CREATE SCHEMA out.marts")
        fill(con)
        _copy_comments(con, dashboard=name.startswith("dashboard"))
        con.execute("CHECKPOINT out")
        con.execute("DETACH out")
    finally:
        con.close()
    fsync(tmp)
    return tmp


# The columns that carry the one risk score (docs/PRIVACY.md, "One score"): the
# dashboards' copy computes them from its protected figures, and analytics.duckdb
# takes them from there, so a village-month has the same score, rank and tier in
# both files, in `tppo top`, the morning report and Superset.
SHARED_SCORES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "mart_village_risk": (("village_code", "month"), SCORED),
    "mart_desa_binaan_candidates": (("village_code",), (
        "candidate_rank", "candidate_score", "latest_risk_score", "latest_risk_rank",
        "latest_risk_tier")),
    "mart_operation_targets": (("village_code",), (
        "target_rank", "target_score", "evidence_score", "points_suspected_departures_6m",
        "points_overstays_open", "points_active_foreign_permits",
        "points_recruiter_activity_6m")),
}


def _analytics_tables(con: duckdb.DuckDBPyConnection, dashboard: Path | None = None) -> None:
    """Every mart of the warehouse; with ``dashboard`` (the copy just built), the score
    columns of SHARED_SCORES taken from it when it carries scores."""
    if dashboard is not None:
        con.execute(f"ATTACH {sql_literal(dashboard)} AS dash (READ_ONLY)")
    try:
        for table in _tables(con, "wh"):
            sql = f'SELECT * FROM wh.marts."{table}"'
            if dashboard is not None and table in SHARED_SCORES:
                keys, scored = SHARED_SCORES[table]
                have = set(_columns(con, table, "wh")) & set(_columns(con, table, "dash"))
                cols = [c for c in scored if c in have]
                if cols and all(k in have for k in keys) and con.execute(
                        f"SELECT count({cols[0]}) FROM dash.marts.{table}").fetchall()[0][0]:
                    sql = (f"SELECT a.* REPLACE ({', '.join(f'd.{c} AS {c}' for c in cols)}) "
                           f'FROM wh.marts."{table}" AS a JOIN dash.marts.{table} AS d '
                           f"USING ({', '.join(keys)})")
            con.execute(f'CREATE TABLE out.marts."{table}" AS {sql} '
                        f"ORDER BY {_order_by(con, table)}")
    finally:
        if dashboard is not None:
            con.execute("DETACH dash")


def _state_file(p: Paths) -> Path:
    return p.home / "published.json"


def publish(p: Paths) -> dict:
    """Publish both reader files if the marts changed; return what was done."""
    con = duckdb.connect()
    try:
        attach_warehouse(con, p.warehouse, "wh", read_only=True)
        current = fingerprint(con, "wh")
    finally:
        con.close()
    state = json.loads(_state_file(p).read_text()) if _state_file(p).exists() else {}
    if (state.get("fingerprint") == current and p.analytics.exists()
            and p.dashboard.exists()):
        return {"action": "unchanged", "fingerprint": current}
    dashboard = _build(p, "dashboard", lambda con: _dashboard_tables(con, p.work / "dbt_target"))
    built = {
        p.analytics: _build(p, "analytics", lambda con: _analytics_tables(con, dashboard)),
        p.dashboard: dashboard,
    }
    for final, tmp in built.items():
        share(tmp)  # the run works under umask 077; readers keep their access
        os.replace(tmp, final)
    dir_fd = os.open(p.home, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    state_tmp = p.work / "published.json.tmp"
    state_tmp.write_text(json.dumps({"fingerprint": current}))
    share(state_tmp)
    os.replace(state_tmp, _state_file(p))
    return {"action": "published", "fingerprint": current}
