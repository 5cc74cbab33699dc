"""Issue 12 point 4: adversarial landing files and names, each a test.

Every hostile entry ends REJECTED (in ``meta.deliveries``, with a message naming it) or its
bad lines in ``meta.quarantine``; the other files of its feed and the other feeds load;
nothing the data wrote is run or followed. Where each item is tested (``here``: this file;
``discover``, ``hostile``: tests/ingest/test_discover.py, test_hostile_files.py):

================================  ==================================================================
item                              test
================================  ==================================================================
quotes, ``;``, ``..``, spaces,    here: test_hostile_names_load_or_are_rejected_naming_them
non-ASCII in file/folder names
bytes that are not UTF-8,         here: test_names_not_utf8_are_rejected_not_fatal
control or bidi characters
symlinks out of the landing       discover: test_symbolic_links_are_never_followed (files, folders,
                                  broken, inside); here: test_a_link_out_of_the_landing_is_never_
                                  opened (the target is never opened)
zero-byte files                   here: test_zero_byte_files_are_rejected_with_their_names
directories named like files      here: test_a_folder_named_like_a_file_is_rejected
non-XLSX with an ``.xlsx`` name   hostile: test_a_non_zip_xlsx_is_rejected_clearly; through
                                  load_feed and the report: tests/report/test_hostile_text.py
zip bomb                          hostile: test_xlsx_bomb_is_rejected_before_it_is_read,
                                  test_a_highly_compressible_member_is_rejected_even_under_the_total
50 MB single line, CSV and JSONL  here: test_a_50_mb_line_is_quarantined_in_bounded_memory
deeply nested JSON                hostile: test_json_nested_10000_deep_is_quarantined_and_the_rest_
                                  loads
file replaced after discovery     here: test_a_file_replaced_after_discovery_is_not_loaded (other
                                  bytes, a link, gone, a folder, its folder a link); changed after
                                  loading: discover: test_a_file_changed_after_loading_is_flagged_
                                  not_skipped
HTML, script, formulas in text    tests/report/test_hostile_text.py (the report's bytes and its DOM
that reaches the report,          in Chromium, exports, the dashboards' copy and Superset's table
Superset or an export             charts); Data Docs: tests/expectations/test_data_docs_safety.py
================================  ==================================================================
"""

from __future__ import annotations

import builtins
import datetime as dt
import io
import json
import os
import tracemalloc

import pytest

from ingest.feeds import feed
from ingest.load import discover, load_feed
from ingest.readers import KEPT_CHARS
from tests.conftest import paspor_row, write_csv, write_jsonl
from tppo.pseudonym import Pseudonymiser

PSEUDO = Pseudonymiser(b"test-key")
DAY = dt.date(2025, 3, 10)
HEADER = list(feed("paspor").columns)
PASPOR = "imigrasi/paspor/2025-03-05"
GOOD_JSON = {"id_penggagalan": "G1", "waktu": "2025-03-05T10:00:00+07:00",
             "lokasi": "BAKAUHENI", "negara_tujuan": "MALAYSIA", "perekrut": None, "orang": []}


def _manifest(con) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in con.execute(
        "SELECT file_name, status, source, feed, message FROM meta.deliveries").fetchall()}


def _loaded(con, table: str = "imigrasi__paspor") -> dict[str, list[str]]:
    key = "no_permohonan" if table == "imigrasi__paspor" else "id_penggagalan"
    return dict(con.execute(f"SELECT _file_name, list({key} ORDER BY {key}) FROM raw.{table} "
                            "GROUP BY 1").fetchall())


def _other_feed(landing) -> None:
    """One good file of another feed: it must load whatever happens to paspor."""
    write_jsonl(landing / "polda/penggagalan/2025-03-05/penggagalan_20250305.jsonl", [GOOD_JSON])


