"""The morning report: one self-contained HTML page in Indonesian.

Built from ``dashboard.duckdb`` only (aggregate marts, small cells already
suppressed), so the page can be mailed or printed without exposing anyone.
It needs no network: styles are inline and there are no external assets.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import duckdb

from tppo.config import Paths

TIER_LABEL = {"TINGGI": "Tinggi", "SEDANG": "Sedang", "RENDAH": "Rendah"}
SUPPRESSED = "<span title='disamarkan: 1-4 orang'>≤4*</span>"

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem;color:#1f2933}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin-top:2rem}
p.meta{color:#52606d;margin-top:0}
table{border-collapse:collapse;font-size:.85rem;margin-top:.5rem}
th,td{border-bottom:1px solid #d9e2ec;padding:.3rem .6rem;text-align:left}
th{background:#f0f4f8} td.n{text-align:right;font-variant-numeric:tabular-nums}
.TINGGI{color:#fff;background:#c81e1e;padding:0 .4rem;border-radius:3px}
.SEDANG{background:#f7c948;padding:0 .4rem;border-radius:3px}
.RENDAH{background:#e4e7eb;padding:0 .4rem;border-radius:3px}
.FAILED,.REJECTED,.ERROR{color:#c81e1e;font-weight:600} .WARNED{color:#b44d12}
footer{margin-top:2rem;color:#7b8794;font-size:.8rem}
"""


def _cell(value: object) -> str:
    if value is None:
        return SUPPRESSED
    return html.escape(str(value))


def _table(headers: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td class='n'>{c}</td>" if i in numeric else f"<td>{c}</td>"
                         for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render(con: duckdb.DuckDBPyConnection, run_date: dt.date, top: int = 20) -> str:
    """The report's HTML from an open connection to the dashboards' copy."""
    latest = con.execute("SELECT max(month) FROM marts.mart_village_risk").fetchall()[0][0]
    parts = [f"<h1>Laporan Pagi TPPO &amp; PMI Nonprosedural — Lampung</h1>"
             f"<p class='meta'>Tanggal proses: {run_date:%d-%m-%Y} · Bulan data terakhir: "
             f"{latest:%m/%Y}</p>" if latest else
             "<h1>Laporan Pagi TPPO &amp; PMI Nonprosedural — Lampung</h1>"
             "<p class='meta'>Belum ada data.</p>"]
    if latest:
        rows = con.execute(
            """SELECT risk_rank, village_name, district_name, regency_name, risk_score, risk_tier,
                      suspected_nonprocedural_departures, passport_postponements, tppo_victims,
                      interdicted_persons, nonprocedural_complaints, procedural_placements
               FROM marts.mart_village_risk WHERE month = ? ORDER BY risk_rank LIMIT ?""",
            [latest, top]).fetchall()
        parts.append(f"<h2>{top} desa dengan risiko tertinggi ({latest:%m/%Y})</h2>")
        parts.append(_table(
            ["Peringkat", "Desa", "Kecamatan", "Kabupaten/Kota", "Skor risiko", "Tingkat",
             "Dugaan berangkat nonprosedural", "Penundaan paspor", "Korban TPPO",
             "Orang digagalkan", "Pengaduan nonprosedural", "Penempatan prosedural"],
            [[_cell(r[0]), _cell(r[1]), _cell(r[2]), _cell(r[3]), f"{r[4]:.1f}",
              f"<span class='{r[5]}'>{TIER_LABEL.get(r[5], r[5])}</span>",
              *[_cell(v) for v in r[6:]]] for r in rows],
            {0, 4, 6, 7, 8, 9, 10, 11}))
    fq = con.execute(
        """SELECT source, feed, count(*) AS files,
                  count(*) FILTER (WHERE status = 'LOADED'),
                  count(*) FILTER (WHERE status = 'DUPLICATE'),
                  count(*) FILTER (WHERE status = 'REJECTED'),
                  coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0),
                  coalesce(sum(rows_quarantined), 0),
                  count(*) FILTER (WHERE validation_result = 'WARNED'),
                  count(*) FILTER (WHERE validation_result IN ('FAILED', 'ERROR'))
           FROM marts.mart_feed_quality GROUP BY source, feed ORDER BY source, feed"""
    ).fetchall()
    parts.append("<h2>Kualitas data per sumber</h2>")
    parts.append(_table(
        ["Instansi", "Jenis data", "Berkas", "Dimuat", "Duplikat", "Ditolak", "Baris dibaca",
         "Baris dimuat", "Baris dikarantina", "Berkas dengan peringatan", "Berkas gagal cek"],
        [[html.escape(str(c)) for c in r] for r in fq], set(range(2, 11))))
    parts.append("<footer>* Angka 1-4 disamarkan untuk melindungi identitas. Skor risiko 0-100: "
                 "makin tinggi makin berisiko; komponen dan cara hitung dijelaskan di README "
                 "proyek.</footer>")
    return (f"<!doctype html><html lang='id'><head><meta charset='utf-8'>"
            f"<title>Laporan Pagi TPPO Lampung {run_date:%Y-%m-%d}</title>"
            f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>")


def write_report(p: Paths, run_date: dt.date) -> Path:
    """Render the report into ``reports/<date>/index.html`` (atomically)."""
    out_dir = p.reports / run_date.isoformat()
    out_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(p.dashboard), read_only=True) as con:
        page = render(con, run_date)
    target = out_dir / "index.html"
    tmp = out_dir / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return target
