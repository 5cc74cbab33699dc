"""Routes and transit in the generator (synth/routes.py): the truth of exit checkpoints
agrees with the crossings truth, irregular migrants to Malaysia leave by the ferry ports,
and transit groups from outside Lampung are stopped at typed places."""

from __future__ import annotations

import random
import re

import polars as pl

from synth.geo import REFERENCE
from synth.routes import PLACE_CODES, UNPLACED, lokasi_text
from tests.synth.synth_helpers import Landing


def test_route_truth_counts_the_citizens_departures_of_the_crossings_truth(small: Landing):
    routes = small.truth("routes").with_columns(pl.col("departures").cast(pl.Int64))
    crossings = small.truth("crossings").filter(
        (pl.col("direction") == "KEBERANGKATAN") & (pl.col("is_citizen") == "true")
        & (pl.col("in_feed") == "true"))
    assert routes["departures"].sum() == crossings.height
    per_checkpoint = dict(routes.group_by("checkpoint_code").agg(pl.col("departures").sum())
                          .iter_rows())
    assert per_checkpoint == dict(crossings.group_by(
        pl.col("crossing_id").str.split("-").list.first()).len().iter_rows())
    irregular = routes.filter((pl.col("true_class") == "NONPROCEDURAL_LABOUR")
                              & (pl.col("destination_country") == "MYS"))
    by_sea = irregular.filter(pl.col("checkpoint_code").is_in(["BTM", "DUM", "TBK"]))
    assert by_sea["departures"].sum() > 0.6 * irregular["departures"].sum()


def test_transit_groups_come_from_outside_lampung(small: Landing):
    places = small.truth("interdiction_places")
    transit = places.filter(pl.col("is_transit") == "true")
    assert transit.height and set(transit["origin_regency_code"]) == {"OUTSIDE_LAMPUNG"}
    assert set(places["checkpoint_code"]) <= {"BKH", "TKG", "PJG"}
    typed = {rec["lokasi"] for _, rec in small.records("penggagalan")}
    assert typed  # the places as officers type them, not the model's names only


def test_every_typed_place_is_a_spelling_the_seed_maps_to_its_checkpoint():
    """The generator's spellings and seeds/reference/interdiction_places.csv agree: each
    typed lokasi contains aliases of its own place only; the rare unplaced text none."""
    seed = pl.read_csv(REFERENCE / "interdiction_places.csv")
    aliases = [(_norm(a), c) for a, c in seed.select("alias", "checkpoint_code").iter_rows()]
    rnd = random.Random(3)
    typed = {place: {lokasi_text(rnd, place) for _ in range(400)} for place in PLACE_CODES}
    for place, texts in typed.items():
        assert len(texts) >= 4
        for text in texts:
            found = {c for a, c in aliases if a in _norm(text)}
            assert found in ({PLACE_CODES[place]}, set()), (text, found)
            assert found or text in UNPLACED


def _norm(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())