def _assert_other_feed_loads(con, landing) -> None:
    load_feed(con, feed("penggagalan"), landing, "b1", PSEUDO)
    assert _loaded(con, "polda__penggagalan") == {
        "polda/penggagalan/2025-03-05/penggagalan_20250305.jsonl": ["G1"]}


INJECTION = "paspor_BDL_20250305 o'brien \"x\"; DROP TABLE meta.deliveries; --.csv"
UNICODE = "paspor_KTB..20250305 Kantor Kotabumi é 日本.csv"
MISPLACED = {  # path below the landing: (source, feed) it is recorded under
    "imigrasi/paspor/2025-03-05 ; DROP TABLE raw.imigrasi__paspor/a.csv": ("imigrasi", "paspor"),
    "imigrasi/paspor/2025-03-05../b.csv": ("imigrasi", "paspor"),
    "imigrasi/paspor/２０２５-03-05/c.csv": ("imigrasi", "paspor"),  # full-width digits
    "imigrasi/pas'por/2025-03-05/d.csv": ("imigrasi", "unknown"),
    "imigrasi/paspor/2025-03-05/sub folder \"q\"/e.csv": ("imigrasi", "paspor"),
    "polda \"x\"; 'y'/kasus_tppo/2025-03-05/f.csv": ("polda", "kasus_tppo"),
    "Kantor Imigrasi é/g.csv": ("unknown", "unknown"),
    "imigrasi/paspor/..2025-03-06/h.csv": ("imigrasi", "paspor"),  # hidden: starts with '.'
}


def test_hostile_names_load_or_are_rejected_naming_them(tmp_path, con):
    landing = tmp_path / "landing ' \"; é"
    write_csv(landing / PASPOR / INJECTION, HEADER, [paspor_row("P1")])
    write_csv(landing / PASPOR / UNICODE, HEADER, [paspor_row("P2")])
    for i, rel in enumerate(MISPLACED):
        write_csv(landing / rel, HEADER, [paspor_row(f"X{i}")])
    _other_feed(landing)
    discover(con, landing, DAY, "b1")
    m = _manifest(con)
    assert m[f"{PASPOR}/{INJECTION}"][0] == m[f"{PASPOR}/{UNICODE}"][0] == "PENDING"
    for rel, (source, feed_name) in MISPLACED.items():
        status, got_source, got_feed, message = m[rel]
        assert (status, got_source, got_feed) == ("REJECTED", source, feed_name), rel
        assert rel in message, message  # the reason names the path, exactly as it is
    load_feed(con, feed("paspor"), landing, "b1", PSEUDO)
    # stored as delivered, never spliced into a statement: both loaded, every table intact
    assert _loaded(con) == {f"{PASPOR}/{INJECTION}": ["P1"], f"{PASPOR}/{UNICODE}": ["P2"]}
    assert con.execute("SELECT count(*) FROM meta.deliveries WHERE status = 'LOADED'"
                       ).fetchone() == (2,)
    _assert_other_feed_loads(con, landing)
    discover(con, landing, DAY, "b2")  # known names are recognised: nothing recorded twice
    assert _manifest(con).keys() == m.keys()


