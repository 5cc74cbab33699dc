"""The raw layer's promises, on small crafted deliveries."""

import datetime as dt

from expectations.audit import GxAuditor
from ingest.feeds import feed
from ingest.load import discover, load_feed
from tests.conftest import paspor_row, write_csv, write_jsonl, write_xlsx
from tppo.pseudonym import Pseudonymiser

PSEUDO = Pseudonymiser(b"test-key")
DAY = dt.date(2025, 3, 10)
PASPOR_HEADER = list(feed("paspor").columns)


def _deliveries(con):
    return {r[0]: r[1:] for r in con.execute(
        "SELECT file_name, status, rows_read, rows_loaded, rows_quarantined, validation_result, "
        "message FROM meta.deliveries").fetchall()}


def test_csv_with_bom_crlf_and_bad_rows_reconciles(tmp_path, con):
    landing = tmp_path / "landing"
    write_csv(landing / "imigrasi/paspor/2025-03-05/paspor_BDL_20250305.csv", PASPOR_HEADER,
              [paspor_row("P1"), paspor_row("P2", nik="'1809014506900002"),
               paspor_row("P3", tgl="tanggal?"), paspor_row("", status="PROSES")],
              bom=True, raw_lines=["P9;BDL;05/03/2025;only four"])
    discover(con, landing, DAY, "b1")
    result = load_feed(con, feed("paspor"), landing, "b1", PSEUDO)
    (out,) = result.files
    assert (out.rows_read, out.rows_loaded, out.rows_quarantined) == (5, 2, 3)
    q = con.execute("SELECT line_number, row_number, field, reason FROM meta.quarantine "
                    "ORDER BY line_number").fetchall()
    assert q[0][:3] == (4, 3, "tgl_permohonan") and "not a date" in q[0][3]
    assert q[1][:3] == (5, 4, "no_permohonan") and "empty" in q[1][3]
    assert q[2][:2] == (6, 5) and "expected 18 fields" in q[2][3]
    raw = con.execute("SELECT no_permohonan, nik_status, nik_key IS NOT NULL, _row_number, "
                      "tgl_permohonan_date, negara_tujuan FROM raw.imigrasi__paspor "
                      "ORDER BY 1").fetchall()
    assert raw == [("P1", "VALID", True, 1, dt.date(2025, 3, 5), "MALAYSIA"),
                   ("P2", "VALID", True, 2, dt.date(2025, 3, 5), "MALAYSIA")]
    cols = [r[0] for r in con.execute("DESCRIBE raw.imigrasi__paspor").fetchall()]
    assert cols[0] == "no_permohonan"  # the BOM did not leak into the first column name


def test_byte_identical_resend_is_a_duplicate_and_loads_nothing(tmp_path, con):
    landing = tmp_path / "landing"
    first = write_csv(landing / "imigrasi/paspor/2025-03-05/paspor_BDL_20250305.csv",
                      PASPOR_HEADER, [paspor_row("P1")])
    again = landing / "imigrasi/paspor/2025-03-06/paspor_BDL_20250305_kirimulang.csv"
    again.parent.mkdir(parents=True)
    again.write_bytes(first.read_bytes())
    found = discover(con, landing, DAY, "b1")
    assert (found.new_pending, found.duplicates) == (1, 1)
    load_feed(con, feed("paspor"), landing, "b1", PSEUDO)
    states = _deliveries(con)
    resent = "imigrasi/paspor/2025-03-06/paspor_BDL_20250305_kirimulang.csv"
    assert states[resent][0] == "DUPLICATE"
    assert con.execute("SELECT count(*) FROM raw.imigrasi__paspor").fetchall() == [(1,)]


def test_rerun_with_nothing_new_changes_nothing(tmp_path, con):
    landing = tmp_path / "landing"
    write_csv(landing / "imigrasi/paspor/2025-03-05/a.csv", PASPOR_HEADER, [paspor_row("P1")])
    discover(con, landing, DAY, "b1")
    load_feed(con, feed("paspor"), landing, "b1", PSEUDO)
    before = _deliveries(con)
    assert discover(con, landing, DAY, "b2").new_pending == 0
    assert load_feed(con, feed("paspor"), landing, "b2", PSEUDO).files == []
    assert _deliveries(con) == before
    assert con.execute("SELECT count(*) FROM raw.imigrasi__paspor").fetchall() == [(1,)]


