"""Small, self-consistent marts for the privacy tests.

Given counts per village and month, the regency months are their sums, the
candidates' totals are the villages' sums over the months, and the scores come
from a scoring model shaped like dbt's (its compiled SQL is written where dbt
writes it, and reads ``intermediate.int_village_months_measured``), so the
dashboards' copy is built the way a real run builds it.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from tppo.config import COUNT_MEASURES, Paths
from tppo.warehouse import open_warehouse

MONTHS = [dt.date(2025, m, 1) for m in (1, 2, 3)]
# code, name, district code, district, regency code, regency
VILLAGES = [
    ("1809050004", "WAYLAYAP", "1809050", "GEDONG TATAAN", "1809", "KABUPATEN PESAWARAN"),
    ("1809050005", "BAGELEN", "1809050", "GEDONG TATAAN", "1809", "KABUPATEN PESAWARAN"),
    ("1809060001", "KALIREJO", "1809060", "NEGERI KATON", "1809", "KABUPATEN PESAWARAN"),
    ("1810020003", "AMBARAWA", "1810020", "AMBARAWA", "1810", "KABUPATEN PRINGSEWU"),
    ("1810020004", "SUMBERAGUNG", "1810020", "AMBARAWA", "1810", "KABUPATEN PRINGSEWU"),
]
PLACE = ["village_code", "village_name", "district_code", "district_name", "regency_code",
         "regency_name"]
EVIDENCE = [m for m in COUNT_MEASURES if m not in ("passport_applications",
                                                   "active_foreign_permits")]

Counts = dict[tuple[str, str], list[int]]  # (village name, measure) -> one count per month


def village_frame(counts: Counts) -> pl.DataFrame:
    rows = []
    for i, month in enumerate(MONTHS):
        for v in VILLAGES:
            rows.append({**dict(zip(PLACE, v, strict=True)), "month": month,
                         **{m: counts.get((v[1], m), [0] * len(MONTHS))[i]
                            for m in COUNT_MEASURES}})
    return pl.DataFrame(rows)


# measure, weight, cap: a log-shaped score like the project's first one
COMPONENTS = (("suspected_nonprocedural_departures", 30, 10), ("tppo_victims", 20, 5),
              ("interdicted_persons", 15, 10), ("nonprocedural_complaints", 15, 5),
              ("passport_postponements", 10, 5), ("timpora_findings", 5, 10),
              ("labour_destination_departures", 5, 20))


def scoring_sql() -> str:
    """What dbt would compile int_village_months_scored to (see the module docstring)."""
    windows = ", ".join(f"sum({m}) OVER w AS window_{m}" for m, _, _ in COMPONENTS)
    scores = ", ".join(f"CAST(round({w} * least(1.0, ln(1 + window_{m}) / ln(1 + {c})), 2) "
                       f"AS DOUBLE) AS score_{m}" for m, w, c in COMPONENTS)
    total = " + ".join(f"score_{m}" for m, _, _ in COMPONENTS)
    return f"""with measured as (
    select * from "warehouse"."intermediate"."int_village_months_measured"
), windowed as (
    select measured.*, {windows} from measured
    window w as (partition by village_code order by month
                 range between interval 11 month preceding and current row)
), scored as (select *, {scores} from windowed
), totalled as (select *, CAST(round({total}, 2) AS DOUBLE) AS risk_score from scored)
select *, CAST(row_number() over (partition by month order by risk_score desc, village_code)
               AS INTEGER) as risk_rank,
    case when risk_score >= 40 then 'TINGGI' when risk_score >= 15 then 'SEDANG'
         else 'RENDAH' end as risk_tier
