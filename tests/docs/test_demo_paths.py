"""``make demo`` / ``tppo demo`` with any TPPO_LANDING and TPPO_HOME (issue: point 1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.docs.conftest import REPO, Demo, report_folder
from tppo import cli

TPPO = str(Path(sys.executable).with_name("tppo"))


def test_demo_generates_into_relative_paths_with_spaces(tmp_path, monkeypatch):
    """Relative paths are the caller's (cwd), the landing needs no particular name, the
    truth goes under TPPO_HOME; a second demo does not generate over the deliveries."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TPPO_LANDING", "srv/tppo/incoming files")
    monkeypatch.setenv("TPPO_HOME", "home dir/tppo")
    runs = []
    monkeypatch.setattr(cli, "_cmd_run", lambda args: runs.append(args) or 0)
    assert cli.main(["demo", "--scale", "0.01", "--days", "5"]) == 0
    landing = tmp_path / "srv" / "tppo" / "incoming files"
    truth = tmp_path / "home dir" / "tppo" / "synthetic-truth"
    assert {d.name for d in landing.iterdir()} == {"imigrasi", "bp3mi", "polda"}
    assert (truth / "files.csv").is_file() and (truth / "village_month.csv").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home dir", "srv"]
    assert not (landing.parent / "truth").exists()
    before = sorted(p.relative_to(landing) for p in landing.rglob("*"))
    assert cli.main(["demo", "--scale", "0.01", "--days", "5", "--seed", "8"]) == 0
    assert sorted(p.relative_to(landing) for p in landing.rglob("*")) == before
    assert len(runs) == 2


def test_demo_refuses_a_landing_that_is_a_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "landing").write_text("not a folder")
    monkeypatch.setenv("TPPO_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("TPPO_HOME", str(tmp_path / "home"))
    assert cli.main(["demo", "--days", "5", "--scale", "0.01"]) == 2
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.slow
def test_make_demo_with_unusual_paths_publishes(demo_run: Demo):
    out = demo_run.proc.stdout
    assert "TPPO_LANDING must end" not in out + demo_run.proc.stderr
    assert str(demo_run.home / "analytics.duckdb") in out
    assert any(demo_run.landing.glob("imigrasi/paspor/*/*.csv"))
    assert (demo_run.home / "synthetic-truth" / "files.csv").is_file()
    assert (report_folder(demo_run.home) / "index.html").is_file()
    with duckdb.connect(str(demo_run.home / "analytics.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.mart_village_risk").fetchone()[0] > 0
    assert not (REPO / "Data Masuk").exists()  # relative to the checkout, as make ran there


@pytest.mark.slow
def test_evaluate_reads_the_demo_truth(demo_run: Demo):
    """The README's `tppo evaluate --truth "$TPPO_HOME/synthetic-truth"` after a demo."""
    env = {"TPPO_HOME": str(demo_run.home), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([TPPO, "evaluate", "--truth", str(demo_run.home / "synthetic-truth")],
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