def test_late_file_is_picked_up_and_future_file_waits(tmp_path, con):
    landing = tmp_path / "landing"
    write_csv(landing / "imigrasi/paspor/2025-03-09/b.csv", PASPOR_HEADER, [paspor_row("P2")])
    write_csv(landing / "imigrasi/paspor/2025-03-11/c.csv", PASPOR_HEADER, [paspor_row("P3")])
    discover(con, landing, DAY, "b1")
    load_feed(con, feed("paspor"), landing, "b1", PSEUDO)
    write_csv(landing / "imigrasi/paspor/2025-03-01/late.csv", PASPOR_HEADER, [paspor_row("P1")])
    found = discover(con, landing, DAY, "b2")
    assert (found.new_pending, found.not_due) == (1, 1)
    load_feed(con, feed("paspor"), landing, "b2", PSEUDO)
    rows = con.execute("SELECT no_permohonan, _delivery_date FROM raw.imigrasi__paspor "
                       "ORDER BY 1").fetchall()
    assert rows == [("P1", dt.date(2025, 3, 1)), ("P2", dt.date(2025, 3, 9))]


def test_schema_drift_stops_that_file_naming_the_columns(tmp_path, con):
    landing = tmp_path / "landing"
    header = ["no_aplikasi" if c == "no_permohonan" else c for c in PASPOR_HEADER] + ["catatan"]
    write_csv(landing / "imigrasi/paspor/2025-03-05/drift.csv", header,
              [paspor_row("P1") + ["x"]])
    write_jsonl(landing / "polda/penggagalan/2025-03-05/penggagalan_20250305.jsonl",
                [{"id_penggagalan": "G1", "waktu": "2025-03-05T10:00:00+07:00",
                  "lokasi": "BAKAUHENI", "negara_tujuan": "MALAYSIA", "perekrut": None,
                  "orang": []}])
    discover(con, landing, DAY, "b1")
    drift = load_feed(con, feed("paspor"), landing, "b1", PSEUDO)
    other = load_feed(con, feed("penggagalan"), landing, "b1", PSEUDO)
    (bad,) = drift.failed
    assert bad.status == "REJECTED"
    assert "missing no_permohonan" in bad.message
    assert "unexpected no_aplikasi, catatan" in bad.message
    assert other.failed == [] and other.files[0].rows_loaded == 1


def test_truncated_json_line_is_quarantined_and_persons_keep_their_case(tmp_path, con):
    landing = tmp_path / "landing"
    case = {"nomor_lp": "LP/1", "tgl_lapor": "2025-03-01", "tgl_kejadian": "2025-02-20",
            "satuan": "POLDA", "modus": "PMI_NONPROSEDURAL", "negara_tujuan": "MALAYSIA",
            "lokasi_kabupaten": "PESAWARAN", "tahap": "LIDIK",
            "diperbarui_pada": "2025-03-01T09:00:00+07:00",
            "pihak": [{"peran": "KORBAN", "nik": "1809014506900001", "nama": "SITI",
                       "alias": None, "tgl_lahir": "1990-06-05", "jenis_kelamin": "P",
                       "desa": "WAY LAYAP", "kecamatan": "GEDONG TATAAN",
                       "kabupaten": "PESAWARAN"},
                      {"peran": "TERSANGKA", "nik": "1,80901E+15", "nama": "DARMAN",
                       "alias": "PAK DARMAN", "tgl_lahir": None, "jenis_kelamin": "L",
                       "desa": None, "kecamatan": None, "kabupaten": None}]}
    write_jsonl(landing / "polda/kasus_tppo/2025-03-01/kasus_tppo_20250301.jsonl",
                [{**case, "negara_tujuan": None}, '{"nomor_lp": "LP/2", "tgl_lapor": "2025-03-0'])
    discover(con, landing, DAY, "b1")
    (out,) = load_feed(con, feed("kasus_tppo"), landing, "b1", PSEUDO).files
    assert (out.rows_read, out.rows_loaded, out.rows_quarantined) == (2, 1, 1)
    q = con.execute("SELECT line_number, reason FROM meta.quarantine").fetchall()
    assert q[0][0] == 2 and "malformed JSON" in q[0][1]
    persons = con.execute("SELECT nomor_lp, _person_index, peran, nik_status "
                          "FROM raw.polda__kasus_tppo_pihak ORDER BY 2").fetchall()
    assert persons == [("LP/1", 1, "KORBAN", "VALID"), ("LP/1", 2, "TERSANGKA", "SCIENTIFIC")]


