"""Great Expectations Data Docs show no delivered value that could run or identify.

A coded field holds whatever the office typed: markup that a browser opening
the Data Docs would execute, or a NIK keyed into the wrong column. GE writes
unexpected values into its HTML unescaped and into its validation JSON, so the
audit must hand GE only the contract's values and opaque tokens.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import duckdb
import polars as pl
import pytest

from expectations import audit
from expectations.audit import GxAuditor
from ingest.feeds import feed
from ingest.load import discover, load_feed
from ingest.schema import ensure_warehouse
from tests.conftest import paspor_row, write_csv
from tests.report import chromium
from tppo.pseudonym import Pseudonymiser

DAY = dt.date(2025, 3, 10)
NIK = "1801234567890123"
# Each payload, if it ran, would leave a marker that is not literally in its source.
PAYLOADS = (
    "&lt;svg onload=alert(1)&gt;",
    "<svg onload=\"document.title='PWN'+'ED'\">",
    "<img src=x onerror=\"document.body.insertAdjacentHTML('beforeend','XSS'+'MARK')\">",
    # survives the loader's upper-casing: the script is entity-encoded (no ';', no space)
    "<svg/onload=" + "".join(f"&#{ord(c)}" for c in "document.title='PWN'+'ED'") + ">",
)
MARKERS = ("PWNED", "XSSMARK")
FORBIDDEN = (NIK, "<svg", "<SVG", "svg onload", "onload", "ONLOAD", "onerror", "ONERROR",
             "&lt;svg", "&#100", "insertAdjacentHTML", "document.title")


def _batch(values: list[str | None], tujuan: list[str]) -> pl.DataFrame:
    """A paspor batch as the loader hands it to the audit: one file, typed columns."""
    n = len(values)
    return pl.DataFrame({
        "no_permohonan": [f"P{i}" for i in range(n)],
        "_file_sha256": ["ab" * 32] * n, "_file_name": ["paspor_BDL_20250305.csv"] * n,
        "_row_number": list(range(1, n + 1)),
        "jenis_kelamin": values, "tujuan_permohonan": tujuan, "status": ["PROSES"] * n,
        "tgl_permohonan_date": [dt.date(2025, 3, 5)] * n, "tgl_keputusan_date": [None] * n,
        "negara_tujuan": ["MALAYSIA"] * n,
        "nik_status": ["VALID"] * (n - 1) + ["WRONG_LENGTH"],
    }, schema_overrides={"tgl_keputusan_date": pl.Date})


def _outputs(root):
    files = [p for p in root.rglob("*") if p.is_file() and p.suffix in {".html", ".json"}]
    return files, "\n".join(p.read_text(errors="replace") for p in files)


def _assert_nothing_ran(page) -> str:
    dom = chromium.dom(page)
    assert "<html" in dom.lower() and len(dom) > 1000, "chromium rendered the page"
    for marker in MARKERS:
        assert marker not in dom, f"a payload ran in {page.name}"
    return dom


def test_unexpected_coded_values_reach_data_docs_only_as_tokens(tmp_path):
    root = tmp_path / "validation"
    values = [*PAYLOADS, NIK, "P", "L", None]
    tujuan = ["WISATA"] * (len(values) - 1) + [NIK]
    auditor = GxAuditor(root, DAY)
    verdicts = auditor.validate(feed("paspor"), _batch(values, tujuan))

    (verdict,) = verdicts.values()
    assert verdict.verdict == "WARNED"  # sex and purpose only warn
    by_column = {f.column: f for f in verdict.findings}
    assert by_column["jenis_kelamin"].unexpected_count == 5
    assert by_column["tujuan_permohonan"].unexpected_count == 1

    files, text = _outputs(root)
    docs = root / "gx" / "uncommitted" / "data_docs" / "local_site"
    pages = sorted((docs / "validations").rglob("*.html"))
    results = sorted((root / "gx" / "uncommitted" / "validations").rglob("*.json"))
    assert (docs / "index.html").is_file() and pages and results
    for bad in FORBIDDEN:
        assert bad not in text, f"{bad!r} is in the Data Docs or validation results"

    # The results are still useful: which expectation, which column, how many, which rows.
    (result,) = [r for r in json.loads(results[0].read_text())["results"]
                 if r["expectation_config"]["kwargs"].get("column") == "jenis_kelamin"]
    assert result["expectation_config"]["type"] == "expect_column_values_to_be_in_set"
    assert result["result"]["unexpected_count"] == 5 and result["result"]["element_count"] == 8
    shown = result["result"]["unexpected_list"]
    assert all(re.fullmatch(r"UNEXPECTED-[A-Z]+-[0-9]+#[0-9a-f]{8}", v) for v in shown)
    assert "UNEXPECTED-DIGITS-16#" in " ".join(shown)  # a NIK-shaped value, not the NIK
    rows = sorted(i["_row_number"] for i in result["result"]["unexpected_index_list"])
    assert rows == [1, 2, 3, 4, 5]
    page = pages[0].read_text()
    assert "jenis_kelamin" in page and "UNEXPECTED-DIGITS-16#" in page  # the failing rows
    assert "WRONG_LENGTH" in text  # the loader's own codes pass unchanged

    if chromium.executable() is None:
        pytest.skip("chromium is not installed")
    for page in (docs / "index.html", pages[0]):
        dom = _assert_nothing_ran(page)
        assert NIK not in dom
    assert "jenis_kelamin" in dom and "UNEXPECTED-" in dom  # the page shows the findings


def test_tokens_carry_no_delivered_content():
    salt = b"run-salt"
    for value in (*PAYLOADS, NIK, "LAKI LAKI", "ÄÖ\u202e", "x" * 5000):
        token = audit.unexpected_token(value, salt)
        assert re.fullmatch(r"UNEXPECTED-[A-Z]+-[0-9]+#[0-9a-f]{8}", token)
        assert not re.search(r"[0-9]{9}", token)
    token = audit.unexpected_token
    assert token(NIK, salt) == token(NIK, salt)
    assert token(NIK, salt) != token(NIK, b"another-run")
    assert token(NIK, salt) != token("1801234567890124", salt)


def test_payload_delivered_in_a_file_never_runs_in_data_docs(tmp_path):
    """The product's path: a CSV delivery, the loader's normalisation, then the audit."""
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    try:
        ensure_warehouse(con)
        landing = tmp_path / "landing"
        header = list(feed("paspor").columns)
        write_csv(landing / "imigrasi/paspor/2025-03-05/paspor_BDL_20250305.csv", header,
                  [paspor_row("P1", jenis_kelamin=PAYLOADS[3]),
                   paspor_row("P2", jenis_kelamin=PAYLOADS[2].replace(" ", "/")),
                   paspor_row("P3", tujuan_permohonan=NIK), paspor_row("P4")])
        discover(con, landing, DAY, "b1")
        auditor = GxAuditor(tmp_path / "validation", DAY)
        result = load_feed(con, feed("paspor"), landing, "b1", Pseudonymiser(b"k"),
                           auditor.validate)
        (out,) = result.files
        assert out.validation_result == "WARNED" and "jenis_kelamin" in out.message
    finally:
        con.close()
    _, text = _outputs(tmp_path / "validation")
    for bad in FORBIDDEN:
        assert bad not in text
    if chromium.executable() is None:
        pytest.skip("chromium is not installed")
    page, = (tmp_path / "validation").rglob("data_docs/local_site/validations/**/*.html")
    _assert_nothing_ran(page)
