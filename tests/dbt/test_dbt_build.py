"""The dbt project builds on a crafted restricted warehouse and its marts say what
MARTS.md promises: every village in every month, zero-filled integer counts, the four
departure classifications, village names resolved from officers' spellings.

One `dbt build` (seeds, models, data tests, unit tests) runs once per module: it costs
about 5 s of fixed overhead, so every assertion reads the same built warehouse.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingest.feeds import FEEDS_BY_NAME
from ingest.load import discover
from ingest.schema import child_columns, ensure_warehouse, raw_columns
from tppo.warehouse import open_warehouse, warehouse_key

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
N_VILLAGES = 2642
WAY_LAYAP = "1809050004"
AMBARAWA = "1810020003"

Row = dict[str, Any]

# One delivered file: (source, feed, delivery date, file name, parent rows, child rows).
# Person fields use the ingest's parsed columns directly (nik_key is the keyed pseudonym).
WAY_LAYAP_TEXT = {
    "desa": "DS. WAY LAYAP",
    "kecamatan": "Gedong Tataan",
    "kabupaten": "KAB. PESAWARAN",
}
WAY_LAYAP_OTHER = {"desa": "Way Layap", "kecamatan": "GEDUNG TATAAN", "kabupaten": "Pesawaran"}
AMBARAWA_TEXT = {
    "desa": "Ambarawa",
    "kecamatan": "Kec. Ambarawa",
    "kabupaten": "Kabupaten Pringsewu",
}


def _person(key: str | None, district: str, **address: str) -> Row:
    return {
        "nik_status": "VALID" if key else "INVALID_LENGTH",
        "nik_key": key,
        "nik_district": district,
        **address,
    }


def _application(no: str, person: Row, status: str, applied: date, **more: Any) -> Row:
    return {
        "no_permohonan": no,
        "kode_kantor": "BDL",
        "tgl_permohonan_date": applied,
        "status": status,
        "tujuan_permohonan": "WISATA",
        **person,
        **more,
    }


def _crossing(
    tpi: str,
    no: str,
    at: datetime,
    arah: str,
    passport: str,
    country: str,
    nationality: str = "IDN",
) -> Row:
    return {
        "kode_tpi": tpi,
        "no_perlintasan": no,
        "waktu_ts": at,
        "arah": arah,
        "no_paspor_key": passport,
        "kewarganegaraan": nationality,
        "negara": country,
    }


PERSON_A = _person("K_A", "180901", **WAY_LAYAP_TEXT)  # goes to Malaysia, never returns
# what the agencies typed of person A besides the NIK: how person linking knows her
NAME_A = {"nama": "SITI AMINAH", "tgl_lahir_date": date(1990, 6, 5), "jenis_kelamin": "P"}
PERSON_B = _person("K_B", "181002", **AMBARAWA_TEXT)  # only ever arrives
PERSON_C = _person(
    "K_C", "180901", desa="WAYLAYAP", kecamatan="GEDUNG TATAAN", kabupaten="PESAWARAN"
)
PERSON_D = _person("K_D", "180901", **WAY_LAYAP_OTHER)  # procedural placement to Taiwan
PERSON_E = _person("K_E", "180901", **WAY_LAYAP_TEXT)  # postponed application

FILES: list[tuple[str, str, str, str, list[Row], list[Row]]] = [
    (
        "imigrasi",
        "paspor",
        "2025-01-10",
        "paspor_BDL_20250110.csv",
        [
            _application(
                "PMH-001",
                PERSON_A,
                "TERBIT",
                date(2025, 1, 6),
                tgl_keputusan_date=date(2025, 1, 9),
                no_paspor_key="PP_A",
                **NAME_A,
            ),
            _application(
                "PMH-002",
                PERSON_B,
                "TERBIT",
                date(2025, 1, 7),
                tgl_keputusan_date=date(2025, 1, 9),
                no_paspor_key="PP_B",
            ),
            _application(
                "PMH-003",
                PERSON_C,
                "TERBIT",
                date(2025, 1, 8),
                tgl_keputusan_date=date(2025, 1, 9),
                no_paspor_key="PP_C",
            ),
            _application("PMH-004", PERSON_E, "PROSES", date(2025, 1, 8)),
        ],
        [],
    ),
    # the application is re-sent when decided: postponed in February
    (
        "imigrasi",
        "paspor",
        "2025-02-03",
        "paspor_BDL_20250203.csv",
        [
            _application(
                "PMH-004",
                PERSON_E,
                "DITUNDA",
                date(2025, 1, 8),
                tgl_keputusan_date=date(2025, 2, 2),
                alasan_penundaan="CPMI",
            ),
        ],
        [],
    ),
    (
        "bp3mi",
        "penempatan",
        "2025-01-15",
        "penempatan_20250115.xlsx",
        [
            {
                "id_penempatan": "PL-001",
                **PERSON_D,
                "negara_penempatan": "Taiwan R.O.C.",
                "no_paspor_key": "PP_D",
                "tgl_keberangkatan_date": date(2025, 1, 20),
                "id_p3mi": "P3MI-01",
            },
        ],
        [],
    ),
    (
        "imigrasi",
        "perlintasan",
        "2025-01-25",
        "perlintasan_TKG_20250125.csv",
        [
            _crossing("TKG", "0001", datetime(2025, 1, 21, 8), "KEBERANGKATAN", "PP_D", "TWN"),
            _crossing("BTM", "0001", datetime(2025, 1, 22, 9), "KEBERANGKATAN", "PP_A", "MYS"),
            _crossing(
                "TKG", "0002", datetime(2025, 1, 23, 9), "KEBERANGKATAN", "PP_Z", "MYS", "CHN"
            ),
        ],
        [],
    ),
    (
        "imigrasi",
        "perlintasan",
        "2025-02-12",
        "perlintasan_CGK_20250212.csv",
        [
            _crossing("CGK", "0001", datetime(2025, 2, 1, 7), "KEBERANGKATAN", "PP_C", "JEPANG"),
            _crossing("CGK", "0002", datetime(2025, 2, 11, 7), "KEDATANGAN", "PP_C", "Jepang"),
            _crossing("CGK", "0003", datetime(2025, 2, 5, 7), "KEBERANGKATAN", "PP_X", "MYS"),
            _crossing("CGK", "0005", datetime(2025, 2, 6, 7), "KEBERANGKATAN", None, "MYS"),
        ],
        [],
    ),
    (
        "imigrasi",
        "perlintasan",
        "2025-03-16",
        "perlintasan_CGK_20250316.csv",
        [
            _crossing("CGK", "0004", datetime(2025, 3, 15, 7), "KEDATANGAN", "PP_B", "SGP"),
        ],
        [],
    ),
    (
        "polda",
        "kasus_tppo",
        "2025-02-10",
        "kasus_tppo_20250210.jsonl",
        [
            {"nomor_lp": "LP-001", "tgl_lapor_date": date(2025, 2, 8), "tahap": "LIDIK"},
        ],
        [
            {
                "nomor_lp": "LP-001",
                "_person_index": 1,
                "peran": "KORBAN",
                **_person("K_F", "181002", **AMBARAWA_TEXT),
            },
            {
                "nomor_lp": "LP-001",
                "_person_index": 2,
                "peran": "TERSANGKA",
                "nama": "SUDARMAN",
                "alias": "DARMAN",
                **_person(None, ""),
            },
        ],
    ),
    # re-sent when the stage changes: its persons must not count twice
    (
        "polda",
        "kasus_tppo",
        "2025-03-01",
        "kasus_tppo_20250301.jsonl",
        [
            {"nomor_lp": "LP-001", "tgl_lapor_date": date(2025, 2, 8), "tahap": "SIDIK"},
        ],
        [
            {
                "nomor_lp": "LP-001",
                "_person_index": 1,
                "peran": "KORBAN",
                **_person("K_F", "181002", **AMBARAWA_TEXT),
            },
            {
                "nomor_lp": "LP-001",
                "_person_index": 2,
                "peran": "TERSANGKA",
                "nama": "SUDARMAN",
                "alias": "DARMAN",
                **_person(None, ""),
            },
        ],
    ),
    (
        "polda",
        "penggagalan",
        "2025-03-05",
        "penggagalan_20250305.jsonl",
        [
            {
                "id_penggagalan": "PG-001",
                "waktu_ts": datetime(2025, 3, 4, 10),
                "lokasi": "Pel. Bakauheni",
                "perekrut": "Pak Darman",
                "negara_tujuan": "Malaysia (Kuala Lumpur)",
            },
        ],
        [
            {
                "id_penggagalan": "PG-001",
                "_person_index": 1,
                **_person("K_G", "180901", **WAY_LAYAP_TEXT),
            },
            {
                "id_penggagalan": "PG-001",
                "_person_index": 2,
                **_person(None, "180901", **WAY_LAYAP_OTHER),
            },
        ],
    ),
    (
        "bp3mi",
        "pengaduan",
        "2025-02-20",
        "pengaduan_20250220.xlsx",
        [
            {
                "id_kasus": "KS-001",
                "tgl_lapor_date": date(2025, 2, 18),
                **_person("K_I", "181002", **AMBARAWA_TEXT),
                "status_prosedural": "NONPROSEDURAL",
                "nama_perekrut": "Sudarman als Darman",
                "indikasi_tppo": "Y",
                "negara": "MYS",
            },
            # person A again, her NIK lost to Excel's scientific notation: linked by name,
            # birth date, sex and village
            {
                "id_kasus": "KS-003",
                "tgl_lapor_date": date(2025, 2, 21),
                "nik_status": "SCIENTIFIC",
                **WAY_LAYAP_OTHER,
                "nama": "Hj. Siti Aminah binti Supardi",
                "tgl_lahir_date": date(1990, 6, 5),
                "jenis_kelamin": "P",
                "status_prosedural": "PROSEDURAL",
                "indikasi_tppo": "N",
                "negara": "MYS",
            },
            # no district or regency typed: only the NIK's Kemendagri district can place it
            {
                "id_kasus": "KS-002",
                "tgl_lapor_date": date(2025, 2, 19),
                **_person("K_J", "180901", desa="WAYLAYAP"),
                "status_prosedural": "PROSEDURAL",
                "indikasi_tppo": "N",
                "negara": "TWN",
            },
        ],
        [],
    ),
    (
        "imigrasi",
        "wna",
        "2025-01-10",
        "wna_BDL_20250110.csv",
        [
            {
                "no_izin": "WNA-001",
                "jenis_izin": "ITAS",
                "kewarganegaraan": "CHN",
                **WAY_LAYAP_TEXT,
                "berlaku_dari_date": date(2024, 6, 1),
                "berlaku_sampai_date": date(2026, 6, 1),
                "status": "AKTIF",
            },
            {
                "no_izin": "WNA-002",
                "jenis_izin": "ITAS",
                "kewarganegaraan": "KOR",
                **AMBARAWA_TEXT,
                "berlaku_dari_date": date(2025, 1, 1),
                "berlaku_sampai_date": date(2025, 12, 31),
                "status": "AKTIF",
            },
        ],
        [],
    ),
    # WNA-001 revoked mid-February: active on 31 January only
    (
        "imigrasi",
        "wna",
        "2025-02-14",
        "wna_BDL_20250214.csv",
        [
            {
                "no_izin": "WNA-001",
                "jenis_izin": "ITAS",
                "kewarganegaraan": "CHN",
                **WAY_LAYAP_TEXT,
                "berlaku_dari_date": date(2024, 6, 1),
                "berlaku_sampai_date": date(2026, 6, 1),
                "status": "DICABUT",
            },
        ],
        [],
    ),
    (
        "imigrasi",
        "timpora",
        "2025-03-12",
        "timpora_BDL_20250312.csv",
        [
            {
                "no_operasi": "OP-001",
                "tgl_operasi_date": date(2025, 3, 10),
                "jenis_temuan": "WNA_OVERSTAY",
                "jumlah_orang_int": 2,
                **WAY_LAYAP_OTHER,
            },
            {
                "no_operasi": "OP-001",
                "tgl_operasi_date": date(2025, 3, 10),
                "jenis_temuan": "CPMI_NONPROSEDURAL",
                "jumlah_orang_int": 3,
                **WAY_LAYAP_OTHER,
            },
        ],
        [],
    ),
    (
        # values no rule maps: listed in mart_unmapped_values, counted nowhere else
        "imigrasi",
        "wna",
        "2025-02-15",
        "wna_BDL_20250215.csv",
        [
            {
                "no_izin": "WNA-009",
                "jenis_izin": "ITAS",
                "kewarganegaraan": "Atlantis Raya",
                "desa": "Kampung Entah",
                "kecamatan": "Antah",
                "kabupaten": "Negeri Antah Berantah",
                "berlaku_dari_date": date(2025, 2, 1),
                "berlaku_sampai_date": date(2025, 12, 31),
                "status": "AKTIF",
            },
            {
                "no_izin": "WNA-010",
                "jenis_izin": "ITAS",
                "kewarganegaraan": "TIDAK ADA",
                "desa": "-",
                "kecamatan": "Antah",
                "kabupaten": "Negeri Antah Berantah",
                "berlaku_dari_date": date(2025, 2, 1),
                "berlaku_sampai_date": date(2025, 12, 31),
                "status": "AKTIF",
            },
        ],
        [],
    ),
    (
        "bp3mi",
        "p3mi",
        "2025-01-06",
        "p3mi_20250106.xlsx",
        [
            {
                "id_p3mi": "P3MI-01",
                "nama_perusahaan": "PT CONTOH JAYA",
                "status_izin": "AKTIF",
                "tgl_status_date": date(2020, 5, 1),
            },
        ],
        [],
    ),
    (
        "bp3mi",
        "p3mi",
        "2025-03-03",
        "p3mi_20250303.xlsx",
        [
            {
                "id_p3mi": "P3MI-01",
                "nama_perusahaan": "PT CONTOH JAYA",
                "status_izin": "DIBEKUKAN",
                "tgl_status_date": date(2025, 2, 28),
            },
        ],
        [],
    ),
]


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]], rows: list[Row]
) -> None:
    names = [name for name, _ in columns]
    placeholders = ", ".join("?" for _ in names)
    quoted = ", ".join(f'"{n}"' for n in names)
    for row in rows:
        unknown = set(row) - set(names)
        assert not unknown, f"{table}: no such raw column(s) {unknown}"
        con.execute(
            f"INSERT INTO raw.{table} ({quoted}) VALUES ({placeholders})",
            [row.get(n) for n in names],
        )


def build_fixture_warehouse(path: Path) -> None:
    """Create the restricted warehouse at ``path`` holding the crafted deliveries."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = open_warehouse(path)
    try:
        ensure_warehouse(con)
        for source, feed_name, day, name, parents, children in FILES:
            feed = FEEDS_BY_NAME[feed_name]
            file_name = f"{source}/{feed_name}/{day}/{name}"
            sha = hashlib.sha256(file_name.encode()).hexdigest()
            lineage = {
                "_file_sha256": sha,
                "_file_name": file_name,
                "_delivery_date": date.fromisoformat(day),
                "_is_revisi": False,
                "_batch_id": "B1",
            }
            parent_rows = [{**r, **lineage, "_row_number": i} for i, r in enumerate(parents, 1)]
            _insert(con, feed.table, raw_columns(feed), parent_rows)
            if children:
                child_rows = [{**c, **lineage, "_row_number": 1} for c in children]
                _insert(con, feed.child.table, child_columns(feed), child_rows)
            rows = len(parents)
            con.execute(
                "INSERT INTO meta.deliveries (file_name, source, feed, delivery_date, size_bytes,"
                " sha256, status, batch_id, discovered_at, loaded_at, rows_read, rows_loaded,"
                " rows_quarantined, validation_result) VALUES (?, ?, ?, ?, 100, ?, 'LOADED', 'B1',"
                " ?, ?, ?, ?, 0, 'PASSED')",
                [
                    file_name,
                    source,
                    feed_name,
                    date.fromisoformat(day),
                    sha,
                    datetime(2025, 3, 20, 1),
                    datetime(2025, 3, 20, 2),
                    rows,
                    rows,
                ],
            )
        # the same bytes again under a new name: DUPLICATE, loads nothing
        con.execute(
            "INSERT INTO meta.deliveries (file_name, source, feed, delivery_date, size_bytes,"
            " sha256, status, duplicate_of, batch_id, discovered_at, rows_read, rows_loaded,"
            " rows_quarantined) VALUES ('imigrasi/paspor/2025-01-10/paspor_BDL_20250110_1.csv',"
            " 'imigrasi', 'paspor', DATE '2025-01-10', 100, 'x', 'DUPLICATE',"
            " 'imigrasi/paspor/2025-01-10/paspor_BDL_20250110.csv', 'B1',"
            " TIMESTAMP '2025-03-20 01:00:00', 0, 0, 0)"
        )
        # a coded value outside the contract, as the ingest records it
        con.execute(
            "INSERT INTO meta.unmapped_codes VALUES ('B1', 'imigrasi', 'paspor',"
            " 'imigrasi/paspor/2025-01-10/paspor_BDL_20250110.csv', DATE '2025-01-10',"
            " 'tujuan_permohonan', 'NIK_1801234567890123', 2)"
        )
        # not processed yet: must not extend the months of the marts
        con.execute(
            "INSERT INTO meta.deliveries (file_name, source, feed, delivery_date, size_bytes,"
            " sha256, status, discovered_at) VALUES ('imigrasi/paspor/2025-05-02/p.csv',"
            " 'imigrasi', 'paspor', DATE '2025-05-02', 100, 'y', 'PENDING',"
            " TIMESTAMP '2025-03-20 01:00:00')"
        )
        # misfiled deliveries, found by the real discovery: REJECTED, shown in feed
        # quality, and neither failing a test nor widening the months (issue 17: 3, 5)
        landing = path.parent.parent / "landing"
        for stray in ("stray.csv", "kiriman/lain/2025-01-07/x.csv",
                      "imigrasi/paspor/\u0662\u0660\u0662\u0665-01-01/x.csv",
                      "polda/2024-06-01/y.csv"):
            (landing / stray).parent.mkdir(parents=True, exist_ok=True)
            (landing / stray).write_bytes(b"a;b\r\n")
        discover(con, landing, date(2025, 3, 20), "B2", settle_seconds=0)
        # a manifest written before undated files got the day they were found
        con.execute(
            "INSERT INTO meta.deliveries (file_name, source, feed, delivery_date, size_bytes,"
            " sha256, status, discovered_at, message) VALUES ('old/stray.csv', 'unknown',"
            " 'unknown', DATE '1970-01-01', 1, 'z', 'REJECTED', TIMESTAMP '2025-03-20 01:00:00',"
            " 'not in the layout')"
        )
    finally:
        con.close()