def test_xlsx_title_rows_numeric_nik_and_text_dates(tmp_path, con):
    landing = tmp_path / "landing"
    cols = list(feed("penempatan").columns)
    base = {"nama": "RINA", "tgl_lahir": "1995-01-02", "jenis_kelamin": "P", "desa": "WAYLAYAP",
            "kecamatan": "GEDUNG TATAAN", "kabupaten": "PESAWARAN",
            "negara_penempatan": "TAIWAN", "jabatan": "CAREGIVER", "sektor": "INFORMAL",
            "skema": "P2P", "id_p3mi": "P3MI-01", "no_paspor": "C1234567",
            "tgl_akhir_kontrak": "2027-01-01"}
    rows = [
        {**base, "id_penempatan": "T1", "nik": "1809014201950011",
         "tgl_keberangkatan": "2025-03-02 00:00:00"},
        {**base, "id_penempatan": "T2", "nik": "1809014201950010",
         "tgl_keberangkatan": "3 Agustus 2025"},
    ]
    write_xlsx(landing / "bp3mi/penempatan/2025-03-05/penempatan_20250305.xlsx", cols,
               [[r[c] for c in cols] for r in rows], numeric_nik_rows={1})
    discover(con, landing, DAY, "b1")
    (out,) = load_feed(con, feed("penempatan"), landing, "b1", PSEUDO).files
    assert (out.rows_read, out.rows_loaded) == (2, 2)
    got = con.execute("SELECT id_penempatan, nik_status, nik_key IS NULL, nik_district, "
                      "tgl_keberangkatan_date, _row_number FROM raw.bp3mi__penempatan "
                      "ORDER BY 1").fetchall()
    assert got == [("T1", "VALID", False, "180901", dt.date(2025, 3, 2), 1),
                   ("T2", "PRECISION_LOST", True, "180901", dt.date(2025, 8, 3), 2)]


def test_misplaced_file_is_recorded_not_ignored(tmp_path, con):
    landing = tmp_path / "landing"
    (landing / "imigrasi/visa/2025-03-05").mkdir(parents=True)
    (landing / "imigrasi/visa/2025-03-05/x.csv").write_text("a;b\r\n")
    discover(con, landing, DAY, "b1")
    status, *_, message = _deliveries(con)["imigrasi/visa/2025-03-05/x.csv"]
    assert status == "REJECTED" and "unknown source/feed" in message


def test_great_expectations_failure_rejects_only_the_bad_file(tmp_path, con):
    landing = tmp_path / "landing"
    write_csv(landing / "imigrasi/paspor/2025-03-05/good.csv", PASPOR_HEADER,
              [paspor_row("P1"), paspor_row("P2", status="TERBIT")])
    write_csv(landing / "imigrasi/paspor/2025-03-05/bad.csv", PASPOR_HEADER,
              [paspor_row(f"X{i}", status="SELESAI???") for i in range(5)])
    discover(con, landing, DAY, "b1")
    auditor = GxAuditor(tmp_path / "validation", DAY)
    result = load_feed(con, feed("paspor"), landing, "b1", PSEUDO, auditor.validate)
    verdicts = {o.file_name.split("/")[-1]: (o.status, o.validation_result) for o in result.files}
    assert verdicts == {"good.csv": ("LOADED", "PASSED"), "bad.csv": ("REJECTED", "FAILED")}
    assert "expect_column_values_to_be_in_set(status)" in result.failed[0].message
    assert con.execute("SELECT count(*) FROM raw.imigrasi__paspor").fetchall() == [(2,)]
    docs = list((tmp_path / "validation").rglob("data_docs/**/*.html"))
    assert docs, "Data Docs were built"


