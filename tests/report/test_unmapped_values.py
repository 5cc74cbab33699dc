"""Unmapped values reach the people who fix them: the morning report's feed-quality
section (values of five records or more, escaped), the run's warning for the ones a run
brought, and the dashboards' copy that keeps only values of five records or more."""

from __future__ import annotations

import datetime as dt

import duckdb

from tests.privacy.marts import VILLAGES, build_warehouse
from tppo.config import Paths
from tppo.publish import new_unmapped_values, publish
from tppo.report import sections
from tppo.warehouse import open_warehouse

COLUMNS = ("source VARCHAR, feed VARCHAR, field VARCHAR, value_kind VARCHAR, "
           "raw_value VARCHAR, n_rows INTEGER, first_delivery_date DATE, "
           "last_delivery_date DATE, action VARCHAR")
ROWS = [
    ("imigrasi", "paspor", "negara_tujuan", "COUNTRY", "Negeri <b>Antah</b>", 12,
     dt.date(2025, 1, 3), dt.date(2025, 6, 1), "left unknown"),
    ("polda", "kasus_tppo", "modus", "CODE", "JUAL_ORGAN", 5, dt.date(2025, 2, 1),
     dt.date(2025, 2, 1), "loaded as delivered"),
    ("bp3mi", "pengaduan", "desa", "VILLAGE", "Kampung Sekali", 2, dt.date(2025, 3, 1),
     dt.date(2025, 3, 1), "left without a village"),
]


def _mart(con: duckdb.DuckDBPyConnection, rows, catalog: str = "") -> None:
    prefix = f"{catalog}." if catalog else ""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {prefix}marts")
    con.execute(f"CREATE OR REPLACE TABLE {prefix}marts.mart_unmapped_values ({COLUMNS})")
    if rows:
        con.executemany(f"INSERT INTO {prefix}marts.mart_unmapped_values VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def test_the_report_lists_the_most_frequent_values_escaped():
    con = duckdb.connect()
    _mart(con, ROWS)
    html = sections.unmapped_values(con)
    assert "Nilai belum terpetakan" in html and "README" in html
    assert "Negeri &lt;b&gt;Antah&lt;/b&gt;" in html and "<b>Antah" not in html
    assert html.index("Negeri") < html.index("JUAL_ORGAN")  # most records first
    assert "Negara" in html and "Kode" in html


def test_the_report_says_when_nothing_is_unmapped_and_skips_an_old_copy():
    con = duckdb.connect()
    assert sections.unmapped_values(con) == ""  # a copy published before the mart existed
    _mart(con, [])
    assert "Tidak ada nilai" in sections.unmapped_values(con)


def test_a_run_is_warned_only_about_values_it_brought(tmp_path):
    published = tmp_path / "analytics.duckdb"
    with duckdb.connect(str(published)) as old:
        _mart(old, ROWS[:1])
    con = duckdb.connect()
    _mart(con, ROWS)
    assert new_unmapped_values(con, published) == {
        ("polda", "kasus_tppo", "modus"): (1, 5), ("bp3mi", "pengaduan", "desa"): (1, 2)}
    assert len(new_unmapped_values(con, tmp_path / "never-published.duckdb")) == 3


def test_the_dashboards_copy_keeps_values_of_five_records_or_more(tmp_path):
    p = Paths(landing=tmp_path / "landing", home=tmp_path / "home")
    build_warehouse(p, {(VILLAGES[0], "tppo_victims"): [3, 0, 0]})
    with open_warehouse(p.warehouse) as wh:
        _mart(wh, ROWS)
    assert publish(p)["action"] == "published"
    with duckdb.connect(str(p.dashboard), read_only=True) as dash:
        kept = dash.execute("SELECT raw_value FROM marts.mart_unmapped_values "
                            "ORDER BY raw_value").fetchall()
    with duckdb.connect(str(p.analytics), read_only=True) as analytics:
        assert analytics.execute("SELECT count(*) FROM marts.mart_unmapped_values"
                                 ).fetchall() == [(3,)]
    assert kept == [("JUAL_ORGAN",), ("Negeri <b>Antah</b>",)]