def run_dbt_build(home: Path) -> tuple[bool, list[str]]:
    """Run `dbt build` in-process on the warehouse under ``home``; (success, failures)."""
    from dbt.cli.main import dbtRunner

    os.environ["TPPO_HOME"] = str(home)
    os.environ["DO_NOT_TRACK"] = "1"
    # the warehouse's key, as tppo/transform.py hands it to dbt (profiles.yml)
    os.environ["DBT_ENV_SECRET_WAREHOUSE_KEY"] = warehouse_key(home / "secrets")
    result = dbtRunner().invoke(
        [
            "build",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(home / "dbt_target"),
            "--log-path",
            str(home / "dbt_logs"),
        ]
    )
    failures = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass")
    ]
    if result.exception is not None:
        failures.append(repr(result.exception))
    return result.success, failures


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    home = tmp_path_factory.mktemp("tppo_home")
    path = home / "restricted" / "warehouse.duckdb"
    build_fixture_warehouse(path)
    previous = os.environ.get("TPPO_HOME")
    try:
        success, failures = run_dbt_build(home)
    finally:
        if previous is None:
            os.environ.pop("TPPO_HOME", None)
        else:
            os.environ["TPPO_HOME"] = previous
    assert success, "dbt build failed:\n" + "\n".join(failures)
    # dbt-duckdb keeps its database instance (with the warehouse attached) open in this
    # process: close it, or the file cannot be attached again here.
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    if DuckDBConnectionManager._ENV is not None:
        DuckDBConnectionManager._ENV.close()
        DuckDBConnectionManager._ENV = None
    con = open_warehouse(path)
    yield con
    con.close()


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> tuple:
    rows = con.execute(sql, params or []).fetchall()
    assert len(rows) == 1, f"expected one row, got {rows}"
    return rows[0]


