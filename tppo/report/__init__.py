"""The morning report: one self-contained HTML page in Indonesian.

Built from ``dashboard.duckdb`` only (aggregate marts, small cells already
suppressed), so the page can be mailed or printed without exposing anyone.
It needs no network: styles are inline, the charts are inline SVG drawn with
matplotlib, and there are no scripts or external assets. The same published
data give the same bytes.

Sections, in the order a head of office reads them: the month in four numbers;
the 20 riskiest villages and what their score is made of; a treemap of risk
across regencies and districts (no map tiles needed); monthly procedural vs
suspected non-procedural departures per regency with the estimated ratio; the
main routes of suspected non-procedural departures and the interdictions by
place, transit apart (``routes``); the early-warning list (rule in
``early_warning``); Desa Binaan candidates and the villages designated Desa
Binaan Imigrasi or Desa Migran Emas before and after designation; the licensed
recruiters' watchlist; how a village head gets a recruiter checked, with the
licences frozen or revoked lately (``recruiters_check``); feed quality.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from tppo import scoring
from tppo.config import Paths, share
from tppo.report import early_warning, operations, recruiters_check, sections
from tppo.report.format import day, month_name
from tppo.report.routes import section as routes_section

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0;
color:#1f2933;background:#fff}
main{max-width:1180px;margin:0 auto;padding:1.2rem 1.5rem 3rem}
h1{font-size:1.45rem;margin:0 0 .2rem} h2{font-size:1.15rem;margin:2.2rem 0 .3rem;
border-bottom:2px solid #334e68;padding-bottom:.2rem} h3{font-size:1rem;margin:1.3rem 0 .3rem}
p{margin:.3rem 0 .5rem;max-width:70rem;line-height:1.4} p.meta{color:#52606d;margin-top:0}
nav{font-size:.85rem;margin:.5rem 0 1rem} nav a{margin-right:.9rem;color:#2f6fb0}
.cards{display:flex;gap:.8rem;flex-wrap:wrap;margin:.8rem 0}
.card{border:1px solid #d9e2ec;border-left:6px solid #9aa5b1;border-radius:4px;
padding:.5rem .9rem;min-width:11rem} .card b{display:block;font-size:1.6rem}
.card span{color:#52606d;font-size:.85rem} .card small{display:block;color:#7b8794}
.card.TINGGI{border-left-color:#c81e1e} .card.SEDANG{border-left-color:#f7c948}
.card.warn{border-left-color:#e8590c} .card.bad{border-left-color:#c81e1e;background:#fff5f5}
table{border-collapse:collapse;font-size:.8rem;margin:.5rem 0 1rem}
table.wide{font-size:.72rem} table.wide th,table.wide td{padding:.2rem .35rem}
span.reason{display:inline-block;min-width:15rem;max-width:22rem}
.scroll{overflow-x:auto;max-width:100%}
th,td{border-bottom:1px solid #d9e2ec;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f4f8} .n{text-align:right;font-variant-numeric:tabular-nums}
td.none{color:#7b8794;font-style:italic}
.tier{padding:0 .4rem;border-radius:3px;white-space:nowrap} .tier.TINGGI{color:#fff;
background:#c81e1e} .tier.SEDANG{background:#f7c948} .tier.RENDAH{background:#e4e7eb}
.sup{color:#7b8794;white-space:nowrap} .bad{color:#c81e1e;font-weight:600}
.lic.DICABUT,.lic.DIBEKUKAN{color:#c81e1e;font-weight:600}
p.rule{background:#fffbea;border-left:4px solid #f7c948;padding:.4rem .7rem}
svg.chart{display:block;width:100%;height:auto;margin:.4rem 0}
footer{margin-top:2.5rem;color:#52606d;font-size:.8rem;border-top:1px solid #d9e2ec;
padding-top:.6rem}
"""
TITLE = "Laporan Pagi TPPO &amp; PMI Nonprosedural — Provinsi Lampung"
NAV = (("desa", "Desa berisiko"), ("peta", "Sebaran"), ("tren", "Tren keberangkatan"),
       ("rute", "Rute"),
       ("peringatan", "Peringatan dini"), ("binaan", "Desa Binaan"),
       (operations.ANCHOR, "Timpora"),
       ("perekrut", "Perekrut"), (recruiters_check.ANCHOR, "Cek perekrut"),
       ("kualitas", "Kualitas data"), ("cara-skor", "Cara skor"))
