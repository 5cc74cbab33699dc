"""Privacy end to end, through the whole DAG as `make run` drives it.

Tiny synthetic feeds plus hand-made deliveries with known people ("canaries"):
one who applies for a passport, crosses a border and is a victim in a police
case; people whose rows break and go to the quarantine; one delivered long
ago. Then: every column of both published files, the report, the Data Docs
and the logs are searched for every identifier the deliveries held; one person
is erased and re-delivered; a retention period is set.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

from ingest.feeds import feed
from tests.conftest import paspor_row, write_csv, write_jsonl
from tests.duck import open_db
from tests.privacy.disclosure import exposures
from tests.privacy.leaks import collect, scan_duckdb, scan_text, scan_tree
from tppo.config import Paths
from tppo.privacy import suppression as sup
from tppo.privacy.erasure import WITHHELD_REASON
from tppo.pseudonym import Pseudonymiser
from tppo.publish import DASHBOARD_SPECS, _order_by, publish
from tppo.warehouse import WAREHOUSE_KEY, is_encrypted, open_warehouse

pytestmark = pytest.mark.slow
TPPO = str(Path(sys.executable).with_name("tppo"))
KEY = "privacy-e2e-key"
PSEUDO = Pseudonymiser(KEY.encode())
# the person who is erased: applies, crosses, is a victim
NIK_A, NAME_A, PASSPORT_A = "1809054506907771", "ZAHRANI KANARIYAH", "C7777771"
NIK_B, NAME_B = "1809055203887772", "WIDURI KANARIYAH"      # row quarantined (bad date)
NIK_C, NAME_C = "1809051107857773", "JOKO KANARIYANTO"      # line quarantined (broken)
NIK_D, NAME_D = "1809050102807774", "RUSDI KANARIYADI"      # witness in the case
NIK_E, NAME_E = "1809050303837775", "SUTINAH KANARIYATI"    # truncated JSON line
NIK_F, NAME_F = "1809050404847776", "MARDIYAH KANARIYAH"    # delivered long ago
WAY_LAYAP = dict(desa="WAY LAYAP", kecamatan="GEDONG TATAAN", kabupaten="KAB. PESAWARAN")


def _run(env: dict[str, str], *args: str, stdin: str | None = None
         ) -> subprocess.CompletedProcess:
    return subprocess.run([TPPO, *args], env=env, capture_output=True, text=True, check=False,
                          timeout=900, input=stdin)


def _crossing(no: str, passport: str, when: str) -> list[str]:
    values = {"kode_tpi": "CGK", "no_perlintasan": no, "waktu": when, "arah": "KEBERANGKATAN",
              "no_paspor": passport, "kewarganegaraan": "INDONESIA", "nama": NAME_A,
              "tgl_lahir": "05/06/1990", "jenis_kelamin": "P", "negara": "MALAYSIA",
              "no_penerbangan": "AK381"}
    return [values[c] for c in feed("perlintasan").columns]


def _person(role: str, nik: str, name: str, born: str) -> dict:
    return {"peran": role, "nik": nik, "nama": name, "alias": None, "tgl_lahir": born,
            "jenis_kelamin": "P", **WAY_LAYAP}


def _deliver_canaries(landing: Path) -> None:
    header = list(feed("paspor").columns)
    apply_a = dict(status="TERBIT", no_paspor=PASSPORT_A, tujuan_permohonan="BEKERJA",
                   tgl_keputusan="12/09/2025", tgl="10/09/2025", **WAY_LAYAP)
    write_csv(landing / "imigrasi/paspor/2025-09-18/paspor_BDL_20250918_uji.csv", header, [
        paspor_row("UJI-A-1", nik=NIK_A, nama=NAME_A, **apply_a),
        paspor_row("UJI-B-1", nik=NIK_B, nama=NAME_B, tgl="tanggal?"),
    ], raw_lines=[f"UJI-C-1;BDL;10/09/2025;{NIK_C};{NAME_C};broken"])
    write_csv(landing / "imigrasi/perlintasan/2025-09-18/perlintasan_CGK_20250918_uji.csv",
              list(feed("perlintasan").columns),
              [_crossing("UJI0001", PASSPORT_A, "16/09/2025 22:10:00")])
    case = {"nomor_lp": "LP/UJI/1/IX/2025", "tgl_lapor": "2025-09-17",
            "tgl_kejadian": "2025-09-16", "satuan": "POLDA LAMPUNG",
            "modus": "PMI_NONPROSEDURAL", "negara_tujuan": "MALAYSIA",
            "lokasi_kabupaten": "PESAWARAN", "tahap": "LIDIK",
            "diperbarui_pada": "2025-09-17T10:00:00+07:00",
            "pihak": [_person("KORBAN", NIK_A, NAME_A, "1990-06-05"),
                      _person("SAKSI", NIK_D, NAME_D, "1980-02-01")]}
    write_jsonl(landing / "polda/kasus_tppo/2025-09-18/kasus_tppo_20250918_uji.jsonl",
                [case, f'{{"nomor_lp": "LP/UJI/2", "pihak": [{{"nik": "{NIK_E}", '
                       f'"nama": "{NAME_E}", "tgl_la'])
    write_csv(landing / "imigrasi/paspor/2024-08-01/paspor_KTB_20240801_uji.csv", header,
              [paspor_row("UJI-F-1", nik=NIK_F, nama=NAME_F, tgl="01/08/2024", **WAY_LAYAP)])


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Synthetic feeds, the canaries, and one successful run."""
    root = tmp_path_factory.mktemp("privacy")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPPO_")}
    env.update(TPPO_LANDING=str(root / "landing"), TPPO_HOME=str(root / "home"),
               TPPO_PSEUDONYM_KEY=KEY, TPPO_RETRY_DELAY_SECONDS="1")
    synth = _run(env, "synth", "--out", str(root), "--seed", "11", "--start", "2025-08-01",
                 "--days", "45", "--scale", "0.02")
    assert synth.returncode == 0, synth.stderr[-3000:]
    _deliver_canaries(root / "landing")
    run = _run(env, "run", "--logical-date", "2025-09-20")
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-5000:]
    p = Paths(landing=root / "landing", home=root / "home")
    return p, env, run, collect(p.landing, root / "truth")


