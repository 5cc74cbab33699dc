"""The habits of the agencies' exports, each at a documented, configurable rate.

The model (model.py) decides what happened; this module decides how an officer
or an export typed it. Every quirk listed in FEEDS.md has an entry in
`DEFAULT_QUIRK_RATES`; callers pass overrides through `generate(quirk_rates=)`.

Per-field choices use a `random.Random` seeded from the numpy seed sequence:
scalar draws from it are about twenty times cheaper than numpy scalar draws,
and there are tens of millions of them at scale 1.0.
"""

from __future__ import annotations

import random
import re
from datetime import date

DEFAULT_QUIRK_RATES: dict[str, float] = {
    # --- NIK (share of records carrying a NIK field) ---
    "nik_missing": 0.03,  # blank or absent NIK (null in JSON)
    "nik_apostrophe": 0.03,  # Excel text guard: '1809014506900001
    "nik_scientific": 0.01,  # Excel scientific notation, ID lost: 1,80901E+15 / 1.80901E+15
    "nik_numeric_cell": 0.05,  # XLSX only: NIK stored as a number, last digit becomes 0
    "nik_spaces_dots": 0.015,  # 1809 0145 0690 0001 / 1809.0145.0690.0001
    "nik_wrong_length": 0.01,  # a digit dropped or doubled: 15 or 17 digits
    # --- names (share of rendered person names) ---
    "name_title_case": 0.08,  # Siti Aminah instead of SITI AMINAH (per record; some offices always)
    "name_dropped_letter": 0.03,  # SITI AMINA
    "name_bin_binti": 0.10,  # SITI AMINAH BINTI SUPARDI (BP3MI and police write it more often)
    "name_title": 0.35,  # HJ./H./DRS. written, for the persons who carry one
    # --- addresses (share of rendered addresses, per part) ---
    "village_spacing": 0.30,  # WAYLAYAP <-> WAY LAYAP, SUKAMAJU <-> SUKA MAJU
    "village_prefix": 0.15,  # DS. / DESA / Kel. / PEKON before the name
    "village_case": 0.25,  # Way Layap instead of WAY LAYAP
    "village_typo": 0.03,  # one letter dropped, doubled or swapped
    "village_spelling": 0.30,  # old or local spellings where one applies: GEDUNG/GEDONG, SRI/SERI
    "village_kel_for_desa": 0.10,  # Kel. written before a rural desa (officers mix the two)
    "district_variant": 0.35,  # Kemendagri spelling (Gedong Tataan), KEC. prefix, spacing
    "district_typo": 0.02,  # one letter dropped, doubled or swapped in the district name
    "regency_variant": 0.55,  # KAB. PESAWARAN, Pesawaran, KAB PESAWARAN, LAMTIM
    # --- other fields ---
    "country_variant": 0.40,  # non-canonical spelling of a country (MAL, KSA, HONGKONG, UEA)
    "xlsx_text_date": 0.08,  # XLSX date written as text instead of an Excel date cell
    "address_quote": 0.004,  # alamat holding a double quote: the CSV field gets quoted
    # --- deliveries (share of files, or rows) ---
    "csv_broken_row": 0.0002,  # row with an unquoted ';' inside a field: wrong column count
    "jsonl_truncated_file": 0.04,  # police file whose last line is cut mid-object
    "file_late": 0.02,  # file that arrives after later delivery dates (is_late in truth)
    "file_duplicate": 0.01,  # byte-identical re-send under _1 / _kirimulang
    "file_revision": 0.008,  # corrected re-send under _revisi (same date folder)
    "revision_row_share": 0.03,  # share of a revised file's rows that the correction changes
}

MONTHS_LONG = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
    "September", "Oktober", "November", "Desember",
]  # fmt: skip
MONTHS_SHORT = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]

DATE_FORMATS = ("DMY_SLASH", "DMY_DASH", "ISO", "D_MON", "D_MONTH")