from totalled"""


def build_warehouse(p: Paths, counts: Counts, recruiters: list[tuple] | None = None) -> None:
    """The marts the dashboards' copy is made from, consistent with ``counts``."""
    p.ensure()
    compiled = (p.work / "dbt_target" / "compiled" / "tppo" / "models" / "intermediate"
                / "villages" / "int_village_months_scored.sql")
    compiled.parent.mkdir(parents=True, exist_ok=True)
    compiled.write_text(scoring_sql(), encoding="utf-8")
    village = village_frame(counts)  # noqa: F841 (read by DuckDB by name)
    measures = ", ".join(f"CAST({m} AS INTEGER) AS {m}" for m in COUNT_MEASURES)
    scored = ", ".join(f"s.score_{m}" for m, _, _ in COMPONENTS)
    with open_warehouse(p.warehouse) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE SCHEMA intermediate")
        con.execute("CREATE TABLE intermediate.int_village_months_measured AS "
                    f"SELECT village_code, month, {measures} FROM village")
        con.execute(
            f"CREATE TABLE marts.mart_village_risk AS SELECT v.*, {scored}, s.risk_score, "
            f"s.risk_rank, s.risk_tier, 'exact counts' AS risk_reason "
            f"FROM (SELECT {', '.join(PLACE)}, month, {measures} "
            f"FROM village) AS v JOIN ({scoring_sql()}) AS s USING (village_code, month)")
        sums = ", ".join(f"CAST(sum({m}) AS INTEGER) AS {m}" for m in COUNT_MEASURES)
        con.execute(
            f"CREATE TABLE marts.mart_regency_month AS SELECT regency_code, "
            f"any_value(regency_name) AS regency_name, month, {sums}, "
            "CAST(CASE WHEN sum(procedural_placements) > 0 THEN "
            "sum(suspected_nonprocedural_departures) / sum(procedural_placements) END AS DOUBLE)"
            " AS estimated_nonprocedural_ratio FROM marts.mart_village_risk "
            "GROUP BY regency_code, month")
        totals = ", ".join(f"CAST(sum({m}) AS INTEGER) AS {m}" for m in EVIDENCE)
        con.execute(
            "CREATE TABLE marts.mart_desa_binaan_candidates AS "
            f"SELECT {', '.join(f'any_value({c}) AS {c}' for c in PLACE if c != 'village_code')},"
            " village_code, CAST(row_number() OVER (ORDER BY avg(risk_score) DESC, village_code)"
            " AS INTEGER) AS candidate_rank, round(avg(risk_score), 2) AS candidate_score, "
            "village_code = '1809050004' AS is_designated, NULL::VARCHAR AS designated_program, "
            "NULL::DATE AS designated_on, CAST(count(*) AS INTEGER) AS months_covered, "
            "arg_max(risk_score, month) AS latest_risk_score, "
            "arg_max(risk_rank, month) AS latest_risk_rank, "
            f"arg_max(risk_tier, month) AS latest_risk_tier, {totals}, "
            "'evidence text' AS evidence_summary "
            "FROM marts.mart_village_risk GROUP BY village_code")
        con.execute(
            "CREATE TABLE marts.mart_recruiter_watchlist (recruiter_key VARCHAR, "
            "recruiter_type VARCHAR, agency_id VARCHAR, recruiter_name VARCHAR, "
            "licence_status VARCHAR, licence_status_date DATE, is_in_latest_register BOOLEAN, "
            "villages_reached INTEGER, placements INTEGER, linked_complaints INTEGER, "
            "victims INTEGER, interdictions INTEGER, tppo_cases INTEGER, "
            "first_seen_date DATE, last_seen_date DATE)")
        con.executemany("INSERT INTO marts.mart_recruiter_watchlist VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", recruiters or [
            ("P-1", "LICENSED_P3MI", "P3MI-1", "PT MAJU JAYA", "AKTIF", dt.date(2020, 1, 1),
             True, 12, 140, 9, 2, 0, 0, dt.date(2024, 1, 1), dt.date(2025, 3, 18)),
            ("P-2", "LICENSED_P3MI", "P3MI-2", "PT SURAM ABADI", "DICABUT", dt.date(2025, 2, 1),
             False, 4, 30, 0, 6, 0, 0, dt.date(2024, 1, 1), dt.date(2025, 2, 1)),
            ("R-abc", "INFORMAL", None, "SUDARMO ALIAS DARMO", None, None, False, 3, 0, 5, 5,
             1, 1, dt.date(2025, 1, 1), dt.date(2025, 3, 1)),
        ])
        con.execute(
            "CREATE TABLE marts.mart_feed_quality AS SELECT 'imigrasi' AS source, "
            "'paspor' AS feed, 'imigrasi/paspor/2025-03-20/a.csv' AS file_name, "
            "DATE '2025-03-20' AS delivery_date, 'abc' AS sha256, 'LOADED' AS status, "
            "10 AS rows_read, 9 AS rows_loaded, 1 AS rows_quarantined, "
            "'PASSED' AS validation_result, TIMESTAMP '2025-03-21 01:00' AS loaded_at")
