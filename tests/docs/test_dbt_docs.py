"""dbt docs next to the morning reports, offline, linked from them (issue: point 4)."""

from __future__ import annotations

import re

import duckdb
import pytest

from tests.docs.conftest import Demo, report_folder
from tppo.report.dbt_docs import offline

# What would make a browser fetch something from elsewhere: a script, image or frame
# source, a stylesheet link, a CSS url() or @import, pointing at http(s) or '//host'.
EXTERNAL = [re.compile(r"""\bsrc\s*=\s*\\?["']?\s*(https?:)?//""", re.I),
            re.compile(r"""<link\b[^>]*\bhref\s*=\s*\\?["']?\s*(https?:)?//""", re.I),
            re.compile(r"""url\(\s*\\?["']?\s*(https?:)?//""", re.I),
            re.compile(r"@import", re.I)]


def _external(page: str) -> list[str]:
    return [m.group(0) for rx in EXTERNAL for m in rx.finditer(page)]


def test_offline_cuts_the_tracker_loader():
    page = 'i.async=1,i.src="//d1fc8wv8zag5ca.cloudfront.net/2.9.0/sp.js",a.parentNode'
    assert _external(page) and not _external(offline(page))
    assert offline(page) == 'i.async=1,i.src="",a.parentNode'


@pytest.mark.slow
def test_dbt_docs_are_written_next_to_the_reports_offline_and_linked(demo_run: Demo):
    docs = demo_run.home / "reports" / "dbt-docs.html"
    page = docs.read_text(encoding="utf-8")
    assert _external(page) == []
    assert "cloudfront" not in page
    # the data are embedded (no fetch of manifest.json from file://): lineage and columns
    for text in ("model.tppo.mart_village_risk", "model.tppo.fct_departures", "depends_on",
                 "estimated_nonprocedural_ratio", "source.tppo."):
        assert text in page, text
    folder = report_folder(demo_run.home)
    report = (folder / "index.html").read_text(encoding="utf-8")
    assert "href='../dbt-docs.html'" in report
    assert (folder / "../dbt-docs.html").resolve() == docs.resolve()
    assert docs.stat().st_mode & 0o044  # readers (the caller's umask) read it
    assert not list(docs.parent.glob(".*.tmp"))


@pytest.mark.slow
def test_dbt_docs_hold_no_row_of_any_table(demo_run: Demo):
    """The catalog gives column names and types only: no value of a mart row is there."""
    page = (demo_run.home / "reports" / "dbt-docs.html").read_text(encoding="utf-8")
    assert "demo-test-key" not in page
    with duckdb.connect(str(demo_run.home / "analytics.duckdb"), read_only=True) as con:
        keys = [r[0] for r in con.execute(
            "SELECT person_key FROM marts.fct_departures WHERE person_key IS NOT NULL "
            "LIMIT 50").fetchall()]
        crossings = [r[0] for r in con.execute(
            "SELECT crossing_id FROM marts.fct_departures LIMIT 50").fetchall()]
        recruiters = [r[0] for r in con.execute(
            "SELECT recruiter_key FROM marts.mart_recruiter_watchlist LIMIT 50").fetchall()]
    assert keys and crossings
    assert [v for v in keys + crossings + recruiters if v in page] == []
