"""``tppo recruiter-check`` on the published files of a real demo run (issue 13, point 4):
a licensed agency's name as a village head might have written it down finds the agency
and its licence status on the date; an informal recruiter is found only at the
analysts' tier, and the public tier never prints one."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tests.docs.conftest import Demo
from tppo import cli
from tppo.recruiter_check import EXIT


def _mangled(name: str) -> str:
    """``PT SINAR ABADI JAYA`` -> ``sinar  abdi jaya``: no PT, lower case, a letter
    dropped from the longest word, a double space."""
    words = name.split()[1:] if name.upper().startswith("PT ") else name.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    words[longest] = words[longest][:2] + words[longest][3:]
    return "  ".join(words[:1] + [" ".join(words[1:])]).lower()


@pytest.mark.slow
def test_recruiter_check_on_a_published_demo(demo_run: Demo, monkeypatch, capsys):
    monkeypatch.setenv("TPPO_HOME", str(demo_run.home))
    with duckdb.connect(str(demo_run.home / "dashboard.duckdb"), read_only=True) as con:
        agency_id, name, since = con.execute(
            "SELECT agency_id, agency_name, valid_from FROM marts.mart_p3mi_licence_history "
            "WHERE is_current AND licence_status = 'AKTIF' AND is_in_latest_register "
            "ORDER BY agency_id LIMIT 1").fetchone()
        frozen = con.execute(
            "SELECT agency_name, valid_from FROM marts.mart_p3mi_licence_history "
            "WHERE licence_status <> 'AKTIF' AND (valid_to IS NULL OR valid_to > valid_from) "
            "ORDER BY agency_id, period_number LIMIT 1").fetchone()
    on = max(since, dt.date(2025, 7, 31)).isoformat()
    assert cli.main(["recruiter-check", _mangled(name), "--on", on]) == EXIT["active"]
    out = capsys.readouterr().out
    assert f"1. P3MI berizin: {name} (ID {agency_id}" in out and "AKTIF sejak" in out
    if frozen is not None:
        assert cli.main(["recruiter-check", frozen[0], "--on",
                         frozen[1].isoformat()]) == EXIT["not_active"]
        capsys.readouterr()
    with duckdb.connect(str(demo_run.home / "analytics.duckdb"), read_only=True) as con:
        (suspect,) = con.execute(
            "SELECT recruiter_name FROM marts.mart_recruiter_watchlist WHERE recruiter_type = "
            "'INFORMAL' AND recruiter_name LIKE '% %' ORDER BY name_mentions DESC, recruiter_key "
            "LIMIT 1").fetchone()
    given = f"Pak {suspect.title()} als {suspect.split()[0].title()}"
    assert cli.main(["recruiter-check", given, "--tier", "analysts", "--on", on]) == (
        EXIT["informal"])
    assert suspect in capsys.readouterr().out
    cli.main(["recruiter-check", given, "--on", on])
    public = capsys.readouterr().out
    assert suspect not in public and "analytics.duckdb" not in public
