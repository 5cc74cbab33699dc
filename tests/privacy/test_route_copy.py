"""mart_routes in the dashboards' copy (tppo/privacy/routes.py): counts of 1-4 withheld,
secondary suppression along each regency's and each checkpoint's month, and no row total
that would give a withheld class away."""

from __future__ import annotations

import datetime as dt

import polars as pl

from tppo.privacy import routes

JUNE = dt.date(2025, 6, 1)


def _frame(rows: list[tuple[str, str, str, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(JUNE, o, c, d, s + p, p, s, 0, 0, 0, 0) for o, c, d, s, p in rows],
        schema=["month", "origin_regency_code", "checkpoint_code", "destination_country",
                "departures", "procedural_departures", "suspected_nonprocedural_departures",
                "non_labour_departures", "unresolved_departures", "interdictions",
                "interdicted_persons"], orient="row")


def test_small_route_cells_are_withheld_with_a_partner_along_the_regency_month():
    frame = _frame([("1804", "BTM", "MYS", 40, 0), ("1804", "CGK", "SAU", 3, 0),
                    ("1804", "DUM", "MYS", 9, 0), ("1809", "BTM", "MYS", 30, 0)])
    copy = routes.routes_frame(frame)
    assert "departures" not in copy.columns  # the sum of the classes would undo a withheld one
    s = dict(zip(copy["destination_country"] + copy["checkpoint_code"] + copy[
        "origin_regency_code"], copy["suspected_nonprocedural_departures"], strict=True))
    assert s["SAUCGK1804"] is None  # 3: withheld
    # alone in its regency-month line, 1804's 3 would follow from the regency's total:
    # the smallest other non-zero cell of the line goes too
    assert s["MYSDUM1804"] is None and s["MYSBTM1804"] == 40 and s["MYSBTM1809"] == 30
    flags = copy["suspected_nonprocedural_departures_suppressed"].to_list()
    assert flags.count(True) == 2
    assert copy["procedural_departures"].to_list() == [0, 0, 0, 0]  # zeros single nobody out
