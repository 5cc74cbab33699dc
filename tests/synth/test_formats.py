"""Each feed is delivered in its agency's format, layout and columns exactly as FEEDS.md says."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime

import polars as pl
import pytest
from synth_helpers import EXPECTED_COLUMNS, SOURCE, Landing

from synth import DEFAULT_QUIRK_RATES

FILE_NAME = re.compile(
    r"landing/(?P<source>imigrasi|bp3mi|polda)/(?P<feed>\w+)/(?P<folder>\d{4}-\d{2}-\d{2})/"
    r"(?P=feed)(?:_(?P<office>[A-Z]{3}))?_(?P<stamp>\d{8})(?P<suffix>_1|_kirimulang|_revisi)?"
    r"\.(?P<ext>csv|xlsx|jsonl)"
)
EXTENSION = {"imigrasi": "csv", "bp3mi": "xlsx", "polda": "jsonl"}


def test_every_landing_file_follows_the_layout_and_naming_of_feeds_md(small: Landing) -> None:
    on_disk = sorted(
        p.relative_to(small.root).as_posix()
        for p in (small.root / "landing").rglob("*")
        if p.is_file()
    )
    assert on_disk == sorted(small.files["path"].to_list())
    feeds = set()
    for path in on_disk:
        m = FILE_NAME.fullmatch(path)
        assert m, path
        assert SOURCE[m["feed"]] == m["source"]
        assert EXTENSION[m["source"]] == m["ext"]
        assert (m["office"] is not None) == (m["source"] == "imigrasi"), path
        if m["suffix"] != "_kirimulang":  # a re-send may land in a later folder
            assert m["folder"].replace("-", "") == m["stamp"], path
        feeds.add(m["feed"])
    assert feeds == set(EXPECTED_COLUMNS)


@pytest.mark.parametrize("feed", ["paspor", "perlintasan", "wna", "timpora"])
def test_imigrasi_csv_is_semicolon_crlf_utf8_with_header_and_bom_from_some_offices(
    small: Landing, feed: str
) -> None:
    boms = set()
    for path in small.paths(feed):
        header, rows, raw = small.csv_rows(path)
        assert tuple(header) == EXPECTED_COLUMNS[feed], path
        body = raw.removeprefix(b"\xef\xbb\xbf")
        assert body.count(b"\r\n") >= len(rows) + 1
        assert b"\n" not in body.replace(b"\r\n", b""), f"bare LF in {path}"
        boms.add(raw.startswith(b"\xef\xbb\xbf"))
        expected_broken = small.files.filter(
            pl.col("path") == path.relative_to(small.root).as_posix()
        )
        n_broken = len(
            [x for x in expected_broken["broken_rows"].fill_null("").item().split("|") if x]
        )
        assert sum(len(r) != len(header) for r in rows) == n_broken
    if feed in ("paspor", "perlintasan"):
        assert boms == {True, False}, "some offices add a BOM, others do not"


def test_imigrasi_csv_reads_with_polars_given_the_contract_columns(small: Landing) -> None:
    path = small.paths("paspor")[0]
    frame = pl.read_csv(path, separator=";", infer_schema=False, encoding="utf8")
    assert tuple(c.removeprefix("\ufeff") for c in frame.columns) == EXPECTED_COLUMNS["paspor"]


@pytest.mark.parametrize("feed", ["penempatan", "pengaduan", "p3mi"])
def test_bp3mi_xlsx_has_sheet_data_two_title_rows_and_the_contract_header(
    small: Landing, feed: str
) -> None:
    paths = small.paths(feed)
    assert paths
    for path in paths[:20]:
        frame = small.xlsx_frame(path)
        assert tuple(frame.columns) == EXPECTED_COLUMNS[feed]
        with zipfile.ZipFile(path) as zf:
            sheet = zf.read("xl/worksheets/sheet1.xml").decode()
        assert 'r="A1"' in sheet and 'r="A2"' in sheet and 'r="A3"' in sheet


def test_bp3mi_dates_are_excel_dates_with_some_text_dates(small: Landing) -> None:
    cells = []
    for path in small.paths("penempatan"):
        frame = small.xlsx_frame(path)
        cells += frame["tgl_keberangkatan"].to_list() + frame["tgl_lahir"].to_list()
    excel = sum(bool(re.fullmatch(r"\d{4}-\d{2}-\d{2} 00:00:00", c)) for c in cells)
    text = len(cells) - excel
    rate = DEFAULT_QUIRK_RATES["xlsx_text_date"]
    assert abs(text / len(cells) - rate) < 4 * (rate * (1 - rate) / len(cells)) ** 0.5 + 0.002


def test_polda_jsonl_objects_have_the_contract_fields_and_wib_timestamps(small: Landing) -> None:
    for feed, stamp_field, nested, person_fields in (
        (
            "kasus_tppo",
            "diperbarui_pada",
            "pihak",
            {
                "peran",
                "nik",
                "nama",
                "alias",
                "tgl_lahir",
                "jenis_kelamin",
                "desa",
                "kecamatan",
                "kabupaten",
            },
        ),
        (
            "penggagalan",
            "waktu",
            "orang",
            {"nik", "nama", "tgl_lahir", "jenis_kelamin", "desa", "kecamatan", "kabupaten"},
        ),
    ):
        records = small.records(feed)
        assert records, feed
        for _, obj in records:
            assert tuple(obj) == EXPECTED_COLUMNS[feed]
            assert obj[stamp_field].endswith("+07:00")
            assert datetime.fromisoformat(obj[stamp_field]).utcoffset().total_seconds() == 7 * 3600
            assert obj[nested] and all(set(p) == person_fields for p in obj[nested])


def test_perlintasan_has_departures_and_returns_with_wib_timestamps(small: Landing) -> None:
    records = [r for _, r in small.records("perlintasan")]
    assert {r["arah"] for r in records} == {"KEBERANGKATAN", "KEDATANGAN"}
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", r["waktu"]) for r in records)
    assert {"CGK", "BTM"} <= {r["kode_tpi"] for r in records}
    keys = [(r["kode_tpi"], r["no_perlintasan"]) for r in records]
    assert len(keys) == len(set(keys)), "(kode_tpi, no_perlintasan) is a key"


def test_paspor_applications_arrive_as_proses_then_are_resent_when_decided(small: Landing) -> None:
    versions: dict[str, list[tuple[str, str]]] = {}
    for day, r in small.records("paspor"):
        versions.setdefault(r["no_permohonan"], []).append((day, r["status"]))
        if r["status"] == "TERBIT":
            assert re.fullmatch(r"[A-Z]\d{7}", r["no_paspor"])
        if r["status"] == "DITUNDA":
            assert r["alasan_penundaan"]
    both = [sorted(v) for v in versions.values() if len(v) == 2]
    assert len(both) > 100
    assert all(v[0][1] == "PROSES" and v[1][1] != "PROSES" and v[0][0] <= v[1][0] for v in both)


def test_p3mi_is_a_weekly_full_snapshot(small: Landing) -> None:
    paths = small.paths("p3mi")
    days = sorted(datetime.strptime(p.parent.name, "%Y-%m-%d").date() for p in paths)
    assert all((b - a).days <= 7 for a, b in zip(days, days[1:], strict=False))
    sizes = {len(small.xlsx_frame(p)) for p in paths}
    assert len(sizes) == 1


def test_police_cases_are_resent_as_their_tahap_advances(small: Landing) -> None:
    stages: dict[str, list[tuple[str, str]]] = {}
    for _, obj in small.records("kasus_tppo"):
        stages.setdefault(obj["nomor_lp"], []).append((obj["diperbarui_pada"], obj["tahap"]))
    order = {"LIDIK": 0, "SIDIK": 1, "P21": 2, "SP3": 2}
    assert any(len(v) > 1 for v in stages.values())
    for versions in stages.values():
        ranks = [order[t] for _, t in sorted(versions)]
        assert ranks == sorted(ranks)
