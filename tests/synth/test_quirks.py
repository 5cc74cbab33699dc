"""Every quirk of FEEDS.md appears, at the documented and configurable rate."""

from __future__ import annotations

import inspect
import math
import re
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from stdnum.id import nik as stdnum_nik
from synth_helpers import Landing

from synth import DEFAULT_QUIRK_RATES, generate, quirks


def nik_form(value: str | None) -> str:
    """The quirk a NIK text shows, judged from the text alone."""
    text = (value or "").strip()
    if text in ("", "-"):
        return "missing"
    if text.startswith("'"):
        return "apostrophe"
    if re.fullmatch(r"\d[.,]\d{5}E\+15", text):
        return "scientific"
    if re.fullmatch(r"\d{4}([ .])\d{4}\1\d{4}\1\d{4}", text):
        return "spaces_dots"
    if re.fullmatch(r"\d{15}|\d{17}", text):
        return "wrong_length"
    if re.fullmatch(r"\d{16}", text):
        return "ok"
    return "other"


def within(observed: int, n: int, rate: float) -> bool:
    """Binomial tolerance: four standard deviations plus a little slack."""
    return abs(observed / n - rate) <= 4 * math.sqrt(rate * (1 - rate) / n) + 0.002


def test_every_default_quirk_rate_carries_a_comment_saying_what_it_is() -> None:
    source = inspect.getsource(quirks)
    for key in DEFAULT_QUIRK_RATES:
        assert re.search(rf'"{key}": [0-9.]+,\s+# \S', source), key


def test_nik_quirks_in_paspor_occur_at_the_configured_rates(small: Landing) -> None:
    seen: dict[str, str] = {}
    for _, r in small.records("paspor"):
        seen.setdefault(r["no_permohonan"], r["nik"])  # one typed NIK per application
    forms = Counter(nik_form(v) for v in seen.values())
    n = sum(forms.values())
    assert forms["other"] == 0
    for form, key in (
        ("missing", "nik_missing"),
        ("apostrophe", "nik_apostrophe"),
        ("scientific", "nik_scientific"),
        ("spaces_dots", "nik_spaces_dots"),
        ("wrong_length", "nik_wrong_length"),
    ):
        assert within(forms[form], n, DEFAULT_QUIRK_RATES[key]), (form, forms[form], n)


def test_xlsx_nik_is_sometimes_a_numeric_cell_that_lost_its_last_digit(small: Landing) -> None:
    numeric, total = 0, 0
    for path in small.paths("penempatan"):
        with zipfile.ZipFile(path) as zf:
            sheet = zf.read("xl/worksheets/sheet1.xml").decode()
        for cell in re.findall(r'<c r="B(\d+)"([^>]*)>(.*?)</c>', sheet):
            if int(cell[0]) <= 3:
                continue
            total += 1
            if 't="' not in cell[1]:
                numeric += 1
                value = re.search(r"<v>(.*?)</v>", cell[2])[1]
                assert re.fullmatch(r"18\d{13}0", value), value  # Excel keeps 15 digits
    assert within(numeric, total, DEFAULT_QUIRK_RATES["nik_numeric_cell"])


def test_every_nik_quirk_form_appears(quirky: Landing, small: Landing) -> None:
    texts = [r["nik"] for land in (quirky, small) for _, r in land.records("paspor")]
    forms = Counter(nik_form(t) for t in texts)
    assert all(
        forms[f] for f in ("missing", "apostrophe", "scientific", "spaces_dots", "wrong_length")
    )
    assert any("," in t for t in texts if nik_form(t) == "scientific")
    assert any("." in t for t in texts if nik_form(t) == "scientific")
    assert {len(t) for t in texts if nik_form(t) == "wrong_length"} == {15, 17}
    assert any("." in t for t in texts if nik_form(t) == "spaces_dots")


def test_names_vary_with_bin_binti_titles_and_case(small: Landing) -> None:
    names = [r["nama"] for _, r in small.records("paspor")]
    names += [r["nama"] for _, r in small.records("penempatan")]
    assert any(" BINTI " in n for n in names) and any(" BIN " in n for n in names)
    assert any(n.startswith(("HJ. ", "H. ")) for n in names)
    assert any(n != n.upper() for n in names)
    assert sum(n == n.upper() for n in names) > 0.8 * len(names)


def test_dropped_letters_make_names_differ_from_the_true_name(small: Landing) -> None:
    persons = dict(zip(*small.truth("persons").select("person_id", "name"), strict=True))
    links = small.truth("record_links").filter(pl.col("feed") == "paspor")
    true_name = {
        k: persons[p] for k, p in zip(links["record_key"], links["person_id"], strict=True)
    }
    dropped = 0
    for _, r in small.records("paspor"):
        typed = re.sub(r"^(HJ?\.|DRS\.) | BINT?I? .*$", "", r["nama"].upper())
        truth = true_name[r["no_permohonan"]]
        if any(truth[:i] + truth[i + 1 :] == typed for i in range(1, len(truth))):
            dropped += 1
    assert dropped > 0


