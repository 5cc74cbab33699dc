import datetime as dt

import polars as pl
import pytest

from ingest import parsing


def _one(expr: pl.Expr, **cols) -> object:
    return pl.DataFrame({k: [v] for k, v in cols.items()}).select(expr.alias("x"))["x"][0]


@pytest.mark.parametrize(
    ("text", "numeric", "status"),
    [
        ("1809014506900001", False, "VALID"),
        ("'1809014506900001", False, "VALID"),
        ("1809 0145 0690 0001", False, "VALID"),
        ("1809.0145.0690.0001", False, "VALID"),
        ("1,80901E+15", False, "SCIENTIFIC"),
        ("1.80901E+15", False, "SCIENTIFIC"),
        ("1809014506900000", True, "PRECISION_LOST"),
        ("180901450690001", False, "WRONG_LENGTH"),
        ("18090145069000012", False, "WRONG_LENGTH"),
        ("1809019906900001", False, "INVALID"),
        ("18O9014506900001", False, "INVALID"),
        ("", False, "MISSING"),
        (None, False, "MISSING"),
    ],
)
def test_every_nik_mangling_gets_its_status(text, numeric, status):
    df = pl.DataFrame({"nik": [text], "num": [numeric]}, schema={"nik": pl.Utf8, "num": pl.Boolean})
    assert df.select(parsing.nik_status("nik", "num"))[0, 0] == status


def test_every_valid_nik_is_also_valid_for_python_stdnum():
    from stdnum.id import nik as stdnum_nik

    sample = ["1809014506900001", "1871015212990123", "3201010101000001", "1809017112050010"]
    df = pl.DataFrame({"nik": sample})
    assert df.select(parsing.nik_status("nik").alias("s"))["s"].to_list() == ["VALID"] * 4
    assert all(stdnum_nik.is_valid(n) for n in sample)


def test_precision_lost_nik_is_not_valid_even_if_its_date_parses():
    df = pl.DataFrame({"nik": ["1809014506900010"], "num": [True]})
    assert df.select(parsing.nik_status("nik", "num"))[0, 0] == "PRECISION_LOST"
    assert df.select(parsing.nik_status("nik"))[0, 0] == "VALID"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25/09/2025", dt.date(2025, 9, 25)),
        ("25-09-2025", dt.date(2025, 9, 25)),
        ("2025-09-25", dt.date(2025, 9, 25)),
        ("2025-09-25 00:00:00", dt.date(2025, 9, 25)),
        ("25 Sep 2025", dt.date(2025, 9, 25)),
        ("25 September 2025", dt.date(2025, 9, 25)),
        ("3 Agustus 2025", dt.date(2025, 8, 3)),
        ("1 Mei 2025", dt.date(2025, 5, 1)),
        ("17 Okt 2025", dt.date(2025, 10, 17)),
        ("9 Des 2025", dt.date(2025, 12, 9)),
        ("5 Maret 2024", dt.date(2024, 3, 5)),
        ("45925", dt.date(2025, 9, 25)),
        ("31/02/2025", None),
        ("13/13/2025", None),
        ("kemarin", None),
        ("", None),
    ],
)
def test_dates_in_every_listed_form(text, expected):
    assert _one(parsing.parse_date("d"), d=text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25/09/2025 13:45:00", dt.datetime(2025, 9, 25, 13, 45)),
        ("2025-09-25T13:45:00+07:00", dt.datetime(2025, 9, 25, 13, 45)),
        ("2025-09-25T06:45:00Z", dt.datetime(2025, 9, 25, 13, 45)),
        ("2025-09-25T13:45:00", dt.datetime(2025, 9, 25, 13, 45)),
        ("soon", None),
    ],
)
def test_timestamps_become_wib_wall_time(text, expected):
    assert _one(parsing.parse_timestamp("t"), t=text) == expected


def test_enumerations_are_normalised():
    assert _one(parsing.enum_value("e"), e=" kunjungan keluarga ") == "KUNJUNGAN_KELUARGA"
    assert _one(parsing.enum_value("e"), e="terbit") == "TERBIT"
    assert _one(parsing.enum_value("jenis_kelamin"), jenis_kelamin="Perempuan") == "P"
    assert _one(parsing.enum_value("jenis_kelamin"), jenis_kelamin="laki-laki") == "L"


def test_whole_numbers_accept_spreadsheet_floats_only():
    assert _one(parsing.parse_int("n"), n="3") == 3
    assert _one(parsing.parse_int("n"), n="3.0") == 3
    assert _one(parsing.parse_int("n"), n="tiga") is None
    assert _one(parsing.parse_int("n"), n="-2") is None


def test_coded_fields_keep_what_is_not_a_contract_value():
    assert _one(parsing.enum_value("e"), e="tidak diketahui") == "TIDAK_DIKETAHUI"
    assert _one(parsing.enum_value("e"), e="tidak jelas") == "TIDAK_JELAS"
    assert _one(parsing.enum_value("e"), e="  ") is None


@pytest.mark.parametrize("text", ["-", "TIDAK ADA", "belum", "0000000", "C0000000", "N/A"])
def test_passport_placeholders_are_no_number(text):
    assert _one(parsing.passport_number("p"), p=text) is None


def test_a_passport_number_is_compared_without_spaces_and_dashes():
    assert _one(parsing.passport_number("p"), p="c 123-4567") == "C1234567"
