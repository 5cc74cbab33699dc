"""The steps of load_feed (read -> type and pseudonymise -> audit -> settle), without a
warehouse: each takes and returns a Batch of typed records; only `write` opens the
warehouse (tested through load_feed in test_load.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import polars as pl

from ingest.erasures import WITHHELD_REASON, ErasureRegister
from ingest.feeds import feed
from ingest.load import (
    Batch,
    FileOutcome,
    PendingFile,
    QuarantineRow,
    audit,
    read_files,
    settle,
    type_batch,
    with_recent_ratio,
)
from tests.conftest import paspor_row, write_csv
from tppo.pseudonym import Pseudonymiser

PSEUDO = Pseudonymiser(b"test-key")
PASPOR = feed("paspor")
NAME = "imigrasi/paspor/2025-03-05/paspor_BDL_20250305.csv"


def _pending(landing, name=NAME) -> PendingFile:
    sha = hashlib.sha256((landing / name).read_bytes()).hexdigest()
    return PendingFile(name, sha, dt.date(2025, 3, 5))


def _read(tmp_path, rows, raw_lines=()):
    landing = tmp_path / "landing"
    write_csv(landing / NAME, list(PASPOR.columns), rows, raw_lines=list(raw_lines))
    pending = _pending(landing)
    return read_files(PASPOR, landing, [pending], "b1"), pending


def test_read_keeps_every_row_with_its_lineage_and_quarantines_the_unreadable(tmp_path):
    batch, pending = _read(tmp_path, [paspor_row("P1"), paspor_row("P2")],
                           raw_lines=["P9;BDL;05/03/2025;only four"])
    out = batch.outcomes[pending.sha256]
    assert (out.status, out.rows_read, out.rows_quarantined) == ("LOADED", 3, 1)
    (q,) = batch.quarantine
    assert isinstance(q, QuarantineRow) and q.file_sha256 == pending.sha256
    assert (q.row_number, q.field) == (3, None) and "expected 18 fields" in q.reason
    assert q.values()[3] == NAME  # meta.quarantine's column order
    (frame,) = batch.frames
    assert frame["no_permohonan"].to_list() == ["P1", "P2"]
    assert set(frame["_file_name"]) == {NAME} and set(frame["_batch_id"]) == {"b1"}


def test_a_file_changed_since_discovery_is_rejected_unread(tmp_path):
    landing = tmp_path / "landing"
    write_csv(landing / NAME, list(PASPOR.columns), [paspor_row("P1")])
    pending = PendingFile(NAME, "0" * 64, dt.date(2025, 3, 5))  # not these bytes
    batch = read_files(PASPOR, landing, [pending], "b1")
    out = batch.outcomes["0" * 64]
    assert out.status == "REJECTED" and "changed" in out.message and not batch.frames


def test_typing_pseudonymises_and_sends_bad_required_fields_to_the_quarantine(tmp_path):
    batch, pending = _read(tmp_path, [paspor_row("P1", nik="1809014506900001"),
                                      paspor_row("P2", tgl="tanggal?")])
    batch = type_batch(batch, PSEUDO)
    rows = batch.rows
    assert rows["no_permohonan"].to_list() == ["P1"]
    assert rows["nik_key"].to_list() == [PSEUDO("nik", "1809014506900001")]
    assert rows["tgl_permohonan_date"].to_list() == [dt.date(2025, 3, 5)]
    (q,) = batch.quarantine
    assert (q.row_number, q.field) == (2, "tgl_permohonan") and "not a date" in q.reason
    assert q.raw_text.startswith("P2;")
    out = batch.outcomes[pending.sha256]
    assert (out.rows_loaded, out.rows_quarantined) == (1, 1)


def test_rows_of_an_erased_person_are_withheld_without_their_text(tmp_path):
    batch, pending = _read(tmp_path, [paspor_row("P1", nik="1809014506900001"),
                                      paspor_row("P2", nik="1809014506900002")])
    marker = Pseudonymiser(b"erasure-key")
    erased = ErasureRegister(marker, frozenset({marker("nik", "1809014506900002")}))
    batch = type_batch(batch, PSEUDO, erased)
    assert batch.rows["no_permohonan"].to_list() == ["P1"]
    (q,) = batch.quarantine
    assert q.reason == WITHHELD_REASON and q.raw_text is None and q.row_number == 2
    assert batch.outcomes[pending.sha256].rows_quarantined == 1


def test_recent_ratio_compares_a_file_with_its_senders_recent_files(tmp_path):
    batch, _ = _read(tmp_path, [paspor_row("P1"), paspor_row("P2")])
    batch = type_batch(batch, PSEUDO)
    history = [(f"imigrasi/paspor/2025-03-0{d}/paspor_BDL_2025030{d}.csv", 20)
               for d in range(1, 5)]
    few = with_recent_ratio(batch, history[:4])
    assert few.rows["_rows_vs_recent"].to_list() == [None, None]  # under 5 files: no median
    history.append(("imigrasi/paspor/2025-02-28/paspor_BDL_20250228.csv", 20))
    batch2, _ = _read(tmp_path / "again", [paspor_row("P1"), paspor_row("P2")])
    enough = with_recent_ratio(type_batch(batch2, PSEUDO), history)
    assert enough.rows["_rows_vs_recent"].to_list() == [0.1, 0.1]


@dataclass
class _Finding:
    expectation: str
    column: str | None
    severity: str
    unexpected_count: int
    message: str


@dataclass
class _Judged:
    verdict: str
    message: str | None = None
    findings: list = field(default_factory=list)


def test_a_failed_audit_rejects_the_file_and_keeps_the_finding(tmp_path):
    batch, pending = _read(tmp_path, [paspor_row("P1")])
    batch = type_batch(batch, PSEUDO)

    def judge(f, rows: pl.DataFrame) -> dict:
        assert f is PASPOR and rows.height == 1
        return {pending.sha256: _Judged("FAILED", "status outside the contract", [
            _Finding("expect_column_values_to_be_in_set", "status", "critical", 1,
                     "1 row(s)")])}

    batch = audit(batch, judge)
    out = batch.outcomes[pending.sha256]
    assert (out.status, out.validation_result) == ("REJECTED", "FAILED")
    (finding,) = batch.findings
    assert finding.values()[:7] == ("b1", "imigrasi", "paspor", NAME,
                                    "expect_column_values_to_be_in_set", "status", "critical")
    assert batch.accepted == set()


def test_without_an_auditor_every_read_file_passes(tmp_path):
    batch, pending = _read(tmp_path, [paspor_row("P1")])
    batch = audit(type_batch(batch, PSEUDO), None)
    assert batch.outcomes[pending.sha256].validation_result == "PASSED"
    assert batch.accepted == {pending.sha256}


def test_settle_notes_only_codes_not_seen_before_and_blanks_erased_mentions(tmp_path):
    batch, pending = _read(tmp_path, [paspor_row("P1", status="DIKIRIM"),
                                      paspor_row("P2", status="SELESAI_X")])
    batch = audit(type_batch(batch, PSEUDO), None)
    marker = Pseudonymiser(b"erasure-key")
    erased = ErasureRegister(marker, frozenset({marker("nik", "1809014506900009")}))
    batch.quarantined(QuarantineRow("b1", "imigrasi", "paspor", NAME, pending.sha256, 9, 8,
                                    None, "expected 18 fields", "X;1809014506900009;Y"))
    batch = settle(batch, {("status", "DIKIRIM")}, erased)
    assert sorted(batch.codes["value"].to_list()) == ["DIKIRIM", "SELESAI_X"]
    note = batch.outcomes[pending.sha256].message
    assert "new unmapped value(s) in status (1)" in note and "SELESAI" not in note
    assert batch.quarantine[-1].raw_text is None


def test_a_batch_starts_empty():
    b = Batch(feed=PASPOR, batch_id="b1")
    assert b.accepted == set() and not b.audit_errored
    b.outcomes["x"] = FileOutcome("f", "x", "LOADED", validation_result="ERROR")
    assert b.audit_errored