def _published_leaks(p: Paths, ids, outputs: str) -> list:
    leaks = scan_duckdb(p.analytics, ids, allow_recruiter_names=True)
    leaks += scan_duckdb(p.dashboard, ids, allow_recruiter_names=False)
    leaks += scan_tree(p.home, ids, skip=(p.restricted, p.secrets, p.analytics, p.dashboard))
    return leaks + scan_text(outputs, ids, "tppo run output")


def test_no_identifier_reaches_published_files_report_data_docs_or_logs(world):
    p, _, run, ids = world
    assert {NIK_A, NIK_B, NIK_C, NIK_D, NIK_E, NIK_F} <= ids.niks
    assert PASSPORT_A in ids.passports and NAME_A in ids.names and len(ids.niks) > 500
    assert list(p.reports.glob("*/index.html")) and list(p.validation.rglob("*.html"))
    # the search finds them where they legitimately are: the restricted warehouse
    restricted = {leak.kind for leak in scan_duckdb(p.warehouse, ids, False)}
    assert restricted == {"NIK", "passport", "name", "birth date"}
    assert _published_leaks(p, ids, run.stdout + run.stderr) == []


def test_the_restricted_warehouse_is_encrypted_and_its_key_is_nowhere_else(world):
    """Issue 12, point 2: no NIK, name or passport number of the deliveries in the bytes
    of any file of restricted storage (the warehouse and its log), though they are inside
    (the test above reads them through the key); the key itself in no file but its own."""
    p, _, _, ids = world
    files = [f for f in p.restricted.rglob("*") if f.is_file()]
    assert p.warehouse in files and is_encrypted(p.warehouse)
    # (names of 8 characters or more: a shorter run of letters turns up in random bytes)
    needles = sorted(ids.niks | ids.passports | {n for n in ids.names if len(n) >= 8})
    assert len(needles) > 1000 and NAME_A in needles
    for f in files:
        data = f.read_bytes()
        found = [n for n in needles if n.encode() in data]
        assert found == [], f"{f} holds {len(found)} identifier(s) in clear"
    key = (p.secrets / WAREHOUSE_KEY.file_name).read_text().strip()
    assert len(key) == 64
    holders = [f for f in p.home.rglob("*") if f.is_file() and p.secrets not in f.parents
               and key.encode() in f.read_bytes()]
    assert holders == []


