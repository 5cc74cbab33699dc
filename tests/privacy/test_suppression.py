"""The dashboards' copy: no count from 1 to 4 is shown, and nothing in the copy
(totals, other tables, the risk score) narrows a hidden count below "1 to 4"."""

from __future__ import annotations

import duckdb  # noqa: I001
import numpy as np
import polars as pl
import pytest

from tests.privacy.disclosure import exposures
from tests.privacy.marts import MONTHS, VILLAGES, build_warehouse, village_frame
from tppo.config import COUNT_MEASURES, Paths
from tppo.privacy import suppression as sup
from tppo.publish import DASHBOARD_SPECS, publish
from tppo.warehouse import open_warehouse


def _publish(tmp_path, counts, **kw) -> Paths:
    p = Paths(landing=tmp_path / "landing", home=tmp_path / "home")
    build_warehouse(p, counts, **kw)
    assert publish(p)["action"] == "published"
    return p


def _rows(p: Paths, table: str, where: str = "true") -> list[dict]:
    with duckdb.connect(str(p.dashboard), read_only=True) as con:
        return con.sql(f"SELECT * FROM marts.{table} WHERE {where}").pl().to_dicts()


def _one(p: Paths, table: str, where: str) -> dict:
    (row,) = _rows(p, table, where)
    return row


def test_village_with_three_victims_is_hidden_and_its_regency_total_cannot_reveal_it(tmp_path):
    p = _publish(tmp_path, {("WAYLAYAP", "tppo_victims"): [3, 0, 0],
                            ("KALIREJO", "tppo_victims"): [6, 0, 0]})
    jan = f"month = DATE '{MONTHS[0]}'"
    way = _one(p, "mart_village_risk", f"village_name = 'WAYLAYAP' AND {jan}")
    assert way["tppo_victims"] is None and way["tppo_victims_suppressed"]
    # the regency's January total (9) is published: without a second hidden cell,
    # 9 - 6 would give WAYLAYAP's 3 away
    assert _one(p, "mart_regency_month", f"regency_code = '1809' AND {jan}")["tppo_victims"] == 9
    kal = _one(p, "mart_village_risk", f"village_name = 'KALIREJO' AND {jan}")
    assert kal["tppo_victims"] is None and kal["tppo_victims_suppressed"]
    # KALIREJO's period total (6) would in turn give its hidden January away
    assert _one(p, "mart_desa_binaan_candidates", "village_name = 'KALIREJO'")[
        "tppo_victims_suppressed"]


def test_regency_whose_small_month_the_province_total_would_reveal_gets_a_partner(tmp_path):
    p = _publish(tmp_path, {("WAYLAYAP", "procedural_placements"): [3, 9, 9],
                            ("AMBARAWA", "procedural_placements"): [20, 9, 9]})
    jan = _rows(p, "mart_regency_month", f"month = DATE '{MONTHS[0]}'")
    assert all(r["procedural_placements_suppressed"] for r in jan)  # 3 and 20 both hidden
    assert all(r["estimated_nonprocedural_ratio"] is None for r in jan)


def test_a_hidden_month_cannot_be_recovered_from_the_villages_period_total(tmp_path):
    p = _publish(tmp_path, {("AMBARAWA", "suspected_nonprocedural_departures"): [3, 8, 9],
                            ("SUMBERAGUNG", "suspected_nonprocedural_departures"): [7, 8, 9]})
    amb = _rows(p, "mart_village_risk", "village_name = 'AMBARAWA' ORDER BY month")
    hidden = [r["suspected_nonprocedural_departures_suppressed"] for r in amb]
    total = _one(p, "mart_desa_binaan_candidates", "village_name = 'AMBARAWA'")
    assert hidden[0]
    assert sum(hidden) >= 2 or total["suspected_nonprocedural_departures_suppressed"]


def test_no_count_from_one_to_four_is_ever_shown(tmp_path):
    rng = np.random.default_rng(3)
    counts = {(v[1], m): [int(x) for x in rng.poisson(3, len(MONTHS))]
              for v in VILLAGES for m in COUNT_MEASURES}
    p = _publish(tmp_path, counts)
    for table, spec in DASHBOARD_SPECS.items():
        for row in _rows(p, table):
            shown = [row[m] for m in spec.measures if m in row and row[m] is not None]
            assert not [v for v in shown if 1 <= v <= 4], (table, row)