def test_every_village_appears_in_every_month_of_the_delivery_span(warehouse):
    months = warehouse.execute(
        "select month, count(*), count(distinct village_code) from marts.mart_village_risk"
        " group by month order by month"
    ).fetchall()
    # January to March: the PENDING May file does not extend the span
    assert [m for m, _, _ in months] == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    assert all(n == N_VILLAGES and d == N_VILLAGES for _, n, d in months)


def test_counts_are_zero_filled_integers(warehouse):
    types = dict(
        warehouse.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'marts' and table_name = 'mart_village_risk'"
        ).fetchall()
    )
    for column in (
        "procedural_placements",
        "tppo_victims",
        "active_foreign_permits",
        "timpora_findings",
        "risk_rank",
    ):
        assert types[column] == "INTEGER"
    nulls = _one(
        warehouse,
        "select count(*) from marts.mart_village_risk"
        " where procedural_placements is null or tppo_victims is null"
        " or suspected_nonprocedural_departures is null or timpora_findings is null",
    )
    assert nulls == (0,)


def test_departures_get_the_four_classifications(warehouse):
    rows = dict(
        warehouse.execute("select crossing_id, classification from marts.fct_departures").fetchall()
    )
    assert rows == {
        "TKG-0001": "PROCEDURAL",
        "BTM-0001": "SUSPECTED_NONPROCEDURAL",
        "CGK-0001": "NON_LABOUR",
        # a traveller known by passport only, away 38 days and counting: judged on trips
        "CGK-0003": "SUSPECTED_NONPROCEDURAL",
        "CGK-0005": "UNRESOLVED",  # no passport number: nobody to follow
    }  # TKG-0002 is a Chinese national's departure: not in the fact