def test_quarantined_lines_keep_their_text_only_in_restricted_storage(world):
    p, _, _, _ = world
    with open_warehouse(p.warehouse, read_only=True) as con:
        texts = [r[0] for r in con.execute("SELECT raw_text FROM meta.quarantine "
                                           "WHERE raw_text IS NOT NULL").fetchall()]
    assert any(NIK_C in t for t in texts) and any(NIK_E in t for t in texts)
    assert oct(p.restricted.stat().st_mode & 0o777) == "0o700"


def test_dashboard_copy_hides_small_cells_informal_recruiters_and_every_derivation(world):
    p, _, _, _ = world
    con = duckdb.connect()
    con.execute(f"ATTACH '{p.analytics}' AS wh (READ_ONLY)")
    con.execute(f"ATTACH '{p.dashboard}' AS dash (READ_ONLY)")
    assert con.execute("SELECT count(*) FROM dash.marts.mart_recruiter_watchlist "
                       "WHERE recruiter_type <> 'LICENSED_P3MI'").fetchall() == [(0,)]
    frames, hidden = {}, {}
    for table in (sup.VILLAGES, sup.REGENCIES, sup.CANDIDATES):
        order = _order_by(con, table)
        frames[table] = con.sql(f"SELECT * FROM wh.marts.{table} ORDER BY {order}").pl()
        hidden[table] = con.sql(f"SELECT * FROM dash.marts.{table} ORDER BY {order}").pl()
    checked = 0
    for m in DASHBOARD_SPECS[sup.VILLAGES].measures:
        have = {t for t in frames if m in frames[t].columns}
        values = {t: frames[t][m].to_numpy().astype(np.int64) for t in have}
        flags = {t: hidden[t][f"{m}_suppressed"].to_numpy() for t in have}
        for t in have:
            shown = hidden[t][m].drop_nulls().to_numpy()
            assert not ((shown >= 1) & (shown <= 4)).any(), (t, m)
            assert (hidden[t][m].is_null().to_numpy() == flags[t]).all()
        internal = [line for line in sup.linked_lines(frames, have) if line.margin is not None]
        assert exposures(values, flags, internal) == [], m
        checked += sum(int(f.sum()) for f in flags.values())
    assert checked > 50


def test_dashboard_scores_do_not_depend_on_what_hidden_cells_hold(world, tmp_path):
    p, _, _, _ = world
    copy = Paths(landing=p.landing, home=tmp_path / "home")
    copy.home.mkdir()
    for sub in ("restricted", "work", "secrets"):  # the warehouse, its key, dbt's models
        shutil.copytree(p.home / sub, copy.home / sub)
    with duckdb.connect(str(p.dashboard), read_only=True) as dash:
        flagged = dash.sql("SELECT village_code, month, * EXCLUDE (village_code, month) "
                           "FROM marts.mart_village_risk").pl()
    measures = [m for m in DASHBOARD_SPECS[sup.VILLAGES].measures
                if f"{m}_suppressed" in flagged.columns]
    with open_warehouse(copy.warehouse) as con:
        for m in measures:  # change every hidden cell in what dbt's scoring model reads
            keys = flagged.filter(flagged[f"{m}_suppressed"]).select("village_code", "month")
            con.register("hidden_keys", keys)
            con.execute(f"UPDATE intermediate.int_village_months_measured AS t SET {m} = "
                        f"{m} + 37 FROM hidden_keys AS h WHERE t.village_code = h.village_code "
                        "AND t.month = h.month")
    assert publish(copy)["action"] == "published"
    q = ("SELECT village_code, month, risk_score, risk_rank, risk_tier FROM "
         "marts.mart_village_risk ORDER BY ALL")
    with duckdb.connect(str(p.dashboard), read_only=True) as a, \
            duckdb.connect(str(copy.dashboard), read_only=True) as b:
        assert a.execute(q).fetchall() == b.execute(q).fetchall()


