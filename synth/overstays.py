"""The truth about foreign nationals whose last permit ended: who left, who stayed on.

``overstays.csv`` has one row per foreign national whose latest permit (the last of
a chain of extensions) ends before the horizon, keyed as the feeds key it: the
passport number and the permit number of the ``wna`` feed. Whether someone is an
overstayer depends on the day one asks (a person leaving three days after the end is
overstaying for those three days), so the file gives the dates and the evaluation
decides as of the pipeline's as-of date: overstaying on day D when ``last_valid_date``
< D and there is no exit on or before D (``exit_date`` empty or later). An exit whose
crossing row was deliberately broken in delivery (``exit_in_feed`` false) is one the
platform cannot see.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from synth.deliver import Delivered
from synth.model import SECONDS_PER_DAY, World, latest_permits, permit_end


def overstay_truth(w: World, dl: Delivered) -> pl.DataFrame:
    """One row per foreign national whose latest permit ends before the horizon."""
    start = w.p.start.toordinal()
    broken = dl.broken.get("perlintasan", set())
    exit_trips = {t: pid for pid, t in w.foreign_exits.items()}
    exit_crossing = {exit_trips[t]: crossing_id for crossing_id, t, _, _ in dl.crossings
                     if t in exit_trips}
    delivered = set(dl.versions.get("wna", {}))
    rows = []
    for pid, i in sorted(latest_permits(w).items()):
        valid, reason = permit_end(w, i)
        if valid >= w.p.days:
            continue
        trip = w.foreign_exits.get(pid)
        exit_day = None if trip is None else w.trips["dep"][trip] // SECONDS_PER_DAY
        crossing = exit_crossing.get(pid)
        rows.append({
            "person_id": f"P{pid:07d}",
            "passport_no": w.persons["passport"][pid],
            "permit_no": w.permits["no"][i],
            "permit_in_feed": w.permits["no"][i] in delivered,
            "village_code": w.gaz.village_code[w.persons["village"][pid]],
            "last_valid_date": date.fromordinal(start + valid),
            "end_reason": reason,
            "exit_date": None if exit_day is None else date.fromordinal(start + exit_day),
            "exit_in_feed": crossing is not None and crossing not in broken,
        })
    return pl.DataFrame(rows, schema={
        "person_id": pl.String, "passport_no": pl.String, "permit_no": pl.String,
        "permit_in_feed": pl.Boolean, "village_code": pl.String, "last_valid_date": pl.Date,
        "end_reason": pl.String, "exit_date": pl.Date, "exit_in_feed": pl.Boolean})
