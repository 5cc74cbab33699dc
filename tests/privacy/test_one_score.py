"""One score, one rank, one tier per village-month (docs/PRIVACY.md, "One score"):
analytics.duckdb, dashboard.duckdb and `tppo top` agree on every village-month and
every Desa Binaan candidate, and the score still does not depend on what a hidden
cell holds (it is computed from the copy's protected figures)."""

from __future__ import annotations

import duckdb

from tests.privacy.marts import build_warehouse
from tppo.config import Paths
from tppo.publish import SCORED, publish
from tppo.summary import print_outputs

COUNTS = {("WAYLAYAP", "tppo_victims"): [3, 0, 0],
          ("BAGELEN", "suspected_nonprocedural_departures"): [12, 30, 7],
          ("KALIREJO", "nonprocedural_complaints"): [2, 6, 9],
          ("AMBARAWA", "interdicted_persons"): [8, 1, 0]}
VILLAGE_Q = (f"SELECT village_code, month, {', '.join(SCORED)} FROM marts.mart_village_risk "
             "ORDER BY village_code, month")
CANDIDATE_Q = ("SELECT village_code, candidate_rank, candidate_score, latest_risk_score, "
               "latest_risk_rank, latest_risk_tier FROM marts.mart_desa_binaan_candidates "
               "ORDER BY village_code")


def _published(tmp_path, counts) -> Paths:
    p = Paths(landing=tmp_path / "landing", home=tmp_path / "home")
    build_warehouse(p, counts)
    assert publish(p)["action"] == "published"
    return p


def _rows(path, q):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(q).fetchall()


def test_analytics_and_dashboard_copy_carry_the_same_scores_ranks_and_tiers(tmp_path):
    p = _published(tmp_path, COUNTS)
    village = _rows(p.analytics, VILLAGE_Q)
    assert village == _rows(p.dashboard, VILLAGE_Q)
    assert len(village) == 15 and all(r[2] is not None for r in village)
    assert _rows(p.analytics, CANDIDATE_Q) == _rows(p.dashboard, CANDIDATE_Q)
    # the analysts keep their exact counts: only the score columns are shared
    exact = _rows(p.analytics, "SELECT tppo_victims FROM marts.mart_village_risk "
                               "WHERE village_code = '1809050004' ORDER BY month")
    assert exact == [(3,), (0,), (0,)]


def test_tppo_top_prints_the_ranks_tiers_and_scores_of_the_dashboards_copy(tmp_path, capsys):
    p = _published(tmp_path, COUNTS)
    print_outputs(p, top=5)
    lines = capsys.readouterr().out.splitlines()
    table = lines[lines.index(next(x for x in lines if x.startswith("rank"))) + 1:]
    printed = [(int(x.split()[0]), x.split()[1], float(x.split()[-2]), x.split()[-1])
               for x in table if x.strip()]
    shown = _rows(p.dashboard, "SELECT risk_rank, village_code, round(risk_score, 1), "
                               "risk_tier FROM marts.mart_village_risk WHERE month = "
                               "(SELECT max(month) FROM marts.mart_village_risk) "
                               "ORDER BY risk_rank")
    assert printed == [(r, v, float(s), t) for r, v, s, t in shown]


def test_the_shared_score_does_not_depend_on_what_a_hidden_cell_holds(tmp_path):
    got = []
    for n in (1, 4):
        counts = {**COUNTS, ("WAYLAYAP", "tppo_victims"): [n, 0, 0]}
        p = _published(tmp_path / str(n), counts)
        got.append(_rows(p.analytics, VILLAGE_Q))
    assert got[0] == got[1]


REASON_Q = ("SELECT village_code, month, risk_reason FROM marts.mart_village_risk "
            "ORDER BY village_code, month")


def test_the_copys_reason_gives_no_withheld_count_away(tmp_path):
    got = []
    for n in (1, 4):
        counts = {**COUNTS, ("WAYLAYAP", "tppo_victims"): [n, 0, 0]}
        p = _published(tmp_path / str(n), counts)
        got.append(_rows(p.dashboard, REASON_Q))
        # analysts keep the warehouse's exact reason
        assert {r[2] for r in _rows(p.analytics, REASON_Q)} == {"exact counts"}
    assert got[0] == got[1]
    reasons = {(v, m.month): r for v, m, r in got[0]}
    # WAYLAYAP's January victims are withheld: a lower bound, from the flag alone
    assert reasons[("1809050004", 1)] == "sedikitnya 1 korban TPPO dalam 1 bulan terakhir"
    # BAGELEN's departures are shown: its exact window count
    assert reasons[("1809050005", 3)].startswith("49 keberangkatan terduga nonprosedural")
    assert reasons[("1810020004", 1)] == ("tidak ada kejadian dalam 1 bulan terakhir; "
                                          "skor dari rata-rata kecamatan")
