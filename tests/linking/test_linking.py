"""Person linking (tppo/linking.py): identifiers first, Splink for the rest, never two
different NIKs or passports in one person, the same keys on every run."""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

import polars as pl
import pytest

from tppo import linking

COLUMNS = tuple(linking.RECORD_COLUMNS)


def record(source: str, record_id: str, *, nik: str | None = None, block: str | None = None,
           passport: str | None = None, name: str | None = None, born: date | None = None,
           sex: str | None = None, village: str | None = None) -> dict:
    return {
        "record_source": source, "record_id": record_id, "nik_key": nik, "nik_block": block,
        "passport_key": passport, "name_norm": name, "birth_date": born, "sex": sex,
        "village_code": village, "district_code": village[:7] if village else None,
        "regency_code": village[:4] if village else None,
    }


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=linking.RECORD_COLUMNS)


def keys(rows: list[dict]) -> dict[str, tuple[str, str]]:
    records = frame(rows)
    scored = linking.score(records)
    linked = linking.link(records, scored.pairs)
    return {f"{s}:{i}": (k, m) for s, i, k, m in linked.select(
        "record_source", "record_id", "person_key", "link_method").iter_rows()}


WAY_LAYAP = "1809050004"
BORN = date(1990, 6, 5)


def test_records_sharing_a_valid_nik_or_a_passport_are_one_person():
    got = keys([
        record("PASSPORT_APPLICATION", "A1", nik="N1", passport="P1", name="SITI AMINAH",
               born=BORN, sex="P", village=WAY_LAYAP),
        record("PLACEMENT", "L1", nik="N1", passport="P1"),
        record("TRAVELLER", "P1", passport="P1", name="SITI AMINAH", born=BORN, sex="P"),
    ])
    assert got == {"PASSPORT_APPLICATION:A1": ("N1", "NIK"), "PLACEMENT:L1": ("N1", "NIK"),
                   "TRAVELLER:P1": ("N1", "PASSPORT")}


def test_a_record_without_identifiers_links_on_name_birth_date_sex_and_village():
    got = keys([
        record("PASSPORT_APPLICATION", "A1", nik="N1", name="SITI AMINAH", born=BORN, sex="P",
               village=WAY_LAYAP),
        record("COMPLAINT", "C1", name="SITI AMINAH", born=BORN, sex="P", village=WAY_LAYAP),
        record("COMPLAINT", "C2", name="RINI ZAHRA", born=date(1985, 1, 2), sex="P",
               village=WAY_LAYAP),
    ])
    assert got["COMPLAINT:C1"] == ("N1", "PROBABILISTIC")
    unlinked = "R" + hashlib.md5(b"COMPLAINT:C2").hexdigest()
    assert got["COMPLAINT:C2"] == (unlinked, "SINGLE")


def test_a_precision_lost_nik_only_proposes_pairs_the_fields_must_confirm():
    block = "180901450690"
    got = keys([
        record("PASSPORT_APPLICATION", "A1", nik="N1", block=block, name="SITI AMINAH",
               born=BORN, sex="P", village=WAY_LAYAP),
        # same person, NIK from a numeric spreadsheet cell: only its first digits kept
        record("PLACEMENT", "L1", block=block, name="SITI AMINA", born=BORN, sex="P",
               village=WAY_LAYAP),
        # another woman born the same day in the same district: same block, other name
        record("PLACEMENT", "L2", block=block, name="WARSINI", born=BORN, sex="P",
               village="1809050005"),
    ])
    assert got["PLACEMENT:L1"] == ("N1", "PROBABILISTIC")
    assert got["PLACEMENT:L2"][0] != "N1"


def test_two_different_valid_niks_are_never_one_person_whatever_the_fields_say():
    twin = {"name": "SITI AMINAH", "born": BORN, "sex": "P", "village": WAY_LAYAP}
    got = keys([
        record("PASSPORT_APPLICATION", "A1", nik="N1", **twin),
        record("PASSPORT_APPLICATION", "A2", nik="N2", **twin),
        # a record between them may join one of them, never both
        record("COMPLAINT", "C1", **twin),
    ])
    assert got["PASSPORT_APPLICATION:A1"][0] == "N1"
    assert got["PASSPORT_APPLICATION:A2"][0] == "N2"
    assert got["COMPLAINT:C1"][0] in ("N1", "N2")


