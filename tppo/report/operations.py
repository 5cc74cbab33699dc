"""The morning report's Timpora sections: where to send the next joint operation (top
ten villages per immigration office, with the reasons) and foreign nationals past their
permits per regency.

Both read the dashboards' copy only: mart_operation_targets with its score computed from
the copy's protected figures, and mart_village_foreigners_month, whose counts of 1-4
are withheld. A regency's total adds the shown villages and counts each withheld one as
1, the least it can hold, and says so ("sedikitnya").
"""

from __future__ import annotations

import duckdb

from tppo.report.format import SUPPRESSED, count, month_name, number, table, text

TOP_TARGETS = 10
OFFICES = (("BDL", "Kantor Imigrasi Kelas I TPI Bandar Lampung"),
           ("KTB", "Kantor Imigrasi Kotabumi"))
ANCHOR = "timpora"


def _has(con: duckdb.DuckDBPyConnection, table_name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts' "
        "AND table_name = ?", [table_name]).fetchall()[0][0])


def _since(months: int | None) -> str:
    return "belum pernah" if months is None else f"{months} bulan"


def targets(con: duckdb.DuckDBPyConnection, top: int = TOP_TARGETS) -> str:
    """"Sasaran operasi Timpora berikutnya": the top villages of each office."""
    if not _has(con, "mart_operation_targets"):
        return ""
    month = con.execute("SELECT max(month) FROM marts.mart_operation_targets").fetchall()[0][0]
    parts = [f"<h2 id='{ANCHOR}'>Sasaran operasi Timpora berikutnya</h2>",
             f"<p>Desa yang paling perlu didatangi operasi gabungan Timpora, {top} teratas per "
             f"kantor imigrasi, menurut bukti sampai {month_name(month) if month else '–'}: "
             "keberangkatan terduga nonprosedural dan jejak perekrut (pengaduan nonprosedural "
             "dan orang digagalkan berangkat) dalam 6 bulan terakhir, izin tinggal WNA aktif "
             "dan WNA yang melewati izin tinggalnya; desa yang baru saja didatangi operasi "
             "turun peringkatnya (bobot penuh lagi enam bulan sesudah operasi).</p>"]
    for code, name in OFFICES:
        rows = con.execute(
            """SELECT target_rank, village_name, district_name, regency_name, target_score,
                      suspected_departures_6m, recruiter_activity_6m, overstays_open,
                      active_foreign_permits, months_since_last_operation
               FROM marts.mart_operation_targets WHERE office_code = ?
               ORDER BY target_rank LIMIT ?""", [code, top]).fetchall()
        parts.append(f"<h3>{text(name)} ({code})</h3>")
        parts.append(table(
            ["Peringkat", "Desa", "Kecamatan", "Kabupaten/Kota", "Skor", "Terduga nonprosedural",
             "Jejak perekrut", "WNA melewati izin", "Izin WNA aktif", "Sejak operasi terakhir"],
            [[str(r[0]), text(r[1]), text(r[2]), text(r[3]), number(r[4], 1),
              *[count(v) for v in r[5:9]], _since(r[9])] for r in rows],
            {0, 4, 5, 6, 7, 8}))
    return "".join(parts)


def overstays(con: duckdb.DuckDBPyConnection) -> str:
    """"WNA melewati izin tinggal": counts per regency in the latest month."""
    if not _has(con, "mart_village_foreigners_month"):
        return ""
    month = con.execute(
        "SELECT max(month) FROM marts.mart_village_foreigners_month").fetchall()[0][0]
    rows = con.execute(
        """SELECT regency_name,
                  sum(coalesce(overstays_open, 0)),
                  count(*) FILTER (WHERE overstays_open_suppressed),
                  sum(coalesce(active_foreign_permits, 0)),
                  count(*) FILTER (WHERE active_foreign_permits_suppressed),
                  sum(coalesce(timpora_foreigner_findings, 0)),
                  count(*) FILTER (WHERE timpora_foreigner_findings_suppressed),
                  sum(timpora_operations)
           FROM marts.mart_village_foreigners_month WHERE month = ?
           GROUP BY regency_code, regency_name ORDER BY regency_code""", [month]).fetchall()

    def total(shown: int, withheld: int) -> str:
        value = number(shown + withheld)
        return f"sedikitnya {value}" if withheld else value

    lines = [[text(r[0]), total(r[1], r[2]), total(r[3], r[4]), total(r[5], r[6]), number(r[7])]
             for r in rows if r[1] or r[2] or r[3] or r[4] or r[5] or r[6] or r[7]]
    return ("<h3>WNA melewati izin tinggal</h3>"
            f"<p>Per kabupaten/kota, {month_name(month) if month else '–'}: pemegang izin tinggal "
            "yang izinnya berakhir (habis masa berlaku atau dicabut) tanpa izin baru dan tanpa "
            "catatan keluar Indonesia, izin tinggal WNA yang aktif, dan orang yang ditemukan "
            "Timpora sebagai WNA tanpa izin atau melewati izin bulan itu. Hanya jumlah; angka "
            f"desa 1-4 disamarkan ({SUPPRESSED}) dan dihitung 1 dalam jumlah kabupaten "
            "(\"sedikitnya\").</p>"
            + table(["Kabupaten/Kota", "WNA melewati izin tinggal", "Izin tinggal aktif",
                     "Temuan Timpora (WNA)", "Operasi Timpora"], lines, {1, 2, 3, 4}))
