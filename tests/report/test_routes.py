"""The morning report's routes section (tppo/report/routes.py) on a hand-made dashboards'
copy of marts.mart_routes in its published form: a count of 1-4 NULL with its flag."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tppo.report import routes
from tppo.report.format import SUPPRESSED

JUNE, MAY, FEB = dt.date(2025, 6, 1), dt.date(2025, 5, 1), dt.date(2025, 2, 1)
COUNTS = ("procedural_departures", "suspected_nonprocedural_departures", "interdictions",
          "interdicted_persons")


def _row(month, origin, name, transit, code, place, tpi, dest, *counts):
    shown = []
    for n in counts:
        shown += [None if 1 <= n <= 4 else n, 1 <= n <= 4]
    return (month, origin, name, transit, code, place, tpi, dest, *shown)


@pytest.fixture
def copy() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    cols = ", ".join(f"{c} INTEGER, {c}_suppressed BOOLEAN" for c in COUNTS)
    con.execute(f"""CREATE TABLE marts.mart_routes (month DATE, origin_regency_code VARCHAR,
        origin_regency_name VARCHAR, is_transit BOOLEAN, checkpoint_code VARCHAR,
        checkpoint_name VARCHAR, is_immigration_checkpoint BOOLEAN,
        destination_country VARCHAR, {cols})""")
    rows = [
        _row(JUNE, "1804", "KABUPATEN LAMPUNG TIMUR", False, "BTM", "PELABUHAN BATAM CENTRE",
             True, "MYS", 0, 40, 0, 0),
        _row(MAY, "1804", "KABUPATEN LAMPUNG TIMUR", False, "BTM", "PELABUHAN BATAM CENTRE",
             True, "MYS", 0, 3, 0, 0),
        _row(JUNE, "1809", "KABUPATEN PESAWARAN", False, "CGK", "BANDARA SOEKARNO-HATTA",
             True, "SAU", 2, 25, 0, 0),
        _row(JUNE, "UNKNOWN", "TIDAK DIKETAHUI", False, "DUM", "PELABUHAN DUMAI", True, "MYS",
             0, 3, 0, 0),
        # three months back from June is April: February is left out
        _row(FEB, "1810", "KABUPATEN PRINGSEWU", False, "TBK", "PELABUHAN TANJUNG BALAI "
             "KARIMUN", True, "MYS", 0, 99, 0, 0),
        _row(JUNE, "1809", "KABUPATEN PESAWARAN", False, "BKH", "PELABUHAN BAKAUHENI", False,
             "MYS", 0, 0, 2, 7),
        _row(JUNE, "OUTSIDE_LAMPUNG", "LUAR PROVINSI LAMPUNG", True, "BKH",
             "PELABUHAN BAKAUHENI", False, "SAU", 0, 0, 1, 12),
    ]
    con.executemany(f"INSERT INTO marts.mart_routes VALUES ({', '.join('?' * 16)})", rows)
    yield con
    con.close()


def test_top_routes_rank_suspected_departures_of_the_last_three_months(copy):
    html = routes.section(copy, JUNE)
    assert "Rute keberangkatan non-prosedural" in html
    table = html.split("<h3>")[1]
    # Lampung Timur by Batam to Malaysia: 40 in June and a withheld May: a lower bound
    assert table.index("LAMPUNG TIMUR") < table.index("PESAWARAN") < table.index("DUMAI")
    assert "≥41*" in table
    assert "Malaysia" in table and "Arab Saudi" in table
    assert "KARIMUN" not in table  # February is outside the three months
    assert "BAKAUHENI" not in table  # no departures abroad there: interdictions only
    assert SUPPRESSED in table  # the withheld Dumai route, never shown as 0


def test_interdictions_by_place_and_transit_apart(copy):
    html = routes.section(copy, JUNE)
    places, transit = html.split("<h3>")[2], html.split("<h3>")[3]
    assert "PELABUHAN BAKAUHENI" in places and "19" in places  # 7 residents + 12 in transit
    assert "12" in places.split("PELABUHAN BAKAUHENI")[1]
    assert "wilayah transit" in transit and "Arab Saudi" in transit and "12" in transit
    assert "Malaysia" not in transit  # the Pesawaran group is not transit


def test_no_routes_mart_no_section():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    assert routes.section(con, JUNE) == ""


def test_the_report_has_the_routes_section_after_the_trends(published):
    html = published.html
    assert "href='#rute'" in html
    at = html.index("<h2 id='rute'>Rute keberangkatan non-prosedural</h2>")
    assert html.index("id='tren'") < at < html.index("id='peringatan'")
    section = html[at:html.index("id='peringatan'")]
    assert "PELABUHAN BATAM CENTRE" in section and "LUAR PROVINSI LAMPUNG" not in section
    assert "24" in section.split("wilayah transit")[1]  # the group from outside Lampung