def test_departures_carry_pseudonymous_keys_and_resolved_villages(warehouse):
    rows = {
        r[0]: r[1:]
        for r in warehouse.execute(
            "select crossing_id, person_key, village_code from marts.fct_departures"
        ).fetchall()
    }
    assert rows["BTM-0001"] == ("K_A", WAY_LAYAP)
    assert rows["TKG-0001"] == ("K_D", WAY_LAYAP)
    assert rows["CGK-0003"] == ("PP_X", None)


def test_officers_spellings_resolve_to_the_bps_village(warehouse):
    resolved = dict(
        warehouse.execute(
            "select desa || '|' || kecamatan || '|' || kabupaten, village_code"
            " from intermediate.int_addresses_resolved"
        ).fetchall()
    )
    assert resolved["DS. WAY LAYAP|Gedong Tataan|KAB. PESAWARAN"] == WAY_LAYAP
    assert resolved["Way Layap|GEDUNG TATAAN|Pesawaran"] == WAY_LAYAP
    assert resolved["Ambarawa|Kec. Ambarawa|Kabupaten Pringsewu"] == AMBARAWA


def test_nik_district_places_an_address_without_district_when_the_bridge_exists(warehouse):
    row = _one(
        warehouse,
        "select village_code, resolution_method, unresolved_reason"
        " from intermediate.int_addresses_resolved"
        " where desa = 'WAYLAYAP' and kecamatan is null and nik_district = '180901'",
    )
    if (PROJECT_DIR / "seeds" / "reference" / "kemendagri_districts.csv").exists():
        assert row == (WAY_LAYAP, "NIK_DISTRICT", None)
    else:
        assert row == (None, "UNRESOLVED", "REGENCY_MISSING")


