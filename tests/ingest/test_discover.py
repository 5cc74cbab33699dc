"""Issue 17 items 3, 5 and 7: every entry below the landing is loaded, a duplicate, or
rejected with a reason naming its path; nothing is skipped without a trace."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time

from ingest.feeds import feed
from ingest.load import discover, load_feed
from tests.conftest import paspor_row, write_csv
from tppo.pseudonym import Pseudonymiser

PSEUDO = Pseudonymiser(b"test-key")
DAY = dt.date(2025, 3, 10)
HEADER = list(feed("paspor").columns)
PASPOR = "imigrasi/paspor/2025-03-05"


def _manifest(con):
    return {r[0]: r[1:] for r in con.execute(
        "SELECT file_name, status, source, feed, delivery_date, message "
        "FROM meta.deliveries").fetchall()}


def test_misfiled_paths_are_rejected_under_a_known_source_or_unknown(tmp_path, con):
    landing = tmp_path / "landing"
    write_csv(landing / "stray.csv", HEADER, [paspor_row("P1")])
    write_csv(landing / "imigrasi/paspor/stray.csv", HEADER, [paspor_row("P2")])
    write_csv(landing / "kiriman/paspor/2025-03-05/a.csv", HEADER, [paspor_row("P3")])
    write_csv(landing / "polda/2025-03-05/b.csv", HEADER, [paspor_row("P4")])
    discover(con, landing, DAY, "b1")
    m = _manifest(con)
    assert {k: v[:3] for k, v in m.items()} == {
        "stray.csv": ("REJECTED", "unknown", "unknown"),
        "imigrasi/paspor/stray.csv": ("REJECTED", "imigrasi", "paspor"),
        "kiriman/paspor/2025-03-05/a.csv": ("REJECTED", "imigrasi", "paspor"),
        "polda/2025-03-05/b.csv": ("REJECTED", "polda", "unknown"),
    }
    for name, (*_, day, message) in m.items():
        assert name in message  # the reason names the path
        assert day == DAY  # no 1970: an undated file is dated the day it was found


def test_hidden_files_and_folders_are_rejected_with_a_reason(tmp_path, con):
    landing = tmp_path / "landing"
    write_csv(landing / PASPOR / ".hidden.csv", HEADER, [paspor_row("P1")])
    write_csv(landing / "imigrasi/paspor/.2025-03-06/a.csv", HEADER, [paspor_row("P2")])
    old = time.time() - 3600
    for p in landing.rglob("*.csv"):
        os.utime(p, (old, old))
    discover(con, landing, DAY, "b1", settle_seconds=600)
    m = _manifest(con)
    assert set(m) == {f"{PASPOR}/.hidden.csv", "imigrasi/paspor/.2025-03-06/a.csv"}
    assert all(v[0] == "REJECTED" and "hidden" in v[4] for v in m.values())


def test_symbolic_links_are_never_followed(tmp_path, con):
    landing = tmp_path / "landing"
    outside = tmp_path / "outside"
    secret = write_csv(outside / "2025-03-05/secret.csv", HEADER, [paspor_row("S1")])
    write_csv(landing / PASPOR / "real.csv", HEADER, [paspor_row("P1")])
    (landing / PASPOR / "linked.csv").symlink_to(secret)
    (landing / "imigrasi/paspor/2025-03-06").symlink_to(outside / "2025-03-05",
                                                         target_is_directory=True)
    (landing / PASPOR / "inside.csv").symlink_to(landing / PASPOR / "real.csv")
    (landing / PASPOR / "broken.csv").symlink_to(tmp_path / "nowhere.csv")
    found = discover(con, landing, DAY, "b1")
    m = _manifest(con)
    assert m[f"{PASPOR}/real.csv"][0] == "PENDING" and found.new_pending == 1
    for name in (f"{PASPOR}/linked.csv", "imigrasi/paspor/2025-03-06",
                 f"{PASPOR}/broken.csv"):
        assert m[name][0] == "REJECTED" and "outside the landing" in m[name][4], name
    assert m[f"{PASPOR}/inside.csv"][0] == "REJECTED"
    assert "symbolic link" in m[f"{PASPOR}/inside.csv"][4]
    load_feed(con, feed("paspor"), landing, "b1", PSEUDO)
    assert con.execute("SELECT list(no_permohonan) FROM raw.imigrasi__paspor").fetchone() \
        == (["P1"],)  # nothing from outside the landing


def test_a_fifo_is_rejected_without_being_opened(tmp_path, con):
    landing = tmp_path / "landing"
    (landing / PASPOR).mkdir(parents=True)
    os.mkfifo(landing / PASPOR / "pipe.csv")
    discover(con, landing, DAY, "b1")  # opening a FIFO would block here
    status, *_, message = _manifest(con)[f"{PASPOR}/pipe.csv"]
    assert status == "REJECTED" and "not a regular file" in message


def test_a_file_changed_after_loading_is_flagged_not_skipped(tmp_path, con):
    landing = tmp_path / "landing"
    path = write_csv(landing / PASPOR / "a.csv", HEADER, [paspor_row("P1")])
    discover(con, landing, DAY, "b1")
    load_feed(con, feed("paspor"), landing, "b1", PSEUDO)
    assert discover(con, landing, DAY, "b2").changed == 0  # unchanged: not flagged
    write_csv(path, HEADER, [paspor_row("P1"), paspor_row("P2")])  # the rest of an upload
    found = discover(con, landing, DAY, "b3")
    assert found.changed == 1
    flagged = [(k, v) for k, v in _manifest(con).items() if k != f"{PASPOR}/a.csv"]
    ((name, (status, source, feed_name, day, message)),) = flagged
    assert name.startswith(f"{PASPOR}/a.csv (changed ") and status == "REJECTED"
    assert (source, feed_name, day) == ("imigrasi", "paspor", dt.date(2025, 3, 5))
    assert "changed after it was loaded" in message and "new file" in message
    assert discover(con, landing, DAY, "b4").changed == 0  # flagged once, not every night
    os.utime(path, (time.time() + 5, time.time() + 5))  # touched, same bytes
    assert discover(con, landing, DAY, "b5").changed == 0


def test_a_file_still_being_written_waits_and_a_settled_one_loads(tmp_path, con):
    landing = tmp_path / "landing"
    done = write_csv(landing / PASPOR / "done.csv", HEADER, [paspor_row("P1")])
    growing = landing / PASPOR / "growing.csv"
    growing.write_bytes(";".join(HEADER).encode() + b"\r\n")
    (landing / PASPOR / ".upload.csv.part").write_bytes(b"no_permohonan")
    stop = threading.Event()

    def keep_writing():
        with open(growing, "ab") as fh:
            while not stop.is_set():
                fh.write(";".join(paspor_row("G")).encode() + b"\r\n")
                fh.flush()
                time.sleep(0.2)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        found = discover(con, landing, DAY, "b1", settle_seconds=600, watch_seconds=1.0)
    finally:
        stop.set()
        writer.join()
    m = _manifest(con)
    assert set(m) == {f"{PASPOR}/done.csv"} and found.waiting == 2
    old = time.time() - 3600
    os.utime(growing, (old, old))
    os.utime(done, (old, old))
    discover(con, landing, DAY, "b2", settle_seconds=600)
    assert _manifest(con)[f"{PASPOR}/growing.csv"][0] == "PENDING"


def test_an_unreadable_folder_is_reported(tmp_path, con, monkeypatch):
    landing = tmp_path / "landing"
    locked = landing / PASPOR
    write_csv(locked / "a.csv", HEADER, [paspor_row("P1")])
    real_scandir = os.scandir

    def scandir(path="."):  # as chmod 000 does for anyone but root
        if os.fspath(path) == os.fspath(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    discover(con, landing, DAY, "b1")
    status, *_, message = _manifest(con)[PASPOR]
    assert status == "REJECTED" and "cannot be read" in message
