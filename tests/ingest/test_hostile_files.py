"""Issue 17 items 4 and 8: a JSON line nested 10,000 deep, and an XLSX zip bomb."""

from __future__ import annotations

import json
import zipfile

import pytest

from ingest.feeds import feed
from ingest.readers import FileRejected, read_jsonl, read_xlsx


def test_a_deeply_nested_json_line_is_quarantined_and_the_rest_loads(tmp_path):
    kasus = feed("kasus_tppo")
    good = {c: None for c in kasus.columns} | {"nomor_lp": "LP/1/2025",
                                              "tgl_lapor": "2025-03-01", "pihak": []}
    path = tmp_path / "kasus_tppo_20250301.jsonl"
    path.write_text(json.dumps(good) + "\n" + "[" * 10_000 + "]" * 10_000 + "\n"
                    + json.dumps({**good, "nomor_lp": "LP/2/2025"}) + "\n")
    result = read_jsonl(kasus, path)
    assert result.rows.height == 2
    (reject,) = result.rejects
    assert reject.line_number == 2 and "nested too deeply" in reject.reason


def test_an_xlsx_bomb_is_rejected_before_it_is_inflated(tmp_path):
    path = tmp_path / "penempatan_20250301.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
        sheet.write(b"<worksheet><sheetData><row><c t='inlineStr'><is><t>")
        block = b"A" * (1 << 20)
        for _ in range(300):
            sheet.write(block)
        sheet.write(b"</t></is></c></row></sheetData></worksheet>")
    assert path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(FileRejected, match="inflate"):
        read_xlsx(feed("penempatan"), path)


def test_a_file_named_xlsx_that_is_not_a_workbook_is_rejected(tmp_path):
    path = tmp_path / "penempatan_20250301.xlsx"
    path.write_text("id_penempatan;nik\n1;2\n")
    with pytest.raises(FileRejected, match="not a readable XLSX"):
        read_xlsx(feed("penempatan"), path)
