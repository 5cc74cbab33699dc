"""Routes and transit: exit checkpoints, interdiction places, travellers passing through.

The behaviour model already sends every trip through an exit checkpoint (``route`` in
``model.py``: irregular migrants to Malaysia by the Batam, Dumai and Karimun ferries,
everyone else mostly through Soekarno-Hatta) and stops some non-procedural migrants at
Bakauheni, Radin Inten II or Panjang. This module adds what those leave out:

- Lampung as a transit province: groups from outside Lampung (NTB, West and Central
  Java, the home provinces of ``OUTSIDE_LAMPUNG``) stopped by the police on their way
  through, mostly at Bakauheni, the ferry port between Java and Sumatra, where the
  road north to the Dumai and Batam crossings starts (CALIBRATION.md: Lampung is also
  a transit point; the June 2023 case of 24 women from NTB);
- the interdiction place as an officer types it in ``lokasi`` (``PELABUHAN BAKAUHENI``,
  ``Pel. Bakauheni``, ``Bandara Raden Intan 2``...), now and then a text no list of
  places knows;
- the truth of both: ``truth/routes.csv`` (departures per month x origin regency x exit
  checkpoint x destination x true class) and ``truth/interdiction_places.csv``
  (interdictions and persons per month x origin x place x destination).

Streams: the transit groups draw from their own stream (``TRANSIT_STREAM``), so the
rest of the world is unchanged by them; the spellings draw from the deliverer's.
"""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from synth.geo import OUTSIDE_LAMPUNG
from synth.model import SECONDS_PER_DAY, World

if TYPE_CHECKING:
    from synth.deliver import Delivered

TRANSIT_STREAM = 31
TRANSIT_GROUPS_PER_YEAR = 10
"""Transit groups stopped in Lampung a year at scale 1 (each of 2 to about 15 people)."""

PLACE_CODES = {
    # the model's interdiction places -> checkpoint codes of seeds/reference/checkpoints.csv
    "PELABUHAN BAKAUHENI": "BKH",
    "BANDARA RADIN INTEN II": "TKG",
    "PELABUHAN PANJANG": "PJG",
}
TRANSIT_PLACES = {"PELABUHAN BAKAUHENI": 0.8, "PELABUHAN PANJANG": 0.1,
                  "BANDARA RADIN INTEN II": 0.1}
TRANSIT_DESTINATIONS = {"MYS": 0.55, "SAU": 0.3, "ARE": 0.1, "QAT": 0.05}

SPELLINGS = {
    # how officers type each place, with weights
    "PELABUHAN BAKAUHENI": (("PELABUHAN BAKAUHENI", 40), ("Pelabuhan Bakauheni", 15),
                            ("PEL. BAKAUHENI", 12), ("BAKAUHENI", 10),
                            ("DERMAGA EKSEKUTIF BAKAUHENI", 6),
                            ("Pelabuhan Penyeberangan Bakauheni, Lampung Selatan", 6),
                            ("POS SEAPORT INTERDICTION BAKAUHENI", 6), ("PELABUHAN BAKAHUENI", 5)),
    "BANDARA RADIN INTEN II": (("BANDARA RADIN INTEN II", 45), ("Bandara Radin Inten 2", 15),
                               ("BANDARA RADEN INTAN II", 15), ("BDR. RADIN INTEN II BRANTI", 10),
                               ("Bandara Branti", 5), ("RADIN INTEN", 10)),
    "PELABUHAN PANJANG": (("PELABUHAN PANJANG", 55), ("Pelabuhan Panjang Bandar Lampung", 20),
                          ("PEL. PANJANG", 15), ("PELB. PANJANG, SRENGSEM", 10)),
}
UNPLACED = ("JL. LINTAS SUMATERA KM 47", "POS PAM TERPADU", "RUMAH PENAMPUNGAN SEMENTARA",
            "SPBU JALAN LINTAS TIMUR")
UNPLACED_RATE = 0.01
"""Share of interdictions whose lokasi names where the group was found, not a port."""


