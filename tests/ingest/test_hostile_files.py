"""Hostile or broken deliveries (issue 17): personal data never reaches a
message, deep JSON is quarantined, an XLSX bomb is rejected before it inflates."""

from __future__ import annotations

import json
import zipfile

import pytest

from ingest.feeds import feed
from ingest.messages import safe_rejection
from ingest.readers import FileRejected, read_file
from tests.conftest import paspor_row, write_csv

NIK = "1809014506900123"


def test_headerless_csv_names_positions_not_its_first_record(tmp_path):
    first, *rest = [paspor_row(f"P{i}", nik=NIK, nama="SITI AMINAH") for i in range(3)]
    path = write_csv(tmp_path / "paspor_BDL_20250305.csv", first, rest)
    with pytest.raises(FileRejected) as err:
        read_file(feed("paspor"), path)
    text = str(err.value)
    assert "paspor_BDL_20250305.csv" in text and "at column numbers 1.." in text
    assert "no header line" in text
    for value in (NIK, "SITI", "AMINAH", "1990", "P0"):
        assert value not in text
    assert safe_rejection(text) == text


def test_repeated_data_values_are_not_listed(tmp_path):
    header = list(feed("paspor").columns) + ["1809014506900123", "1809014506900123"]
    path = write_csv(tmp_path / "x.csv", header, [paspor_row("P1") + ["a", "b"]])
    with pytest.raises(FileRejected) as err:
        read_file(feed("paspor"), path)
    assert NIK not in str(err.value) and "repeated 1 column(s)" in str(err.value)


def test_masking_handles_a_quoted_field_holding_a_semicolon():
    message = ('schema drift in paspor header: missing no_permohonan; unexpected '
               '"SITI; AMINAH", 1809014506900123, 1990-06-05; repeated "BUDI; X", '
               '"BUDI; X". The file was not loaded.')
    safe = safe_rejection(message)
    for value in ("SITI", "AMINAH", NIK, "1990", "BUDI"):
        assert value not in safe
    assert "missing no_permohonan" in safe


def test_json_nested_10000_deep_is_quarantined_and_the_rest_loads(tmp_path):
    good = {"id_penggagalan": "G1", "waktu": "2025-03-05T10:00:00+07:00",
            "lokasi": "BAKAUHENI", "negara_tujuan": "MALAYSIA", "perekrut": None, "orang": []}
    path = tmp_path / "penggagalan_20250305.jsonl"
    path.write_text("\n".join([json.dumps(good), "[" * 10_000 + "]" * 10_000,
                               json.dumps({**good, "id_penggagalan": "G2"})]) + "\n")
    read = read_file(feed("penggagalan"), path)
    assert read.rows["id_penggagalan"].to_list() == ["G1", "G2"]
    (reject,) = read.rejects
    assert reject.line_number == 2 and "nested too deeply" in reject.reason


def _bomb(path, size=300 * 1024 * 1024):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(b'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
            chunk = b"A" * (8 * 1024 * 1024)
            for _ in range(size // len(chunk)):
                f.write(chunk)
            f.write(b"</t></is></c></row></sheetData></worksheet>")
    return path


def test_xlsx_bomb_is_rejected_before_it_is_read(tmp_path):
    path = _bomb(tmp_path / "penempatan_20250305.xlsx")
    assert path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(FileRejected) as err:
        read_file(feed("penempatan"), path)
    assert "penempatan_20250305.xlsx" in str(err.value) and "inflate" in str(err.value)


def test_a_highly_compressible_member_is_rejected_even_under_the_total(tmp_path):
    path = _bomb(tmp_path / "small_bomb.xlsx", size=16 * 1024 * 1024)
    with pytest.raises(FileRejected, match="inflates .* times"):
        read_file(feed("penempatan"), path)


def test_a_non_zip_xlsx_is_rejected_clearly(tmp_path):
    path = tmp_path / "penempatan_20250305.xlsx"
    path.write_text("id;nik\n1;2\n")
    with pytest.raises(FileRejected, match="not a readable XLSX workbook"):
        read_file(feed("penempatan"), path)