@pytest.fixture(scope="module")
def erased(world):
    p, env, _, _ = world
    with duckdb.connect(str(p.analytics), read_only=True) as con:
        before = con.execute("SELECT count(*) FROM marts.fct_departures "
                             "WHERE crossing_id = 'CGK-UJI0001'").fetchall()[0][0]
    out = _run(env, "privacy", "erase", "--reference", "UJI-1", stdin=NIK_A + "\n")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return before, out


def _mentions(path: Path, needles: list[str]) -> list[str]:
    found = []
    with open_db(path) as con:
        for schema, table, column in con.execute(
                "SELECT table_schema, table_name, column_name FROM information_schema.columns "
                "WHERE data_type = 'VARCHAR'").fetchall():
            cond = " OR ".join(f'strpos(upper("{column}"), ?) > 0' for _ in needles)
            if con.execute(f'SELECT count(*) FROM {schema}."{table}" WHERE {cond}',
                           needles).fetchall()[0][0]:
                found.append(f"{schema}.{table}.{column}")
    return found


def test_erasure_leaves_nothing_of_the_person_in_restricted_or_published_data(world, erased):
    p, _, _, _ = world
    before, out = erased
    assert before == 1  # the crossing was linked and published before the erasure
    assert NIK_A not in out.stdout + out.stderr
    needles = [NIK_A, PASSPORT_A, NAME_A, PSEUDO("nik", NIK_A), PSEUDO("paspor", PASSPORT_A),
               "UJI-A-1", "UJI0001"]
    for path in (p.warehouse, p.analytics, p.dashboard):
        assert _mentions(path, needles) == [], path
    assert NIK_A.encode() not in p.warehouse.read_bytes()  # compacted: no freed blocks left
    with open_warehouse(p.warehouse, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.polda__kasus_tppo_pihak "
                           "WHERE nomor_lp = 'LP/UJI/1/IX/2025'").fetchall() == [(1,)]
        markers = con.execute("SELECT kind, marker FROM meta.erasures").fetchall()
    assert sorted(k for k, _ in markers) == ["nik", "paspor"]
    assert not {m for _, m in markers} & {NIK_A, PSEUDO("nik", NIK_A)}


@pytest.fixture(scope="module")
def second_run(world, erased):
    """The erased person delivered again, and a retention period of one year."""
    p, env, _, _ = world
    header = list(feed("paspor").columns)
    write_csv(p.landing / "imigrasi/paspor/2025-09-20/paspor_BDL_20250920_uji.csv", header, [
        paspor_row("UJI-A-2", nik=NIK_A, nama=NAME_A, tgl="19/09/2025", **WAY_LAYAP),
        paspor_row("UJI-G-2", nik="1809050505867778", nama="NINGSIH", tgl="19/09/2025",
                   **WAY_LAYAP)])
    write_csv(p.landing / "imigrasi/perlintasan/2025-09-20/perlintasan_CGK_20250920_uji.csv",
              list(feed("perlintasan").columns),
              [_crossing("UJI0002", PASSPORT_A, "19/09/2025 21:00:00")])
    with duckdb.connect(str(p.analytics), read_only=True) as con:
        old = con.execute("SELECT sum(passport_applications) FROM marts.mart_village_risk "
                          "WHERE month = DATE '2024-08-01'").fetchall()[0][0]
    run = _run({**env, "TPPO_RETENTION_YEARS": "1"}, "run", "--logical-date", "2025-09-20")
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-5000:]
    return old, run