LABOUR_DESTINATIONS = (
    "MYS", "SAU", "ARE", "QAT", "KWT", "OMN", "BHR", "TWN", "HKG", "SGP", "BRN", "KOR",
    "JPN", "KHM", "MMR", "LAO", "THA", "TUR", "POL",
)  # fmt: skip
"""MARTS.md's reference list of labour-destination countries (ISO 3166 alpha-3)."""

COUNTRY_SPELLINGS: dict[str, tuple[str, ...]] = {
    # canonical Indonesian spelling first, then what officers also type
    "MYS": ("MALAYSIA", "MAL", "MALAYSIA ", "Malaysia", "MLY"),
    "SAU": ("ARAB SAUDI", "SAUDI ARABIA", "KSA", "SAUDI", "Arab Saudi"),
    "ARE": ("UNI EMIRAT ARAB", "UEA", "UAE", "UNITED ARAB EMIRATES", "DUBAI"),
    "QAT": ("QATAR", "QATAR", "Qatar"),
    "KWT": ("KUWAIT", "KUWAIT", "Kuwait"),
    "OMN": ("OMAN", "OMAN", "Oman"),
    "BHR": ("BAHRAIN", "BAHRAIN", "Bahrain"),
    "TWN": ("TAIWAN", "TAIWAN R.O.C", "Taiwan", "TWN"),
    "HKG": ("HONGKONG", "HONG KONG", "HONGKONG SAR", "Hong Kong", "HK"),
    "SGP": ("SINGAPURA", "SINGAPORE", "Singapura", "SGP"),
    "BRN": ("BRUNEI DARUSSALAM", "BRUNEI", "Brunei Darussalam"),
    "KOR": ("KOREA SELATAN", "KOREA", "SOUTH KOREA", "Korea Selatan"),
    "JPN": ("JEPANG", "JAPAN", "Jepang"),
    "KHM": ("KAMBOJA", "CAMBODIA", "KAMBOJA", "Kamboja"),
    "MMR": ("MYANMAR", "MYANMAR", "BURMA"),
    "LAO": ("LAOS", "LAOS", "LAO PDR"),
    "THA": ("THAILAND", "THAILAND", "Thailand", "THAI"),
    "TUR": ("TURKI", "TURKEY", "Turki", "TURKIYE"),
    "POL": ("POLANDIA", "POLAND", "Polandia"),
    "CHN": ("TIONGKOK", "CHINA", "RRT", "CINA"),
    "VNM": ("VIETNAM", "VIET NAM", "Vietnam"),
    "AUS": ("AUSTRALIA", "AUSTRALIA", "Australia"),
    "EGY": ("MESIR", "EGYPT", "Mesir"),
    "IND": ("INDIA", "INDIA", "India"),
    "NLD": ("BELANDA", "NETHERLANDS", "Belanda"),
    "DEU": ("JERMAN", "GERMANY", "Jerman"),
    "GBR": ("INGGRIS", "UNITED KINGDOM", "INGGRIS RAYA"),
    "USA": ("AMERIKA SERIKAT", "USA", "AMERIKA"),
    "PHL": ("FILIPINA", "PHILIPPINES", "Filipina"),
    "YEM": ("YAMAN", "YEMEN", "Yaman"),
    "IDN": ("INDONESIA", "INDONESIA", "IDN"),
}


