"""The report's Desa Binaan section shows both programmes with each designation's trend,
and its "Cek perekrut" section says how a village head gets a recruiter checked; the
check itself runs on the same published dashboards' copy (issue 13, points 4 and 5)."""

from __future__ import annotations

import pytest

from tests.report.htmltables import rows_by, tables
from tppo import cli
from tppo.recruiter_check import EXIT
from tppo.report.recruiters_check import ANCHOR


@pytest.fixture(scope="module")
def page(published) -> dict:
    return tables(published.html)


def test_each_programme_has_its_designated_villages_with_their_trend(page, published):
    _, binaan_imigrasi, migran_emas = page["binaan"]
    dbi = rows_by(binaan_imigrasi, "Desa")
    assert list(dbi) == ["WAYLAYAP"] and dbi["WAYLAYAP"]["Juga program lain"] == "ya"
    dme = rows_by(migran_emas, "Desa")
    assert list(dme) == ["WAYLAYAP", "AMBARAWA"]  # in the order of their dates
    w = dme["WAYLAYAP"]  # Desa Migran Emas from 15 February: January before, then after
    assert (w["Ditetapkan"], w["Bulan sebelum"], w["Bulan sesudah"]) == ("15-02-2025", "1",
                                                                         "5")
    assert w["Rata-rata skor sebelum"] == "10,0" and w["Rata-rata skor sesudah"] == "49,5"
    assert w["Perubahan"] == "+39,5" and w["Skor kini"] == "87,5"
    a = dme["AMBARAWA"]
    assert (a["Ditetapkan"], a["Juga program lain"], a["Perubahan"]) == ("05-03-2025", "–",
                                                                         "+2,8")
    assert "Desa Binaan Imigrasi: sebelum dan sesudah" in published.html
    assert "Desa Migran Emas: sebelum dan sesudah" in published.html


def test_a_desa_migran_emas_stays_a_desa_binaan_candidate_marked_as_such(page):
    candidates = rows_by(page["binaan"][0], "Desa")
    assert candidates["AMBARAWA"]["Desa Migran Emas sejak"] == "05-03-2025"
    assert candidates["KALIREJO"]["Desa Migran Emas sejak"] == "–"
    assert "WAYLAYAP" not in candidates


def test_recruiter_check_section_says_how_and_lists_licences_stopped_lately(page, published):
    assert f"<h2 id='{ANCHOR}'>Cek perekrut" in published.html
    assert "tppo recruiter-check" in published.html and "SIP2MI" in published.html
    stopped = rows_by(page[ANCHOR][0], "Perusahaan")
    # revoked in March and frozen in May; PT TENANG's freeze of 2024 is not lately
    assert list(stopped) == ["PT SINAR HARAPAN MIGRAN", "PT SURAM ABADI"]
    assert stopped["PT SURAM ABADI"]["Status"] == "Dicabut"
    assert stopped["PT SURAM ABADI"]["Sejak"] == "01-03-2025"
    assert stopped["PT SINAR HARAPAN MIGRAN"]["Sampai"] == "masih berlaku"
    assert "Daftar P3MI BP3MI terakhir diterima 16-06-2025: 2 dari 4 perusahaan" in (
        published.html)


@pytest.mark.parametrize(("name", "on", "code", "says"), [
    ("maju jya", "2025-06-20", EXIT["active"], "AKTIF sejak 01-01-2020"),
    ("P.T. Suram  Abadi", "2025-06-20", EXIT["not_active"], "tidak lagi tercantum"),
    ("suram abadi", "2025-01-15", EXIT["active"], "AKTIF sejak 01-05-2019 sampai 01-03-2025"),
    ("PT Tenang", "2024-07-01", EXIT["not_active"], "DIBEKUKAN (izin dibekukan) sejak"),
    ("Sudarman als Darman", "2025-06-20", EXIT["none"], "tidak cocok dengan P3MI"),
])
def test_the_command_answers_from_the_dashboards_copy(published, monkeypatch, capsys, name,
                                                      on, code, says):
    monkeypatch.setenv("TPPO_HOME", str(published.paths.home))
    assert cli.main(["recruiter-check", name, "--on", on]) == code
    out = capsys.readouterr().out
    assert says in out and "dashboard.duckdb" in out
