"""Countries as officers type them resolve through the library's names, the aliases seed
and the guarded rules of macro country_resolution; placeholders are missing values and
what no rule maps stays NULL (and is listed in marts.mart_unmapped_values).

The spellings below were not used to write the rules or the aliases: typos, qualifiers,
cities, Indonesian forms, punctuation.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ingest.feeds import feed
from ingest.load import discover, load_feed
from ingest.schema import ensure_warehouse
from tests.conftest import paspor_row, write_csv
from tppo.config import paths
from tppo.pipeline import run_dbt
from tppo.pseudonym import Pseudonymiser
from tppo.warehouse import open_warehouse

HEADER = list(feed("paspor").columns)

RESOLVED = {
    "Malaysa": ("MYS", "FUZZY"),
    "MALAYSIA, JOHOR BAHRU": ("MYS", "QUALIFIED"),
    "Kuala Lumpur - Malaysia": ("MYS", "QUALIFIED"),
    "malaysia timur (sabah)": ("MYS", "QUALIFIED"),
    "Saudi Arabia (Jeddah)": ("SAU", "QUALIFIED"),
    "K.S.A": ("SAU", "EXACT"),
    "Arab Saudi/Riyadh": ("SAU", "QUALIFIED"),
    "Negara Arab Saudi": ("SAU", "CONTAINED"),
    "Hongkong SAR": ("HKG", "EXACT"),
    "HONG KONG, CHINA": ("HKG", "QUALIFIED"),
    "Korea Selatan (Seoul)": ("KOR", "QUALIFIED"),
    "Singapore.": ("SGP", "EXACT"),
    "Brunei Darusalam": ("BRN", "FUZZY"),
    "Thailand/Bangkok": ("THA", "QUALIFIED"),
    "Philipines": ("PHL", "FUZZY"),
    "Jepang (Tokyo)": ("JPN", "QUALIFIED"),
    "Qatar - Doha": ("QAT", "QUALIFIED"),
    "Oman, Muscat": ("OMN", "QUALIFIED"),
    "TÜRKİYE": ("TUR", "EXACT"),
    "Cambodia (Phnom Penh)": ("KHM", "QUALIFIED"),
    "Myanmar": ("MMR", "EXACT"),
    "UEA - Dubai": ("ARE", "QUALIFIED"),
    "Uni Emirat Arab (Abu Dhabi)": ("ARE", "QUALIFIED"),
    "TAIWAN R.O.C": ("TWN", "EXACT"),
    "Kaohsiung Taiwan": ("TWN", "CONTAINED"),
    "MYS": ("MYS", "EXACT"),
    "Polandia": ("POL", "EXACT"),
    "Jerman": ("DEU", "EXACT"),
    "Italia": ("ITA", "EXACT"),
    "AS": ("USA", "EXACT"),
    "TAWAN": ("TWN", "FUZZY"),
    "Turkey (Ankara)": ("TUR", "QUALIFIED"),
    "Tukrey": ("TUR", "FUZZY"),
}
MISSING = {"-": "PLACEHOLDER", "TIDAK ADA": "PLACEHOLDER", "n/a": "PLACEHOLDER",
           "Luar Negeri": "PLACEHOLDER", "Tidak-Diketahui": "PLACEHOLDER",
           "ATLANTIS": "UNMAPPED", "Malaysia Singapura": "AMBIGUOUS",
           "Austrlia": "AMBIGUOUS"}


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    root = tmp_path_factory.mktemp("countries")
    landing, home = root / "landing", root / "home"
    mp = pytest.MonkeyPatch()
    mp.setenv("TPPO_LANDING", str(landing))
    mp.setenv("TPPO_HOME", str(home))
    p = paths()
    p.ensure()
    texts = [*RESOLVED, *MISSING]
    write_csv(landing / "imigrasi/paspor/2025-03-01/paspor_BDL_20250301.csv", HEADER,
              [paspor_row(f"A{i}", negara_tujuan=t) for i, t in enumerate(texts)])
    with open_warehouse(p.warehouse) as con:
        ensure_warehouse(con)
        discover(con, landing, dt.date(2025, 3, 9), "b1")
        load_feed(con, feed("paspor"), landing, "b1", Pseudonymiser(b"test-key"))
    proc = run_dbt(["build", "--select", "+stg_imigrasi__passport_applications",
                    "--exclude", "test_type:unit"], p)
    assert proc.returncode == 0, proc.stdout[-4000:]
    con = open_warehouse(p.warehouse, read_only=True)
    yield con
    con.close()
    mp.undo()


def test_unseen_spellings_resolve_to_the_right_country(staged):
    got = dict(staged.execute(
        "select destination_country_text, destination_country "
        "from staging.stg_imigrasi__passport_applications").fetchall())
    wrong = {t: (got.get(t), iso3) for t, (iso3, _) in RESOLVED.items() if got.get(t) != iso3}
    assert not wrong, wrong
    assert all(got[t] is None for t in MISSING)
