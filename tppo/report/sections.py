"""The report's sections, each one query on ``dashboard.duckdb`` and its picture or table.

Every section reads the dashboards' copy only: counts there are already
protected (1-4 withheld), so nothing here can reveal a person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

import duckdb

from tppo import scoring
from tppo.publish import RISK_COMPONENTS
from tppo.report import charts, early_warning
from tppo.report.format import count, day, month_name, number, table, text, tier

# Legend of the components, from the one definition of the weights (tppo/scoring.py
# reads dbt's macros/risk_score.sql).
COMPONENT_LABELS = {c.column: f"{c.label[0].upper()}{c.label[1:]} (maks. {c.weight})"
                    for c in scoring.definition().components}


@dataclass(frozen=True)
class Period:
    """Which month the report is about, and how far the data go."""

    run_date: dt.date
    latest: dt.date
    previous: dt.date | None
    last_delivery: dt.date | None

    @property
    def partial(self) -> bool:
        """The latest month is still running on the data's date (the last loaded delivery
        falls inside it, before its last day); never for a month the data have left."""
        if self.last_delivery is None:
            return False
        nxt = (self.latest.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return self.latest <= self.last_delivery < nxt - dt.timedelta(days=1)


def period(con: duckdb.DuckDBPyConnection, run_date: dt.date) -> Period | None:
    months = [r[0] for r in con.execute(
        "SELECT DISTINCT month FROM marts.mart_village_risk ORDER BY month DESC LIMIT 2"
    ).fetchall()]
    if not months:
        return None
    last = con.execute("SELECT max(delivery_date) FROM marts.mart_feed_quality "
                       "WHERE status = 'LOADED'").fetchall()[0][0]
    return Period(run_date, months[0], months[1] if len(months) > 1 else None, last)


def summary(con: duckdb.DuckDBPyConnection, per: Period, alerts: int) -> str:
    def tiers(month: dt.date | None) -> dict[str, int]:
        if month is None:
            return {}
        return dict(con.execute("SELECT risk_tier, count(*) FROM marts.mart_village_risk "
                                "WHERE month = ? GROUP BY 1", [month]).fetchall())

    now, before = tiers(per.latest), tiers(per.previous)
    failed = con.execute(
        "SELECT count(*) FILTER (WHERE status = 'REJECTED' OR validation_result IN "
        "('FAILED', 'ERROR')) FROM marts.mart_feed_quality").fetchall()[0][0]

    def card(label: str, value: int, change: int | None = None, css: str = "") -> str:
        delta = "" if change is None else (
            f"<small>{'+' if change > 0 else ''}{number(change)} dari bulan lalu</small>")
        return (f"<div class='card {css}'><b>{number(value)}</b><span>{label}</span>"
                f"{delta}</div>")

    def change(tier_name: str) -> int | None:
        return now.get(tier_name, 0) - before.get(tier_name, 0) if before else None

    return ("<div class='cards'>"
            + card("desa risiko tinggi", now.get("TINGGI", 0), change("TINGGI"), "TINGGI")
            + card("desa risiko sedang", now.get("SEDANG", 0), change("SEDANG"), "SEDANG")
            + card("desa dengan peringatan dini", alerts, css="warn")
            + card("berkas ditolak atau gagal cek (semua kiriman)", failed,
                   css="bad" if failed else "")
            + "</div>")


def riskiest(con: duckdb.DuckDBPyConnection, per: Period, top: int) -> str:
    has_reason = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'marts' AND "
        "table_name = 'mart_village_risk' AND column_name = 'risk_reason'").fetchall()[0][0]
    reason = "r.risk_reason" if has_reason else "NULL"
    rows = con.execute(
        f"""SELECT r.risk_rank, r.village_name, r.district_name, r.regency_name, r.risk_score,
                   r.risk_tier, p.risk_rank, {', '.join(f'r.{c}' for c in RISK_COMPONENTS)},
                   {reason}
            FROM marts.mart_village_risk r
            LEFT JOIN marts.mart_village_risk p
              ON p.village_code = r.village_code AND p.month = ?
            WHERE r.month = ? ORDER BY r.risk_rank LIMIT ?""",
        [per.previous, per.latest, top]).fetchall()
    chart = charts.components(
        [f"{r[0]}. {r[1].title()} ({r[2].title()})" for r in rows], [r[7:-1] for r in rows],
        [COMPONENT_LABELS[c] for c in RISK_COMPONENTS])
    reason_col = ["Alasan"] if has_reason else []
    headers = ["Peringkat", "Desa", "Kecamatan", "Kabupaten/Kota", "Skor", "Tingkat",
               *reason_col, "Peringkat bulan lalu",
               *[COMPONENT_LABELS[c].split(" (")[0] for c in RISK_COMPONENTS]]
    body = [[str(r[0]), text(r[1]), text(r[2]), text(r[3].replace("KABUPATEN ", "KAB. ")),
             number(r[4], 1), tier(r[5]),
             *([f"<span class='reason'>{text(r[-1] or '')}</span>"] if has_reason else []),
             "–" if r[6] is None else str(r[6]),
             *[number(v, 1) if v else "·" for v in r[7:-1]]] for r in rows]
    first = 6 + len(reason_col)  # "Peringkat bulan lalu", then the components
    d = scoring.definition()
    return (f"<h2 id='desa'>{top} desa dengan risiko tertinggi — {month_name(per.latest)}</h2>"
            f"<p>Skor 0-100 adalah jumlah {len(d.components)} komponen; tiap komponen "
            f"menghitung kejadian {d.window_months} bulan terakhir desa itu (kejadian pertama "
            "paling berbobot). Batang menunjukkan komponen mana yang membuat desa itu tinggi; "
            "kolom Alasan menyebut kejadiannya (&ldquo;sedikitnya&rdquo;: ada bulan yang "
            "angkanya disamarkan). Bobot: bagian "
            "<a href='#cara-skor'>Cara membaca skor risiko</a>.</p>"
            + chart + table(headers, body,
                            {0, 4, first, *range(first + 1, first + 1 + len(RISK_COMPONENTS))},
                            "wide"))


def risk_map(con: duckdb.DuckDBPyConnection, per: Period) -> str:
    rows = con.execute(
        """SELECT regency_name, district_name, count(*), avg(CAST(risk_score AS DECIMAL(9, 4))),
                  count(*) FILTER (WHERE risk_tier = 'TINGGI'),
                  count(*) FILTER (WHERE risk_tier = 'SEDANG')
           FROM marts.mart_village_risk WHERE month = ?
           GROUP BY regency_code, regency_name, district_code, district_name
           ORDER BY regency_code, district_code""", [per.latest]).fetchall()
    regencies = []
    for name, group in groupby(rows, key=lambda r: r[0]):
        districts = list(group)
        n = sum(d[2] for d in districts)
        regencies.append(charts.Area(name, n, sum(d[3] * d[2] for d in districts) / n, tuple(
            charts.Area(d[1], d[2], d[3], tiers=(d[4], d[5])) for d in districts)))
    lines = []
    for reg in sorted(regencies, key=lambda r: -r.score):  # ties: regency code (stable sort)
        worst = max(reg.parts, key=lambda d: d.score)
        lines.append([text(reg.name), number(reg.villages),
                      number(sum(d.tiers[0] for d in reg.parts)),
                      number(sum(d.tiers[1] for d in reg.parts)), number(reg.score, 1),
                      f"{text(worst.name)} ({number(worst.score, 1)})"])
    return ("<h2 id='peta'>Sebaran risiko per kabupaten/kota dan kecamatan</h2>"
            "<p>Peta petak (tanpa peta dasar): tiap blok besar satu kabupaten/kota, tiap petak "
            "di dalamnya satu kecamatan. Luas petak = jumlah desa, warna = rata-rata skor "
            "risiko desanya bulan ini (makin merah makin berisiko dibanding kecamatan lain; "
            "angka pasti di tabel).</p>"
            + charts.treemap(regencies)
            + table(["Kabupaten/Kota", "Desa", "Desa tinggi", "Desa sedang",
                     "Rata-rata skor", "Kecamatan dengan skor tertinggi"], lines,
                    {1, 2, 3, 4}))


def regency_trends(con: duckdb.DuckDBPyConnection, per: Period, ratio_months: int = 6) -> str:
    rows = con.execute(
        """SELECT regency_code, regency_name, month, procedural_placements,
                  suspected_nonprocedural_departures, estimated_nonprocedural_ratio,
                  procedural_placements_suppressed OR suspected_nonprocedural_departures_suppressed
           FROM marts.mart_regency_month ORDER BY regency_code, month""").fetchall()
    series, ratios = [], []
    months = sorted({r[2] for r in rows})[-ratio_months:]
    for (_, name), group in groupby(rows, key=lambda r: (r[0], r[1])):
        g = list(group)
        series.append(charts.Series(name, tuple(r[2] for r in g), tuple(r[3] for r in g),
                                    tuple(r[4] for r in g)))
        by_month = {r[2]: r for r in g}
        cells = []
        for m in months:
            r = by_month.get(m)
            if r is None:
                cells.append("–")
            elif r[5] is not None:
                cells.append(number(r[5], 2))
            else:
                cells.append("<span class='sup' title='tidak dihitung: salah satu angka 1-4 "
                             "disamarkan'>*</span>" if r[6] else "–")
        ratios.append([text(name), count(g[-1][3]), count(g[-1][4]), *cells])
    note = (f" {month_name(per.latest)} masih berjalan (data s.d. {day(per.last_delivery)})."
            if per.partial else "")
    return ("<h2 id='tren'>Tren bulanan keberangkatan per kabupaten/kota</h2>"
            "<p>Biru: penempatan prosedural BP3MI. Merah: keberangkatan yang diduga "
            "nonprosedural (ke negara tujuan kerja, tanpa penempatan, tidak kembali dalam 30 "
            f"hari). Bulan terakhir berlatar abu-abu.{note}</p>"
            + charts.regency_trends(series, per.partial)
            + "<p>Rasio estimasi = dugaan nonprosedural ÷ penempatan prosedural pada bulan "
            "itu (– bila tidak ada penempatan; * bila salah satu angka disamarkan).</p>"
            + table(["Kabupaten/Kota", f"Prosedural {month_name(per.latest, True)}",
                     f"Dugaan nonprosedural {month_name(per.latest, True)}",
                     *[f"Rasio {month_name(m, True)}" for m in months]], ratios,
                    set(range(1, 3 + len(months)))))


def alerts_section(found: list[early_warning.Alert], limit: int = 30) -> str:
    body = []
    for a in found[:limit]:
        jumps = "; ".join(f"{label}: {number(n)} (rata-rata sebelumnya {number(base, 1)})"
                          for label, n, base in a.jumps) or "kenaikan skor"
        body.append([text(a.village_name), text(a.district_name), text(a.regency_name),
                     number(a.previous_score, 1), number(a.score, 1),
                     f"+{number(a.rise, 1)}" if a.rise >= 0 else number(a.rise, 1),
                     tier(a.tier), text(jumps)])
    more = (f"<p>… dan {number(len(found) - limit)} desa lain (lihat dasbor).</p>"
            if len(found) > limit else "")
    return ("<h2 id='peringatan'>Peringatan dini: desa yang melonjak bulan ini</h2>"
            f"<p class='rule'><b>Aturan.</b> {early_warning.RULE}</p>"
            + table(["Desa", "Kecamatan", "Kabupaten/Kota", "Skor bulan lalu", "Skor kini",
                     "Naik", "Tingkat", "Pemicu"], body, {3, 4, 5})
            + more)


PROGRAMS = (("DESA_BINAAN_IMIGRASI", "Desa Binaan Imigrasi", "is_designated", "designated_on"),
            ("DESA_MIGRAN_EMAS", "Desa Migran Emas", "is_desa_migran_emas",
             "dme_designated_on"))


def desa_binaan(con: duckdb.DuckDBPyConnection, per: Period, top: int = 15) -> str:
    evidence = ("suspected_nonprocedural_departures", "tppo_victims", "interdicted_persons",
                "nonprocedural_complaints", "passport_postponements")
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' "
        "AND table_name = 'mart_desa_binaan_candidates'").fetchall()}
    programs = [p for p in PROGRAMS if {p[2], p[3]} <= have]
    dme = "dme_designated_on" if "dme_designated_on" in have else "NULL"
    rows = con.execute(
        f"""SELECT candidate_rank, village_name, district_name, regency_name, candidate_score,
                   latest_risk_tier, {', '.join(evidence)}, {dme}
            FROM marts.mart_desa_binaan_candidates WHERE NOT is_designated
            ORDER BY candidate_rank LIMIT ?""", [top]).fetchall()
    candidates = table(
        ["Peringkat", "Desa", "Kecamatan", "Kabupaten/Kota", "Skor calon", "Tingkat kini",
         "Dugaan nonprosedural", "Korban TPPO", "Digagalkan", "Pengaduan", "Penundaan paspor",
         "Desa Migran Emas sejak"],
        [[str(r[0]), text(r[1]), text(r[2]), text(r[3]), number(r[4], 1), tier(r[5]),
          *[count(v) for v in r[6:-1]], day(r[-1])] for r in rows], {0, 4, 6, 7, 8, 9, 10})
    designations = " UNION ALL ".join(
        f"SELECT village_code, '{label}' AS program, {on} AS designated_on "
        f"FROM marts.mart_desa_binaan_candidates WHERE {flag} AND {on} IS NOT NULL"
        for _, label, flag, on in programs)
    designated = con.execute(
        f"""WITH d AS ({designations})
           SELECT d.program, c.village_name, c.district_name, c.regency_name, d.designated_on,
                  count(*) OVER (PARTITION BY c.village_code), list(r.month ORDER BY r.month),
                  list(r.risk_score ORDER BY r.month)
           FROM d JOIN marts.mart_desa_binaan_candidates c USING (village_code)
           JOIN marts.mart_village_risk r USING (village_code)
           GROUP BY d.program, c.village_code, c.village_name, c.district_name,
                    c.regency_name, d.designated_on
           ORDER BY d.designated_on, c.village_code, d.program""").fetchall()
    tables: dict[str, list[list[str]]] = {label: [] for _, label, _, _ in programs}
    series = []
    for program, name, district, regency, on, programs_of_village, months, scores in designated:
        start = on.replace(day=1)
        before = [s for m, s in zip(months, scores, strict=True) if m < start]
        after = [s for m, s in zip(months, scores, strict=True) if m >= start]
        mean_before = sum(before) / len(before) if before else None
        mean_after = sum(after) / len(after) if after else None
        change = (f"{'+' if mean_after >= mean_before else ''}"
                  f"{number(mean_after - mean_before, 1)}"
                  if before and after else "–")
        tables[program].append([
            text(name), text(district), text(regency), day(on), number(len(before)),
            "–" if mean_before is None else number(mean_before, 1), number(len(after)),
            "belum ada data" if mean_after is None else number(mean_after, 1), change,
            number(scores[-1], 1), "ya" if programs_of_village > 1 else "–"])
        series.append(charts.Designated(f"{name}, {program}", on, tuple(months), tuple(scores)))
    picture = charts.designated_trends(series) if series else ""
    per_program = "".join(
        f"<h3>{label}: sebelum dan sesudah penetapan</h3>"
        + table(["Desa", "Kecamatan", "Kabupaten/Kota", "Ditetapkan", "Bulan sebelum",
                 "Rata-rata skor sebelum", "Bulan sesudah", "Rata-rata skor sesudah",
                 "Perubahan", "Skor kini", "Juga program lain"], body, {4, 5, 6, 7, 8, 9})
        for label, body in tables.items())
    return ("<h2 id='binaan'>Desa Binaan Imigrasi dan Desa Migran Emas</h2>"
            f"<h3>Calon terkuat Desa Binaan Imigrasi (belum ditetapkan), {top} teratas</h3>"
            "<p>Skor calon = rata-rata skor risiko 12 bulan terakhir; bukti = jumlah kejadian "
            "sepanjang data. Desa yang sudah menjadi Desa Migran Emas (BP3MI) tetap bisa "
            "menjadi calon; kolom terakhir menyebut sejak kapan.</p>" + candidates
            + "<h3>Desa yang sudah ditetapkan: tren sebelum dan sesudah penetapan</h3>"
            "<p>Untuk tiap program: rata-rata skor risiko bulanan sebelum bulan penetapan dan "
            "sejak bulan itu; garis putus-putus = bulan penetapan. Desa yang masuk kedua "
            "program tampil di kedua tabel, masing-masing dengan tanggalnya sendiri. "
            "Perbandingan, bukan bukti dampak: hal lain ikut berubah.</p>" + picture
            + per_program)


def recruiters(con: duckdb.DuckDBPyConnection, top: int = 20) -> str:
    counts = ("linked_complaints", "victims", "interdictions", "tppo_cases")
    # A withheld count (1-4) sorts as 1: above agencies with nothing, below any shown 5+.
    weight = " + ".join(f"CASE WHEN {c}_suppressed THEN 1 ELSE coalesce({c}, 0) END"
                        for c in counts)
    rows = con.execute(
        f"""SELECT recruiter_name, agency_id, licence_status, licence_status_date,
                   is_in_latest_register, villages_reached, placements, {', '.join(counts)},
                   last_seen_date
            FROM marts.mart_recruiter_watchlist
            ORDER BY {weight} DESC, licence_status = 'AKTIF', recruiter_key LIMIT ?""",
        [top]).fetchall()
    status = {"AKTIF": "Aktif", "DIBEKUKAN": "Dibekukan", "DICABUT": "Dicabut"}
    body = [[text(r[0]), f"<span class='nw'>{text(r[1])}</span>",
             f"<span class='lic {text(r[2])}'>{status.get(r[2], text(r[2]))}</span> "
             f"({day(r[3])})" + ("" if r[4] else " · tidak ada di daftar terbaru"),
             number(r[5] or 0), number(r[6] or 0), *[count(v) for v in r[7:11]], day(r[11])]
            for r in rows]
    return ("<h2 id='perekrut'>Daftar pantau perekrut (P3MI berizin)</h2>"
            "<p>Perusahaan penempatan dengan pengaduan, korban, penggagalan atau kasus TPPO "
            "terbanyak. Perekrut perorangan (terduga) hanya ada di data analis, tidak di "
            "laporan ini.</p>"
            + table(["Perusahaan", "ID P3MI", "Status izin", "Desa terjangkau", "Penempatan",
                     "Pengaduan", "Korban", "Penggagalan", "Kasus TPPO", "Terakhir terlihat"],
                    body, {3, 4, 5, 6, 7, 8}))


def feed_quality(con: duckdb.DuckDBPyConnection, failures: int = 10) -> str:
    rows = con.execute(
        """SELECT source, feed, max(delivery_date) FILTER (WHERE status = 'LOADED'),
                  count(*), count(*) FILTER (WHERE status = 'LOADED'),
                  count(*) FILTER (WHERE status = 'DUPLICATE'),
                  count(*) FILTER (WHERE status = 'REJECTED'),
                  coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0),
                  coalesce(sum(rows_quarantined), 0),
                  coalesce(sum(failed_critical_expectations), 0),
                  coalesce(sum(failed_warning_expectations), 0)
           FROM marts.mart_feed_quality GROUP BY source, feed ORDER BY source, feed"""
    ).fetchall()
    body = [[text(r[0]), text(r[1]), day(r[2]), *[number(v) for v in r[3:10]],
             f"<span class='{'bad' if r[10] else ''}'>{number(r[10])}</span>", number(r[11])]
            for r in rows]
    has_reason = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'marts' AND "
        "table_name = 'mart_feed_quality' AND column_name = 'message'").fetchall()[0][0]
    bad = con.execute(
        f"""SELECT delivery_date, source, feed, file_name, status, validation_result,
                  rows_read, rows_quarantined, {'message' if has_reason else 'NULL'}
           FROM marts.mart_feed_quality
           WHERE status = 'REJECTED' OR validation_result IN ('FAILED', 'ERROR')
           ORDER BY delivery_date DESC, file_name, source, feed LIMIT ?""", [failures]).fetchall()
    bad_table = table(
        ["Tanggal kirim", "Instansi", "Jenis data", "Berkas", "Status", "Hasil cek",
         "Baris dibaca", "Baris dikarantina", "Alasan"],
        [[day(r[0]), text(r[1]), text(r[2]), text(r[3]), f"<span class='bad'>{text(r[4])}</span>",
          text(r[5]), number(r[6] or 0), number(r[7] or 0),
          f"<small>{text(r[8])}</small>" if r[8] else "–"] for r in bad], {6, 7})
    return ("<h2 id='kualitas'>Kualitas data per sumber</h2>"
            "<p>Setiap baris yang dikirim dimuat atau dikarantina dengan alasan; berkas yang "
            "gagal cek kritis tidak diterbitkan.</p>"
            + table(["Instansi", "Jenis data", "Kiriman terakhir", "Berkas", "Dimuat",
                     "Duplikat", "Ditolak", "Baris dibaca", "Baris dimuat", "Baris dikarantina",
                     "Cek kritis gagal", "Cek peringatan gagal"], body, set(range(3, 12)))
            + f"<h3>Berkas ditolak atau gagal cek terbaru ({failures} terakhir)</h3>"
            + bad_table + unmapped_values(con))


VALUE_KINDS = {"COUNTRY": "Negara", "REGENCY": "Kabupaten/kota", "DISTRICT": "Kecamatan",
               "VILLAGE": "Desa/kelurahan", "CODE": "Kode", "PLACE": "Tempat"}


def unmapped_values(con: duckdb.DuckDBPyConnection, top: int = 10) -> str:
    """The unmapped values carried by the most records (the dashboards' copy keeps those
    of five records or more; all of them are in analytics.duckdb)."""
    have = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                       "'marts' AND table_name = 'mart_unmapped_values'").fetchall()[0][0]
    if not have:
        return ""
    rows = con.execute(
        """SELECT source, feed, field, value_kind, raw_value, n_rows, first_delivery_date,
                  last_delivery_date
           FROM marts.mart_unmapped_values
           ORDER BY n_rows DESC, source, feed, field, value_kind, raw_value LIMIT ?""",
        [top]).fetchall()
    intro = ("<p>Nilai yang tidak dapat dipetakan ke negara, wilayah BPS atau kode resmi. "
             "Rekaman tetap dimuat; nilai ini dihitung sebagai tidak diketahui. Petugas data "
             "memetakannya dengan menambah satu baris pada tabel referensi (README, "
             "&ldquo;When a value is not mapped&rdquo;). Nilai dengan kurang dari 5 rekaman "
             "hanya ada di data analis (marts.mart_unmapped_values).</p>")
    if not rows:
        return ("<h3>Nilai belum terpetakan</h3>" + intro
                + "<p>Tidak ada nilai dengan 5 rekaman atau lebih.</p>")
    body = [[text(r[0]), text(r[1]), text(r[2]), text(VALUE_KINDS.get(r[3], r[3])), text(r[4]),
             number(r[5]), day(r[6]), day(r[7])] for r in rows]
    return (f"<h3>Nilai belum terpetakan ({top} terbanyak)</h3>" + intro
            + table(["Instansi", "Jenis data", "Kolom", "Jenis nilai", "Nilai", "Rekaman",
                     "Pertama", "Terakhir"], body, {5}))
