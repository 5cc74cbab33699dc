"""BI tools read dashboard.duckdb the way Superset does, while the night's run writes.

Superset reaches the file through SQLAlchemy and duckdb-engine, read-only,
opening a new connection per query (NullPool). Here the dashboard's own
queries (the SQL of every dataset provisioned in deploy/superset/bundle, as
Superset wraps it) run in a loop while a DAG run loads a new day and
republishes: every answer must be yesterday's complete figures until the
new file is renamed into place, then today's, never an error or a mixture.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.pool import NullPool

from tests.report import chromium
from tests.report.htmltables import rows_by, tables
from tppo.report.format import number

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO / "deploy" / "superset" / "bundle"
TPPO = str(Path(sys.executable).with_name("tppo"))
YESTERDAY, TODAY = "2025-09-13", "2025-09-14"


def dashboard_queries() -> dict[str, str]:
    """Every provisioned dataset's SQL, wrapped as Superset wraps a virtual dataset."""
    return {d["table_name"]: f"SELECT * FROM ({d['sql']}) AS virtual_table ORDER BY ALL"
            for d in (yaml.safe_load(p.read_text())
                      for p in sorted(BUNDLE.glob("datasets/*/*.yaml")))}


def superset_engine(home: Path) -> sa.Engine:
    """The engine Superset builds from the provisioned database (URI and engine_params)."""
    db = yaml.safe_load(next(BUNDLE.glob("databases/*.yaml")).read_text())
    uri = db["sqlalchemy_uri"].replace("/data/home", str(home))
    return sa.create_engine(uri, poolclass=NullPool, **db["extra"]["engine_params"])


def figures(engine: sa.Engine) -> dict[str, list[tuple]]:
    with engine.connect() as con:
        return {name: [tuple(r) for r in con.execute(sa.text(sql))]
                for name, sql in dashboard_queries().items()}


def _tppo(env: dict[str, str], *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([TPPO, *args], env=env, capture_output=True, text=True,
                          timeout=900, check=False, **kw)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Yesterday's run published; today's run executed while the dashboard queries run."""
    root = tmp_path_factory.mktemp("bi")
    home = root / "home"
    env = {**os.environ, "TPPO_LANDING": str(root / "landing"), "TPPO_HOME": str(home),
           "TPPO_PSEUDONYM_KEY": "bi-test-key", "TPPO_RETRY_DELAY_SECONDS": "1"}
    synth = _tppo(env, "synth", "--out", str(root), "--seed", "3", "--start", "2025-08-01",
                  "--days", "45", "--scale", "0.02")
    assert synth.returncode == 0, synth.stderr[-3000:]
    first = _tppo(env, "run", "--logical-date", YESTERDAY)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    engine = superset_engine(home)
    before = figures(engine)
    held = engine.connect()  # a reader that keeps its connection for the whole night
    held_before = held.execute(sa.text(dashboard_queries()["village_risk_latest"])).all()

    rounds: list[tuple[float, dict | Exception]] = []
    with open(root / "today.log", "w") as log:
        run = subprocess.Popen([TPPO, "run", "--logical-date", TODAY], env=env, stdout=log,
                               stderr=subprocess.STDOUT)
        started = time.monotonic()
        while run.poll() is None:
            try:
                rounds.append((time.monotonic() - started, figures(engine)))
            except Exception as exc:  # noqa: BLE001  (an error is a finding, kept)
                rounds.append((time.monotonic() - started, exc))
            time.sleep(0.2)
    held_after = held.execute(sa.text(dashboard_queries()["village_risk_latest"])).all()
    held.close()
    return {"root": root, "home": home, "env": env, "engine": engine, "before": before,
            "after": figures(engine), "rounds": rounds, "returncode": run.returncode,
            "log": (root / "today.log").read_text(), "held": (held_before, held_after)}


def test_yesterdays_figures_are_complete(world):
    before = world["before"]
    assert len(before["village_risk_latest"]) == 2642
    months = {r[2] for r in before["regency_month"]}
    assert len(before["regency_month"]) == 15 * len(months)
    assert before["feed_quality"] and before["desa_binaan_candidates"]


def test_todays_run_succeeds_and_publishes_new_figures(world):
    assert world["returncode"] == 0, world["log"][-3000:]
    assert world["after"] != world["before"]
    assert len(world["after"]["feed_quality"]) > len(world["before"]["feed_quality"])


def test_readers_during_the_run_get_yesterdays_complete_figures_then_todays(world):
    rounds = world["rounds"]
    errors = [r for _, r in rounds if isinstance(r, Exception)]
    assert not errors, errors[:3]
    seen = ["before" if r == world["before"] else "after" if r == world["after"] else "mixed"
            for _, r in rounds]
    assert "mixed" not in seen
    # yesterday's figures while the run loaded, built and checked; today's after the rename
    assert seen.count("before") >= 10, seen
    assert seen == sorted(seen, key=lambda s: s == "after")  # never back to the old file


def test_a_connection_held_through_the_night_keeps_its_complete_snapshot(world):
    before, after = world["held"]
    assert before == after and len(before) == 2642


def test_the_dashboard_connection_cannot_write(world):
    with world["engine"].connect() as con, pytest.raises(sa.exc.DBAPIError,
                                                         match="read-only|read only"):
        con.execute(sa.text("DELETE FROM marts.mart_feed_quality"))
    with duckdb.connect(str(world["home"] / "dashboard.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.mart_feed_quality").fetchall()[0][0] \
            == len(world["after"]["feed_quality"])


def _report(home: Path) -> Path:
    """Today's report: named by the data's date, the last loaded delivery (not the run's)."""
    with duckdb.connect(str(home / "dashboard.duckdb"), read_only=True) as con:
        (delivered,) = con.execute("SELECT max(delivery_date) FROM marts.mart_feed_quality "
                                   "WHERE status = 'LOADED'").fetchone()
    return home / "reports" / delivered.isoformat() / "index.html"


def test_todays_report_in_chromium_shows_the_published_figures(world):
    home = world["home"]
    page = _report(home)
    top = sorted(world["after"]["village_risk_latest"], key=lambda r: r[5])[:20]
    shown = tables(chromium.dom(page))
    table = rows_by(shown["desa"][0], "Peringkat")
    assert len(table) == 20
    for r in top:  # village_code, name, district, regency, month, rank, score, ...
        row = table[str(r[5])]
        assert (row["Desa"], row["Skor"]) == (r[1], number(r[6], 1))
    month = dt.date.fromisoformat(TODAY).replace(day=1)
    assert all(r[4] == month for r in top)
    shot = chromium.screenshot(page, page.parent / "screenshot.png")
    assert shot.stat().st_size > 50_000


def test_todays_report_warns_about_the_villages_the_rule_finds_in_the_copy(world):
    from tppo.report.early_warning import alerts

    with duckdb.connect(str(world["home"] / "dashboard.duckdb"), read_only=True) as con:
        found = alerts(con)
    page = _report(world["home"]).read_text(encoding="utf-8")
    listed = [r[0] for r in tables(page)["peringatan"][0][1:] if len(r) > 1]
    assert listed == [a.village_name for a in found[:30]]