def test_village_month_measures_follow_the_month_rules(warehouse):
    def measures(village: str, month: date) -> dict[str, int]:
        cur = warehouse.execute(
            "select * from marts.mart_village_risk where village_code = ? and month = ?",
            [village, month],
        )
        names = [d[0] for d in cur.description]
        return dict(zip(names, cur.fetchall()[0], strict=True))

    jan, feb, mar = (measures(WAY_LAYAP, date(2025, m, 1)) for m in (1, 2, 3))
    assert jan["procedural_placements"] == 1
    assert jan["passport_applications"] == 3  # A, C, E apply in January (B is in Ambarawa)
    assert feb["passport_postponements"] == 1  # decided 2 February
    assert jan["labour_destination_departures"] == 2  # Taiwan (procedural) and Malaysia
    assert jan["suspected_nonprocedural_departures"] == 1
    assert feb["labour_destination_departures"] == 1  # the Japan round trip
    assert mar["interdicted_persons"] == 2
    assert mar["timpora_findings"] == 5
    assert (jan["active_foreign_permits"], feb["active_foreign_permits"]) == (1, 0)

    amb_feb = measures(AMBARAWA, date(2025, 2, 1))
    assert amb_feb["tppo_victims"] == 1  # re-sent case: the victim counts once
    assert amb_feb["nonprocedural_complaints"] == 1
    assert amb_feb["active_foreign_permits"] == 1


def test_risk_ranks_are_a_permutation_per_month(warehouse):
    row = _one(
        warehouse,
        "select min(risk_rank), max(risk_rank), count(distinct risk_rank),"
        " min(risk_score), max(risk_score) from marts.mart_village_risk"
        " where month = date '2025-03-01'",
    )
    assert row[:3] == (1, N_VILLAGES, N_VILLAGES)
    assert 0 <= row[3] <= row[4] <= 100
    top = _one(
        warehouse,
        "select village_code from marts.mart_village_risk"
        " where month = date '2025-03-01' and risk_rank = 1",
    )
    assert top == (WAY_LAYAP,)


def test_regency_ratio_is_null_without_procedural_departures(warehouse):
    rows = dict(
        warehouse.execute(
            "select month, estimated_nonprocedural_ratio from marts.mart_regency_month"
            " where regency_code = '1809'"
        ).fetchall()
    )
    assert rows[date(2025, 1, 1)] == 1.0  # one suspected, one procedural
    assert rows[date(2025, 2, 1)] is None