def test_a_redelivered_erased_person_is_withheld_and_files_still_reconcile(world, second_run):
    p, _, _, _ = world
    assert _mentions(p.warehouse, [NIK_A, PASSPORT_A, NAME_A, PSEUDO("nik", NIK_A)]) == []
    with open_warehouse(p.warehouse, read_only=True) as con:
        withheld = con.execute("SELECT feed, count(*), count(raw_text) FROM meta.quarantine "
                               "WHERE reason = ? GROUP BY ALL ORDER BY ALL",
                               [WITHHELD_REASON]).fetchall()
        assert withheld == [("paspor", 1, 0), ("perlintasan", 1, 0)]
        assert con.execute("SELECT count(*) FROM raw.imigrasi__paspor "
                           "WHERE no_permohonan = 'UJI-G-2'").fetchall() == [(1,)]
    with duckdb.connect(str(p.analytics), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.mart_feed_quality "
                           "WHERE NOT is_reconciled").fetchall() == [(0,)]


def test_retention_drops_raw_records_older_than_the_period_for_good(world, second_run):
    p, _, _, _ = world
    old, _ = second_run
    assert old >= 1
    assert _mentions(p.warehouse, [NIK_F, NAME_F, PSEUDO("nik", NIK_F)]) == []
    assert NIK_F.encode() not in p.warehouse.read_bytes()
    with open_warehouse(p.warehouse, read_only=True) as con:
        assert con.execute("SELECT status FROM meta.deliveries WHERE file_name LIKE "
                           "'%paspor_KTB_20240801_uji.csv'").fetchall() == [("LOADED",)]
        assert con.execute("SELECT min(_delivery_date) >= DATE '2024-09-20' "
                           "FROM raw.imigrasi__paspor").fetchall() == [(True,)]
    with duckdb.connect(str(p.analytics), read_only=True) as con:
        assert con.execute("SELECT sum(passport_applications) FROM marts.mart_village_risk "
                           "WHERE month = DATE '2024-08-01'").fetchall() == [(old - 1,)]


def test_after_erasure_and_retention_still_no_identifier_in_outputs(world, second_run):
    p, _, _, ids = world
    _, run = second_run
    assert _published_leaks(p, ids, run.stdout + run.stderr) == []
    state = json.loads((p.home / "published.json").read_text())
    assert state["fingerprint"]


def test_dashboard_copy_of_foreigners_and_operation_targets_shows_no_small_cell(world):
    """Issue 13: the copy holds only counts of the foreigners' marts, never 1-4; a cell the
    village copy hides for the same figure (or the whole it is part of) is hidden too; the
    operation targets carry no reason text and share their score with the analysts' file."""
    p, _, _, _ = world
    con = duckdb.connect()
    con.execute(f"ATTACH '{p.analytics}' AS wh (READ_ONLY)")
    con.execute(f"ATTACH '{p.dashboard}' AS dash (READ_ONLY)")
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'dash'").fetchall()}
    assert "mart_permit_overstays" not in tables
    for table in (sup.FOREIGNERS, sup.TARGETS):
        cols = [c for c, in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'dash' "
            "AND table_name = ? AND column_name LIKE '%\\_suppressed' ESCAPE '\\'",
            [table]).fetchall()]
        assert cols, table
        for flag in cols:
            m = flag.removesuffix("_suppressed")
            small, mismatched = con.execute(
                f"SELECT count(*) FILTER (WHERE {m} BETWEEN 1 AND 4), "
                f"count(*) FILTER (WHERE ({m} IS NULL) <> {flag}) FROM dash.marts.{table}"
            ).fetchall()[0]
            assert (small, mismatched) == (0, 0), (table, m)
    unfollowed = con.execute(f"""
        SELECT count(*) FROM dash.marts.{sup.FOREIGNERS} AS f
        JOIN dash.marts.mart_village_risk AS v USING (village_code, month)
        WHERE (v.active_foreign_permits_suppressed AND NOT f.active_foreign_permits_suppressed)
           OR (v.timpora_findings_suppressed AND NOT f.timpora_foreigner_findings_suppressed)
    """).fetchall()[0][0]
    assert unfollowed == 0
    differ = con.execute(f"""
        SELECT count(*) FILTER (WHERE d.target_reason IS NOT NULL),
               count(*) FILTER (WHERE d.target_score <> a.target_score
                                OR d.target_rank <> a.target_rank)
        FROM dash.marts.{sup.TARGETS} AS d JOIN wh.marts.{sup.TARGETS} AS a USING (village_code)
    """).fetchall()[0]
    assert differ == (0, 0)
