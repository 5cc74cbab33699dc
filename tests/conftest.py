"""Shared helpers: crafted landing files in each agency's real format."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

import pytest
import xlsxwriter

from ingest.feeds import feed

# Airflow reads its configuration at first import: give the test session its
# own home so that nothing touches ~/airflow.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="tppo-test-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Crafted files are complete when written: load them at once (the settle watch is
# tested on its own in tests/ingest/test_discover.py).
os.environ.setdefault("TPPO_SETTLE_SECONDS", "0")


def write_csv(path: Path, header: list[str], rows: list[list[str]], bom: bool = False,
              raw_lines: list[str] | None = None) -> Path:
    """A SIMKIM-style export: `;`, CRLF, optional BOM; raw_lines are appended verbatim."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [";".join(header)] + [";".join(r) for r in rows] + (raw_lines or [])
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[object]],
               numeric_nik_rows: set[int] = frozenset()) -> Path:
    """A SISKOP2MI-style export: sheet Data, two title rows, then the header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Data")
    ws.write(0, 0, "LAPORAN DATA")
    ws.write(1, 0, "Periode: 2025")
    ws.write_row(2, 0, header)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if header[j] == "nik" and i in numeric_nik_rows:
                ws.write_number(3 + i, j, float(value))
            elif value is None:
                continue
            else:
                ws.write_string(3 + i, j, str(value))
    wb.close()
    return path


def write_jsonl(path: Path, records: list[dict | str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def paspor_row(no: str, nik: str = "1809014506900001", status: str = "PROSES",
               tgl: str = "05/03/2025", **kw: str) -> list[str]:
    values = {
        "no_permohonan": no, "kode_kantor": "BDL", "tgl_permohonan": tgl, "nik": nik,
        "nama": "SITI AMINAH", "tempat_lahir": "PESAWARAN", "tgl_lahir": "05/06/1990",
        "jenis_kelamin": "P", "alamat": "DUSUN I", "desa": "WAY LAYAP",
        "kecamatan": "GEDONG TATAAN", "kabupaten": "KAB. PESAWARAN",
        "tujuan_permohonan": "WISATA", "negara_tujuan": "MALAYSIA", "status": status,
        "alasan_penundaan": "", "no_paspor": "", "tgl_keputusan": "",
    }
    values.update(kw)
    return [values[c] for c in feed("paspor").columns]


@pytest.fixture
def tppo_env(tmp_path, monkeypatch):
    """A fresh TPPO_LANDING and TPPO_HOME with a fixed pseudonym key."""
    landing, home = tmp_path / "landing", tmp_path / "home"
    landing.mkdir()
    monkeypatch.setenv("TPPO_LANDING", str(landing))
    monkeypatch.setenv("TPPO_HOME", str(home))
    monkeypatch.setenv("TPPO_PSEUDONYM_KEY", "test-key-not-secret")
    return landing, home


@contextlib.contextmanager
def pipeline_env(landing: Path, home: Path, key: str):
    """TPPO_LANDING, TPPO_HOME and the pseudonym key set for this process, then restored."""
    keys = ("TPPO_LANDING", "TPPO_HOME", "TPPO_PSEUDONYM_KEY")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(dict(zip(keys, (str(landing), str(home), key), strict=True)))
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_night(batch_id: str, day) -> None:
    """One night's tasks in this process, in the DAG's order, without Airflow: discover,
    every feed's ingest, dbt build, the mart checks and publish."""
    from tppo import pipeline

    pipeline.discover(batch_id, day)
    for feed_name in pipeline.FEED_NAMES:
        pipeline.ingest(feed_name, batch_id, day)
    pipeline.dbt_build(batch_id)
    pipeline.validate_marts(batch_id)
    pipeline.publish(batch_id)


def pytest_collection_modifyitems(config, items):
    """The soak tests (the longest files) first, the rest in their order: with two
    workers taking one file at a time (make test), neither is left with a long file
    at the end."""
    items.sort(key=lambda item: item.get_closest_marker("soak") is None)