def test_great_expectations_crash_is_an_error_not_bad_data(tmp_path, con, monkeypatch):
    landing = tmp_path / "landing"
    write_csv(landing / "imigrasi/paspor/2025-03-05/good.csv", PASPOR_HEADER, [paspor_row("P1")])
    discover(con, landing, DAY, "b1")
    auditor = GxAuditor(tmp_path / "validation", DAY)

    def broken(feed_):
        raise RuntimeError("validator exploded")

    monkeypatch.setattr(auditor, "_definition", broken)
    result = load_feed(con, feed("paspor"), landing, "b1", PSEUDO, auditor.validate)
    assert [o.validation_result for o in result.files] == ["ERROR"]
    assert "validator exploded" in result.files[0].message
    assert _deliveries(con)["imigrasi/paspor/2025-03-05/good.csv"][0] == "PENDING"
    assert con.execute("SELECT count(*) FROM raw.imigrasi__paspor").fetchall() == [(0,)]


def test_a_file_far_smaller_than_its_senders_recent_files_is_warned(tmp_path, con):
    landing = tmp_path / "landing"
    for day in range(1, 7):
        write_csv(landing / f"imigrasi/paspor/2025-03-0{day}/paspor_BDL_2025030{day}.csv",
                  PASPOR_HEADER, [paspor_row(f"D{day}-{i}") for i in range(30)])
    discover(con, landing, DAY, "b1")
    auditor = GxAuditor(tmp_path / "validation", DAY)
    load_feed(con, feed("paspor"), landing, "b1", PSEUDO, auditor.validate)
    write_csv(landing / "imigrasi/paspor/2025-03-08/paspor_BDL_20250308.csv", PASPOR_HEADER,
              [paspor_row("SMALL-1")])
    discover(con, landing, DAY, "b2")
    (out,) = load_feed(con, feed("paspor"), landing, "b2", PSEUDO, auditor.validate).files
    assert (out.status, out.validation_result) == ("LOADED", "WARNED")
    assert "_rows_vs_recent" in out.message
    logged = con.execute("SELECT severity, column_name, unexpected_count FROM meta.validations "
                         "WHERE file_name LIKE '%20250308.csv'").fetchall()
    assert ("warning", "_rows_vs_recent", 1) in logged


def test_event_dates_in_the_future_are_warned_but_contract_ends_are_not(tmp_path, con):
    landing = tmp_path / "landing"
    write_csv(landing / "imigrasi/paspor/2025-03-05/future.csv", PASPOR_HEADER,
              [paspor_row("F1", tgl="05/03/2026")])
    discover(con, landing, DAY, "b1")
    auditor = GxAuditor(tmp_path / "validation", DAY)
    (out,) = load_feed(con, feed("paspor"), landing, "b1", PSEUDO, auditor.validate).files
    assert out.validation_result == "WARNED" and "_tgl_permohonan_offset" in out.message


def test_data_docs_hold_no_personal_data(tmp_path, con):
    landing = tmp_path / "landing"
    nik, name, passport = "1809014506900001", "SITI AMINAH BINTI SUPARDI", "X9876543"
    write_csv(landing / "imigrasi/paspor/2025-03-05/a.csv", PASPOR_HEADER,
              [paspor_row("P1", nik=nik, nama=name, no_paspor=passport, status="TERBIT",
                          tgl_lahir="05/06/1990", desa="KAMPUNG RAHASIA"),
               paspor_row("P2", nik="1,80901E+15", nama=name, status="ANEH")])
    discover(con, landing, DAY, "b1")
    auditor = GxAuditor(tmp_path / "validation", DAY)
    load_feed(con, feed("paspor"), landing, "b1", PSEUDO, auditor.validate)
    files = [p for p in (tmp_path / "validation").rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in files)
    text = "\n".join(p.read_text(errors="replace") for p in files)
    # the docs do show unexpected values of audited fields, as tokens of their shape...
    assert "UNEXPECTED-LETTERS-4#" in text and "ANEH" not in text
    for secret in (nik, "1,80901E+15", name, "SITI", passport, "05/06/1990", "KAMPUNG RAHASIA"):
        assert secret not in text  # ...but never a person's identifiers
    config = (tmp_path / "validation" / "gx" / "great_expectations.yml").read_text()
    assert "analytics_enabled: false" in config