def test_names_not_utf8_are_rejected_not_fatal(tmp_path, con):
    landing = tmp_path / "landing"
    write_csv(landing / PASPOR / "good.csv", HEADER, [paspor_row("P1")])
    raw = os.fsencode(landing / PASPOR)
    with open(raw + b"/paspor_BDL_\xe9\xff.csv", "wb") as fh:  # Latin-1 bytes from Windows
        fh.write(b"no_permohonan\r\n")
    os.makedirs(os.fsencode(landing) + b"/imigrasi/paspor/2025-03-06\xff")
    with open(os.fsencode(landing) + b"/imigrasi/paspor/2025-03-06\xff/a.csv", "wb") as fh:
        fh.write(b"x")
    write_csv(landing / PASPOR / "paspor\nBDL\x1b[2J.csv", HEADER, [paspor_row("P2")])
    write_csv(landing / PASPOR / "paspor_BDL_\u202evsc.exe", HEADER, [paspor_row("P3")])
    _other_feed(landing)
    discover(con, landing, DAY, "b1")  # one odd name must not stop every feed
    m = _manifest(con)
    rejected = {k: v[3] for k, v in m.items() if v[0] == "REJECTED"}
    assert set(rejected) == {f"{PASPOR}/paspor_BDL_\\xe9\\xff.csv",
                             "imigrasi/paspor/2025-03-06\\xff/a.csv",
                             f"{PASPOR}/paspor\\x0aBDL\\x1b[2J.csv",
                             f"{PASPOR}/paspor_BDL_\\u202evsc.exe"}  # shows as ..._exe.csv
    for name, message in rejected.items():
        assert message.startswith(name) and "not UTF-8 text or control characters" in message
    assert m[f"{PASPOR}/good.csv"][0] == "PENDING"
    load_feed(con, feed("paspor"), landing, "b1", PSEUDO)
    assert _loaded(con) == {f"{PASPOR}/good.csv": ["P1"]}
    _assert_other_feed_loads(con, landing)
    discover(con, landing, DAY, "b2")  # the next night: recognised, not recorded again
    assert _manifest(con).keys() == m.keys()


def test_zero_byte_files_are_rejected_with_their_names(tmp_path, con):
    landing = tmp_path / "landing"
    empty = [f"{PASPOR}/paspor_BDL_20250305.csv", "bp3mi/penempatan/2025-03-05/"
             "penempatan_20250305.xlsx", "polda/kasus_tppo/2025-03-05/kasus_tppo_20250305.jsonl"]
    for rel in empty:
        (landing / rel).parent.mkdir(parents=True, exist_ok=True)
        (landing / rel).write_bytes(b"")
    write_csv(landing / PASPOR / "paspor_KTB_20250305.csv", HEADER, [paspor_row("P1")])
    _other_feed(landing)
    discover(con, landing, DAY, "b1")
    m = _manifest(con)
    for rel in empty:  # each its own rejection, not a "duplicate" of another empty file
        status, *_, message = m[rel]
        assert status == "REJECTED" and message == (
            f"{rel} is empty (0 bytes): nothing to load; ask the office to re-send it")
    for name in ("paspor", "penempatan", "kasus_tppo"):
        load_feed(con, feed(name), landing, "b1", PSEUDO)
    assert _loaded(con) == {f"{PASPOR}/paspor_KTB_20250305.csv": ["P1"]}
    _assert_other_feed_loads(con, landing)


def test_a_folder_named_like_a_file_is_rejected(tmp_path, con):
    landing = tmp_path / "landing"
    (landing / PASPOR / "paspor_BDL_20250305.csv").mkdir(parents=True)  # empty
    write_csv(landing / PASPOR / "paspor_KTB_20250305.csv/paspor_KTB_20250305.csv", HEADER,
              [paspor_row("X1")])
    write_csv(landing / PASPOR / "paspor_TGM_20250305.csv", HEADER, [paspor_row("P1")])
    (landing / "imigrasi/paspor/2025-03-06").mkdir()  # an empty date folder is normal
    discover(con, landing, DAY, "b1")
    m = _manifest(con)
    assert {k: v[0] for k, v in m.items()} == {
        f"{PASPOR}/paspor_BDL_20250305.csv": "REJECTED",
        f"{PASPOR}/paspor_KTB_20250305.csv/paspor_KTB_20250305.csv": "REJECTED",
        f"{PASPOR}/paspor_TGM_20250305.csv": "PENDING"}
    assert m[f"{PASPOR}/paspor_BDL_20250305.csv"][3] == (
        f"{PASPOR}/paspor_BDL_20250305.csv is an empty folder where a delivered file belongs "
        "(<source>/<feed>/<YYYY-MM-DD>/<file>), not a file; replace it with the delivered file")
    assert "not in the layout" in m[f"{PASPOR}/paspor_KTB_20250305.csv/paspor_KTB_20250305.csv"][3]
    load_feed(con, feed("paspor"), landing, "b1", PSEUDO)
    assert _loaded(con) == {f"{PASPOR}/paspor_TGM_20250305.csv": ["P1"]}
    discover(con, landing, DAY, "b2")
    assert _manifest(con).keys() == m.keys()


