"""How well ``marts.mart_routes`` matches the generator's routes truth (``tppo evaluate``).

The truth folder's ``routes.csv`` holds the citizens' departures that reached the landing
intact per month x origin regency x exit checkpoint x destination x true class, and
``interdiction_places.csv`` the delivered interdictions per month x origin x place x
destination (synth/routes.py). What the feeds show differs in kind:

- the departures of a checkpoint in a month are observed directly (each crossing names
  its TPI): the mart should match them almost exactly; a miss is a crossing lost
  (quarantined) or a citizen taken for a foreigner. Target: total absolute error per
  checkpoint-month within 1 % of the true total;
- the suspected non-procedural departures of a checkpoint-month are an estimate: the
  truth knows who left to work, the platform judges (fct_departures), so this figure is
  bounded by the classification's precision and recall; printed, with the same 1 %
  line for reference;
- interdictions per place-month depend on mapping the typed ``lokasi`` (a text that
  names no port stays UNKNOWN), and transit persons on telling an address from outside
  Lampung from an unresolved Lampung one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from tppo.publish import sql_literal

WITHIN = 0.01
TARGETS: dict[str, float] = {"error:routes_departures_checkpoint_month": WITHIN}


@dataclass
class RoutesEvaluation:
    """The routes figures; ``None`` where the mart or the truth file is missing."""

    departures_true: int = 0
    departures_error: float | None = None
    checkpoint_months: int = 0
    checkpoint_months_within: int = 0
    worst_checkpoint_month: tuple[str, str, int, int] | None = None
    suspected_true: int = 0
    suspected_error: float | None = None
    suspected_checkpoint_months_within: int = 0
    interdictions_true: int = 0
    interdictions_error: float | None = None
    transit_persons_true: int = 0
    transit_persons_found: int = 0
    transit_persons_error: float | None = None



def checks(ev: RoutesEvaluation | None) -> dict[str, tuple[float | None, float, bool]]:
    """The routes targets as Evaluation.checks() lists them: (value, threshold, met);
    missed when the mart or the truth is missing."""
    value = None if ev is None else ev.departures_error
    return {name: (value, t, value is not None and value <= t) for name, t in TARGETS.items()}


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'analytics' AND "
        "schema_name = 'marts' AND table_name = ?", [table]).fetchall()[0][0])


def _error(con: duckdb.DuckDBPyConnection, found: str, true: str, keys: str
           ) -> tuple[float | None, int, int, int, list[tuple]]:
    """Total absolute error / true total over the cells ``keys`` of two queries, the true
    total, the cells, those within WITHIN, and the cells ordered worst first."""
    cells = con.execute(f"""
        SELECT {keys}, coalesce(f.n, 0) AS found, coalesce(t.n, 0) AS truth
        FROM ({found}) AS f FULL OUTER JOIN ({true}) AS t USING ({keys})""").fetchall()
    true_total = sum(c[-1] for c in cells)
    err = sum(abs(c[-2] - c[-1]) for c in cells)
    within = sum(1 for c in cells if abs(c[-2] - c[-1]) <= WITHIN * c[-1])
    worst = sorted(cells, key=lambda c: (-abs(c[-2] - c[-1]) / max(c[-1], 1), c[:-2]))
    return (err / true_total if true_total else None), true_total, len(cells), within, worst


def measure(con: duckdb.DuckDBPyConnection, truth: Path) -> RoutesEvaluation | None:
    """The routes figures from an open connection with ``analytics`` attached."""
    routes, places = truth / "routes.csv", truth / "interdiction_places.csv"
    if not _has(con, "mart_routes") or not routes.exists():
        return None
    ev = RoutesEvaluation()
    read = f"read_csv({sql_literal(routes)}, header = true, all_varchar = true)"
    mart = "analytics.marts.mart_routes"
    keys = "month, checkpoint_code"
    err, ev.departures_true, ev.checkpoint_months, ev.checkpoint_months_within, worst = _error(
        con,
        f"SELECT month, checkpoint_code, sum(departures) AS n FROM {mart} "
        "WHERE departures > 0 GROUP BY ALL",
        f"SELECT cast(month AS date) AS month, checkpoint_code, sum(cast(departures AS "
        f"integer)) AS n FROM {read} GROUP BY ALL", keys)
    ev.departures_error = err
    if worst:
        m, c, f, t = worst[0]
        ev.worst_checkpoint_month = (f"{m:%Y-%m}", c, int(f), int(t))
    ev.suspected_error, ev.suspected_true, _, ev.suspected_checkpoint_months_within, _ = _error(
        con,
        f"SELECT month, checkpoint_code, sum(suspected_nonprocedural_departures) AS n "
        f"FROM {mart} WHERE departures > 0 GROUP BY ALL",
        f"SELECT cast(month AS date) AS month, checkpoint_code, sum(cast(departures AS "
        f"integer)) AS n FROM {read} WHERE true_class = 'NONPROCEDURAL_LABOUR' GROUP BY ALL",
        keys)
    if places.exists():
        read = f"read_csv({sql_literal(places)}, header = true, all_varchar = true)"
        # like the truth, a group from two regencies counts in each origin's row
        ev.interdictions_error, ev.interdictions_true, *_ = _error(
            con,
            f"SELECT month, checkpoint_code, sum(interdictions) AS n FROM {mart} "
            "WHERE interdictions > 0 AND NOT is_transit GROUP BY ALL",
            f"SELECT cast(month AS date) AS month, checkpoint_code, sum(cast(interdictions "
            f"AS integer)) AS n FROM {read} WHERE is_transit = 'false' GROUP BY ALL", keys)
        ev.transit_persons_error, ev.transit_persons_true, *_ = _error(
            con,
            f"SELECT month, checkpoint_code, sum(interdicted_persons) AS n FROM {mart} "
            "WHERE is_transit GROUP BY ALL",
            f"SELECT cast(month AS date) AS month, checkpoint_code, sum(cast("
            f"interdicted_persons AS integer)) AS n FROM {read} WHERE is_transit = 'true' "
            "GROUP BY ALL", keys)
        ev.transit_persons_found = int(con.execute(
            f"SELECT coalesce(sum(interdicted_persons), 0) FROM {mart} WHERE is_transit"
        ).fetchall()[0][0])
    return ev


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.2f} %"


def format_lines(ev: RoutesEvaluation | None) -> list[str]:
    """The routes part of the printed report."""
    if ev is None:
        return ["Routes: n/a (no marts.mart_routes or no routes.csv in the truth)"]
    worst = ev.worst_checkpoint_month
    lines = [
        f"Routes (mart_routes) per checkpoint-month, {ev.checkpoint_months} checkpoint-months:",
        f"  departures of citizens: total absolute error {_pct(ev.departures_error)} of "
        f"{ev.departures_true:,}; {ev.checkpoint_months_within} of {ev.checkpoint_months} "
        f"checkpoint-months within {100 * WITHIN:.0f} %",
    ]
    if worst:
        lines.append(f"    worst: {worst[1]} {worst[0]}, {worst[2]:,} found against {worst[3]:,}")
    lines += [
        f"  suspected non-procedural vs true non-procedural: total absolute error "
        f"{_pct(ev.suspected_error)} of {ev.suspected_true:,}; "
        f"{ev.suspected_checkpoint_months_within} of {ev.checkpoint_months} within "
        f"{100 * WITHIN:.0f} % (bounded by the classification)",
        f"  interdictions of residents per place-month: total absolute error "
        f"{_pct(ev.interdictions_error)} of {ev.interdictions_true:,}",
        f"  transit (persons from outside Lampung) per place-month: total absolute error "
        f"{_pct(ev.transit_persons_error)}; {ev.transit_persons_found:,} found, "
        f"{ev.transit_persons_true:,} true",
    ]
    return lines
