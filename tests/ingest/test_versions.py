"""Newest wins by delivery date, history kept: raw loads plus the dbt staging models."""

import datetime as dt

import pytest

from ingest.feeds import feed
from ingest.load import discover, load_feed
from ingest.schema import ensure_warehouse
from tests.conftest import paspor_row, write_csv, write_jsonl, write_xlsx
from tppo.config import paths
from tppo.pipeline import run_dbt
from tppo.pseudonym import Pseudonymiser
from tppo.warehouse import open_warehouse

PSEUDO = Pseudonymiser(b"test-key")
HEADER = list(feed("paspor").columns)


def _load_all(con, landing, day, batch):
    discover(con, landing, day, batch)
    for name in ("paspor", "kasus_tppo", "p3mi"):
        load_feed(con, feed(name), landing, batch, PSEUDO)


def _case(tahap: str, updated: str) -> dict:
    return {"nomor_lp": "LP/7", "tgl_lapor": "2025-03-01", "tgl_kejadian": "2025-02-27",
            "satuan": "POLDA LAMPUNG", "modus": "PMI_NONPROSEDURAL", "negara_tujuan": "MALAYSIA",
            "lokasi_kabupaten": "PESAWARAN", "tahap": tahap, "diperbarui_pada": updated,
            "pihak": []}


def _p3mi(landing, day: str, status: str):
    cols = list(feed("p3mi").columns)
    row = {"id_p3mi": "P3MI-1", "nama_perusahaan": "PT CONTOH", "no_izin": "KEP.1/2020",
           "status_izin": status, "tgl_status": day, "kabupaten_cabang": "PESAWARAN"}
    write_xlsx(landing / f"bp3mi/p3mi/{day}/p3mi_{day.replace('-', '')}.xlsx", cols,
               [[row[c] for c in cols]])


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    root = tmp_path_factory.mktemp("versions")
    landing, home = root / "landing", root / "home"
    mp = pytest.MonkeyPatch()
    mp.setenv("TPPO_LANDING", str(landing))
    mp.setenv("TPPO_HOME", str(home))
    p = paths()
    p.ensure()
    write_csv(landing / "imigrasi/paspor/2025-03-01/paspor_BDL_20250301.csv", HEADER,
              [paspor_row("A1"), paspor_row("A2")])
    write_csv(landing / "imigrasi/paspor/2025-03-05/paspor_BDL_20250305.csv", HEADER,
              [paspor_row("A1", status="TERBIT", no_paspor="C1111111", tgl_keputusan="05/03/2025"),
               paspor_row("A2", status="DITUNDA", tgl_keputusan="05/03/2025",
                          alasan_penundaan="INDIKASI PMI NONPROSEDURAL")])
    write_csv(landing / "imigrasi/paspor/2025-03-05/paspor_BDL_20250305_revisi.csv", HEADER,
              [paspor_row("A2", status="DITOLAK", tgl_keputusan="05/03/2025")])
    write_jsonl(landing / "polda/kasus_tppo/2025-03-01/kasus_tppo_20250301.jsonl",
                [_case("LIDIK", "2025-03-01T09:00:00+07:00")])
    write_jsonl(landing / "polda/kasus_tppo/2025-03-08/kasus_tppo_20250308.jsonl",
                [_case("SIDIK", "2025-03-08T09:00:00+07:00")])
    _p3mi(landing, "2025-03-01", "AKTIF")
    _p3mi(landing, "2025-03-08", "DIBEKUKAN")
    with open_warehouse(p.warehouse) as con:
        ensure_warehouse(con)
        _load_all(con, landing, dt.date(2025, 3, 9), "b1")
        # Arrives after the newer deliveries were loaded, dated before them:
        write_csv(landing / "imigrasi/paspor/2025-03-03/paspor_BDL_20250303.csv", HEADER,
                  [paspor_row("A1", status="DITOLAK", tgl_keputusan="03/03/2025")])
        write_jsonl(landing / "polda/kasus_tppo/2025-03-04/kasus_tppo_20250304.jsonl",
                    [_case("LIDIK", "2025-03-04T09:00:00+07:00")])
        _load_all(con, landing, dt.date(2025, 3, 9), "b2")
    proc = run_dbt(["build", "--select", "+staging", "--exclude", "test_type:unit"], p)
    assert proc.returncode == 0, proc.stdout[-4000:]
    con = open_warehouse(p.warehouse, read_only=True)
    yield con
    con.close()
    mp.undo()


def test_late_file_never_overrides_a_newer_delivery(staged):
    rows = dict(staged.execute("SELECT application_id, application_status "
                               "FROM staging.stg_imigrasi__passport_applications").fetchall())
    assert rows["A1"] == "TERBIT"


def test_revisi_wins_within_its_delivery_date(staged):
    rows = dict(staged.execute("SELECT application_id, application_status "
                               "FROM staging.stg_imigrasi__passport_applications").fetchall())
    assert rows["A2"] == "DITOLAK"


def test_passport_status_history_is_kept_in_delivery_order(staged):
    history = staged.execute(
        "SELECT application_status, valid_from, is_current FROM "
        "staging.stg_imigrasi__passport_application_history WHERE application_id = 'A1' "
        "ORDER BY version_number").fetchall()
    assert history == [("PROSES", dt.date(2025, 3, 1), False),
                       ("DITOLAK", dt.date(2025, 3, 3), False),
                       ("TERBIT", dt.date(2025, 3, 5), True)]


def test_police_stage_history_and_current_stage(staged):
    current = staged.execute("SELECT * FROM staging.stg_polda__tppo_cases").df()
    assert len(current) == 1
    stage_col = next(c for c in current.columns if "tahap" in c or "stage" in c)
    assert current[stage_col].iloc[0] == "SIDIK"
    n = staged.execute("SELECT count(*) FROM staging.stg_polda__tppo_case_stage_history "
                       ).fetchall()[0][0]
    assert n >= 2


def test_licence_status_changes_are_kept_with_validity(staged):
    history = staged.execute(
        "SELECT * FROM staging.stg_bp3mi__recruitment_agency_history ORDER BY 1, 2").df()
    status_col = next(c for c in history.columns if "status" in c)
    assert list(history[status_col]) == ["AKTIF", "DIBEKUKAN"]
    assert {"valid_from", "valid_to"} <= set(history.columns)
