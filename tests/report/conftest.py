"""A small, hand-made dashboards' copy, in the shape ``publish`` gives it.

Eight villages in two regencies over six months (January-June 2025), with
figures chosen so that each rule of the report has a case that must and one
that must not show: a score jump, a count jump, a jump hidden under withheld
months, small counts, a designated village (in both programmes, and one Desa Migran
Emas only), licences frozen and revoked lately and long ago. The file is written directly in
the published form (a count of 1-4 is NULL with ``<count>_suppressed`` true,
MARTS.md), so these tests pin the report to that interface and not to how
publish chooses what to withhold; tests/bi checks the report on a real run's
copy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tppo.config import COUNT_MEASURES, Paths
from tppo.publish import RECRUITER_COUNTS, RISK_COMPONENTS

MONTHS = [dt.date(2025, m, 1) for m in range(1, 7)]
LATEST = MONTHS[-1]
RUN_DATE = dt.date(2025, 6, 21)
REJECTED_REASON = ("critical expect_column_values_to_be_in_set(arah): 50 of 50 row(s) unexpected "
                   "in imigrasi/perlintasan/2025-06-19/rusak.csv, values (rows): KELUAR_X (48), "
                   "UNEXPECTED-DIGITS-16#0a1b2c3d (2) (Data Docs: validation/gx/uncommitted/"
                   "data_docs/local_site/validations/feed_imigrasi__perlintasan/x.html)")
DATA_DATE = dt.date(2025, 6, 20)  # the last loaded delivery: the report's name
VILLAGES = [  # code, name, district code, district, regency code, regency
    ("1809050004", "WAYLAYAP", "1809050", "GEDONG TATAAN", "1809", "KABUPATEN PESAWARAN"),
    ("1809050005", "BAGELEN", "1809050", "GEDONG TATAAN", "1809", "KABUPATEN PESAWARAN"),
    ("1809060001", "KALIREJO", "1809060", "NEGERI KATON", "1809", "KABUPATEN PESAWARAN"),
    ("1809060002", "PONCOREJO", "1809060", "NEGERI KATON", "1809", "KABUPATEN PESAWARAN"),
    ("1810020003", "AMBARAWA", "1810020", "AMBARAWA", "1810", "KABUPATEN PRINGSEWU"),
    ("1810020004", "SUMBERAGUNG", "1810020", "AMBARAWA", "1810", "KABUPATEN PRINGSEWU"),
    ("1810030001", "PARDASUKA", "1810030", "PARDASUKA", "1810", "KABUPATEN PRINGSEWU"),
    ("1810030002", "SIDODADI", "1810030", "PARDASUKA", "1810", "KABUPATEN PRINGSEWU"),
]
# Monthly risk scores, January to June.
SCORES = {
    "WAYLAYAP": [10.0, 20.0, 30.0, 50.0, 60.0, 87.5],   # +27.5 in June: score jump
    "KALIREJO": [30.0, 35.0, 38.0, 39.0, 40.0, 42.25],  # +2.25, but a count jump
    "PONCOREJO": [15.0, 16.0, 18.0, 20.0, 21.0, 30.9],  # +9.9: just under the rule
    "AMBARAWA": [5.0, 5.0, 6.0, 6.0, 7.0, 12.0],
}
WAYLAYAP_COMPONENTS = [30.0, 20.0, 15.0, 12.5, 10.0, 0.0, 0.0]
WAYLAYAP_REASON = ("6 korban TPPO dan sedikitnya 3 keberangkatan terduga nonprosedural dalam 6 "
                   "bulan terakhir")
# Monthly counts that differ from zero: (village, measure) -> six months.
COUNTS = {
    ("WAYLAYAP", "suspected_nonprocedural_departures"): [0, 0, 0, 0, 0, 3],
    ("BAGELEN", "suspected_nonprocedural_departures"): [0, 0, 0, 0, 0, 2],
    ("KALIREJO", "suspected_nonprocedural_departures"): [2, 0, 3, 0, 1, 12],
    ("PONCOREJO", "tppo_victims"): [3, 3, 3, 3, 3, 7],  # baseline counted as 4: 7 < 8
    ("WAYLAYAP", "tppo_victims"): [0, 0, 0, 0, 0, 6],
}
# Villages designated Desa Migran Emas, and when: WAYLAYAP is also Desa Binaan Imigrasi
# (from 10 April), AMBARAWA only Desa Migran Emas (still a Desa Binaan candidate).
DESA_MIGRAN_EMAS = {"WAYLAYAP": dt.date(2025, 2, 15), "AMBARAWA": dt.date(2025, 3, 5)}
# The P3MI register's licence periods: (status, valid from, valid to, last snapshot).
# PT SURAM ABADI revoked in March and dropped from the register, PT SINAR HARAPAN MIGRAN
# frozen in May (both lately: the report lists them), PT TENANG frozen in 2024 and
# active again (not lately).
REGISTER_DATE = dt.date(2025, 6, 16)
LICENCES = [
    ("P3MI-1", "PT MAJU JAYA", "KEP.101/2020", "KAB. PESAWARAN",
     [("AKTIF", dt.date(2020, 1, 1), None, REGISTER_DATE)]),
    ("P3MI-2", "PT SURAM ABADI", "KEP.077/2019", "KOTA BANDAR LAMPUNG",
     [("AKTIF", dt.date(2019, 5, 1), dt.date(2025, 3, 1), dt.date(2025, 2, 24)),
      ("DICABUT", dt.date(2025, 3, 1), None, dt.date(2025, 3, 3))]),
    ("P3MI-3", "PT TENANG", "KEP.015/2021", None,
     [("AKTIF", dt.date(2021, 1, 1), dt.date(2024, 6, 1), dt.date(2024, 5, 27)),
      ("DIBEKUKAN", dt.date(2024, 6, 1), dt.date(2024, 9, 2), dt.date(2024, 8, 26)),
      ("AKTIF", dt.date(2024, 9, 2), None, REGISTER_DATE)]),
    ("P3MI-4", "PT SINAR HARAPAN MIGRAN", "KEP.230/2022", "KAB. PRINGSEWU",
     [("AKTIF", dt.date(2022, 2, 1), dt.date(2025, 5, 20), dt.date(2025, 5, 19)),
      ("DIBEKUKAN", dt.date(2025, 5, 20), None, REGISTER_DATE)]),
]
REGENCIES = [("1809", "KABUPATEN PESAWARAN"), ("1810", "KABUPATEN PRINGSEWU"),
             ("1871", "KOTA BANDAR LAMPUNG")]
# June: (procedural placements, suspected non-procedural departures) per regency.
REGENCY_JUNE = {"1809": (2, 17), "1810": (20, 5), "1871": (3, 40)}


def _create(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str],
            rows: list[tuple], counts: tuple[str, ...] = ()) -> None:
    """A published table: each of ``counts`` from 1 to 4 withheld as NULL, flagged."""
    con.execute(f"CREATE TABLE raw_{name} ("
                + ", ".join(f"{c} {t}" for c, t in columns.items()) + ")")
    con.executemany(f"INSERT INTO raw_{name} VALUES ({', '.join('?' * len(columns))})", rows)
    shown = ", ".join(
        f"CASE WHEN {c} BETWEEN 1 AND 4 THEN NULL ELSE {c} END AS {c}, "
        f"coalesce({c} BETWEEN 1 AND 4, false) AS {c}_suppressed" if c in counts else c
        for c in columns)
    con.execute(f"CREATE TABLE marts.{name} AS SELECT {shown} FROM raw_{name}")
    con.execute(f"DROP TABLE raw_{name}")


def _village_rows() -> list[tuple]:
    rows = []
    for i, month in enumerate(MONTHS):
        scores = {name: series[i] for name, series in SCORES.items()}
        ranked = sorted(VILLAGES, key=lambda v: (-scores.get(v[1], 0.0), v[0]))
        for v in VILLAGES:
            score = scores.get(v[1], 0.0)
            counts = [COUNTS.get((v[1], m), [0] * 6)[i] for m in COUNT_MEASURES]
            parts = (WAYLAYAP_COMPONENTS if v[1] == "WAYLAYAP" and month == LATEST
                     else [score, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
            tier = "TINGGI" if score >= 40 else "SEDANG" if score >= 15 else "RENDAH"
            rows.append((*v, month, *counts, *parts, score, ranked.index(v) + 1, tier))
    return rows


def build_dashboard(path: Path) -> None:
    """The marts of the dashboards' copy, hand-filled."""
    path.parent.mkdir(parents=True, exist_ok=True)
    place = {c: "VARCHAR" for c in ("village_code", "village_name", "district_code",
                                    "district_name", "regency_code", "regency_name")}
    counts = {m: "INTEGER" for m in COUNT_MEASURES}
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        _create(con, "mart_village_risk", {
            **place, "month": "DATE", **counts, **{c: "DOUBLE" for c in RISK_COMPONENTS},
            "risk_score": "DOUBLE", "risk_rank": "INTEGER", "risk_tier": "VARCHAR"},
            _village_rows(), COUNT_MEASURES)
        con.execute("ALTER TABLE marts.mart_village_risk ADD COLUMN risk_reason VARCHAR")
        con.execute(f"UPDATE marts.mart_village_risk SET risk_reason = CASE WHEN village_name = "
                    f"'WAYLAYAP' THEN '{WAYLAYAP_REASON}' ELSE 'tidak ada kejadian dalam 6 "
                    "bulan terakhir; skor dari rata-rata kecamatan' END")
        regency_rows = []
        for code, name in REGENCIES:
            for month in MONTHS:
                proc, susp = REGENCY_JUNE[code] if month == LATEST else (10, 5)
                values = {m: 0 for m in COUNT_MEASURES}
                values.update(procedural_placements=proc, suspected_nonprocedural_departures=susp)
                regency_rows.append((code, name, month, *values.values(), susp / proc))
        _create(con, "mart_regency_month", {
            "regency_code": "VARCHAR", "regency_name": "VARCHAR", "month": "DATE", **counts,
            "estimated_nonprocedural_ratio": "DOUBLE"}, regency_rows, COUNT_MEASURES)
        con.execute("UPDATE marts.mart_regency_month SET estimated_nonprocedural_ratio = NULL "
                    "WHERE procedural_placements_suppressed "
                    "OR suspected_nonprocedural_departures_suppressed")  # as publish does
        evidence = [m for m in COUNT_MEASURES if m not in ("passport_applications",
                                                           "active_foreign_permits")]
        candidates = []
        for rank, v in enumerate(sorted(VILLAGES, key=lambda v: -SCORES.get(v[1], [0.0])[-1])):
            totals = {m: sum(COUNTS.get((v[1], m), [0])) for m in evidence}
            designated = v[1] == "WAYLAYAP"
            migran_emas = DESA_MIGRAN_EMAS.get(v[1])
            series = SCORES.get(v[1], [0.0] * 6)
            candidates.append((
                *v, rank + 1, sum(series) / 6, designated,
                "DESA_BINAAN_IMIGRASI" if designated else None,
                dt.date(2025, 4, 10) if designated else None, migran_emas is not None,
                migran_emas, 6, series[-1], rank + 1,
                "TINGGI" if series[-1] >= 40 else "RENDAH", *totals.values()))
        _create(con, "mart_desa_binaan_candidates", {
            **place, "candidate_rank": "INTEGER", "candidate_score": "DOUBLE",
            "is_designated": "BOOLEAN", "designated_program": "VARCHAR", "designated_on": "DATE",
            "is_desa_migran_emas": "BOOLEAN", "dme_designated_on": "DATE",
            "months_covered": "INTEGER", "latest_risk_score": "DOUBLE",
            "latest_risk_rank": "INTEGER", "latest_risk_tier": "VARCHAR",
            **{m: "INTEGER" for m in evidence}}, candidates, COUNT_MEASURES)
        _create(con, "mart_recruiter_watchlist", {
            "recruiter_key": "VARCHAR", "recruiter_type": "VARCHAR", "agency_id": "VARCHAR",
            "recruiter_name": "VARCHAR", "licence_status": "VARCHAR",
            "licence_status_date": "DATE", "is_in_latest_register": "BOOLEAN",
            "villages_reached": "INTEGER", "placements": "INTEGER", "linked_complaints": "INTEGER",
            "victims": "INTEGER", "interdictions": "INTEGER", "tppo_cases": "INTEGER",
            "first_seen_date": "DATE", "last_seen_date": "DATE"}, [
            ("P-P3MI-1", "LICENSED_P3MI", "P3MI-1", "PT MAJU JAYA", "AKTIF", dt.date(2020, 1, 1),
             True, 12, 140, 9, 2, 0, 0, dt.date(2024, 1, 1), dt.date(2025, 6, 18)),
            ("P-P3MI-2", "LICENSED_P3MI", "P3MI-2", "PT SURAM ABADI", "DICABUT",
             dt.date(2025, 3, 1), False, 4, 30, 0, 6, 0, 0, dt.date(2024, 1, 1),
             dt.date(2025, 3, 1)),
            ("P-P3MI-3", "LICENSED_P3MI", "P3MI-3", "PT TENANG", "AKTIF", dt.date(2021, 1, 1),
             True, 1, 5, 0, 0, 0, 0, dt.date(2024, 1, 1), dt.date(2025, 6, 1)),
        ], RECRUITER_COUNTS)
        _create(con, "mart_p3mi_licence_history", {
            "licence_period_id": "VARCHAR", "agency_id": "VARCHAR", "agency_name": "VARCHAR",
            "licence_number": "VARCHAR", "branch_regency_text": "VARCHAR",
            "period_number": "INTEGER", "licence_status": "VARCHAR", "valid_from": "DATE",
            "valid_to": "DATE", "is_current": "BOOLEAN", "first_snapshot_date": "DATE",
            "last_snapshot_date": "DATE", "is_in_latest_register": "BOOLEAN"}, [
            (f"{a}#{n}", a, name, number, branch, n, status, start, end, end is None, start,
             last, a != "P3MI-2")
            for a, name, number, branch, periods in LICENCES
            for n, (status, start, end, last) in enumerate(periods, 1)])
        route_counts = ("procedural_departures", "suspected_nonprocedural_departures",
                        "interdictions", "interdicted_persons")
        _create(con, "mart_routes", {
            "month": "DATE", "origin_regency_code": "VARCHAR", "origin_regency_name": "VARCHAR",
            "is_transit": "BOOLEAN", "checkpoint_code": "VARCHAR", "checkpoint_name": "VARCHAR",
            "is_immigration_checkpoint": "BOOLEAN", "destination_country": "VARCHAR",
            **{m: "INTEGER" for m in route_counts}}, [
            (LATEST, "1809", "KABUPATEN PESAWARAN", False, "BTM", "PELABUHAN BATAM CENTRE", True,
             "MYS", 0, 12, 0, 0),
            (LATEST, "1810", "KABUPATEN PRINGSEWU", False, "CGK", "BANDARA SOEKARNO-HATTA", True,
             "SAU", 20, 3, 0, 0),
            (LATEST, "OUTSIDE_LAMPUNG", "LUAR PROVINSI LAMPUNG", True, "BKH",
             "PELABUHAN BAKAUHENI", False, "SAU", 0, 0, 1, 24),
        ], route_counts)
        _create(con, "mart_feed_quality", {
            "source": "VARCHAR", "feed": "VARCHAR", "file_name": "VARCHAR",
            "delivery_date": "DATE", "sha256": "VARCHAR", "status": "VARCHAR",
            "rows_read": "INTEGER", "rows_loaded": "INTEGER", "rows_quarantined": "INTEGER",
            "validation_result": "VARCHAR", "loaded_at": "TIMESTAMP",
            "failed_critical_expectations": "INTEGER", "failed_warning_expectations": "INTEGER",
            "message": "VARCHAR"}, [
            ("imigrasi", "paspor", "imigrasi/paspor/2025-06-20/a.csv", dt.date(2025, 6, 20), "a",
             "LOADED", 1200, 1187, 13, "WARNED", dt.datetime(2025, 6, 21, 1), 0, 1, None),
            ("imigrasi", "paspor", "imigrasi/paspor/2025-06-20/a_copy.csv", dt.date(2025, 6, 20),
             "a", "DUPLICATE", 0, 0, 0, None, None, 0, 0, None),
            ("imigrasi", "perlintasan", "imigrasi/perlintasan/2025-06-19/rusak.csv",
             dt.date(2025, 6, 19), "b", "REJECTED", 50, 0, 0, "FAILED", None, 2, 0,
             REJECTED_REASON),
        ])


@dataclass(frozen=True)
class Published:
    paths: Paths
    html: str


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> Published:
    """The hand-made dashboards' copy, and the report rendered from it."""
    from tppo.report import write_report

    root = tmp_path_factory.mktemp("report")
    p = Paths(landing=root / "landing", home=root / "home")
    build_dashboard(p.dashboard)
    page = write_report(p, RUN_DATE)
    return Published(p, page.read_text(encoding="utf-8"))