def test_addresses_vary_but_always_give_desa_kecamatan_kabupaten(small: Landing) -> None:
    records = [r for _, r in small.records("paspor")] + [r for _, r in small.records("penempatan")]
    assert all(r["desa"] and r["kecamatan"] and r["kabupaten"] for r in records)
    desa = [r["desa"] for r in records]
    kec = {r["kecamatan"] for r in records}
    kab = {r["kabupaten"] for r in records}
    assert any(d.startswith(("DS. ", "DESA ", "Ds. ", "PEKON ")) for d in desa)
    assert any(d.startswith(("KEL. ", "Kel. ", "KELURAHAN ")) for d in desa)
    assert any(d != d.upper() for d in desa)
    assert {"GEDUNG TATAAN", "Gedong Tataan"} & kec and any(k.startswith("KEC. ") for k in kec)
    assert {"KAB. PESAWARAN", "Pesawaran", "KABUPATEN PESAWARAN"} <= kab | {"KABUPATEN PESAWARAN"}
    assert kab & {"LAMTIM", "LAMSEL", "LAMTENG", "LAMPURA", "TUBABA", "LAMBAR", "BDL"}


def test_way_layap_is_written_in_several_ways(small: Landing) -> None:
    spellings = {
        r["desa"]
        for feed in ("paspor",)
        for _, r in small.records(feed)
        if re.sub(r"[^A-Z]", "", r["desa"].upper()).endswith(("WAYLAYAP", "WAYLAYP", "WAYLYAP"))
    }
    assert len(spellings) >= 2, spellings


def test_countries_are_spelled_in_the_ways_of_feeds_md(small: Landing) -> None:
    countries = Counter(r["negara"] for _, r in small.records("perlintasan"))
    countries.update(r["negara_tujuan"] for _, r in small.records("paspor"))
    countries.update(r["negara_penempatan"] for _, r in small.records("penempatan"))
    for group in (
        {"MALAYSIA", "MAL"},
        {"ARAB SAUDI", "SAUDI ARABIA", "KSA"},
        {"HONGKONG", "HONG KONG"},
        {"TAIWAN"},
        {"SINGAPURA"},
    ):
        assert len(group & set(countries)) >= min(2, len(group)), group


def test_all_date_formats_of_feeds_md_appear(small: Landing) -> None:
    texts = [r["tgl_lahir"] for _, r in small.records("paspor")]
    texts += [str(r["tgl_lahir"]) for _, r in small.records("penempatan")]
    texts += [r["tgl_operasi"] for _, r in small.records("timpora")]
    texts += [p["tgl_lahir"] for _, o in small.records("kasus_tppo") for p in o["pihak"]]
    patterns = {
        "DD/MM/YYYY": r"\d{2}/\d{2}/\d{4}",
        "DD-MM-YYYY": r"\d{2}-\d{2}-\d{4}",
        "YYYY-MM-DD": r"\d{4}-\d{2}-\d{2}",
        "D Mon YYYY": r"\d{1,2} (Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Sep|Okt|Nov|Des) \d{4}",
        "D Month YYYY": r"\d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|"
        r"Oktober|November|Desember) \d{4}",
    }
    for name, pattern in patterns.items():
        assert any(re.fullmatch(pattern, t) for t in texts), name


def test_deliveries_include_late_resent_revised_and_broken_files(quirky: Landing) -> None:
    files = quirky.files
    assert (files["is_late"] == "true").any()
    assert (files["is_revision"] == "true").any()
    dups = files.filter(pl.col("is_duplicate_of").fill_null("") != "")
    assert (
        dups["path"].str.contains("_1\\.").any() and dups["path"].str.contains("_kirimulang").any()
    )
    for path, original in zip(dups["path"], dups["is_duplicate_of"], strict=True):
        assert (quirky.root / path).read_bytes() == (quirky.root / original).read_bytes()
    broken = files.filter(pl.col("broken_rows").fill_null("") != "")
    assert set(broken["source"]) == {"imigrasi", "polda"}


def test_revisions_change_a_few_records_of_the_same_file(quirky: Landing) -> None:
    revised = quirky.files.filter(pl.col("is_revision") == "true")
    for path in revised["path"]:
        original = quirky.root / path.replace("_revisi", "")
        assert original.exists()
        assert original.read_bytes() != (quirky.root / path).read_bytes()


def test_truncated_json_lines_are_only_ever_the_last_line(quirky: Landing) -> None:
    truncated = 0
    for feed in ("kasus_tppo", "penggagalan"):
        for path in quirky.paths(feed, revisions=True):
            lines = path.read_text(encoding="utf-8").split("\n")
            objects, bad = quirky.jsonl_objects(path)
            truncated += bad
            assert bad <= 1 and (bad == 0 or lines[-1] != "")
    assert truncated > 0


def test_quirks_can_be_turned_off(tmp_path: Path) -> None:
    off = {k: 0.0 for k in DEFAULT_QUIRK_RATES if k.startswith("nik_")}
    generate(tmp_path, seed=3, days=20, scale=0.02, quirk_rates=off)
    land = Landing(tmp_path, {})
    niks = [r["nik"] for _, r in land.records("paspor")]
    assert niks and all(stdnum_nik.is_valid(n) for n in niks)


def test_unknown_quirk_rate_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown quirk"):
        generate(tmp_path, days=5, scale=0.01, quirk_rates={"nik_mising": 0.5})


def test_existing_output_is_not_overwritten_without_force(tmp_path: Path) -> None:
    generate(tmp_path, days=5, scale=0.01)
    with pytest.raises(FileExistsError):
        generate(tmp_path, days=5, scale=0.01)
    generate(tmp_path, days=5, scale=0.01, start=date(2025, 2, 1), force=True)
    assert not list((tmp_path / "landing").rglob("*20250101*"))