class Typist:
    """Renders true values the way a given office types them, at the configured rates."""

    def __init__(self, rnd: random.Random, rates: dict[str, float]) -> None:
        self.rnd = rnd
        self.rates = rates

    def hit(self, key: str) -> bool:
        """One Bernoulli draw at the configured rate of quirk `key`."""
        return self.rnd.random() < self.rates[key]

    # --- NIK -------------------------------------------------------------
    def nik_text(self, nik: str, allow_numeric_cell: bool = False) -> str | float | None:
        """The NIK as exported. A float means an XLSX numeric cell (precision lost)."""
        r = self.rnd.random()
        rates = self.rates
        edges = [
            ("missing", rates["nik_missing"]),
            ("apostrophe", rates["nik_apostrophe"]),
            ("scientific", rates["nik_scientific"]),
            ("numeric", rates["nik_numeric_cell"] if allow_numeric_cell else 0.0),
            ("spaces", rates["nik_spaces_dots"]),
            ("length", rates["nik_wrong_length"]),
        ]
        acc = 0.0
        for kind, p in edges:
            acc += p
            if r < acc:
                return self._nik_quirk(kind, nik)
        return nik

    def _nik_quirk(self, kind: str, nik: str) -> str | float | None:
        rnd = self.rnd
        if kind == "missing":
            return None if rnd.random() < 0.6 else rnd.choice(("", " ", "-"))
        if kind == "apostrophe":
            return "'" + nik
        if kind == "scientific":
            mantissa = f"{int(nik) / 1e15:.5f}"
            if rnd.random() < 0.5:
                mantissa = mantissa.replace(".", ",")
            return f"{mantissa}E+15"
        if kind == "numeric":
            return float(round(int(nik), -1))  # Excel keeps 15 significant digits
        if kind == "spaces":
            sep = rnd.choice((" ", ".", " "))
            return sep.join((nik[:4], nik[4:8], nik[8:12], nik[12:]))
        pos = rnd.randrange(1, 16)
        if rnd.random() < 0.5:
            return nik[:pos] + nik[pos + 1 :]
        return nik[:pos] + nik[pos] + nik[pos:]

    # --- names -----------------------------------------------------------
    def name(
        self,
        name: str,
        father: str,
        sex: str,
        title: str,
        bin_rate: float = 1.0,
        title_case: bool = False,
    ) -> str:
        """A person's name with the agency's habits: BIN/BINTI, titles, case, dropped letters."""
        rnd = self.rnd
        out = name
        if father and rnd.random() < self.rates["name_bin_binti"] * bin_rate:
            out = f"{out} {'BIN' if sex == 'L' else 'BINTI'} {father}"
        if title and rnd.random() < self.rates["name_title"]:
            out = f"{title} {out}"
        if rnd.random() < self.rates["name_dropped_letter"]:
            out = drop_letter(rnd, out)
        if title_case or rnd.random() < self.rates["name_title_case"]:
            out = out.title()
        return out

    # --- places ----------------------------------------------------------
    def village(self, name: str, kel: bool = False) -> str:
        """A BPS village name as typed: spacing, prefix, case and typo variants."""
        rnd, rates = self.rnd, self.rates
        out = name
        for old, new in SPELLING_ALTERNATIONS:
            if old in out and rnd.random() < rates["village_spelling"]:
                out = out.replace(old, new)
                break
        if rnd.random() < rates["village_spacing"]:
            out = toggle_spacing(out)
        if rnd.random() < rates["village_typo"]:
            out = typo(rnd, out)
        if rnd.random() < rates["village_case"]:
            out = out.title()
        if rnd.random() < rates["village_prefix"]:
            if kel or rnd.random() < rates["village_kel_for_desa"]:
                prefixes: tuple[str, ...] = ("KEL.", "Kel.", "KELURAHAN")
            else:
                prefixes = ("DS.", "DESA", "Ds.", "PEKON")
            out = f"{rnd.choice(prefixes)} {out}"
        return out

    def district(self, bps_name: str, kemendagri_name: str) -> str:
        """A district name: BPS or Kemendagri spelling, KEC. prefix, case, typo."""
        rnd, rates = self.rnd, self.rates
        out = " ".join(bps_name.split())
        if rnd.random() < rates["district_variant"]:
            style = rnd.randrange(4)
            if style == 0:
                out = re.sub(r"\s*\(.*\)", "", kemendagri_name).upper()
            elif style == 1:
                out = re.sub(r"\s*\(.*\)", "", kemendagri_name)
            elif style == 2:
                out = f"KEC. {out}"
            else:
                out = toggle_spacing(out)
        if rnd.random() < rates["district_typo"]:
            out = typo(rnd, out)
        return out

    def regency(self, base: str, is_city: bool, abbreviation: str) -> str:
        """A regency or city: KAB./KOTA prefixes, case, common abbreviations (LAMTIM)."""
        rnd = self.rnd
        if rnd.random() >= self.rates["regency_variant"]:
            return f"{'KOTA' if is_city else 'KABUPATEN'} {base}"
        options = [base, base.title()]
        if is_city:
            options += [f"KOTA {base}", f"Kota {base.title()}"]
        else:
            options += [f"KAB. {base}", f"Kab. {base.title()}", f"KAB {base}"]
        if abbreviation and rnd.random() < 0.15:
            return abbreviation
        return rnd.choice(options)

    def country(self, iso3: str, office_style: int = 0) -> str:
        """A country as typed: mostly the office's habitual spelling, sometimes another."""
        spellings = COUNTRY_SPELLINGS[iso3]
        if self.rnd.random() < self.rates["country_variant"]:
            return self.rnd.choice(spellings)
        return spellings[office_style % len(spellings)]


