"""Faults a nightly run must survive (RELIABILITY.md): two runs at once, kill -9."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tppo.warehouse import open_warehouse

pytestmark = pytest.mark.slow
TPPO = str(Path(sys.executable).with_name("tppo"))
DAY = "2025-09-01"


def _start(env: dict[str, str], log: Path) -> subprocess.Popen:
    fh = open(log, "w")  # noqa: SIM115  (closed with the process)
    return subprocess.Popen([TPPO, "run", "--logical-date", DAY, "--verbose"], env=env, stdout=fh,
                            stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for(log: Path, text: str, proc: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            raise AssertionError(f"run ended before {text!r}:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not seen within {timeout} s")


def _published(home: Path) -> dict[str, tuple[str, int]]:
    return {n: (hashlib.sha256((home / n).read_bytes()).hexdigest(), (home / n).stat().st_ino)
            for n in ("analytics.duckdb", "dashboard.duckdb")}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("reliability")
    env = {**os.environ, "TPPO_LANDING": str(root / "landing"), "TPPO_HOME": str(root / "home"),
           "TPPO_PSEUDONYM_KEY": "reliability-test-key", "TPPO_RETRY_DELAY_SECONDS": "1"}
    synth = subprocess.run([TPPO, "synth", "--out", str(root), "--seed", "23", "--start",
                            "2025-08-01", "--days", "30", "--scale", "0.02"],
                           env=env, capture_output=True, text=True)
    assert synth.returncode == 0, synth.stderr
    return root, env


def test_a_second_run_on_the_same_home_refuses_while_the_first_runs(world, tmp_path):
    root, env = world
    first = _start(env, tmp_path / "first.log")
    try:
        _wait_for(tmp_path / "first.log", "starting task_id=discover", first)
        second = subprocess.run([TPPO, "run", "--logical-date", DAY], env=env,
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 3
        assert "another run is using" in second.stderr
    finally:
        assert first.wait(timeout=600) == 0, (tmp_path / "first.log").read_text()[-3000:]
    assert (root / "home" / "analytics.duckdb").exists()


def test_kill_9_during_ingest_leaves_yesterdays_files_and_the_next_run_recovers(world, tmp_path):
    root, env = world
    home, landing = root / "home", root / "landing"
    before = _published(home)
    source = sorted((landing / "imigrasi" / "perlintasan").rglob("*.csv"))[0]
    text = source.read_bytes().decode("utf-8-sig")
    header, *rows = [r for r in text.split("\r\n") if r]
    fresh = [f"{r.split(';')[0]};K9-{i};" + r.split(";", 2)[2] for i, r in enumerate(rows)]
    new = landing / "imigrasi" / "perlintasan" / DAY / f"perlintasan_TKG_{DAY.replace('-', '')}.csv"
    new.parent.mkdir(parents=True, exist_ok=True)
    new.write_bytes(("\r\n".join([header, *fresh]) + "\r\n").encode())

    doomed = _start(env, tmp_path / "doomed.log")
    _wait_for(tmp_path / "doomed.log", "starting task_id=ingest_perlintasan", doomed)
    time.sleep(0.3)
    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=60)
    assert _published(home) == before

    again = subprocess.run([TPPO, "run", "--logical-date", DAY], env=env, capture_output=True,
                           text=True, timeout=900)
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-4000:]
    assert _published(home) != before
    with duckdb.connect(str(home / "analytics.duckdb"), read_only=True) as con:
        status, read, loaded, quarantined = con.execute(
            "SELECT status, rows_read, rows_loaded, rows_quarantined FROM marts.mart_feed_quality "
            "WHERE file_name LIKE '%perlintasan_TKG_20250901.csv'").fetchall()[0]
        crossings = con.execute("SELECT count(*) FROM marts.fct_departures "
                                "WHERE crossing_id LIKE '%-K9-%'").fetchall()[0][0]
    assert status == "LOADED" and read == len(fresh) == loaded + quarantined
    with open_warehouse(home / "restricted" / "warehouse.duckdb", read_only=True) as con:
        raw = con.execute("SELECT count(*) FROM raw.imigrasi__perlintasan "
                          "WHERE no_perlintasan LIKE 'K9-%'").fetchall()[0][0]
    assert raw == loaded  # loaded once, not twice, despite the killed attempt
    assert crossings <= loaded
