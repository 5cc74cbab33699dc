"""The report as a browser shows it: headless Chromium, offline, on the hand-made marts."""

from __future__ import annotations

import struct

from tests.report import chromium
from tests.report.htmltables import rows_by, tables


def test_chromium_lays_out_the_expected_figures(published):
    page = published.paths.reports / "2025-06-20" / "index.html"
    dom = chromium.dom(page)
    shown = tables(dom)
    top = rows_by(shown["desa"][0], "Desa")
    assert top["WAYLAYAP"]["Skor"] == "87,5"
    assert rows_by(shown["tren"][0], "Kabupaten/Kota")["KABUPATEN PESAWARAN"][
        "Prosedural Jun 25"] == "≤4*"
    assert set(rows_by(shown["peringatan"][0], "Desa")) == {"WAYLAYAP", "KALIREJO"}
    # the charts' text is in the DOM too: the components chart names the top village
    assert "1. Waylayap (Gedong Tataan)" in dom
    assert dom.count("<svg") == 4


def test_chromium_screenshot_of_the_report(published):
    page = published.paths.reports / "2025-06-20" / "index.html"
    out = chromium.screenshot(page, published.paths.reports / "2025-06-20" / "screenshot.png",
                              1280, 1600)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 1600)
    assert len(data) > 50_000  # a laid-out page with charts, not a blank one
