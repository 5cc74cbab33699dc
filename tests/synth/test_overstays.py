"""The generator's foreign nationals past their permits (synth/overstays.py): most whose
last permit ends leave for good around the end, a few stay on; overstays.csv says which,
keyed by the wna feed's permit number."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
from synth_helpers import Landing


def test_holders_whose_last_permit_ends_leave_near_the_end_or_overstay(small: Landing) -> None:
    truth = small.truth("overstays")
    assert truth.height > 0
    permits = {r["no_izin"] for _, r in small.records("wna")}
    assert set(truth.filter(pl.col("permit_in_feed") == "true")["permit_no"]) <= permits
    crossings = small.truth("crossings")
    for row in truth.iter_rows(named=True):
        valid = pl.Series([row["last_valid_date"]]).str.to_date()[0]
        later = crossings.filter((pl.col("person_id") == row["person_id"])
                                 & (pl.col("crossed_at").str.slice(0, 10)
                                    > (valid + timedelta(days=15)).isoformat()))
        assert later.height == 0, row  # nobody travels once their stay is over
        if row["exit_date"]:
            exit_day = pl.Series([row["exit_date"]]).str.to_date()[0]
            days = (exit_day - valid).days
            assert (-20 <= days <= 0) if row["end_reason"] == "BERAKHIR" else (1 <= days <= 15)
    overstays = truth.filter(pl.col("exit_date").is_null() | (pl.col("exit_date") == ""))
    assert overstays.height <= 0.3 * truth.height  # a small rate, not the rule