SPELLING_ALTERNATIONS = (
    ("GEDUNG", "GEDONG"), ("GEDONG", "GEDUNG"), ("SRI ", "SERI "), ("MULYA", "MULIA"),
    ("REJO", "REJA"), ("TANJUNG", "TJ."), ("SUKA", "SOEKA"), ("JAYA", "DJAYA"),
)  # fmt: skip


def toggle_spacing(name: str) -> str:
    """Join a two-word name or split a one-word one at a common Lampung name morpheme."""
    if " " in name:
        parts = name.split()
        i = min(1, len(parts) - 1)
        return " ".join(parts[: i - 1] + [parts[i - 1] + parts[i]] + parts[i + 1 :])
    upper = name.upper()
    for morph in _MORPHEMES:
        if upper.startswith(morph) and len(upper) > len(morph) + 2:
            return name[: len(morph)] + " " + name[len(morph) :]
    return name


_MORPHEMES = (
    "WAY", "SUKA", "SUMBER", "TANJUNG", "BUMI", "MARGA", "GUNUNG", "TELUK", "BANJAR",
    "RAWA", "PAGAR", "NEGERI", "NEGARA", "BANDAR", "TALANG", "SIDO", "KARANG", "PASAR",
    "SRI", "MULYA", "GEDUNG", "GEDONG", "PEKON", "KOTA", "TRI", "TAMAN", "PURWO",
)  # fmt: skip


def drop_letter(rnd: random.Random, text: str) -> str:
    """Drop one letter that is neither the first of a word nor a space (SITI AMINA)."""
    candidates = [i for i in range(1, len(text)) if text[i].isalpha() and text[i - 1] != " "]
    if not candidates:
        return text
    i = rnd.choice(candidates)
    return text[:i] + text[i + 1 :]


def typo(rnd: random.Random, text: str) -> str:
    """One keyboard slip: a dropped, doubled or swapped letter away from the first letter."""
    if len(text) < 5:
        return text
    kind = rnd.randrange(3)
    if kind == 0:
        return drop_letter(rnd, text)
    i = rnd.randrange(1, len(text) - 1)
    if kind == 1 and text[i].isalpha():
        return text[:i] + text[i] + text[i:]
    if text[i].isalpha() and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text


def format_date(d: date, style: str) -> str:
    """A date in one of the office styles of FEEDS.md (no leading zero on named months)."""
    if style == "DMY_SLASH":
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if style == "DMY_DASH":
        return f"{d.day:02d}-{d.month:02d}-{d.year}"
    if style == "ISO":
        return d.isoformat()
    if style == "D_MON":
        return f"{d.day} {MONTHS_SHORT[d.month - 1]} {d.year}"
    return f"{d.day} {MONTHS_LONG[d.month - 1]} {d.year}"
