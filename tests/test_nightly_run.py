"""The whole nightly run through Airflow, as `make run` does it, on tiny synthetic feeds."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from http.server import HTTPServer
from pathlib import Path

import duckdb
import pytest

from tests.test_alerts import _Hook, _serve
from tppo.publish import DASHBOARD_MARTS, MART_CONTRACT, published_marts

pytestmark = pytest.mark.slow
TPPO = str(Path(sys.executable).with_name("tppo"))
ALL_TASKS = {"discover", "dbt_build", "validate_marts", "publish", "report",
             *(f"ingest_{f}" for f in ("paspor", "perlintasan", "wna", "timpora", "penempatan",
                                       "p3mi", "pengaduan", "kasus_tppo", "penggagalan"))}


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([TPPO, *args], env=env, capture_output=True, text=True, check=False,
                          timeout=900)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _task_states(stdout: str) -> dict[str, str]:
    states = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ALL_TASKS:
            states[parts[0]] = parts[1]
    return states


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Tiny synthetic feeds and one successful run over them."""
    root = tmp_path_factory.mktemp("e2e")
    env = {**os.environ, "TPPO_LANDING": str(root / "landing"), "TPPO_HOME": str(root / "home"),
           "TPPO_PSEUDONYM_KEY": "e2e-test-key", "TPPO_RETRY_DELAY_SECONDS": "1"}
    synth = _run(env, "synth", "--out", str(root), "--seed", "11", "--start", "2025-08-01",
                 "--days", "45", "--scale", "0.02")
    assert synth.returncode == 0, synth.stderr[-3000:]
    run = _run(env, "run", "--logical-date", "2025-09-20")
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-5000:]
    return root, env, run


def test_first_run_succeeds_in_every_task(world):
    _, _, run = world
    states = _task_states(run.stdout)
    assert set(states) == ALL_TASKS
    assert set(states.values()) == {"success"}


def test_the_run_shows_each_task_as_it_goes_with_durations_and_rows_per_feed(world):
    _, _, run = world
    lines = [x for x in run.stdout.splitlines() if x.startswith("[")]
    finished = {x.split()[2]: x for x in lines if x.split()[1] == "success"}
    assert set(finished) == ALL_TASKS
    assert " s" in finished["dbt_build"]
    loaded = finished["ingest_paspor"]
    assert "rows loaded" in loaded and int(loaded.split("file(s), ")[1].split()[0]
                                           .replace(",", "")) > 0
    # printed before the end-of-run summary, i.e. as the run went
    assert run.stdout.index(finished["report"]) < run.stdout.index("DAG tppo_nightly run")
    # inside the long tasks: percentage done and rows per second, before the task ended
    progress = [x for x in lines if x.split()[1] == "progress"]
    read = [x for x in progress if x.split()[2:4] == ["ingest_paspor", "read"]]
    assert read and "100 %" in read[-1] and "files" in read[-1] and "rows/s" in read[-1]
    assert run.stdout.index(read[-1]) < run.stdout.index(finished["ingest_paspor"])
    assert any(x.split()[2:4] == ["ingest_paspor", "audit"] for x in progress)
    nodes = [x for x in progress if x.split()[2] == "dbt_build"]
    assert nodes and "100 %" in nodes[-1] and "nodes" in nodes[-1]
    assert run.stdout.index(nodes[-1]) < run.stdout.index(finished["dbt_build"])


def test_published_files_hold_the_contracted_marts(world):
    root, _, _ = world
    home = root / "home"
    with duckdb.connect(str(home / "analytics.duckdb"), read_only=True) as con:
        for mart, cols in MART_CONTRACT.items():
            have = {r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema='marts' "
                "AND table_name = ?", [mart]).fetchall()}
            assert have, f"analytics.duckdb lacks marts.{mart}"
            assert set(cols) <= have
        months, rows = con.execute("SELECT count(DISTINCT month), count(*) "
                                   "FROM marts.mart_village_risk").fetchall()[0]
        assert months >= 2 and rows == months * 2642
        loaded = con.execute("SELECT count(*), sum(rows_loaded) FROM marts.mart_feed_quality "
                             "WHERE status = 'LOADED'").fetchall()[0]
        assert loaded[0] > 0 and loaded[1] > 0
    with duckdb.connect(str(home / "dashboard.duckdb"), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_schema = 'marts'").fetchall()}
        assert tables == set(DASHBOARD_MARTS)
    for f, marts in published_marts().items():  # what the DAG declares as its Assets
        with duckdb.connect(str(home / f"{f}.duckdb"), read_only=True) as con:
            held = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                              "WHERE table_schema = 'marts'").fetchall()}
            assert held == set(marts), f
    with duckdb.connect(str(home / "dashboard.duckdb"), read_only=True) as con:
        small = con.execute("SELECT count(*) FROM marts.mart_village_risk "
                            "WHERE tppo_victims BETWEEN 1 AND 4").fetchall()[0][0]
    assert small == 0
    reports = list((home / "reports").glob("*/index.html"))
    assert len(reports) == 1
    page = reports[0].read_text()
    assert "desa dengan risiko tertinggi" in page and "Kualitas data" in page
    assert "http://" not in page and "https://" not in page


