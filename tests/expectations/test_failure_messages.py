"""A failed expectation names what failed: up to ten distinct unexpected values with their
row counts, the file and its Data Docs page; never a personal identifier (issue: point 4)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl

from expectations import audit
from expectations.audit import GxAuditor
from ingest.feeds import feed

DAY = dt.date(2025, 3, 10)
NIK = "1801234567890123"
FILE = "imigrasi/paspor/2025-03-05/paspor_BDL_20250305.csv"


def _batch(status: list[str], names: list[str] | None = None) -> pl.DataFrame:
    n = len(status)
    return pl.DataFrame({
        "no_permohonan": [f"P{i}" for i in range(n)],
        "_file_sha256": ["cd" * 32] * n, "_file_name": [FILE] * n,
        "_row_number": list(range(1, n + 1)),
        "jenis_kelamin": ["P"] * n, "tujuan_permohonan": ["WISATA"] * n, "status": status,
        "tgl_permohonan_date": [dt.date(2025, 3, 5)] * n, "tgl_keputusan_date": [None] * n,
        "negara_tujuan": ["MALAYSIA"] * n, "nik_status": ["VALID"] * n,
        "nama": names or ["BUDI"] * n,
    }, schema_overrides={"tgl_keputusan_date": pl.Date})


def test_a_failed_critical_expectation_lists_values_counts_file_and_page(tmp_path):
    status = (["SELESAI"] * 3 + ["DITOLAK_X"] * 2 + [NIK, "<b>X</b>", "SITI", "NIK_1809014"]
              + ["PROSES"])
    names = ["BUDI"] * 7 + ["SITI AMINAH"] + ["BUDI"] * 2
    (verdict,) = GxAuditor(tmp_path / "validation", DAY).validate(
        feed("paspor"), _batch(status, names)).values()
    assert verdict.verdict == "FAILED"
    message = verdict.message
    assert "critical expect_column_values_to_be_in_set(status): 9 of 10 row(s) unexpected" \
        in message
    assert f"in {FILE}" in message
    assert "SELESAI (3), DITOLAK_X (2)" in message  # most rows first, with their counts
    # a NIK, markup, a name also found in a personal field, a 6-digit run: tokens only
    for secret in (NIK, "<b>", "SITI", "AMINAH", "1809014"):
        assert secret not in message, secret
    assert len(re.findall(r"UNEXPECTED-[A-Z]+-[0-9]+#[0-9a-f]{8} \(1\)", message)) == 4
    page = re.search(r"\(Data Docs: ([^)]+\.html)\)", message).group(1)
    assert Path(page).is_file()
    assert "2025-03-10_paspor_BDL_20250305" in page  # the page is named for the file


def test_at_most_ten_distinct_values_are_listed():
    class Config:
        type = "expect_column_values_to_be_in_set"
        kwargs = {"column": "status", "mostly": 0.9}
        meta = {"severity": "critical"}

    class Result:
        expectation_config = Config()
        exception_info = None
        success = False
        result = {"unexpected_index_list": [
            {"status": f"CODE_{i}", "_file_sha256": "ef", "_row_number": i + 1}
            for i in range(13)]}

    batch = pl.DataFrame({"_file_sha256": ["ef"] * 13, "_file_name": ["x.csv"] * 13,
                          "_row_number": list(range(1, 14)),
                          "status": [f"CODE_{i}" for i in range(13)]})
    (verdict,) = audit.judge([Result()], batch, coded={"status"}).values()
    listed = re.findall(r"CODE_[0-9]+ \(1\)", verdict.message)
    assert len(listed) == 10 and "and 3 more distinct value(s)" in verdict.message


def test_showable_values_are_codes_never_identifiers():
    assert audit.showable("SELESAI") and audit.showable("TIDAK_ADA") and audit.showable("P3")
    for value in (NIK, "NIK_180901", "Selesai", "<B>", "A" * 31, "LAKI LAKI", ""):
        assert not audit.showable(value), value
