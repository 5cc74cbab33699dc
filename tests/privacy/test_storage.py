"""Restricted storage: retention, erasure of one data subject, the erasure register
at ingest, and compaction (deleted rows must not stay readable in the file)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ingest.feeds import feed
from ingest.load import discover, load_feed
from ingest.schema import ensure_warehouse
from tests.conftest import paspor_row, write_csv, write_jsonl
from tppo import config
from tppo.privacy import storage
from tppo.privacy.erasure import WITHHELD_REASON, ErasureRegister, erase_subject
from tppo.pseudonym import ERASURE, MissingKeyError, Pseudonymiser, load_secret
from tppo.warehouse import open_warehouse

PSEUDO = Pseudonymiser(b"test-key")
NIK = "1809014506900123"
OTHER = "1809015203880004"
PASSPORT = "C7654321"
PASPOR_HEADER = list(feed("paspor").columns)
CROSSING_HEADER = list(feed("perlintasan").columns)
TODAY = dt.date(2025, 9, 20)


def _crossing(no: str, passport: str) -> list[str]:
    values = {"kode_tpi": "CGK", "no_perlintasan": no, "waktu": "10/09/2025 08:00:00",
              "arah": "KEBERANGKATAN", "no_paspor": passport, "kewarganegaraan": "IDN",
              "nama": "SITI AMINAH", "tgl_lahir": "05/06/1990", "jenis_kelamin": "P",
              "negara": "MALAYSIA", "no_penerbangan": "AK381"}
    return [values[c] for c in CROSSING_HEADER]


def _case(no: str, nik: str) -> dict:
    return {"nomor_lp": no, "tgl_lapor": "2025-09-01", "tgl_kejadian": "2025-08-20",
            "satuan": "POLDA", "modus": "PMI_NONPROSEDURAL", "negara_tujuan": "MALAYSIA",
            "lokasi_kabupaten": "PESAWARAN", "tahap": "LIDIK",
            "diperbarui_pada": "2025-09-01T09:00:00+07:00",
            "pihak": [{"peran": "KORBAN", "nik": nik, "nama": "SITI AMINAH", "alias": None,
                       "tgl_lahir": "1990-06-05", "jenis_kelamin": "P", "desa": "WAY LAYAP",
                       "kecamatan": "GEDONG TATAAN", "kabupaten": "PESAWARAN"},
                      {"peran": "SAKSI", "nik": OTHER, "nama": "RINA", "alias": None,
                       "tgl_lahir": "1988-03-12", "jenis_kelamin": "P", "desa": "WAY LAYAP",
                       "kecamatan": "GEDONG TATAAN", "kabupaten": "PESAWARAN"}]}


def _deliver(landing: Path, day: str, tag: str) -> None:
    write_csv(landing / f"imigrasi/paspor/{day}/paspor_BDL_{tag}.csv", PASPOR_HEADER, [
        paspor_row(f"A-{tag}", nik=NIK, status="TERBIT", no_paspor=PASSPORT),
        paspor_row(f"B-{tag}", nik=OTHER, status="TERBIT", no_paspor="C1111111"),
        paspor_row(f"C-{tag}", nik=NIK, tgl="tanggal?"),  # quarantined, with the NIK in it
    ], raw_lines=[f"X-{tag};BDL;{NIK};too few fields"])
    write_csv(landing / f"imigrasi/perlintasan/{day}/perlintasan_CGK_{tag}.csv",
              CROSSING_HEADER, [_crossing(f"1-{tag}", PASSPORT), _crossing(f"2-{tag}", "C1111111")])
    write_jsonl(landing / f"polda/kasus_tppo/{day}/kasus_tppo_{tag}.jsonl",
                [_case(f"LP/{tag}", NIK)])


def _load(con, landing: Path, batch: str, erased: ErasureRegister | None = None) -> dict:
    discover(con, landing, TODAY, batch)
    return {name: load_feed(con, feed(name), landing, batch, PSEUDO, erased=erased)
            for name in ("paspor", "perlintasan", "kasus_tppo")}


@pytest.fixture
def wh(tmp_path):
    path = tmp_path / "restricted" / "warehouse.duckdb"
    path.parent.mkdir()
    con = open_warehouse(path)
    ensure_warehouse(con)
    yield con, path, tmp_path / "landing", tmp_path / "secrets"
    con.close()


def _mentions(con, needles: tuple[str, ...]) -> list[str]:
    """Every (schema.table.column) of the warehouse whose text holds one of ``needles``."""
    found = []
    for schema, table, column in con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR'").fetchall():
        cond = " OR ".join(f"strpos(\"{column}\", ?) > 0" for _ in needles)
        n = con.execute(f'SELECT count(*) FROM {schema}."{table}" WHERE {cond}',
                        list(needles)).fetchall()[0][0]
        if n:
            found.append(f"{schema}.{table}.{column}")
    return found


def test_erasure_removes_the_person_their_passport_crossings_and_quarantined_text(wh):
    con, _, landing, secrets = wh
    _deliver(landing, "2025-09-10", "1")
    _load(con, landing, "b1")
    needles = (NIK, PASSPORT, PSEUDO("nik", NIK), PSEUDO("paspor", PASSPORT))
    assert len(_mentions(con, needles)) >= 5
    marker = load_secret(ERASURE, secrets, create=True)
    receipt = erase_subject(con, NIK, PSEUDO, marker, reference="SURAT-1")
    assert _mentions(con, needles) == []
    assert receipt.passports == 1
    assert receipt.rows_removed == {"raw.imigrasi__paspor": 1, "raw.imigrasi__perlintasan": 1,
                                    "raw.polda__kasus_tppo_pihak": 1,
                                    "meta.quarantine.raw_text": 2}
    # everyone else stays, the case stays (with its other party), nothing is unbalanced
    assert con.execute("SELECT count(*) FROM raw.imigrasi__paspor").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM raw.polda__kasus_tppo_pihak").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM raw.polda__kasus_tppo").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM meta.quarantine").fetchall() == [(2,)]
    assert con.execute("SELECT reference, rows_removed LIKE '%paspor%' "
                       "FROM meta.erasure_requests").fetchall() == [("SURAT-1", True)]


def test_a_redelivered_erased_person_is_withheld_at_ingest_and_counts_still_add_up(wh):
    con, _, landing, secrets = wh
    _deliver(landing, "2025-09-10", "1")
    _load(con, landing, "b1")
    erase_subject(con, NIK, PSEUDO, load_secret(ERASURE, secrets, create=True))
    _deliver(landing, "2025-09-12", "2")  # a re-send, a new crossing, a new case
    register = ErasureRegister.load(con, secrets)
    loads = _load(con, landing, "b2", register)
    assert _mentions(con, (NIK, PASSPORT, PSEUDO("nik", NIK))) == []
    (paspor,) = loads["paspor"].files
    assert (paspor.rows_read, paspor.rows_loaded, paspor.rows_quarantined) == (4, 1, 3)
    assert paspor.rows_read == paspor.rows_loaded + paspor.rows_quarantined
    withheld = con.execute("SELECT feed, count(*), count(raw_text) FROM meta.quarantine "
                           "WHERE reason = ? GROUP BY feed ORDER BY feed",
                           [WITHHELD_REASON]).fetchall()
    assert withheld == [("paspor", 2, 0), ("perlintasan", 1, 0)]
    assert con.execute("SELECT count(*) FROM raw.polda__kasus_tppo_pihak "
                       "WHERE _file_name LIKE '%_2.jsonl'").fetchall() == [(1,)]


def test_without_its_key_a_non_empty_erasure_register_stops_the_load(wh, monkeypatch):
    con, _, landing, secrets = wh
    monkeypatch.delenv("TPPO_ERASURE_KEY", raising=False)
    _deliver(landing, "2025-09-10", "1")
    _load(con, landing, "b1")
    erase_subject(con, NIK, PSEUDO, load_secret(ERASURE, secrets, create=True))
    (secrets / ERASURE.file_name).unlink()
    with pytest.raises(MissingKeyError, match="erasure register key"):
        ErasureRegister.load(con, secrets)


def test_retention_drops_old_raw_records_blanks_their_quarantine_and_never_reloads(wh):
    con, _, landing, _ = wh
    _deliver(landing, "2019-05-02", "old")
    _deliver(landing, "2025-09-10", "new")
    _load(con, landing, "b1")
    cutoff = storage.retention_cutoff(TODAY, 5)
    assert cutoff == dt.date(2020, 9, 20)
    removed = storage.apply_retention(con, cutoff)
    assert removed == {"raw.imigrasi__paspor": 2, "raw.imigrasi__perlintasan": 2,
                       "raw.polda__kasus_tppo": 1, "raw.polda__kasus_tppo_pihak": 2,
                       "meta.quarantine.raw_text": 2}
    for table in ("imigrasi__paspor", "imigrasi__perlintasan", "polda__kasus_tppo_pihak"):
        assert con.execute(f"SELECT min(_delivery_date) FROM raw.{table}").fetchall() == [
            (dt.date(2025, 9, 10),)]
    assert _load(con, landing, "b2")["paspor"].files == []  # the manifest remembers the file
    assert storage.retention_cutoff(dt.date(2024, 2, 29), 1) == dt.date(2023, 2, 28)


def test_retention_setting_must_be_a_positive_number_of_years(monkeypatch):
    monkeypatch.setenv(config.RETENTION_ENV, "0")
    with pytest.raises(ValueError, match=">= 1"):
        config.retention_years()
    monkeypatch.setenv(config.RETENTION_ENV, "10")
    assert config.retention_years() == 10
    monkeypatch.delenv(config.RETENTION_ENV)
    assert config.retention_years() is None


def _free_blocks(path) -> int:
    with open_warehouse(path, read_only=True) as con:
        return con.execute("SELECT free_blocks FROM pragma_database_size() "
                           "WHERE database_name = 'warehouse'").fetchall()[0][0]


def test_compaction_leaves_no_deleted_bytes_and_keeps_every_table_and_view(wh):
    con, path, _, _ = wh
    con.execute("CREATE TABLE raw.filler AS SELECT range AS i, md5(range::VARCHAR) AS s "
                "FROM range(500000)")
    con.execute("UPDATE raw.filler SET s = 'CANARY-' || ? || '-' || i "
                "WHERE i BETWEEN 250000 AND 250100", [NIK])
    con.execute("CREATE SCHEMA marts")  # a derived table, replaced the way dbt does
    con.execute("CREATE TABLE marts.derived AS SELECT * FROM raw.filler WHERE s LIKE 'CANARY%'")
    con.execute("CREATE VIEW marts.v AS SELECT count(*) AS n FROM raw.filler")
    con.execute("CHECKPOINT")
    con.execute("DELETE FROM raw.filler WHERE s LIKE 'CANARY-%'")
    con.execute("CREATE OR REPLACE TABLE marts.derived AS "
                "SELECT * FROM raw.filler WHERE s LIKE 'CANARY%'")
    con.execute("CHECKPOINT")
    con.close()
    # DuckDB keeps freed blocks as they were: encrypted, but the key still opens them
    assert _free_blocks(path) > 0
    assert NIK.encode() not in path.read_bytes()  # encrypted at rest
    storage.request_compaction(path, "test")
    assert storage.compaction_pending(path)
    storage.compact(path)
    assert not storage.compaction_pending(path)
    assert _free_blocks(path) == 0
    assert NIK.encode() not in path.read_bytes()
    assert path.stat().st_mode & 0o777 == 0o600
    with open_warehouse(path) as again:
        assert again.execute("SELECT n FROM marts.v").fetchall() == [(499899,)]
        again.execute("INSERT OR REPLACE INTO meta.runs (batch_id, status) VALUES ('x', 'A')")
        again.execute("INSERT OR REPLACE INTO meta.runs (batch_id, status) VALUES ('x', 'B')")
        assert again.execute("SELECT status FROM meta.runs").fetchall() == [("B",)]
