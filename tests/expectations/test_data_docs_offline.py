"""Data Docs open offline: no script, stylesheet or image from the internet, and the pages
are laid out by a stylesheet inside them; the index lists its results without JavaScript
libraries (issue: point 4)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from expectations.audit import GxAuditor
from expectations.offline import MARK
from ingest.feeds import feed
from tests.expectations.test_failure_messages import _batch
from tests.report import chromium

EXTERNAL = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=[\"']?(?:https?:)?//"
                      r"|url\(\s*['\"]?(?:https?:)?//|@import", re.I)
PROBE = """<script>
const s = (q, p) => getComputedStyle(document.querySelector(q)).getPropertyValue(p);
document.body.setAttribute('data-probe', [s('body', 'font-family').includes('Times') ? 'serif'
  : 'styled', s('.row', 'display'), s('table', 'border-collapse')].join('|'));
</script></body>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("validation")
    auditor = GxAuditor(root, dt.date(2025, 3, 10))
    auditor.validate(feed("paspor"), _batch(["SELESAI"] * 3 + ["PROSES"]))
    auditor.validate(feed("paspor"), _batch(["PROSES"] * 4))  # a second result, a second run
    return auditor.site


def test_no_page_loads_anything_from_the_internet(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 4  # index, suite, two validation results
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert MARK in text and "<style>" in text, page
        assert not EXTERNAL.findall(text), (page, EXTERNAL.findall(text)[:3])
        assert "dataContextId" not in text and "great-expectations-web-assets" not in text


def test_index_lists_every_result_with_a_link_to_its_page(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r"href='(validations/[^']+\.html)'", index))
    assert len(links) == 2 and all((site / link).is_file() for link in links)
    assert "2025-03-10_paspor_BDL_20250305" in index


def test_chromium_renders_the_pages_styled_offline(site, tmp_path):
    if chromium.executable() is None:
        pytest.skip("chromium is not installed")
    index, result = site / "index.html", next((site / "validations").rglob("*.html"))
    for page in (index, result):
        probe = page.with_name(f"probe-{page.name}")
        probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE, 1),
                         encoding="utf-8")
        try:
            dom = chromium.dom(probe)
        finally:
            probe.unlink()
        assert 'data-probe="styled|flex|collapse"' in dom, re.findall(r'data-probe="[^"]*"', dom)
    shot = chromium.screenshot(result, tmp_path / "result.png", 1280, 1400)
    assert shot.stat().st_size > 20_000