def test_designated_villages_are_marked(warehouse):
    rows = dict(
        warehouse.execute(
            "select village_code, is_designated from marts.mart_desa_binaan_candidates"
            " where is_designated"
        ).fetchall()
    )
    assert rows == {WAY_LAYAP: True, AMBARAWA: True}


def test_informal_recruiter_aliases_form_one_cluster(warehouse):
    rows = warehouse.execute(
        "select recruiter_name, linked_complaints, interdictions, tppo_cases, victims"
        " from marts.mart_recruiter_watchlist where recruiter_type = 'INFORMAL'"
    ).fetchall()
    assert len(rows) == 1
    name, complaints, interdictions, cases, victims = rows[0]
    assert (complaints, interdictions, cases, victims) == (1, 1, 1, 4)
    assert name in ("SUDARMAN", "DARMAN")


def test_every_departure_keeps_the_rule_and_reason_that_decided_it(warehouse):
    rows = warehouse.execute(
        "select crossing_id, classification_rule, classification_reason from marts.fct_departures"
    ).fetchall()
    assert all(rule and reason for _, rule, reason in rows)
    rules = {c: r for c, r, _ in rows}
    assert rules == {"TKG-0001": "P", "BTM-0001": "S2", "CGK-0001": "N2", "CGK-0003": "S2",
                     "CGK-0005": "U1"}


def test_a_record_whose_nik_was_lost_links_to_its_person_by_name_birth_date_and_place(warehouse):
    rows = dict(
        warehouse.execute(
            "select record_source || ':' || record_id, person_key || '/' || link_method"
            " from intermediate.int_person_records_linked"
            " where record_id in ('PMH-001', 'KS-003', 'PP_A')"
        ).fetchall()
    )
    assert rows == {
        "PASSPORT_APPLICATION:PMH-001": "K_A/NIK",
        "TRAVELLER:PP_A": "K_A/PASSPORT",  # the passport issued on PMH-001
        "COMPLAINT:KS-003": "K_A/PROBABILISTIC",
    }
    weight = _one(
        warehouse,
        "select count(*) from intermediate.int_person_match_pairs where is_accepted"
        " and 'KS-003' in (record_id_l, record_id_r)",
    )
    assert weight == (1,)


def test_no_mart_holds_a_name_birth_date_nik_or_passport_number(warehouse):
    columns = warehouse.execute(
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'marts'"
    ).fetchall()
    identifying = {"nama", "person_name", "name_norm", "birth_date", "tgl_lahir", "nik",
                   "nik_clean", "nik_block", "nik_key", "no_paspor", "passport_key", "alamat"}
    assert not [(t, c) for t, c in columns if c in identifying]


def test_feed_quality_lists_every_processed_file(warehouse):
    rows = warehouse.execute(
        "select status, count(*) from marts.mart_feed_quality group by status order by status"
    ).fetchall()
    assert rows == [("DUPLICATE", 1), ("LOADED", len(FILES)), ("REJECTED", 5)]
    rejected = dict(warehouse.execute(
        "select file_name, source from marts.mart_feed_quality where status = 'REJECTED'"
    ).fetchall())
    assert rejected == {"stray.csv": "unknown", "kiriman/lain/2025-01-07/x.csv": "unknown",
                        "imigrasi/paspor/\u0662\u0660\u0662\u0665-01-01/x.csv": "imigrasi",
                        "polda/2024-06-01/y.csv": "polda", "old/stray.csv": "unknown"}
    # each rejected file keeps its reason (meta.deliveries.message) for the report
    reasons = dict(warehouse.execute(
        "select file_name, message from marts.mart_feed_quality where status = 'REJECTED'"
    ).fetchall())
    assert reasons["old/stray.csv"] == "not in the layout"
    assert all(reasons.values()), reasons


def test_unmapped_values_are_listed_with_what_was_done(warehouse):
    rows = {(r[0], r[1], r[2], r[3], r[4]): r[5:] for r in warehouse.execute(
        "select source, feed, field, value_kind, raw_value, n_rows, first_delivery_date,"
        " action from marts.mart_unmapped_values").fetchall()}
    assert set(rows) == {
        ("imigrasi", "wna", "kewarganegaraan", "COUNTRY", "Atlantis Raya"),
        ("imigrasi", "wna", "kabupaten", "REGENCY", "Negeri Antah Berantah"),
        ("imigrasi", "paspor", "tujuan_permohonan", "CODE", "NIK_<digits>"),
    }  # the placeholder TIDAK ADA is a missing value, not an unmapped one
    n, first, action = rows[("imigrasi", "wna", "kewarganegaraan", "COUNTRY", "Atlantis Raya")]
    assert (n, first) == (1, date(2025, 2, 15)) and "country_aliases.csv" in action
    n, _, action = rows[("imigrasi", "wna", "kabupaten", "REGENCY", "Negeri Antah Berantah")]
    assert n == 2 and "place_aliases.csv" in action
    assert rows[("imigrasi", "paspor", "tujuan_permohonan", "CODE", "NIK_<digits>")][0] == 2


