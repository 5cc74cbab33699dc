"""Overstays against the truth: who the platform lists as past their permit.

``overstays.csv`` (synth/overstays.py) gives each foreign national whose last permit
ended, with the permit number of the ``wna`` feed, the last valid day and the day they
left, if they did. As of the pipeline's as-of date (the latest delivery date of a loaded
file, as the mart uses), a holder truly overstays when the last valid day lies before
it and no exit that reached the landing intact happened on or before it. The
platform's answer is ``marts.mart_permit_overstays`` (keyed passport pseudonyms); the
truth's permit numbers reach the same pseudonyms through the restricted staging of the
``wna`` feed (permit number -> passport pseudonym, nothing else is read). Permits that
never reached the landing are out of both.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from tppo.publish import sql_literal

TARGETS = {"overstay_precision": 0.95, "overstay_recall": 0.95}


def measure(con: duckdb.DuckDBPyConnection, truth: Path) -> dict[str, float | int | None]:
    """Precision and recall of mart_permit_overstays; ``con`` has ``analytics`` and
    ``warehouse`` attached. Empty when the mart or the truth file is missing."""
    path = truth / "overstays.csv"
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'analytics' "
        "AND schema_name = 'marts' AND table_name = 'mart_permit_overstays'").fetchall()[0][0]
    if not path.exists() or not found:
        return {}
    as_of = con.execute(
        "SELECT max(delivery_date) FROM warehouse.staging.stg_meta__deliveries "
        "WHERE status IN ('LOADED', 'DUPLICATE')").fetchall()[0][0]
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE t_overstays AS
        SELECT DISTINCT p.passport_key
        FROM read_csv({sql_literal(path)}, header = true, all_varchar = true) AS t
        INNER JOIN warehouse.staging.stg_imigrasi__foreign_permits AS p
            ON p.permit_id = t.permit_no
        WHERE cast(t.last_valid_date AS date) < $as_of
          AND NOT (t.exit_in_feed = 'true' AND cast(t.exit_date AS date) <= $as_of)
          AND p.passport_key IS NOT NULL""", {"as_of": as_of})
    tp, predicted, true = con.execute("""
        SELECT (SELECT count(*) FROM analytics.marts.mart_permit_overstays
                WHERE person_key IN (SELECT passport_key FROM t_overstays)),
            (SELECT count(*) FROM analytics.marts.mart_permit_overstays),
            (SELECT count(*) FROM t_overstays)""").fetchall()[0]
    return {
        "overstay_precision": tp / predicted if predicted else None,
        "overstay_recall": tp / true if true else None,
        "overstays_listed": predicted,
        "overstays_true": true,
        "overstays_found": tp,
    }


def report_lines(figures: dict[str, float | int | None]) -> list[str]:
    """The lines `tppo evaluate` prints for the overstays."""
    if not figures:
        return ["Overstays: n/a (no mart_permit_overstays or no overstays.csv in the truth)"]

    def f(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.4f}"

    return [f"Foreign nationals past their permits: {figures['overstays_listed']} listed, "
            f"{figures['overstays_true']} true, {figures['overstays_found']} found; precision "
            f"{f(figures['overstay_precision'])}, recall {f(figures['overstay_recall'])}"]