class _Opened:
    """Every path this process opens through ``open`` (the readers' and the hashing's way)."""

    def __init__(self, monkeypatch):
        self.paths: list[str] = []
        real = io.open

        def spy(file, *args, **kwargs):
            if isinstance(file, (str, bytes, os.PathLike)):
                self.paths.append(os.path.realpath(os.fsdecode(file)))
            return real(file, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", spy)
        monkeypatch.setattr(io, "open", spy)


def test_a_link_out_of_the_landing_is_never_opened(tmp_path, con, monkeypatch):
    landing = tmp_path / "landing"
    secret = write_csv(tmp_path / "outside/secret.csv", HEADER, [paspor_row("S1")])
    write_csv(landing / PASPOR / "real.csv", HEADER, [paspor_row("P1")])
    (landing / PASPOR / "paspor_BDL_20250305.csv").symlink_to(secret)
    (landing / "imigrasi/paspor/2025-03-06").symlink_to(secret.parent, target_is_directory=True)
    opened = _Opened(monkeypatch)
    discover(con, landing, DAY, "b1")
    load_feed(con, feed("paspor"), landing, "b1", PSEUDO)
    assert os.path.realpath(secret) not in opened.paths
    assert os.path.realpath(landing / PASPOR / "real.csv") in opened.paths  # it sees reads
    m = _manifest(con)
    assert "to outside the landing" in m[f"{PASPOR}/paspor_BDL_20250305.csv"][3]
    assert _loaded(con) == {f"{PASPOR}/real.csv": ["P1"]}


def test_a_file_replaced_after_discovery_is_not_loaded(tmp_path, con, monkeypatch):
    landing = tmp_path / "landing"
    secret = write_csv(tmp_path / "outside/secret.csv", HEADER, [paspor_row("S1")])
    names = {n: write_csv(landing / PASPOR / f"paspor_{n}_20250305.csv", HEADER,
                          [paspor_row(f"{n}1")]) for n in ("BDL", "KTB", "TGM", "MGL", "KLA")}
    linked_day = write_csv(landing / "imigrasi/paspor/2025-03-04/paspor_BDL_20250304.csv",
                           HEADER, [paspor_row("D1")])
    _other_feed(landing)
    discover(con, landing, DAY, "b1")
    # between discover and the feed's ingest task:
    write_csv(names["BDL"], HEADER, [paspor_row("BDL1"), paspor_row("EVIL")])  # other bytes
    names["KTB"].unlink()
    names["KTB"].symlink_to(secret)  # a link out of the landing
    names["TGM"].unlink()  # gone
    names["KLA"].unlink()
    names["KLA"].mkdir()  # a folder in its place
    moved = tmp_path / "outside/2025-03-04"
    linked_day.parent.rename(moved)  # its folder swapped for a link to outside
    (landing / "imigrasi/paspor/2025-03-04").symlink_to(moved, target_is_directory=True)
    opened = _Opened(monkeypatch)
    result = load_feed(con, feed("paspor"), landing, "b1", PSEUDO)
    assert os.path.realpath(secret) not in opened.paths
    assert os.path.realpath(moved / "paspor_BDL_20250304.csv") not in opened.paths
    outcome = {o.file_name: (o.status, o.message) for o in result.files}
    expect = {
        f"{PASPOR}/paspor_BDL_20250305.csv": "changed after it was registered (sha256 ",
        f"{PASPOR}/paspor_KTB_20250305.csv": "was replaced by a symbolic link after it was "
                                             "registered; it was not read",
        f"{PASPOR}/paspor_TGM_20250305.csv": "was registered but is gone",
        f"{PASPOR}/paspor_KLA_20250305.csv": "was replaced by something that is not a file",
        "imigrasi/paspor/2025-03-04/paspor_BDL_20250304.csv":
            "was replaced by a path outside the landing",
    }
    for name, words in expect.items():
        status, message = outcome[name]
        assert status == "REJECTED" and message.startswith(f"{name} ") and words in message
    assert _loaded(con) == {f"{PASPOR}/paspor_MGL_20250305.csv": ["MGL1"]}
    assert {r[0]: r[1] for r in con.execute("SELECT file_name, status FROM meta.deliveries"
                                            ).fetchall()}[f"{PASPOR}/paspor_MGL_20250305.csv"] \
        == "LOADED"
    _assert_other_feed_loads(con, landing)


FIFTY_MB = 50 * 1024 * 1024
LONG_LINES = {  # format: (feed, the lines before, a line of 50 MB, the lines after)
    "csv": ("paspor", [";".join(HEADER), ";".join(paspor_row("P1"))],
            "1;" + ";" * FIFTY_MB,  # millions of fields if parsed
            [";".join(paspor_row("P2"))]),
    "jsonl": ("penggagalan", [json.dumps({**GOOD_JSON, "id_penggagalan": "P1"})],
              json.dumps({**GOOD_JSON, "id_penggagalan": "G9", "lokasi": "A" * FIFTY_MB}),
              [json.dumps({**GOOD_JSON, "id_penggagalan": "P2"})]),  # valid JSON, too long
}


@pytest.mark.parametrize("fmt", sorted(LONG_LINES))
def test_a_50_mb_line_is_quarantined_in_bounded_memory(tmp_path, con, fmt):
    name, before, long_line, after = LONG_LINES[fmt]
    f = feed(name)
    folder = tmp_path / "landing" / f.source / f.name / "2025-03-05"
    folder.mkdir(parents=True)
    big = folder / f"{name}_BDL_20250305.{fmt}"
    big.write_text("\r\n".join([*before, long_line, *after]) + "\r\n")
    del long_line
    write_csv(tmp_path / "landing" / PASPOR / "paspor_KTB_20250305.csv", HEADER,
              [paspor_row("K1")])
    write_jsonl(tmp_path / "landing/polda/penggagalan/2025-03-04/penggagalan_20250304.jsonl",
                [{**GOOD_JSON, "id_penggagalan": "K1"}])
    discover(con, tmp_path / "landing", DAY, "b1")
    tracemalloc.start()
    try:
        result = load_feed(con, f, tmp_path / "landing", "b1", PSEUDO)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * FIFTY_MB, f"{peak:,} bytes at peak for a 50 MB file"
    table = f.table
    rel = big.relative_to(tmp_path / "landing").as_posix()
    assert _loaded(con, table)[rel] == ["P1", "P2"]  # the rest of the file loads
    ((line, reason, kept),) = con.execute(
        "SELECT line_number, reason, length(raw_text) FROM meta.quarantine WHERE file_name = ?",
        [rel]).fetchall()
    assert line == len(before) + 1 and kept == KEPT_CHARS
    assert reason.startswith(f"line {line} holds 5") and "over the limit" in reason
    (big_outcome,) = [o for o in result.files if o.file_name == rel]
    assert (big_outcome.status, big_outcome.rows_read, big_outcome.rows_quarantined) == (
        "LOADED", 3, 1)
    assert len(_loaded(con, table)) == 2  # the feed's other file too
    other = feed("penggagalan" if fmt == "csv" else "paspor")
    load_feed(con, other, tmp_path / "landing", "b1", PSEUDO)
    assert list(_loaded(con, other.table).values()) == [["K1"]]