def test_every_mart_column_carries_its_dbt_description_in_both_published_files(
        warehouse, tmp_path):
    """persist_docs writes each mart's and column's description as a DuckDB comment, and
    publish copies them into analytics.duckdb and dashboard.duckdb (issue: point 6)."""
    import shutil

    from tppo.config import Paths
    from tppo.publish import publish

    (path,) = [r[0] for r in warehouse.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()]
    warehouse.execute("checkpoint")  # this process holds the file: publish from a copy
    p = Paths(landing=tmp_path / "landing", home=tmp_path / "home")
    p.warehouse.parent.mkdir(parents=True)
    p.work.mkdir(parents=True)
    shutil.copyfile(path, p.warehouse)
    shutil.copytree(Path(path).parent.parent / "secrets", p.secrets)  # its key goes along
    assert publish(p)["action"] == "published"
    described = {(t, c): d for t, c, d in warehouse.execute(
        "select table_name, column_name, comment from duckdb_columns() "
        "where schema_name = 'marts'").fetchall()}
    assert described and all(described.values()), [k for k, d in described.items() if not d]
    for published in (p.analytics, p.dashboard):
        con = duckdb.connect(str(published), read_only=True)
        try:
            tables = con.execute("select table_name, comment from duckdb_tables() "
                                 "where schema_name = 'marts'").fetchall()
            columns = con.execute("select table_name, column_name, comment "
                                  "from duckdb_columns() where schema_name = 'marts'").fetchall()
        finally:
            con.close()
        assert len(tables) >= 6 and columns
        assert [t for t, d in tables if not d] == [], published
        assert [(t, c) for t, c, d in columns if not (d or "").strip()] == [], published
        for t, c, d in columns:
            if (t, c) in described:
                assert d == described[(t, c)], (published, t, c)
    with duckdb.connect(str(p.dashboard), read_only=True) as con:
        (flag,) = con.execute(
            "select comment from duckdb_columns() where table_name = 'mart_village_risk' "
            "and column_name = 'tppo_victims_suppressed'").fetchone()
    assert "1 to 4" in flag


def test_routes_count_departures_per_checkpoint_and_interdictions_per_place(warehouse):
    """mart_routes (issue 13): each departure at its exit checkpoint by class, the origin
    kept UNKNOWN for a traveller known by passport only; the interdiction's typed lokasi
    placed at Bakauheni with its two Pesawaran residents (not transit)."""
    rows = {r[:4]: r[4:] for r in warehouse.execute(
        "select month, origin_regency_code, checkpoint_code, destination_country, departures,"
        " procedural_departures, suspected_nonprocedural_departures, non_labour_departures,"
        " unresolved_departures, interdictions, interdicted_persons, is_transit"
        " from marts.mart_routes").fetchall()}
    jan, feb, mar = (date(2025, m, 1) for m in (1, 2, 3))
    assert rows[(jan, "1809", "TKG", "TWN")] == (1, 1, 0, 0, 0, 0, 0, False)
    assert rows[(jan, "1809", "BTM", "MYS")] == (1, 0, 1, 0, 0, 0, 0, False)
    assert rows[(feb, "UNKNOWN", "CGK", "MYS")] == (2, 0, 1, 0, 1, 0, 0, False)
    assert rows[(mar, "1809", "BKH", "MYS")] == (0, 0, 0, 0, 0, 1, 2, False)
    total = _one(warehouse, "select sum(departures) from marts.mart_routes")[0]
    assert total == _one(warehouse, "select count(*) from marts.fct_departures")[0]


# Foreign permit holders of Bakung (Teluk Betung Barat, Bandar Lampung), as of the latest
# delivery date 2025-03-16: one extended, one left after the end, one stayed on after the
# end (an arrival is their last crossing), one revoked on 2025-03-05 and still here.
BAKUNG = "1871010005"
BAKUNG_TEXT = {"desa": "Bakung", "kecamatan": "Teluk Betung Barat",
               "kabupaten": "Kota Bandar Lampung"}


def _permit(no: str, passport: str, start: date, end: date, status: str = "AKTIF") -> Row:
    return {"no_izin": no, "jenis_izin": "ITAS", "no_paspor_key": passport,
            "kewarganegaraan": "CHN", **BAKUNG_TEXT, "berlaku_dari_date": start,
            "berlaku_sampai_date": end, "status": status}


FILES.extend([
    ("imigrasi", "wna", "2025-01-20", "wna_BDL_20250120.csv", [
        _permit("WNA-020", "PX_EXTENDED", date(2024, 2, 1), date(2025, 1, 31)),
        _permit("WNA-021", "PX_EXTENDED", date(2025, 2, 1), date(2026, 1, 31)),
        _permit("WNA-022", "PX_LEFT", date(2024, 2, 1), date(2025, 1, 31)),
        _permit("WNA-023", "PX_STAYED", date(2024, 2, 1), date(2025, 1, 31)),
        _permit("WNA-024", "PX_REVOKED", date(2025, 1, 1), date(2025, 12, 31)),
    ], []),
    ("imigrasi", "wna", "2025-03-05", "wna_BDL_20250305.csv", [
        _permit("WNA-024", "PX_REVOKED", date(2025, 1, 1), date(2025, 12, 31), "DICABUT"),
    ], []),
    ("imigrasi", "perlintasan", "2025-02-03", "perlintasan_CGK_20250203.csv", [
        _crossing("CGK", "900001", datetime(2024, 12, 20, 9), "KEDATANGAN", "PX_STAYED", "CHN",
                  "CHN"),
        _crossing("CGK", "900002", datetime(2025, 2, 3, 21), "KEBERANGKATAN", "PX_LEFT", "CHN",
                  "CHN"),
    ], []),
    ("imigrasi", "timpora", "2025-03-14", "timpora_BDL_20250314.csv", [
        {"no_operasi": "OP-009", "tgl_operasi_date": date(2025, 3, 13),
         "jenis_temuan": "WNA_OVERSTAY", "jumlah_orang_int": 1, **BAKUNG_TEXT},
    ], []),
])


