"""synth/evaluate_overstays.py on hand-made tables: who truly overstays as of the as-of
date, matched to mart_permit_overstays through the permit's passport pseudonym."""

from __future__ import annotations

from pathlib import Path

import duckdb

from synth import evaluate_overstays

HEADER = ("person_id,passport_no,permit_no,permit_in_feed,village_code,last_valid_date,"
          "end_reason,exit_date,exit_in_feed\n")
TRUTH = HEADER + """P1,A1,W-1,true,1871010005,2025-01-31,BERAKHIR,,false
P2,A2,W-2,true,1871010005,2025-01-31,BERAKHIR,2025-01-20,true
P3,A3,W-3,true,1871010005,2025-03-04,DICABUT,2025-03-20,true
P4,A4,W-4,true,1871010005,2025-01-31,BERAKHIR,2025-01-25,false
P5,A5,W-5,true,1871010005,2025-04-30,BERAKHIR,,false
"""


def test_precision_and_recall_as_of_the_latest_delivery(tmp_path: Path) -> None:
    (tmp_path / "overstays.csv").write_text(TRUTH)
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS analytics")
    con.execute("ATTACH ':memory:' AS warehouse")
    con.execute("CREATE SCHEMA analytics.marts")
    con.execute("CREATE SCHEMA warehouse.staging")
    con.execute("CREATE TABLE warehouse.staging.stg_meta__deliveries AS SELECT * FROM (VALUES "
                "(DATE '2025-03-16', 'LOADED'), (DATE '2025-03-20', 'REJECTED')) "
                "AS t(delivery_date, status)")
    con.execute("CREATE TABLE warehouse.staging.stg_imigrasi__foreign_permits AS SELECT * FROM "
                "(VALUES ('W-1', 'K1'), ('W-2', 'K2'), ('W-3', 'K3'), ('W-4', 'K4'), "
                "('W-5', 'K5')) AS t(permit_id, passport_key)")
    # listed: K1 (right), K3 (right: leaves after the as-of date), K2 (wrong: left)
    con.execute("CREATE TABLE analytics.marts.mart_permit_overstays AS SELECT * FROM "
                "(VALUES ('K1'), ('K3'), ('K2')) AS t(person_key)")
    figures = evaluate_overstays.measure(con, tmp_path)
    # true: K1, K3 and K4 (its exit never reached the feed); K5's permit still runs
    assert figures["overstays_true"] == 3 and figures["overstays_found"] == 2
    assert figures["overstay_precision"] == 2 / 3 and figures["overstay_recall"] == 2 / 3
    assert "2 found" in evaluate_overstays.report_lines(figures)[0]


def test_nothing_to_measure_without_the_mart(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS analytics")
    assert evaluate_overstays.measure(con, tmp_path) == {}
    assert "n/a" in evaluate_overstays.report_lines({})[0]
