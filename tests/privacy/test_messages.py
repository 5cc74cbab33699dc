"""A file sent without its header row must not put its first record into the
manifest, the logs or the run's output."""

from __future__ import annotations

import datetime as dt

import duckdb

from ingest.feeds import feed
from ingest.load import discover, load_feed
from ingest.messages import safe_rejection
from ingest.schema import ensure_warehouse
from tests.conftest import paspor_row, write_csv
from tppo.pseudonym import Pseudonymiser

NIK = "1809014506900123"


def test_a_file_without_header_is_rejected_without_its_first_record_in_the_message(tmp_path):
    first, *rest = [paspor_row(f"P{i}", nik=NIK, nama="SITI AMINAH BINTI SUPARDI")
                    for i in range(3)]
    write_csv(tmp_path / "landing/imigrasi/paspor/2025-03-05/paspor_BDL_20250305.csv",
              first, rest)
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as con:
        ensure_warehouse(con)
        discover(con, tmp_path / "landing", dt.date(2025, 3, 10), "b1")
        (out,) = load_feed(con, feed("paspor"), tmp_path / "landing", "b1",
                           Pseudonymiser(b"k")).files
        stored = con.execute("SELECT message FROM meta.deliveries").fetchall()[0][0]
    assert out.status == "REJECTED"
    for text in (out.message, stored):
        assert "header row missing" in text and "missing no_permohonan" in text
        assert NIK not in text and "SITI" not in text.upper() and "1990" not in text


def test_a_real_schema_drift_keeps_the_column_names():
    message = ("schema drift in paspor header: missing no_permohonan; unexpected no_aplikasi, "
               "catatan. The file was not loaded.")
    assert safe_rejection(message) == message
