"""Parsing rules for delivered text, in one place, as polars expressions.

Readers hand over every field as text; these rules turn the text into typed
columns. Each rule is explicit about what it refuses: a value that does not
fit gives NULL in the parsed column (and, for a required field, a quarantined
row), never a guess.

NIK status values:

- ``VALID``: 16 digits whose birth-date part is a real date and serial not 0000
  (stricter than python-stdnum, which accepts day 99 as 19).
- ``PRECISION_LOST``: 16 digits that came from a numeric spreadsheet cell.
  Excel keeps 15 significant digits, so the last digit(s) were replaced by 0:
  the district and birth date remain usable for blocking, the person is not
  identified by it and it is never pseudonymised as if valid.
- ``SCIENTIFIC``: Excel's scientific notation (``1,80901E+15``): the ID is lost.
- ``WRONG_LENGTH``: 15 or 17 (or any other count of) digits: a typing error.
- ``INVALID``: 16 digits whose date part is impossible, or other characters.
- ``MISSING``: empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from functools import cache

import polars as pl

from tppo.config import REFERENCE_DIR, WIB

NIK_VALID = "VALID"
NIK_PRECISION_LOST = "PRECISION_LOST"
NIK_SCIENTIFIC = "SCIENTIFIC"
NIK_WRONG_LENGTH = "WRONG_LENGTH"
NIK_INVALID = "INVALID"
NIK_MISSING = "MISSING"

_SCIENTIFIC = r"^[0-9]+([.,][0-9]+)?[eE][+]?[0-9]+$"

# Indonesian month names and their common abbreviations, plus the English
# forms some offices use. Matching is on the upper-cased text.
MONTHS: dict[str, int] = {
    "JANUARI": 1, "JANUARY": 1, "JAN": 1,
    "FEBRUARI": 2, "FEBRUARY": 2, "FEB": 2, "PEB": 2,
    "MARET": 3, "MARCH": 3, "MAR": 3,
    "APRIL": 4, "APR": 4,
    "MEI": 5, "MAY": 5,
    "JUNI": 6, "JUNE": 6, "JUN": 6,
    "JULI": 7, "JULY": 7, "JUL": 7,
    "AGUSTUS": 8, "AUGUST": 8, "AGU": 8, "AGT": 8, "AGS": 8, "AUG": 8,
    "SEPTEMBER": 9, "SEPT": 9, "SEP": 9,
    "OKTOBER": 10, "OCTOBER": 10, "OKT": 10, "OCT": 10,
    "NOVEMBER": 11, "NOPEMBER": 11, "NOV": 11, "NOP": 11,
    "DESEMBER": 12, "DECEMBER": 12, "DES": 12, "DEC": 12,
}

EXCEL_EPOCH = dt.date(1899, 12, 30)


def clean_text(col: str) -> pl.Expr:
    """Trimmed text with empty strings as NULL (officers leave blanks and spaces)."""
    e = pl.col(col).cast(pl.Utf8).str.strip_chars()
    return pl.when(e == "").then(None).otherwise(e).alias(col)


@cache
def reference_rows(name: str) -> tuple[dict[str, str], ...]:
    """The rows of seed ``dbt_project/seeds/reference/<name>.csv``: the reference lists
    dbt and the ingest share (one file, read by both)."""
    with open(REFERENCE_DIR / f"{name}.csv", newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def _compact(text: str) -> str:
    """Upper case, accents folded, only letters and digits: how placeholders compare."""
    folded = unicodedata.normalize("NFKD", text.upper())
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum())


@cache
def placeholders(kind: str = "any") -> frozenset[str]:
    """Compact forms of the values that mean "missing" (seed placeholders) for ``kind``
    (person, recruiter, place, country; ``any`` alone for coded fields and documents);
    the same rule as dbt's macro is_placeholder."""
    return frozenset(_compact(r["value"]) for r in reference_rows("placeholders")
                     if r["applies_to"] in ("any", kind)) | {""}