def test_risk_score_rank_and_tier_do_not_depend_on_what_a_hidden_cell_holds(tmp_path):
    copies = []
    for n in (1, 4):
        p = _publish(tmp_path / str(n), {("WAYLAYAP", "tppo_victims"): [n, 0, 0],
                                         ("KALIREJO", "tppo_victims"): [6, 0, 0],
                                         ("AMBARAWA", "suspected_nonprocedural_departures"):
                                             [12, 30, 2]})
        copies.append((_rows(p, "mart_village_risk"),
                       _rows(p, "mart_desa_binaan_candidates")))
    assert copies[0] == copies[1]
    # and dbt's exact score (restricted warehouse only) does differ: it would have given
    # n away; analytics.duckdb carries the copy's score (tests/privacy/test_one_score.py)
    wh = "home/restricted/warehouse.duckdb"
    with open_warehouse(tmp_path / "1" / wh, read_only=True) as a, \
            open_warehouse(tmp_path / "4" / wh, read_only=True) as b:
        q = ("SELECT risk_score FROM marts.mart_village_risk WHERE village_name = 'WAYLAYAP' "
             "ORDER BY month")
        assert a.execute(q).fetchall() != b.execute(q).fetchall()


def test_copy_scores_equal_the_exact_ones_where_nothing_is_hidden(tmp_path):
    p = _publish(tmp_path, {("AMBARAWA", "suspected_nonprocedural_departures"): [12, 30, 7],
                            ("SUMBERAGUNG", "suspected_nonprocedural_departures"): [5, 6, 9]})
    with duckdb.connect(str(p.analytics), read_only=True) as con:
        exact = {(r[0], r[1]): r[2:] for r in con.execute(
            "SELECT village_code, month, risk_score, risk_rank, risk_tier "
            "FROM marts.mart_village_risk").fetchall()}
    for r in _rows(p, "mart_village_risk"):
        assert (r["risk_score"], r["risk_rank"], r["risk_tier"]) == \
            exact[(r["village_code"], r["month"])]


def test_informal_recruiters_never_reach_the_dashboards_copy(tmp_path):
    p = _publish(tmp_path, {})
    rows = _rows(p, "mart_recruiter_watchlist")
    assert {r["recruiter_type"] for r in rows} == {"LICENSED_P3MI"}
    assert "SUDARMO ALIAS DARMO" not in str(rows)
    victims = {r["agency_id"]: (r["victims"], r["victims_suppressed"]) for r in rows}
    # 2 is hidden, and so is 6: the licensed agencies' total would give the 2 away
    assert victims == {"P3MI-1": (None, True), "P3MI-2": (None, True)}


@pytest.mark.parametrize("seed", range(30))
def test_linear_programming_finds_no_hidden_cell_narrower_than_one_to_four(seed):
    rng = np.random.default_rng(seed)
    counts = {(v[1], m): [int(x) for x in rng.poisson(rng.choice([0.5, 3, 9]), len(MONTHS))]
              for v in VILLAGES for m in ("tppo_victims", "procedural_placements")}
    village = village_frame(counts)
    regency = (village.group_by("regency_code", "month", maintain_order=True)
               .agg(pl.col("tppo_victims", "procedural_placements").sum()).sort("month"))
    cand = (village.group_by("village_code", maintain_order=True)
            .agg(pl.col("regency_code").first(),
                 pl.col("tppo_victims", "procedural_placements").sum()))
    frames = {sup.VILLAGES: village, sup.REGENCIES: regency, sup.CANDIDATES: cand}
    measures = {t: ("tppo_victims", "procedural_placements") for t in frames}
    flags = sup.suppress_linked(frames, measures)
    for m in ("tppo_victims", "procedural_placements"):
        values = {t: f[m].to_numpy().astype(np.int64) for t, f in frames.items()}
        hidden = {t: flags[t][m] for t in frames}
        internal = [line for line in sup.linked_lines(frames, set(frames))
                    if line.margin is not None]
        assert exposures(values, hidden, internal) == [], (seed, m)


def test_without_dbts_scoring_model_the_copy_carries_no_score(tmp_path):
    p = Paths(landing=tmp_path / "landing", home=tmp_path / "home")
    build_warehouse(p, {("WAYLAYAP", "tppo_victims"): [3, 0, 0]})
    for compiled in (p.work / "dbt_target").rglob("*.sql"):
        compiled.unlink()
    publish(p)
    rows = _rows(p, "mart_village_risk")
    assert {(r["risk_score"], r["risk_rank"], r["risk_tier"]) for r in rows} == {
        (None, None, None)}