TOP_VILLAGES = 20


DOCS_LINK = ("<p class='meta'><a href='../dbt-docs.html'>Dokumentasi data (dbt docs)</a>: "
             "silsilah data (lineage) dari kiriman sampai mart, arti setiap kolom dan uji "
             "yang dijalankan; halaman statis, dibuka tanpa internet.</p>")


def render(con: duckdb.DuckDBPyConnection, run_date: dt.date, top: int = TOP_VILLAGES,
           docs: bool = False) -> str:
    """The report's HTML from an open connection to the dashboards' copy; ``docs``: link
    the dbt docs page of ``reports/`` (``../dbt-docs.html``, tppo.report.dbt_docs)."""
    per = sections.period(con, run_date)
    dated = data_date(con) or run_date
    parts = [f"<h1>{TITLE}</h1>"]
    if per is None:
        parts.append(f"<p class='meta'>Tanggal proses {day(run_date)} · Belum ada data.</p>")
    else:
        found = early_warning.alerts(con)
        running = " (berjalan)" if per.partial else ""
        parts += [
            f"<p class='meta'>Kiriman data terakhir {day(per.last_delivery)} · Bulan data "
            f"terakhir {month_name(per.latest)}{running} · Tanggal proses {day(run_date)}</p>",
            "<nav>" + "".join(f"<a href='#{a}'>{label}</a>" for a, label in NAV) + "</nav>",
            sections.summary(con, per, len(found)),
            sections.riskiest(con, per, top),
            sections.risk_map(con, per),
            sections.regency_trends(con, per),
            routes_section(con, per.latest),
            sections.alerts_section(found),
            sections.desa_binaan(con, per),
            operations.targets(con),
            operations.overstays(con),
            sections.recruiters(con),
            recruiters_check.section(con),
        ]
    parts.append(sections.feed_quality(con))
    parts.append(scoring.report_explanation_html())
    if docs:
        parts.append(DOCS_LINK)
    parts.append(
        "<footer>* Angka 1-4 disamarkan (≤4*) untuk melindungi identitas; bila satu angka "
        "dalam satu kelompok disamarkan, angka kecil lain ikut disamarkan agar jumlahnya tidak "
        "membukanya. Sumber: salinan dasbor (dashboard.duckdb) hasil proses malam; data "
        "perorangan tidak pernah masuk laporan ini. Cara hitung skor risiko: bagian "
        "<a href='#cara-skor'>Cara membaca skor risiko</a> di atas; aturan peringatan dini: "
        "bagian <a href='#peringatan'>Peringatan dini</a>.</footer>")
    return (f"<!doctype html><html lang='id'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>Laporan Pagi TPPO Lampung, data s.d. {dated:%Y-%m-%d}</title>"
            f"<style>{CSS}</style></head><body><main>{''.join(parts)}</main></body></html>")


def data_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The data's date: the latest delivery date of a loaded file (None before any)."""
    return con.execute("SELECT max(delivery_date) FROM marts.mart_feed_quality "
                       "WHERE status = 'LOADED'").fetchall()[0][0]


def report_dir(p: Paths, when: dt.date) -> Path:
    """``reports/<date>/``, created readable by readers when absent."""
    out_dir = p.reports / when.isoformat()
    if not out_dir.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        share(out_dir)  # the run works under umask 077; the report is for readers
    return out_dir


def write_report(p: Paths, run_date: dt.date) -> Path:
    """Render the report into ``reports/<data date>/index.html`` (atomically; the data's
    date is the latest delivery date of a loaded file, the run's date before any), linking
    the dbt docs when ``reports/dbt-docs.html`` is there. A later run on the same data
    replaces the page; the newest report is the last folder in date order."""
    with duckdb.connect(str(p.dashboard), read_only=True) as con:
        page = render(con, run_date, docs=(p.reports / "dbt-docs.html").exists())
        out_dir = report_dir(p, data_date(con) or run_date)
    target = out_dir / "index.html"
    tmp = out_dir / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    share(tmp)
    tmp.replace(target)
    return target