def test_a_passport_never_joins_two_different_niks():
    records = frame([
        record("PASSPORT_APPLICATION", "A1", nik="N1", passport="P1"),
        record("PLACEMENT", "L1", nik="N2", passport="P1"),  # a mistyped passport number
    ])
    clusters, refused = linking.deterministic_clusters(linking.prepare(records))
    roots = clusters.roots()
    assert refused == 1 and roots[0] != roots[1]


def test_a_traveller_on_another_passport_stays_apart_from_a_namesake():
    # a person travels on one passport at a time: name, birth date and sex alone do not
    # join two passports (namesakes born the same day are common with short names)
    namesake = {"name": "SUNARTI", "born": BORN, "sex": "P"}
    got = keys([
        record("PASSPORT_APPLICATION", "A1", nik="N1", passport="P1", village=WAY_LAYAP,
               **namesake),
        record("TRAVELLER", "P1", passport="P1", **namesake),
        record("TRAVELLER", "P2", passport="P2", **namesake),
    ])
    assert got["TRAVELLER:P1"][0] == "N1"
    assert got["TRAVELLER:P2"] == ("P2", "SINGLE")


def _population(n: int, seed: int) -> list[dict]:
    """n persons, each with an application and (half of them) a complaint whose NIK
    is sometimes lost: enough records for Splink to estimate its model."""
    rnd = random.Random(seed)
    first = ["SITI", "SRI", "AGUS", "BUDI", "RINI", "EKO", "DWI", "NUR", "ANDI", "DEDI"]
    last = ["AMINAH", "WAHYUNI", "SANTOSO", "PRASETYO", "LESTARI", "HIDAYAT", "SAPUTRA",
            "RAHAYU", "KURNIAWAN", "SAFITRI", "NUGROHO", "WIJAYA"]
    rows = []
    for i in range(n):
        name = f"{rnd.choice(first)} {rnd.choice(last)} {rnd.choice(last)}"
        born = date(1970, 1, 1) + timedelta(days=rnd.randrange(12_000))
        sex = rnd.choice("LP")
        village = f"18090500{rnd.randrange(10, 40)}"
        nik = f"N{i}"
        rows.append(record("PASSPORT_APPLICATION", f"A{i}", nik=nik, name=name, born=born,
                           sex=sex, village=village))
        if i % 2 == 0:
            lost = i % 10 == 0
            rows.append(record("PLACEMENT", f"L{i}", nik=None if lost else nik, name=name,
                               born=born, sex=sex, village=village))
    return rows


def test_with_enough_records_the_model_is_estimated_and_finds_the_lost_niks():
    rows = _population(1_200, seed=4)
    got = keys(rows)
    lost = [i for i in range(1_200) if i % 10 == 0]
    found = sum(got[f"PLACEMENT:L{i}"][0] == f"N{i}" for i in lost)
    assert found >= 0.95 * len(lost)
    wrong = sum(got[f"PLACEMENT:L{i}"][0] not in (f"N{i}",) and
                got[f"PLACEMENT:L{i}"][0].startswith("N") for i in lost)
    assert wrong == 0


def test_linking_is_deterministic():
    records = frame(_population(1_200, seed=9))
    first = linking.score(records)
    second = linking.score(records)
    assert first.pairs.equals(second.pairs)
    assert linking.link(records, first.pairs).equals(linking.link(records, second.pairs))


@pytest.mark.parametrize("n", [0, 1])
def test_too_few_records_give_no_pairs(n):
    rows = [record("COMPLAINT", f"C{i}", name="SITI", born=BORN, sex="P") for i in range(n)]
    scored = linking.score(frame(rows))
    assert scored.pairs.height == 0
    assert linking.link(frame(rows), scored.pairs).height == n