def test_permit_overstays_are_ended_permits_without_extension_or_exit(warehouse):
    """mart_permit_overstays (issue 13): an expired permit with an extension is not an
    overstay, nor one whose holder left after the end; an expired one whose holder's last
    crossing is an arrival is, and so is a revoked (DICABUT) one; pseudonyms only."""
    rows = {r[0]: r[1:] for r in warehouse.execute(
        "select person_key, end_reason, ended_on, days_overdue, as_of_date, village_code,"
        " office_code, has_crossings, timpora_foreigner_findings_since"
        " from marts.mart_permit_overstays where village_code = ?", [BAKUNG]).fetchall()}
    as_of = date(2025, 3, 16)
    assert rows == {
        "PX_STAYED": ("BERAKHIR", date(2025, 1, 31), 44, as_of, BAKUNG, "BDL", True, 1),
        "PX_REVOKED": ("DICABUT", date(2025, 3, 5), 11, as_of, BAKUNG, "BDL", False, 1),
    }
    cols = {r[0] for r in warehouse.execute(
        "select column_name from duckdb_columns() where table_name = 'mart_permit_overstays'"
    ).fetchall()}
    assert not cols & {"permit_id", "no_izin", "passport_key", "nama", "no_paspor"}


def test_village_foreigner_months_and_operation_targets(warehouse):
    """mart_village_foreigners_month counts the holders overstaying at each month's
    checkpoint and the Timpora foreigner findings; mart_operation_targets ranks every
    village once per office, with the months since the last operation NULL for never."""
    months = dict(warehouse.execute(
        "select month, (active_foreign_permits, overstays_open, timpora_foreigner_findings,"
        " timpora_operations) from marts.mart_village_foreigners_month"
        " where village_code = ? order by month", [BAKUNG]).fetchall())
    jan, feb, mar = (date(2025, m, 1) for m in (1, 2, 3))
    assert months[jan] == (4, 0, 0, 0)  # all four permits run on 31 January
    assert months[feb] == (2, 1, 0, 0)  # the extension and WNA-024; PX_STAYED overstays
    assert months[mar] == (1, 2, 1, 1)  # WNA-024 revoked on 5 March
    targets = warehouse.execute(
        "select office_code, count(*), count(distinct village_code), max(target_rank),"
        " count(*) filter (where months_since_last_operation is null)"
        " from marts.mart_operation_targets group by office_code order by 1").fetchall()
    assert sum(r[1] for r in targets) == N_VILLAGES
    assert all(r[1] == r[2] == r[3] for r in targets)
    assert [r[0] for r in targets] == ["BDL", "KTB"]
    bakung = warehouse.execute(
        "select overstays_open, active_foreign_permits, months_since_last_operation,"
        " recency_factor, target_reason from marts.mart_operation_targets"
        " where village_code = ?", [BAKUNG]).fetchone()
    assert bakung[:4] == (2, 1, 0, 0.4)
    assert "2 WNA melewati izin tinggal" in bakung[4]


def test_licence_history_has_one_row_per_status_period(warehouse):
    """The register's weekly snapshots become periods of unchanged status (issue 13, point
    4): PT CONTOH JAYA active from its tgl_status until it was frozen on 28 February."""
    rows = warehouse.execute(
        "select agency_id, period_number, agency_name, licence_status, valid_from, valid_to,"
        " is_current from marts.mart_p3mi_licence_history order by agency_id, period_number"
    ).fetchall()
    assert rows == [
        ("P3MI-01", 1, "PT CONTOH JAYA", "AKTIF", date(2020, 5, 1), date(2025, 2, 28), False),
        ("P3MI-01", 2, "PT CONTOH JAYA", "DIBEKUKAN", date(2025, 2, 28), None, True),
    ]


def test_each_designation_of_the_seed_has_its_before_and_after(warehouse):
    """Desa Binaan Imigrasi and Desa Migran Emas both come from the seed (issue 13, point
    5): every designation is a row of mart_designation_trends, and the candidates mark a
    Desa Migran Emas without counting it as designated Desa Binaan Imigrasi."""
    trends = warehouse.execute(
        "select village_code, program, months_before, months_after"
        " from marts.mart_designation_trends order by all"
    ).fetchall()
    assert trends == [
        ("1804072005", "DESA_MIGRAN_EMAS", 3, 0),
        (WAY_LAYAP, "DESA_BINAAN_IMIGRASI", 3, 0),
        (AMBARAWA, "DESA_BINAAN_IMIGRASI", 3, 0),
    ]
    marked = warehouse.execute(
        "select is_designated, is_desa_migran_emas, dme_designated_on"
        " from marts.mart_desa_binaan_candidates where village_code = '1804072005'"
    ).fetchall()
    assert marked == [(False, True, date(2025, 7, 31))]