def test_latin1_bytes_are_read_with_a_note_not_lost(tmp_path, con):
    landing = tmp_path / "landing"
    path = landing / "imigrasi/paspor/2025-03-05/latin1.csv"
    path.parent.mkdir(parents=True)
    row = ";".join(paspor_row("L1", nama="JOSÉ"))
    path.write_bytes((";".join(PASPOR_HEADER) + "\r\n" + row + "\r\n").encode("latin-1"))
    discover(con, landing, DAY, "b1")
    (out,) = load_feed(con, feed("paspor"), landing, "b1", PSEUDO).files
    assert (out.status, out.rows_loaded) == ("LOADED", 1)
    assert "not valid UTF-8" in out.message
    assert con.execute("SELECT nama FROM raw.imigrasi__paspor").fetchall() == [("JOSÉ",)]


def test_truncated_file_with_an_unclosed_quote_reconciles(tmp_path, con):
    landing = tmp_path / "landing"
    path = write_csv(landing / "imigrasi/paspor/2025-03-05/cut.csv", PASPOR_HEADER,
                     [paspor_row("C1"), paspor_row("C2")])
    data = path.read_bytes() + b'C3;BDL;05/03/2025;"1809014506900001;SITI'
    path.write_bytes(data)
    discover(con, landing, DAY, "b1")
    (out,) = load_feed(con, feed("paspor"), landing, "b1", PSEUDO).files
    assert (out.rows_read, out.rows_loaded, out.rows_quarantined) == (3, 2, 1)
    (reason,) = con.execute("SELECT reason FROM meta.quarantine").fetchall()[0]
    assert "unclosed quote or truncated line" in reason


def test_date_folder_with_non_ascii_digits_is_rejected(tmp_path, con):
    landing = tmp_path / "landing"
    name = "imigrasi/paspor/\u0662\u0660\u0662\u0665-03-05/a.csv"
    write_csv(landing / name, PASPOR_HEADER, [paspor_row("P1")])
    discover(con, landing, DAY, "b1")
    status, *_, message = _deliveries(con)[name]
    assert status == "REJECTED" and "is not YYYY-MM-DD" in message


def test_codes_outside_the_contract_are_recorded_and_new_ones_noted(tmp_path, con):
    landing = tmp_path / "landing"
    write_csv(landing / "imigrasi/paspor/2025-03-05/a.csv", PASPOR_HEADER,
              [paspor_row("P1", tujuan_permohonan="ZIARAH"), paspor_row("P2"),
               paspor_row("P3", tujuan_permohonan="ziarah")])
    discover(con, landing, DAY, "b1")
    (first,) = load_feed(con, feed("paspor"), landing, "b1", PSEUDO).files
    assert con.execute("SELECT field, value, n_rows FROM meta.unmapped_codes").fetchall() \
        == [("tujuan_permohonan", "ZIARAH", 2)]
    assert "new unmapped value(s) in tujuan_permohonan (1)" in first.message
    assert "ZIARAH" not in first.message  # named by field and count, never by value
    write_csv(landing / "imigrasi/paspor/2025-03-06/b.csv", PASPOR_HEADER,
              [paspor_row("P4", tujuan_permohonan="ZIARAH")])
    discover(con, landing, DAY, "b2")
    (second,) = load_feed(con, feed("paspor"), landing, "b2", PSEUDO).files
    assert "new unmapped" not in (second.message or "")  # seen before: no new note
