"""The truth folder agrees with the feeds, so that it can judge the platform's marts."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from stdnum.id import nik as stdnum_nik
from synth_helpers import Landing, parse_date

REFERENCE = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "reference"
WINDOW = (date(2025, 1, 1), date(2025, 1, 1) + timedelta(days=120))


def in_window(d: date | None) -> bool:
    return d is not None and WINDOW[0] <= d < WINDOW[1]


def latest_versions(land: Landing, feed: str, key: str) -> dict[str, dict]:
    """Latest delivery date wins; within a date, the `_revisi` file wins (FEEDS.md)."""
    best: dict[str, tuple[tuple, dict]] = {}
    revised = set(land.files.filter(pl.col("is_revision") == "true")["path"])
    broken = land.broken_keys(feed)
    for path in land.paths(feed, revisions=True):
        rank = (path.parent.name, path.relative_to(land.root).as_posix() in revised)
        for r in land.xlsx_frame(path).to_dicts() if path.suffix == ".xlsx" else []:
            if r[key] not in broken and (r[key] not in best or best[r[key]][0] <= rank):
                best[r[key]] = (rank, r)
    return {k: v[1] for k, v in best.items()}


def test_kemendagri_bridge_covers_every_bps_district_once() -> None:
    with open(REFERENCE / "kemendagri_districts.csv", encoding="utf-8") as fh:
        bridge = list(csv.DictReader(fh))
    with open(REFERENCE / "bps_districts.csv", encoding="utf-8") as fh:
        districts = {d["district_code"] for d in csv.DictReader(fh)}
    assert len(bridge) == 228
    assert {b["bps_district_code"] for b in bridge} == districts
    assert len({b["kemendagri_district_code"] for b in bridge}) == 228
    assert {
        "kemendagri_district_code": "180901",
        "bps_district_code": "1809050",
        "district_name": "Gedong Tataan",
    } in bridge


def test_true_niks_are_valid_and_match_sex_birth_date_and_a_kemendagri_district(
    small: Landing,
) -> None:
    persons = small.truth("persons").filter(pl.col("nik").is_not_null())
    with open(REFERENCE / "kemendagri_districts.csv", encoding="utf-8") as fh:
        codes = {b["kemendagri_district_code"] for b in csv.DictReader(fh)}
    assert persons["nik"].n_unique() == len(persons)
    for nik, sex, birth, village in persons.select(
        "nik", "sex", "birth_date", "village_code"
    ).iter_rows():
        assert stdnum_nik.is_valid(nik)
        b = date.fromisoformat(birth)
        day = b.day + (40 if sex == "P" else 0)
        assert nik[6:12] == f"{day:02d}{b.month:02d}{b.year % 100:02d}"
        assert nik[:6] in codes or village is None  # transit victims come from outside Lampung


def test_crossing_ids_in_truth_are_exactly_those_in_the_feed(small: Landing) -> None:
    feed_ids = {f"{r['kode_tpi']}-{r['no_perlintasan']}" for _, r in small.records("perlintasan")}
    truth = small.truth("crossings")
    assert set(truth.filter(pl.col("in_feed") == "true")["crossing_id"]) == feed_ids
    assert set(truth["true_class"]) == {"PROCEDURAL", "NONPROCEDURAL_LABOUR", "NON_LABOUR"}
    departures = truth.filter(pl.col("direction") == "KEBERANGKATAN")
    shares = departures["true_class"].value_counts(normalize=True)
    non_labour = shares.filter(pl.col("true_class") == "NON_LABOUR")["proportion"].item()
    assert non_labour > 0.5, "ordinary traffic outweighs migrant traffic"


def test_village_month_counts_placements_applications_postponements_like_the_feeds(
    small: Landing,
) -> None:
    vm = small.truth("village_month")
    total = {c: vm[c].cast(pl.Int64).sum() for c in vm.columns[4:]}
    placements = latest_versions(small, "penempatan", "id_penempatan")
    assert total["procedural_placements"] == sum(
        in_window(parse_date(r["tgl_keberangkatan"])) for r in placements.values()
    )
    apps, postponed = set(), set()
    for _, r in small.records("paspor", revisions=True):
        if in_window(parse_date(r["tgl_permohonan"])):
            apps.add(r["no_permohonan"])
        if r["status"] == "DITUNDA" and in_window(parse_date(r["tgl_keputusan"])):
            postponed.add(r["no_permohonan"])
    assert total["passport_applications"] == len(apps)
    assert total["passport_postponements"] == len(postponed) > 0
    assert vm.select(pl.col("village_code").n_unique()).item() == 2642
    assert vm["month"].n_unique() == 4


def test_village_month_counts_victims_interdictions_complaints_findings(small: Landing) -> None:
    vm = small.truth("village_month")
    total = {c: vm[c].cast(pl.Int64).sum() for c in vm.columns[4:]}
    timpora = sum(
        int(r["jumlah_orang"])
        for _, r in small.records("timpora")
        if in_window(parse_date(r["tgl_operasi"]))
    )
    assert total["timpora_findings"] == timpora
    interdicted = {
        (o["nik"], o["nama"], g["id_penggagalan"])
        for _, g in small.records("penggagalan")
        for o in g["orang"]
    }
    assert total["interdicted_persons"] <= len(interdicted)
    assert total["active_foreign_permits"] > 0
    assert total["suspected_nonprocedural_departures"] > 0
    assert total["labour_destination_departures"] > total["suspected_nonprocedural_departures"]


def test_procedural_workers_depart_on_the_passport_of_their_placement(small: Landing) -> None:
    departures: dict[str, list[date]] = {}
    for _, r in small.records("perlintasan"):
        if r["arah"] == "KEBERANGKATAN":
            d = date(int(r["waktu"][6:10]), int(r["waktu"][3:5]), int(r["waktu"][:2]))
            departures.setdefault(r["no_paspor"], []).append(d)
    issued = {r["no_paspor"] for _, r in small.records("paspor") if r["status"] == "TERBIT"}
    placements = latest_versions(small, "penempatan", "id_penempatan")
    checked = linked = in_paspor = 0
    for r in placements.values():
        dep = parse_date(r["tgl_keberangkatan"])
        if not (WINDOW[0] <= dep < WINDOW[1] - timedelta(days=2)) or not r["no_paspor"]:
            continue
        checked += 1
        linked += any(abs((d - dep).days) <= 30 for d in departures.get(r["no_paspor"], []))
        in_paspor += r["no_paspor"] in issued
    assert checked > 100
    assert linked >= 0.99 * checked
    assert 0.3 * checked < in_paspor < checked, "some workers re-depart on an older passport"


def test_named_recruiters_are_aliases_of_the_true_recruiter(small: Landing) -> None:
    recruiters = small.truth("recruiters")
    aliases = {
        p: set(a.split("|"))
        for p, a in zip(recruiters["person_id"], recruiters["aliases"], strict=True)
    }
    links = small.truth("record_links").filter(pl.col("role") == "RECRUITER")
    named = dict(zip(links["record_key"], links["person_id"], strict=True))
    complaints = [r for _, r in small.records("pengaduan") if r["nama_perekrut"]]
    assert complaints
    for r in complaints:
        assert r["nama_perekrut"] in aliases[named[r["id_kasus"]]]
    assert len({a for s in aliases.values() for a in s if a.startswith(("PAK ", "BU "))}) > 3


def test_hotspots_rank_among_the_top_villages_of_true_nonprocedural_departures(
    small: Landing,
) -> None:
    vm = small.truth("village_month").with_columns(
        pl.col(pl.String)
        .exclude("village_code", "month", "district_code", "regency_code")
        .cast(pl.Int64)
    )
    per_village = vm.group_by("village_code").agg(
        pl.col("suspected_nonprocedural_departures").sum()
    )
    ranked = per_village.sort("suspected_nonprocedural_departures", descending=True)["village_code"]
    top = set(ranked[:50].to_list())
    assert {"1809050004", "1810020003"} <= top


def test_files_csv_counts_the_data_rows_of_each_file(small: Landing) -> None:
    for path, rows in small.files.select("path", "data_rows").iter_rows():
        full = small.root / path
        if full.suffix == ".csv":
            n = len(full.read_bytes().split(b"\r\n")) - 2
        elif full.suffix == ".jsonl":
            n = len(full.read_text(encoding="utf-8").splitlines())
        else:
            n = len(small.xlsx_frame(full))
        assert n == int(rows), path