def test_rerun_with_nothing_new_leaves_published_files_byte_identical(world):
    root, env, _ = world
    home = root / "home"
    before = {n: (_digest(home / n), (home / n).stat().st_ino)
              for n in ("analytics.duckdb", "dashboard.duckdb")}
    again = _run(env, "run", "--logical-date", "2025-09-20")
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    after = {n: (_digest(home / n), (home / n).stat().st_ino) for n in before}
    assert after == before


def test_invalid_delivery_fails_the_run_and_leaves_published_files_untouched(world):
    root, env, _ = world
    home, landing = root / "home", root / "landing"
    before = {n: (_digest(home / n), (home / n).stat().st_ino)
              for n in ("analytics.duckdb", "dashboard.duckdb")}
    reader = duckdb.connect(str(home / "analytics.duckdb"), read_only=True)
    seen = reader.execute("SELECT count(*) FROM marts.mart_feed_quality").fetchall()
    source = next((landing / "imigrasi" / "paspor").rglob("*.csv"))
    bad_dir = landing / "imigrasi" / "paspor" / "2025-09-19"
    bad_dir.mkdir(parents=True, exist_ok=True)
    bad = bad_dir / "paspor_BDL_20250919_rusak.csv"
    text = source.read_bytes().decode("utf-8-sig")
    header, *rows = text.split("\r\n")
    cols = header.split(";")
    status = cols.index("status")
    broken = []
    for i, row in enumerate(r for r in rows if r):
        cells = row.split(";")
        if len(cells) == len(cols):
            cells[0] = f"RUSAK-{i}"
            cells[status] = "TIDAK_JELAS"
            broken.append(";".join(cells))
    assert broken
    bad.write_bytes(("\r\n".join([header, *broken]) + "\r\n").encode())
    hook = _serve(HTTPServer(("127.0.0.1", 0), _Hook))
    url = f"http://127.0.0.1:{hook.server_address[1]}/"
    try:
        failed = _run({**env, "TPPO_NOTIFY_WEBHOOK": url}, "run", "--logical-date", "2025-09-20")
        assert failed.returncode != 0
        assert "ingest_paspor" in failed.stderr + failed.stdout
        # the DAG's failure callback told the webhook and the alerts folder, without data
        ((_, payload),) = hook.received
        assert payload["event"] == "failed" and "ingest_paspor" in payload["failed_tasks"]
        assert "RUSAK" not in str(payload) and "TIDAK_JELAS" not in str(payload)
        assert list((home / "alerts").glob("*.failed.txt"))
        assert "expect_column_values_to_be_in_set(status)" in failed.stdout + failed.stderr
        after = {n: (_digest(home / n), (home / n).stat().st_ino) for n in before}
        assert after == before
        assert reader.execute("SELECT count(*) FROM marts.mart_feed_quality").fetchall() == seen
    finally:
        hook.shutdown()
        hook.server_close()
        reader.close()
        shutil.rmtree(bad_dir)


def test_reader_holding_the_old_file_is_not_disturbed_by_a_publishing_run(world):
    root, env, _ = world
    home, landing = root / "home", root / "landing"
    reader = duckdb.connect(str(home / "analytics.duckdb"), read_only=True)
    old_files = reader.execute("SELECT count(*) FROM marts.mart_feed_quality").fetchall()[0][0]
    old_inode = (home / "analytics.duckdb").stat().st_ino
    source = sorted((landing / "imigrasi" / "paspor").rglob("*.csv"))[0]
    new_dir = landing / "imigrasi" / "paspor" / "2025-09-20"
    new_dir.mkdir(parents=True, exist_ok=True)
    text = source.read_bytes().decode("utf-8-sig")
    header, *rows = [r for r in text.split("\r\n") if r]
    fresh = [f"BARU-{i};" + r.split(";", 1)[1] for i, r in enumerate(rows)]
    (new_dir / "paspor_KTB_20250920.csv").write_bytes(
        ("\r\n".join([header, *fresh]) + "\r\n").encode())
    try:
        run = _run(env, "run", "--logical-date", "2025-09-20")
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert (home / "analytics.duckdb").stat().st_ino != old_inode
        still = reader.execute("SELECT count(*) FROM marts.mart_feed_quality").fetchall()[0][0]
        assert still == old_files
    finally:
        reader.close()
    with duckdb.connect(str(home / "analytics.duckdb"), read_only=True) as fresh_reader:
        now = dict(fresh_reader.execute(
            "SELECT regexp_extract(file_name, '[^/]+$'), status FROM marts.mart_feed_quality "
            "WHERE delivery_date >= DATE '2025-09-19' AND feed = 'paspor'").fetchall())
    # the new file, and the one rejected by the previous run, now visible to readers
    assert now["paspor_KTB_20250920.csv"] == "LOADED"
    assert now["paspor_BDL_20250919_rusak.csv"] == "REJECTED"
