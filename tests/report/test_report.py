"""The morning report, read back from the page built on hand-made published marts."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest

from tests.report.conftest import (
    DATA_DATE,
    REJECTED_REASON,
    RUN_DATE,
    WAYLAYAP_REASON,
    build_dashboard,
)
from tests.report.htmltables import rows_by, tables
from tppo.report import charts, render


@pytest.fixture(scope="module")
def page(published) -> dict:
    return tables(published.html)


def test_report_is_written_under_reports_date_from_the_dashboard_copy(published):
    """Named and headed by the data's date (the last loaded delivery, 20 June), not the
    run's (21 June); June is still running on 20 June."""
    target = published.paths.reports / DATA_DATE.isoformat() / "index.html"
    assert target.exists()
    assert not (published.paths.reports / RUN_DATE.isoformat()).exists()
    assert ("<p class='meta'>Kiriman data terakhir 20-06-2025 · Bulan data terakhir "
            "Juni 2025 (berjalan) · Tanggal proses 21-06-2025</p>") in published.html
    assert "<title>Laporan Pagi TPPO Lampung, data s.d. 2025-06-20</title>" in published.html


def _with_last_delivery(tmp_path, delivered: dt.date):
    path = tmp_path / "dashboard.duckdb"
    build_dashboard(path)
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE marts.mart_feed_quality SET delivery_date = ? "
                    "WHERE status = 'LOADED'", [delivered])
        return render(con, dt.date(2026, 6, 21))


@pytest.mark.parametrize(("delivered", "running"), [
    (dt.date(2025, 6, 20), True),    # inside June, before its end: running on that date
    (dt.date(2025, 6, 30), False),   # June's last day: complete
    (dt.date(2025, 7, 2), False),    # the data have left June (July has no village month)
])
def test_berjalan_only_for_a_month_still_running_on_the_data_date(tmp_path, delivered,
                                                                    running):
    html = _with_last_delivery(tmp_path, delivered)
    assert ("Juni 2025 (berjalan)" in html) is running
    assert ("masih berjalan" in html) is running
    assert f"Kiriman data terakhir {delivered:%d-%m-%Y}" in html
    assert "Tanggal proses 21-06-2026" in html


def test_a_later_run_on_the_same_data_replaces_that_report(published):
    from tppo.report import write_report

    again = write_report(published.paths, dt.date(2025, 6, 25))
    assert again == published.paths.reports / DATA_DATE.isoformat() / "index.html"
    assert sorted(p.parent.name for p in published.paths.reports.glob("*/index.html")) == [
        DATA_DATE.isoformat()]
    write_report(published.paths, RUN_DATE)  # the page the other tests read


def test_twenty_riskiest_villages_come_with_their_score_components(page):
    top = rows_by(page["desa"][0], "Desa")
    assert list(top)[:4] == ["WAYLAYAP", "KALIREJO", "PONCOREJO", "AMBARAWA"]
    w = top["WAYLAYAP"]
    assert (w["Peringkat"], w["Skor"], w["Tingkat"]) == ("1", "87,5", "Tinggi")
    assert w["Keberangkatan terduga nonprosedural"] == "30,0"
    assert w["Korban TPPO"] == "20,0"
    assert w["Pengaduan nonprosedural"] == "12,5"
    assert w["Temuan Timpora"] == "·"  # a zero component, not a blank
    assert w["Peringkat bulan lalu"] == "1"
    assert w["Alasan"] == WAYLAYAP_REASON  # risk_reason, as the dashboards' copy words it


def test_suppressed_counts_show_as_marker_never_as_zero(published, page):
    with duckdb.connect(str(published.paths.dashboard), read_only=True) as con:
        hidden = con.execute(
            "SELECT procedural_placements, procedural_placements_suppressed "
            "FROM marts.mart_regency_month WHERE regency_code = '1809' "
            "AND month = DATE '2025-06-01'").fetchall()
    assert hidden == [(None, True)]
    trends = rows_by(page["tren"][0], "Kabupaten/Kota")
    pesawaran = trends["KABUPATEN PESAWARAN"]
    assert pesawaran["Prosedural Jun 25"] == "≤4*"
    assert pesawaran["Rasio Jun 25"] == "*"  # ratio withheld with its count
    assert trends["KABUPATEN PRINGSEWU"]["Rasio Jun 25"] == "0,25"
    assert trends["KABUPATEN PRINGSEWU"]["Prosedural Jun 25"] == "20"
    candidates = rows_by(page["binaan"][0], "Desa")
    assert candidates["KALIREJO"]["Korban TPPO"] == "0"
    assert candidates["KALIREJO"]["Dugaan nonprosedural"] == "18"
    assert candidates["PONCOREJO"]["Dugaan nonprosedural"] == "0"
    agencies = rows_by(page["perekrut"][0], "Perusahaan")
    assert agencies["PT MAJU JAYA"]["Korban"] == "≤4*"
    assert agencies["PT MAJU JAYA"]["Pengaduan"] == "9"


