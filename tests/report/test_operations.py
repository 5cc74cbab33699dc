"""The morning report's Timpora sections (tppo/report/operations.py) on a hand-made
dashboards' copy holding the two marts in their published form: withheld counts NULL
with their flag, the operation targets ranked per office."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tppo.report import operations
from tppo.report.format import SUPPRESSED

JUNE = dt.date(2025, 6, 1)


@pytest.fixture
def copy() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    con.execute("""CREATE TABLE marts.mart_village_foreigners_month AS
        SELECT * FROM (VALUES
            ('1871010005', 'BAKUNG', '1871', 'KOTA BANDAR LAMPUNG', DATE '2025-06-01',
             12, false, 7, false, NULL, true, 1),
            ('1871010006', 'KURIPAN', '1871', 'KOTA BANDAR LAMPUNG', DATE '2025-06-01',
             NULL, true, NULL, true, 0, false, 0),
            ('1809050004', 'WAYLAYAP', '1809', 'KABUPATEN PESAWARAN', DATE '2025-06-01',
             0, false, 0, false, 0, false, 0),
            ('1871010005', 'BAKUNG', '1871', 'KOTA BANDAR LAMPUNG', DATE '2025-05-01',
             30, false, 20, false, 9, false, 2))
        AS t(village_code, village_name, regency_code, regency_name, month,
             active_foreign_permits, active_foreign_permits_suppressed, overstays_open,
             overstays_open_suppressed, timpora_foreigner_findings,
             timpora_foreigner_findings_suppressed, timpora_operations)""")
    rows = [(office, rank, f"DESA {office} {rank}", "KEC", "KAB", JUNE, 50.0 - rank,
             None if rank == 2 else 6, rank == 2, 3, False, 0, False, 8, False,
             None if rank == 1 else rank)
            for office in ("BDL", "KTB") for rank in range(1, 13)]
    con.execute("""CREATE TABLE marts.mart_operation_targets (office_code VARCHAR,
        target_rank INTEGER, village_name VARCHAR, district_name VARCHAR, regency_name VARCHAR,
        month DATE, target_score DOUBLE, suspected_departures_6m INTEGER,
        suspected_departures_6m_suppressed BOOLEAN, recruiter_activity_6m INTEGER,
        recruiter_activity_6m_suppressed BOOLEAN, overstays_open INTEGER,
        overstays_open_suppressed BOOLEAN, active_foreign_permits INTEGER,
        active_foreign_permits_suppressed BOOLEAN, months_since_last_operation INTEGER)""")
    con.executemany(f"INSERT INTO marts.mart_operation_targets VALUES ({', '.join('?' * 16)})",
                    rows)
    yield con
    con.close()


def test_targets_list_the_top_ten_of_each_office_with_their_reasons(copy):
    html = operations.targets(copy)
    assert "Sasaran operasi Timpora berikutnya" in html
    for office in ("BDL", "KTB"):
        assert f"DESA {office} 10<" in html and f"DESA {office} 11<" not in html
    assert html.count("belum pernah") == 2  # rank 1 of each office: no operation on record
    assert SUPPRESSED in html  # a withheld window count shows as the marker, never as 0


def test_overstays_per_regency_count_a_withheld_village_as_at_least_one(copy):
    html = operations.overstays(copy)
    assert "WNA melewati izin tinggal" in html
    # Bandar Lampung in June: 7 shown + one withheld village -> at least 8; permits 12 + 1
    assert "sedikitnya 8" in html and "sedikitnya 13" in html
    assert "PESAWARAN" not in html  # nothing to say there: no row


def test_sections_are_left_out_without_their_marts():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    assert operations.targets(con) == "" and operations.overstays(con) == ""
