"""At scale 1.0 the feeds reproduce CALIBRATION.md's published marginals within 10%."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import polars as pl
import pytest
from synth_helpers import Landing, parse_date

from synth import generate

START, DAYS = date(2025, 1, 1), 540
YEARS = DAYS / 365.25
PLACEMENTS_2024 = {
    "1804": 9652,
    "1805": 3704,
    "1803": 2373,
    "1802": 1475,
    "1809": 1408,
    "1810": 1181,
    "1806": 1044,
    "1808": 957,
    "1812": 771,
    "1811": 647,
    "1807": 610,
    "1871": 218,
    "1801": 180,
    "1872": 117,
    "1813": 38,
}
DESTINATIONS = {"TWN": 44, "HKG": 34, "MYS": 20, "SGP": 10, "SAU": 3}
SPELLINGS = {
    "TWN": {"TAIWAN", "TAIWAN R.O.C", "TWN"},
    "HKG": {"HONGKONG", "HONG KONG", "HONGKONG SAR", "HK"},
    "MYS": {"MALAYSIA", "MAL", "MLY"},
    "SGP": {"SINGAPURA", "SINGAPORE", "SGP"},
    "SAU": {"ARAB SAUDI", "SAUDI ARABIA", "KSA", "SAUDI"},
}


def close(observed: float, expected: float, tolerance: float = 0.10) -> bool:
    return abs(observed - expected) <= tolerance * expected


def in_window(d: date | None) -> bool:
    return d is not None and START <= d < START + timedelta(days=DAYS)


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Landing:
    root = tmp_path_factory.mktemp("full")
    return Landing(root, generate(root, seed=7, start=START, days=DAYS, scale=1.0))


@pytest.mark.slow
def test_scale_one_reproduces_the_published_marginals(full: Landing) -> None:
    placements: dict[str, tuple[str, dict]] = {}
    for day, r in full.records("penempatan", revisions=True):
        if r["id_penempatan"] not in placements or placements[r["id_penempatan"]][0] <= day:
            placements[r["id_penempatan"]] = (day, r)
    window = [r for _, r in placements.values() if in_window(parse_date(r["tgl_keberangkatan"]))]
    assert close(len(window) / YEARS, sum(PLACEMENTS_2024.values()))

    persons = full.truth("persons").select("person_id", "village_code")
    links = full.truth("record_links").filter(pl.col("feed") == "penempatan")
    regency = dict(
        links.join(persons, on="person_id")
        .select("record_key", pl.col("village_code").str.slice(0, 4))
        .iter_rows()
    )
    by_regency = Counter(regency[r["id_penempatan"]] for r in window)
    for code, published in PLACEMENTS_2024.items():
        assert close(by_regency[code] / YEARS, published), code

    country = {s: iso for iso, spellings in SPELLINGS.items() for s in spellings}
    dest = Counter(country.get(r["negara_penempatan"].strip().upper()) for r in window)
    main = sum(dest[c] for c in DESTINATIONS)
    assert main > 0.95 * len(window)
    for code, share in DESTINATIONS.items():
        assert close(dest[code] / main, share / sum(DESTINATIONS.values())), code
    assert close(sum(r["jenis_kelamin"] == "P" for r in window) / len(window), 0.75)
    assert close(sum(r["sektor"] == "INFORMAL" for r in window) / len(window), 0.80)

    apps, postponed = set(), set()
    for _, r in full.records("paspor"):
        if in_window(parse_date(r["tgl_permohonan"])):
            apps.add(r["no_permohonan"])
        if r["status"] == "DITUNDA":
            postponed.add(r["no_permohonan"])
    assert 0.0005 < len(postponed) / len(apps) < 0.005, "postponements are rare"

    cases: dict[str, dict] = {}
    for _, obj in full.records("kasus_tppo"):
        if in_window(parse_date(obj["tgl_lapor"])):
            cases[obj["nomor_lp"]] = obj
    victims = sum(sum(p["peran"] == "KORBAN" for p in c["pihak"]) for c in cases.values())
    assert close(len(cases) / YEARS, 44 / (3 + 5 / 12))
    assert close(victims / YEARS, 84 / (3 + 5 / 12))
    complaints = {r["id_kasus"] for _, r in full.records("pengaduan")}
    assert close(len(complaints) / YEARS, 1700 / (5 + 4 / 12))

    crossings = full.truth("crossings").filter(
        (pl.col("direction") == "KEBERANGKATAN") & (pl.col("is_citizen") == "true")
    )
    classes = Counter(crossings["true_class"].to_list())
    assert close(classes["NONPROCEDURAL_LABOUR"] / classes["PROCEDURAL"], 1.5)
    assert classes["NON_LABOUR"] > 2 * (classes["NONPROCEDURAL_LABOUR"] + classes["PROCEDURAL"])
