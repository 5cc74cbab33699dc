"""The dashboards' copy ranks Desa Binaan candidates like mart_desa_binaan_candidates:
candidate score (rounded, as shown) desc, then suspected non-procedural departures desc,
then village code; means over exact decimals, so tied villages rank alike every run."""

from __future__ import annotations

import duckdb

from tppo.privacy import suppression as sup

# village: (monthly risk scores, suspected non-procedural departures); the same tied
# villages as the dbt unit test mart_desa_binaan_candidates_breaks_ties_as_documented
VILLAGES = {
    "VA": ((10.1, 10.2, 10.3), 1),
    "VB": ((10.3, 10.2, 10.1), 3),
    "VC": ((10.2, 10.2, 10.2), 3),
    "VD": ((10.2049, 10.2049, 10.2049), 0),
    "VE": ((10.21, 10.21, 10.21), 0),
}
MONTHS = ("2025-01-01", "2025-02-01", "2025-03-01")


def _ranked(threads: int) -> list[tuple]:
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute("CREATE TABLE villages (village_code VARCHAR, month DATE, risk_score DOUBLE, "
                "risk_rank INTEGER, risk_tier VARCHAR)")
    con.executemany("INSERT INTO villages VALUES (?, ?, ?, 1, 'RENDAH')",
                    [(v, m, s) for v, (scores, _) in VILLAGES.items()
                     for m, s in zip(MONTHS, scores, strict=True)])
    con.execute("CREATE TABLE candidates (village_code VARCHAR, candidate_rank INTEGER, "
                "candidate_score DOUBLE, suspected_nonprocedural_departures INTEGER)")
    # listed in an order that is none of the expected ones
    con.executemany("INSERT INTO candidates VALUES (?, NULL, NULL, ?)",
                    [(v, n) for v, (_, n) in sorted(VILLAGES.items(), reverse=True)])
    sql = sup.candidates_sql("candidates", "villages", [
        "village_code", "candidate_rank", "candidate_score", "suspected_nonprocedural_departures"])
    return con.sql(f"SELECT village_code, candidate_rank, candidate_score FROM ({sql}) "
                   "ORDER BY candidate_rank").fetchall()


def test_tied_candidates_rank_by_score_then_suspected_departures_then_code():
    assert _ranked(threads=1) == [
        ("VE", 1, 10.21), ("VB", 2, 10.2), ("VC", 3, 10.2), ("VA", 4, 10.2), ("VD", 5, 10.2)]


def test_the_ranking_does_not_depend_on_the_threads():
    assert _ranked(threads=1) == _ranked(threads=2) == _ranked(threads=4)