def code_synonyms() -> dict[str, dict[str, str]]:
    """field -> {spelling officers use: contract value}, from seed code_synonyms."""
    table: dict[str, dict[str, str]] = {}
    for r in reference_rows("code_synonyms"):
        table.setdefault(r["field"], {})[r["synonym"]] = r["value"]
    return table


def enum_value(col: str) -> pl.Expr:
    """Upper case, trimmed, inner spaces and dashes as underscores (``kunjungan keluarga``),
    and known synonyms mapped to the contract value (``PEREMPUAN`` -> ``P``, seed
    code_synonyms). A value outside the contract stays as it is: the audit judges it and
    marts.mart_unmapped_values lists it (a coded field is not a name: ``TIDAK_JELAS`` in
    a status is a wrong code, not a missing one)."""
    e = pl.col(col).str.strip_chars().str.to_uppercase().str.replace_all(r"[\s\-]+", "_")
    synonyms = code_synonyms().get(col)
    if synonyms:
        e = e.replace(synonyms)
    return pl.when(e == "").then(None).otherwise(e).alias(col)


def is_placeholder(e: pl.Expr, kind: str = "any") -> pl.Expr:
    """True where the text is empty or a placeholder of ``kind`` (NULL stays NULL)."""
    compact = e.str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "")
    return compact.is_in(sorted(placeholders(kind)))


def nik_digits(col: str = "nik") -> pl.Expr:
    """The NIK with a leading apostrophe, spaces, dots and dashes removed."""
    return (
        pl.col(col)
        .str.strip_chars()
        .str.strip_chars_start("'`")
        .str.replace_all(r"[\s.\-]", "")
    )


def _nik_date_ok(digits: pl.Expr) -> pl.Expr:
    """Digits 7-12 are a real DDMMYY birth date (day + 40 for women), serial not 0000.

    python-stdnum's ``get_birth_date`` takes the day modulo 40, which accepts
    impossible days such as 99; this rule is stricter. Vectorised: a date that
    cannot exist fails to parse in both centuries.
    """
    day = digits.str.slice(6, 2).cast(pl.Int32, strict=False)
    day = pl.when(day > 40).then(day - 40).otherwise(day)
    ddmm = day.cast(pl.Utf8).str.zfill(2) + "-" + digits.str.slice(8, 2) + "-"
    yy = digits.str.slice(10, 2)
    as_date = pl.coalesce(
        (ddmm + "19" + yy).str.strptime(pl.Date, "%d-%m-%Y", strict=False),
        (ddmm + "20" + yy).str.strptime(pl.Date, "%d-%m-%Y", strict=False),
    )
    return as_date.is_not_null() & (day >= 1) & (digits.str.slice(12, 4) != "0000")


def nik_status(col: str = "nik", numeric_cell: str | None = None) -> pl.Expr:
    """Status of a NIK field; ``numeric_cell`` names a boolean column set for
    XLSX rows whose NIK was stored as a number rather than text."""
    raw = pl.col(col).str.strip_chars()
    digits = nik_digits(col)
    is_num_cell = pl.col(numeric_cell) if numeric_cell else pl.lit(False)
    sixteen = digits.str.contains(r"^[0-9]{16}$")
    date_ok = _nik_date_ok(digits)
    return (
        pl.when(raw.is_null() | (raw == "") | (raw == "-"))
        .then(pl.lit(NIK_MISSING))
        .when(raw.str.contains(_SCIENTIFIC))
        .then(pl.lit(NIK_SCIENTIFIC))
        .when(sixteen & is_num_cell.fill_null(False))
        .then(pl.lit(NIK_PRECISION_LOST))
        .when(sixteen & date_ok.fill_null(False))
        .then(pl.lit(NIK_VALID))
        .when(digits.str.contains(r"^[0-9]+$"))
        .then(
            pl.when(sixteen).then(pl.lit(NIK_INVALID)).otherwise(pl.lit(NIK_WRONG_LENGTH))
        )
        .otherwise(pl.lit(NIK_INVALID))
    )