def transit_interdictions(w: World) -> None:
    """Groups from outside Lampung stopped on their way through (own stream)."""
    rng = w.rng(TRANSIT_STREAM)
    p = w.p
    n_groups = w.count(TRANSIT_GROUPS_PER_YEAR, minimum=1)
    places, place_p = list(TRANSIT_PLACES), np.array(list(TRANSIT_PLACES.values()))
    dests, dest_p = list(TRANSIT_DESTINATIONS), np.array(list(TRANSIT_DESTINATIONS.values()))
    days = np.sort(rng.integers(0, p.days, n_groups))
    first = len(w.interdictions)
    for g in range(n_groups):
        day = int(days[g])
        size = min(15, 1 + int(rng.geometric(0.25)))
        home = int(rng.integers(len(OUTSIDE_LAMPUNG)))
        sex = np.where(rng.random(size) < 0.8, "P", "L")
        persons = w.add_people(rng, "MIGRANT_TRANSIT", np.zeros(size, dtype=np.int64), sex,
                               (18, 40), outside=np.full(size, home))
        secs = int(rng.integers(0, SECONDS_PER_DAY))
        w.interdictions.extend(
            id=[f"GGL-{w.day_date(day):%Y%m}-{first + g + 1:04d}"],
            day=[day],
            second=[day * SECONDS_PER_DAY + secs],
            lokasi=[str(places[int(rng.choice(len(places), p=place_p))])],
            recruiter=[-1],
            persons=[persons.tolist()],
            dest=[str(dests[int(rng.choice(len(dests), p=dest_p))])],
        )


def lokasi_text(rnd: random.Random, place: str) -> str:
    """The place as an officer types it in the penggagalan feed."""
    if rnd.random() < UNPLACED_RATE:
        return rnd.choice(UNPLACED)
    spellings = SPELLINGS.get(place)
    if not spellings:
        return place
    return rnd.choices([s for s, _ in spellings], weights=[n for _, n in spellings])[0]


def _month(w: World, day: int) -> date:
    d = w.day_date(day)
    return date(d.year, d.month, 1)


def _origin(w: World, pid: int) -> str:
    if w.persons["outside"][pid] >= 0:
        return "OUTSIDE_LAMPUNG"
    return str(w.gaz.village_regency[w.persons["village"][pid]])


def route_truth(w: World, dl: Delivered) -> pl.DataFrame:
    """Citizens' departures that reached the landing intact, per month x origin regency x
    exit checkpoint x recorded destination x true class (the checkpoint as in the
    crossing id, `<kode_tpi>-<no_perlintasan>`)."""
    counts: dict[tuple, int] = {}
    trips, nationality = w.trips, w.persons["nationality"]
    for key, versions in dl.versions["perlintasan"].items():
        info = versions[0][2]
        if info["arah"] != "KEBERANGKATAN":
            continue
        t = info["trip"]
        pid = trips["person"][t]
        day = info["second"] // SECONDS_PER_DAY
        if nationality[pid] != "IDN" or not 0 <= day < w.p.days:
            continue
        cell = (_month(w, day), _origin(w, pid), key.split("-", 1)[0], trips["dest"][t],
                trips["klass"][t])
        counts[cell] = counts.get(cell, 0) + 1
    rows = sorted(counts.items())
    return pl.DataFrame(
        {"month": [c[0] for c, _ in rows], "origin_regency_code": [c[1] for c, _ in rows],
         "checkpoint_code": [c[2] for c, _ in rows],
         "destination_country": [c[3] for c, _ in rows], "true_class": [c[4] for c, _ in rows],
         "departures": [n for _, n in rows]},
        schema={"month": pl.Date, "origin_regency_code": pl.String, "checkpoint_code": pl.String,
                "destination_country": pl.String, "true_class": pl.String,
                "departures": pl.Int64})


def interdiction_truth(w: World, dl: Delivered) -> pl.DataFrame:
    """Delivered interdictions per month x origin (a Lampung regency or OUTSIDE_LAMPUNG) x
    true place x destination: interdictions with a person of that origin, and persons."""
    events: dict[tuple, set[int]] = {}
    persons: dict[tuple, set[int]] = {}
    it = w.interdictions
    for versions in dl.versions["penggagalan"].values():
        i = versions[0][2]["interdiction"]
        day = it["second"][i] // SECONDS_PER_DAY
        for pid in it["persons"][i]:
            cell = (_month(w, day), _origin(w, pid), PLACE_CODES.get(it["lokasi"][i], "UNKNOWN"),
                    it["dest"][i])
            events.setdefault(cell, set()).add(i)
            persons.setdefault(cell, set()).add(pid)
    cells = sorted(events)
    return pl.DataFrame(
        {"month": [c[0] for c in cells], "origin_regency_code": [c[1] for c in cells],
         "checkpoint_code": [c[2] for c in cells], "destination_country": [c[3] for c in cells],
         "is_transit": [c[1] == "OUTSIDE_LAMPUNG" for c in cells],
         "interdictions": [len(events[c]) for c in cells],
         "interdicted_persons": [len(persons[c]) for c in cells]},
        schema={"month": pl.Date, "origin_regency_code": pl.String, "checkpoint_code": pl.String,
                "destination_country": pl.String, "is_transit": pl.Boolean,
                "interdictions": pl.Int64, "interdicted_persons": pl.Int64})
