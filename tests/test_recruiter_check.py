"""tppo/recruiter_check.py: names as village heads are told them match the register's
spelling, the match is explained, and the licence status is the one of the date asked.

The spellings below were not the ones the rules were written from: typos, a missing or
dotted PT, extra spaces, lower case, titles, aliases joined by "als" or a slash."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tppo import cli
from tppo.config import Paths
from tppo.recruiter_check import (
    EXIT,
    MATCH,
    Agency,
    Answer,
    Cluster,
    Period,
    Register,
    aliases,
    check,
    find_matches,
    normalise_company,
    normalise_person,
    render,
    similarity,
    status_on,
)

D = dt.date
SURYA = Agency("P3MI-7", "PT. SURYA MANDIRI SEJAHTERA", "KEP.12/2019", "KAB. LAMPUNG TIMUR", True,
               (Period("AKTIF", D(2019, 3, 1), D(2025, 2, 10), "KEP.12/2019", D(2025, 2, 3)),
                Period("DIBEKUKAN", D(2025, 2, 10), D(2025, 5, 6), "KEP.12/2019", D(2025, 5, 5)),
                Period("AKTIF", D(2025, 5, 6), None, "KEP.12/2019", D(2025, 6, 16))))
BINA = Agency("P3MI-8", "CV Bina Karya Utama", "KEP.40/2021", None, False,
              (Period("AKTIF", D(2021, 7, 1), None, "KEP.40/2021", D(2025, 1, 6)),))
AGENCIES = [SURYA, BINA,
            Agency("P3MI-9", "PT SURYA ABADI", "KEP.55/2020", None, True,
                   (Period("AKTIF", D(2020, 1, 1), None, "KEP.55/2020", D(2025, 6, 16)),))]
DARMAN = Cluster("R-1", "SUDARMAN", 3, 2, 4, 1, 1, 1, D(2024, 11, 2), D(2025, 5, 30))


@pytest.mark.parametrize(("given", "expected"), [
    ("pt. surya  mandiri sejahtera", "SURYA MANDIRI SEJAHTERA"),
    ("P.T. Surya Mandiri Sejahtera, Tbk", "SURYA MANDIRI SEJAHTERA"),
    ("  CV   Bina-Karya  Utama ", "BINA KARYA UTAMA"),
    ("PERSEROAN TERBATAS SURYA ABADI", "SURYA ABADI"),
])
def test_company_names_lose_case_punctuation_spacing_and_legal_form(given, expected):
    assert normalise_company(given) == expected


def test_person_names_lose_forms_of_address_and_patronymic_as_the_dbt_macro():
    assert normalise_person("Pak Darman") == "DARMAN"
    assert normalise_person("Hj. Siti Aminah binti Supardi") == "SITI AMINAH"
    assert normalise_person("bpk. H. Sudarman") == "SUDARMAN"


def test_a_name_with_aliases_is_split_into_each_name():
    assert aliases("Sudarman als Darman") == ["Sudarman", "Darman"]
    assert aliases("SUDARMAN ALIAS PAK DARMAN") == ["SUDARMAN", "PAK DARMAN"]
    assert aliases("Yono / Suyono (Mas Yon)") == ["Yono", "Suyono", "Mas Yon"]


def test_the_explanation_pairs_each_word_with_its_closest_register_word():
    s = similarity("SURYA MANDRI SEJAHTRA", "SURYA MANDIRI SEJAHTERA")
    assert s.score >= MATCH
    assert [(w, k) for w, k, _ in s.pairs] == [("SURYA", "SURYA"), ("MANDRI", "MANDIRI"),
                                              ("SEJAHTRA", "SEJAHTERA")]
    assert s.pairs[0][2] == 100 and 80 < s.pairs[1][2] < 100 and s.unmatched == ()
    partial = similarity("SURYA MANDIRI", "SURYA MANDIRI SEJAHTERA")
    assert partial.unmatched == ("SEJAHTERA",) and partial.score < MATCH


@pytest.mark.parametrize("given", [
    "surya mandri sejahtera",          # two typos, no PT
    "PT SURYAMANDIRI SEJAHTERA",       # words run together
    "Pt.  Surya   Mandiri  Sejahtera",  # extra spaces, dotted legal form
    "SEJAHTERA SURYA MANDIRI",         # word order
])
def test_misspelt_company_names_find_the_agency(given):
    best = find_matches(given, AGENCIES, [])[0]
    assert best.target is SURYA and best.confirmed


def test_a_different_company_sharing_a_word_is_not_a_match():
    found = {m.target.agency_id: m for m in find_matches("PT SURYA MANDIRI SEJAHTERA",
                                                         AGENCIES, [])}
    assert found["P3MI-7"].score == 100
    assert "P3MI-9" not in found or not found["P3MI-9"].confirmed


def test_an_alias_of_the_name_given_matches_an_informal_cluster():
    best = find_matches("Sudarman als Darman", AGENCIES, [DARMAN])[0]
    assert best.target is DARMAN and best.given == "Sudarman" and best.score == 100
    via_nickname = find_matches("pak sudarmn", AGENCIES, [DARMAN])[0]
    assert via_nickname.target is DARMAN and via_nickname.confirmed


def test_licence_status_is_the_one_of_the_date_with_since_when():
    assert status_on(SURYA, D(2024, 12, 31)).status == "AKTIF"
    frozen = status_on(SURYA, D(2025, 3, 1))
    assert (frozen.status, frozen.since, frozen.until) == ("DIBEKUKAN", D(2025, 2, 10),
                                                           D(2025, 5, 6))
    assert not frozen.active and "sejak 10-02-2025 sampai 06-05-2025" in frozen.note
    again = status_on(SURYA, D(2025, 5, 6))
    assert again.active and again.since == D(2025, 5, 6)
    before = status_on(SURYA, D(2018, 1, 1))
    assert before.status is None and "belum tercatat" in before.note
    # listed for the last time on 6 January: unknown after that, not active
    gone = status_on(BINA, D(2025, 3, 1))
    assert not gone.active and "tidak lagi tercantum" in gone.note
    assert status_on(BINA, D(2024, 12, 1)).active


def _answer(name: str, on: dt.date, clusters=(), tier: str = "public") -> Answer:
    register = Register(AGENCIES, list(clusters), D(2025, 6, 16))
    return Answer(name, on, tier, register, find_matches(name, AGENCIES, list(clusters)))


def test_exit_status_says_active_not_active_informal_or_nothing():
    assert _answer("surya mandri sejahtera", D(2025, 6, 1)).code == EXIT["active"] == 0
    assert _answer("surya mandri sejahtera", D(2025, 3, 1)).code == EXIT["not_active"]
    assert _answer("Sudarman als Darman", D(2025, 6, 1), [DARMAN],
                   "analysts").code == EXIT["informal"]
    assert _answer("Koperasi Tani Makmur", D(2025, 6, 1)).code == EXIT["none"]


def test_the_answer_is_written_for_a_village_head_in_indonesian():
    text = render(_answer("surya mandri sejahtera", D(2025, 3, 1)))
    assert "P3MI berizin: PT. SURYA MANDIRI SEJAHTERA (ID P3MI-7, no. izin KEP.12/2019" in text
    assert "MANDRI ≈ MANDIRI" in text and "SURYA = SURYA" in text
    assert "status izin pada 01-03-2025: DIBEKUKAN (izin dibekukan) sejak 10-02-2025" in text
    assert "TIDAK AKTIF" in text and "--tier analysts" in text
    nothing = render(_answer("Koperasi Tani Makmur", D(2025, 6, 1)))
    assert "Tidak ada P3MI berizin yang namanya mirip" in nothing
    assert "tidak cocok dengan P3MI berizin mana pun" in nothing


@pytest.fixture(scope="module")
def analysts_home(tmp_path_factory) -> Paths:
    """An analytics.duckdb with one licence history and one informal cluster."""
    root = tmp_path_factory.mktemp("recruiter_check")
    p = Paths(landing=root / "landing", home=root / "home")
    p.home.mkdir(parents=True)
    with duckdb.connect(str(p.analytics)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.mart_p3mi_licence_history AS SELECT * FROM (VALUES "
                    "('P3MI-7#1', 'P3MI-7', 'PT SURYA MANDIRI SEJAHTERA', 'KEP.12/2019', NULL, 1,"
                    " 'AKTIF', DATE '2019-03-01', NULL::DATE, true, DATE '2024-01-01', "
                    "DATE '2025-06-16', true)) t(licence_period_id, agency_id, agency_name, "
                    "licence_number, branch_regency_text, period_number, licence_status, "
                    "valid_from, valid_to, is_current, first_snapshot_date, last_snapshot_date, "
                    "is_in_latest_register)")
        con.execute("CREATE TABLE marts.mart_recruiter_watchlist AS SELECT * FROM (VALUES "
                    "('R-1', 'INFORMAL', 'SUDARMAN', 3, 2, 4, 1, 1, 1, DATE '2024-11-02', "
                    "DATE '2025-05-30')) t(recruiter_key, recruiter_type, recruiter_name, "
                    "spellings, regencies_mentioned, victims, linked_complaints, interdictions, "
                    "tppo_cases, first_seen_date, last_seen_date)")
    return p


def test_the_analysts_tier_adds_informal_clusters_the_public_tier_has_none(analysts_home):
    answer = check("Sudarman als Darman", D(2025, 6, 1), "analysts", analysts_home)
    assert answer.code == EXIT["informal"] and answer.matches[0].target.name == "SUDARMAN"
    assert "Perekrut perorangan di daftar pantau analis" in render(answer)


def test_command_exits_two_when_the_published_file_is_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TPPO_HOME", str(tmp_path / "kosong"))
    assert cli.main(["recruiter-check", "PT SURYA", "--on", "2025-06-01"]) == EXIT["unreadable"]
    assert "belum ada" in capsys.readouterr().err
