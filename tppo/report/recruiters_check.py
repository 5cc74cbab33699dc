"""The report's "Cek perekrut" section: how a village head gets a recruiter checked, and
the licensed agencies (P3MI) whose licence was frozen or revoked lately.

A village head wants every recruiter to come to the village hall so that their
legality is clear; the officer checks the company's name with ``tppo recruiter-check``
(tppo/recruiter_check.py) or against this list. Public register data only
(``mart_p3mi_licence_history`` of the dashboards' copy): no informal recruiter is
ever named here.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from tppo.recruiter_check import MATCH
from tppo.report.format import day, number, table, text

ANCHOR = "cek-perekrut"
RECENT_DAYS = 183  # "lately": the half year before the newest register snapshot
STATUS = {"DIBEKUKAN": "Dibekukan", "DICABUT": "Dicabut"}
HOW = (
    "<ol>"
    "<li>Minta perekrut datang ke kantor desa dan menyebut <b>nama perusahaan</b> (P3MI) "
    "yang menugaskannya, lalu menunjukkan surat tugas dan Surat Izin Perekrutan "
    "(SIP2MI) dari perusahaan itu.</li>"
    "<li>Petugas (Imigrasi, BP3MI atau PIMPASA) memeriksa nama itu: "
    "<code>tppo recruiter-check \"NAMA PERUSAHAAN\" --on TANGGAL</code>. Salah ketik, "
    "tanpa &ldquo;PT&rdquo;, spasi berlebih atau alias (&ldquo;Sudarman als Darman&rdquo;) "
    f"tetap dicocokkan; kemiripan {MATCH:.0f}/100 ke atas dianggap cocok, dan jawabannya "
    "menyebut kata mana yang cocok, nomor izin, status izin pada tanggal itu dan sejak "
    "kapan.</li>"
    "<li>Izin <b>aktif</b>: perekrutan boleh berjalan, desa mencatat nama perekrut dan "
    "warga yang direkrut. Izin <b>dibekukan atau dicabut</b>, atau nama <b>tidak "
    "cocok</b> dengan P3MI mana pun: perekrut tidak boleh merekrut; laporkan ke BP3MI "
    "Lampung atau Kantor Imigrasi.</li>"
    "</ol>"
    "<p>Perekrut perorangan (calo/sponsor) yang dicatat penyidik hanya diperiksa tim "
    "analis (<code>--tier analysts</code>); namanya tidak pernah ada di laporan ini.</p>")


def _has_history(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema "
                            "= 'marts' AND table_name = 'mart_p3mi_licence_history'"
                            ).fetchone()[0])


def suspended_lately(con: duckdb.DuckDBPyConnection, days: int = RECENT_DAYS) -> list[tuple]:
    """Frozen or revoked licence periods that began within ``days`` of the newest register
    snapshot, newest first: (name, id, licence number, status, from, to, newest snapshot)."""
    return con.execute(
        """WITH newest AS (SELECT max(last_snapshot_date) AS d
                           FROM marts.mart_p3mi_licence_history)
           SELECT agency_name, agency_id, licence_number, licence_status, valid_from, valid_to,
                  (SELECT d FROM newest)
           FROM marts.mart_p3mi_licence_history
           WHERE licence_status IN ('DIBEKUKAN', 'DICABUT')
             AND valid_from > (SELECT d FROM newest) - ?::INTEGER
           ORDER BY valid_from DESC, agency_id""", [days]).fetchall()


def section(con: duckdb.DuckDBPyConnection) -> str:
    """The section's HTML; the how-to alone while the copy holds no licence history."""
    head = (f"<h2 id='{ANCHOR}'>Cek perekrut: apakah perusahaannya berizin?</h2>"
            "<p>Cara kepala desa memastikan legalitas perekrut yang datang ke desa:</p>" + HOW)
    if not _has_history(con):
        return head
    active, agencies, newest = con.execute(
        """SELECT count(DISTINCT agency_id) FILTER (WHERE is_current AND licence_status =
                  'AKTIF' AND is_in_latest_register), count(DISTINCT agency_id),
                  max(last_snapshot_date)
           FROM marts.mart_p3mi_licence_history""").fetchone()
    rows = suspended_lately(con)
    body = [[text(r[0]), text(r[1]), text(r[2]),
             f"<span class='lic {text(r[3])}'>{STATUS.get(r[3], text(r[3]))}</span>",
             day(r[4]), "masih berlaku" if r[5] is None else f"aktif lagi {day(r[5])}"]
            for r in rows]
    since = newest - dt.timedelta(days=RECENT_DAYS) if newest else None
    return (head
            + f"<h3>Izin P3MI yang dibekukan atau dicabut sejak {day(since)}</h3>"
            f"<p>Daftar P3MI BP3MI terakhir diterima {day(newest)}: {number(active or 0)} dari "
            f"{number(agencies or 0)} perusahaan tercatat berizin aktif. Perusahaan di bawah ini "
            "tidak boleh merekrut selama izinnya dibekukan atau dicabut.</p>"
            + table(["Perusahaan", "ID P3MI", "No. izin", "Status", "Sejak", "Sampai"], body))
