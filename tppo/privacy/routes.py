"""The routes mart in the dashboards' copy: small cells protected by the rule of
:mod:`tppo.privacy.suppression` (1-4 withheld, then secondary suppression).

A route cell (month x origin regency x checkpoint x destination) is part of two totals
that others publish: the regency's month (``mart_regency_month`` in this very copy holds
the suspected departures and interdicted persons of each regency-month; BP3MI and the
police publish such figures) and the checkpoint's month (immigration publishes
departures per TPI). Each is a line along which no hidden cell may be narrowed below
"any value from 1 to 4", as in ``suppression.linked_lines``; a line's total is taken as
known from outside, the cautious case. As for the totals suppression.py takes from
outside the copy, this is best effort: a cell withheld as a partner in one line may be
the only non-zero cell of another, whose published total then shows it.

The copy leaves out the row total ``departures``: it equals the sum of the four
classes, so beside them it would give a withheld class away. Readers add the classes.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tppo.privacy import suppression as sup

ROUTES = "mart_routes"
ROUTE_COUNTS = ("procedural_departures", "suspected_nonprocedural_departures",
                "non_labour_departures", "unresolved_departures", "interdictions",
                "interdicted_persons")
ROUTE_COLUMNS = ("month", "origin_regency_code", "origin_regency_name", "is_transit",
                 "checkpoint_code", "checkpoint_name", "checkpoint_kind",
                 "is_immigration_checkpoint", "is_checkpoint_in_lampung",
                 "destination_country", "is_labour_destination")
ROUTE_KEYS = ("month", "origin_regency_code", "checkpoint_code", "destination_country")
ROUTE_LINES = (("month", "origin_regency_code"), ("month", "checkpoint_code"))


def routes_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``mart_routes`` for the copy (``frame`` in the copy's row order): the columns of
    ROUTE_COLUMNS and ROUTE_COUNTS, counts of 1-4 withheld with their flags, secondary
    suppression along ROUTE_LINES."""
    frame = frame.select([c for c in (*ROUTE_COLUMNS, *ROUTE_COUNTS) if c in frame.columns])
    groups = [rows for by in ROUTE_LINES if all(c in frame.columns for c in by)
              for _, rows in sup._groups(frame, list(by))]
    flags = {}
    for m in ROUTE_COUNTS:
        if m in frame.columns:
            values = {ROUTES: frame[m].fill_null(0).to_numpy().astype(np.int64)}
            flags[m] = sup.protect(values, [sup.Line(ROUTES, rows) for rows in groups])[ROUTES]
    return sup.apply_flags(frame, flags)