def parse_date(col: str) -> pl.Expr:
    """A date in any of the feeds' forms, or NULL.

    Forms: ``DD/MM/YYYY``, ``DD-MM-YYYY``, ``YYYY-MM-DD`` (optionally followed
    by a time, as Excel date cells read as text), ``D Mon YYYY`` with
    Indonesian or English month names or abbreviations, and Excel serial day
    numbers (a date cell without a date format). Day-first is the contract
    for slashed dates; there is no month-first reading.
    """
    s = pl.col(col).str.strip_chars()
    iso = s.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    dmy_slash = s.str.strptime(pl.Date, "%d/%m/%Y", strict=False)
    dmy_dash = s.str.strptime(pl.Date, "%d-%m-%Y", strict=False)
    parts = s.str.to_uppercase().str.extract_groups(
        r"^([0-9]{1,2})[\s\-]+([A-Z]+)\.?[\s\-]+([0-9]{4})$"
    )
    month = parts.struct.field("2").replace_strict(MONTHS, default=None, return_dtype=pl.Int32)
    named = pl.date(
        parts.struct.field("3").cast(pl.Int32, strict=False),
        month,
        parts.struct.field("1").cast(pl.Int32, strict=False),
    )
    serial_days = s.str.extract(r"^([0-9]{5})(\.0+)?$", 1).cast(pl.Int32, strict=False)
    serial = pl.lit(EXCEL_EPOCH) + pl.duration(days=serial_days)
    valid_named = pl.when(month.is_not_null()).then(named)
    return pl.coalesce(iso, dmy_slash, dmy_dash, valid_named, serial.cast(pl.Date))


def parse_timestamp(col: str) -> pl.Expr:
    """A WIB wall-clock timestamp: ``DD/MM/YYYY HH:MM:SS`` or ISO 8601.

    ISO values with an offset are converted to Asia/Jakarta; values without an
    offset are taken as WIB already (FEEDS.md: all local times are WIB).
    """
    s = pl.col(col).str.strip_chars()
    dmy = s.str.strptime(pl.Datetime("us"), "%d/%m/%Y %H:%M:%S", strict=False)
    dmy_short = s.str.strptime(pl.Datetime("us"), "%d/%m/%Y %H:%M", strict=False)
    has_offset = s.str.contains(r"([+-][0-9]{2}:?[0-9]{2}|Z)$")
    iso_tz = (
        pl.when(has_offset)
        .then(s.str.replace(r"Z$", "+00:00"))
        .str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%S%.f%z", strict=False)
        .dt.convert_time_zone(WIB.key)
        .dt.replace_time_zone(None)
    )
    iso_naive = (
        pl.when(~has_offset)
        .then(s.str.replace("T", " "))
        .str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f", strict=False)
    )
    date_only = parse_date(col).cast(pl.Datetime("us"))
    return pl.coalesce(dmy, dmy_short, iso_tz, iso_naive, date_only)


def parse_int(col: str) -> pl.Expr:
    """A non-negative whole number (``3``, ``3.0`` from a spreadsheet), or NULL."""
    s = pl.col(col).str.strip_chars().str.extract(r"^([0-9]+)(\.0+)?$", 1)
    return s.cast(pl.Int32, strict=False)


def passport_number(col: str = "no_paspor") -> pl.Expr:
    """A passport number as compared across feeds: upper case, no spaces or dashes.

    NULL for a placeholder (``TIDAK ADA``, ``-``) and for a text without a digit or
    whose digits are one digit repeated (``BELUM``, ``0000000``): linked as a number, such
    a value would join every person who has none."""
    e = pl.col(col).str.to_uppercase().str.replace_all(r"[\s\-.]", "")
    junk = (is_placeholder(pl.col(col)) | ~e.str.contains(r"[0-9]")
            | e.str.replace_all(r"[^0-9]", "").str.contains(
                "^(?:" + "|".join(f"{d}+" for d in "0123456789") + ")$"))
    return pl.when(junk.fill_null(True)).then(None).otherwise(e)