def test_early_warning_follows_the_documented_rule(page, published):
    listed = rows_by(page["peringatan"][0], "Desa")
    assert set(listed) == {"WAYLAYAP", "KALIREJO"}
    assert listed["WAYLAYAP"]["Naik"] == "+27,5"
    assert "kenaikan skor" not in listed["KALIREJO"]["Pemicu"]
    assert "dugaan berangkat nonprosedural: 12" in listed["KALIREJO"]["Pemicu"]
    # PONCOREJO: +9,9 points, and 7 victims against five withheld months counted as 4 each
    assert "PONCOREJO" not in listed
    assert "dihitung 4" in published.html


def test_treemap_covers_every_regency_and_district(published, page):
    assert "Kab. Pesawaran" in published.html and "Kab. Pringsewu" in published.html
    regencies = rows_by(page["peta"][0], "Kabupaten/Kota")
    assert regencies["KABUPATEN PESAWARAN"]["Desa"] == "4"
    assert regencies["KABUPATEN PESAWARAN"]["Desa tinggi"] == "2"
    assert regencies["KABUPATEN PESAWARAN"]["Kecamatan dengan skor tertinggi"] == (
        "GEDONG TATAAN (43,8)")


def test_designated_village_shows_before_and_after_designation(page):
    designated = rows_by(page["binaan"][1], "Desa")
    w = designated["WAYLAYAP"]
    assert w["Ditetapkan"] == "10-04-2025"
    assert w["Rata-rata skor sebelum"] == "20,0"  # January-March
    assert w["Rata-rata skor sesudah"] == "65,8"  # April-June
    assert "WAYLAYAP" not in rows_by(page["binaan"][0], "Desa")  # not a candidate any more


def test_watchlist_puts_agencies_with_most_harm_first(page):
    agencies = rows_by(page["perekrut"][0], "Perusahaan")
    # 9 complaints + a withheld 1-4 victims, then 6 victims, then nothing
    assert list(agencies) == ["PT MAJU JAYA", "PT SURAM ABADI", "PT TENANG"]
    assert agencies["PT SURAM ABADI"]["Status izin"].startswith("Dicabut")
    assert agencies["PT SURAM ABADI"]["Korban"] == "6"


def test_feed_quality_counts_rows_and_failed_checks(page):
    feeds = rows_by(page["kualitas"][0], "Jenis data")
    assert feeds["paspor"]["Baris dibaca"] == "1.200"
    assert feeds["paspor"]["Baris dimuat"] == "1.187"
    assert feeds["paspor"]["Baris dikarantina"] == "13"
    assert feeds["paspor"]["Duplikat"] == "1"
    assert feeds["perlintasan"]["Ditolak"] == "1"
    assert feeds["perlintasan"]["Cek kritis gagal"] == "2"
    bad = page["kualitas"][1]
    assert len(bad) == 2 and bad[1][3].endswith("rusak.csv")
    assert bad[0][-1] == "Alasan" and bad[1][-1] == REJECTED_REASON  # why it was rejected


def test_page_is_one_offline_file_with_inline_charts(published):
    html = published.html
    assert html.count("<svg") == 4  # components, treemap, regency trends, Desa Binaan
    assert not re.search(r"https?://", html)
    assert "<script" not in html and "<link" not in html and "src=" not in html
    assert "<?xml" not in html and "<metadata" not in html


def test_same_data_give_the_same_bytes(published):
    with duckdb.connect(str(published.paths.dashboard), read_only=True) as con:
        again = render(con, RUN_DATE)
    assert again == published.html


def test_empty_dashboard_copy_still_gives_a_page(tmp_path):
    path = tmp_path / "dashboard.duckdb"
    build_dashboard(path)
    with duckdb.connect(str(path)) as con:
        for table in ("mart_village_risk", "mart_regency_month", "mart_feed_quality"):
            con.execute(f"DELETE FROM marts.{table}")
        html = render(con, RUN_DATE)
    assert "Belum ada data" in html and "Tidak ada." in html


def test_squarify_tiles_the_box_with_areas_in_proportion():
    sizes = [50, 20, 10, 10, 5, 3, 2, 0]
    rects = charts.squarify(sizes, 0, 0, 16, 9)
    total = 16 * 9
    for size, (x, y, w, h) in zip(sizes, rects, strict=True):
        assert w * h == pytest.approx(total * size / sum(sizes))
        assert x >= -1e-9 and y >= -1e-9 and x + w <= 16 + 1e-9 and y + h <= 9 + 1e-9
    boxes = [r for r, s in zip(rects, sizes, strict=True) if s]
    for i, (ax, ay, aw, ah) in enumerate(boxes):
        for bx, by, bw, bh in boxes[i + 1:]:
            overlap = (min(ax + aw, bx + bw) - max(ax, bx)) * (min(ay + ah, by + bh) - max(ay, by))
            assert overlap <= 1e-9 or min(ax + aw, bx + bw) <= max(ax, bx) \
                or min(ay + ah, by + bh) <= max(ay, by)
    worst = max(max(w / h, h / w) for x, y, w, h in boxes)
    assert worst < 4  # squarified: no slivers for these sizes
