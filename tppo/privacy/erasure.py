"""Erasing one data subject, keeping them erased, and rotating the pseudonym key.

An erasure request names a person by NIK. :func:`erase_subject` deletes, in
one transaction, every raw row carrying that NIK, every row carrying a
passport number found on those rows (so the border crossings of that passport
go too, although the crossing feed has no NIK), and blanks the quarantined
text that mentions either. Derived data (staging views, intermediate and mart
tables, the published files) are then rebuilt, and the warehouse is compacted
so that no deleted bytes linger (:mod:`tppo.privacy.storage`).

The landing files are the agencies' deliveries and stay as delivered; the
manifest keeps them from being loaded again. A later delivery that names the
same NIK or passport (a re-send, a corrected file, a new record) is held back
at ingest by the *erasure register*: ``meta.erasures`` holds, per erased
identifier, an HMAC under the erasure register key (:data:`tppo.pseudonym.ERASURE`),
never the identifier. That key is separate from the pseudonym key so that the
register survives a key rotation, which cannot re-key identifiers that are gone.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field

import duckdb
import polars as pl

from ingest.erasures import WITHHELD_REASON, ErasureRegister, normalise_passport  # noqa: F401
from ingest.schema import KEY_VERSION
from tppo.privacy.storage import key_mismatch, raw_tables
from tppo.pseudonym import Pseudonymiser
from tppo.warehouse import transaction

ERASED_NOTE = "[content removed: erasure or retention]"


def normalise_nik(value: str) -> str:
    """The 16 digits of a NIK typed by an operator, or ValueError."""
    digits = re.sub(r"[\s.\-'`]", "", value.strip())
    if not re.fullmatch(r"[0-9]{16}", digits):
        raise ValueError("a NIK has exactly 16 digits (spaces, dots and dashes are ignored)")
    return digits


@dataclass
class ErasureReceipt:
    """What an erasure did, without any identifier: safe to print and to file."""

    request_id: str
    passports: int
    rows_removed: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows_removed.values())


def erase_subject(con: duckdb.DuckDBPyConnection, nik: str, pseudo: Pseudonymiser,
                  marker: Pseudonymiser, reference: str | None = None) -> ErasureReceipt:
    """Delete everything the restricted warehouse holds on the person with ``nik``.

    Raises RuntimeError when the warehouse's pseudonyms were made with another
    key (the rows could not be found by key). Derived tables are rebuilt by the
    caller (``tppo privacy erase`` runs the build and publication right after).
    """
    nik = normalise_nik(nik)
    problem = key_mismatch(con, pseudo)
    if problem:
        raise RuntimeError(problem)
    nik_key = pseudo("nik", nik)
    tables = raw_tables()
    who = ("(nik_key = $key OR nik_clean = $nik "
           "OR regexp_replace(coalesce(nik, ''), '[^0-9]', '', 'g') = $nik)")
    found: set[str] = set()
    for table, has_nik, has_passport in tables:
        if has_nik and has_passport:
            found |= {normalise_passport(r[0]) for r in con.execute(
                f"SELECT DISTINCT no_paspor FROM raw.{table} WHERE {who} "
                "AND no_paspor IS NOT NULL", {"key": nik_key, "nik": nik}).fetchall()}
    passports = sorted(p for p in found if p)
    passport_keys = [pseudo("paspor", p) for p in passports]
    receipt = ErasureReceipt(uuid.uuid4().hex[:12], len(passports))
    with transaction(con):
        for table, has_nik, has_passport in tables:
            conds, params = [], {}
            if has_nik:
                conds.append(who)
                params.update({"key": nik_key, "nik": nik})
            if has_passport and passport_keys:
                conds.append("no_paspor_key IN (SELECT unnest($pkeys))")
                params["pkeys"] = passport_keys
            if not conds:
                continue
            n = con.execute(f"DELETE FROM raw.{table} WHERE {' OR '.join(conds)}",
                            params).fetchall()[0][0]
            if n:
                receipt.rows_removed[f"raw.{table}"] = n
        mention = ["regexp_replace(raw_text, '[^0-9]', '', 'g') LIKE '%' || $nik || '%'"]
        mention += [f"regexp_replace(upper(raw_text), '[\\s.-]', '', 'g') LIKE '%{p}%'"
                    for p in passports if re.fullmatch(r"[A-Z0-9]+", p)]
        n = con.execute(
            f"UPDATE meta.quarantine SET raw_text = NULL, reason = reason || ' {ERASED_NOTE}' "
            f"WHERE raw_text IS NOT NULL AND ({' OR '.join(mention)})", {"nik": nik}
        ).fetchall()[0][0]
        if n:
            receipt.rows_removed["meta.quarantine.raw_text"] = n
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        markers = [("nik", marker("nik", nik))] + [("paspor", marker("paspor", p))
                                                   for p in passports]
        con.executemany("INSERT INTO meta.erasures VALUES (?, ?, ?, ?)",
                        [[receipt.request_id, kind, m, now] for kind, m in markers])
        con.execute("INSERT INTO meta.erasure_requests VALUES (?, ?, ?, ?)",
                    [receipt.request_id, reference, now, json.dumps(receipt.rows_removed)])
    return receipt


def rotate_key(con: duckdb.DuckDBPyConnection, old: Pseudonymiser,
               new: Pseudonymiser) -> dict[str, int]:
    """Re-key every pseudonym in the raw tables from ``old`` to ``new``, in one transaction.

    The validated identifiers (``nik_clean``, ``no_paspor``) are on the restricted
    side, so every pseudonym can be recomputed. Returns rows re-keyed per table.
    """
    problem = key_mismatch(con, old)
    if problem:
        raise RuntimeError(problem)
    done: dict[str, int] = {}
    with transaction(con):
        for table, has_nik, has_passport in raw_tables():
            if not (has_nik or has_passport):
                continue
            if has_nik:
                niks = [r[0] for r in con.execute(
                    f"SELECT DISTINCT nik_clean FROM raw.{table} WHERE nik_clean IS NOT NULL"
                ).fetchall()]
                nik_map = pl.DataFrame({"nik_clean": niks,  # noqa: F841 (scanned by DuckDB)
                                        "k": [new("nik", v) for v in niks]},
                                       schema={"nik_clean": pl.Utf8, "k": pl.Utf8})
                con.execute(f"UPDATE raw.{table} AS t SET nik_key = m.k FROM nik_map AS m "
                            "WHERE t.nik_clean = m.nik_clean")
            if has_passport:
                raw = [r[0] for r in con.execute(
                    f"SELECT DISTINCT no_paspor FROM raw.{table} WHERE no_paspor IS NOT NULL"
                ).fetchall()]
                pas_map = pl.DataFrame(  # noqa: F841 (scanned by DuckDB)
                    {"no_paspor": raw, "k": [new("paspor", normalise_passport(v)) for v in raw]},
                    schema={"no_paspor": pl.Utf8, "k": pl.Utf8})
                con.execute(f"UPDATE raw.{table} AS t SET no_paspor_key = m.k FROM pas_map AS m "
                            "WHERE t.no_paspor = m.no_paspor")
            done[f"raw.{table}"] = con.execute(
                f"UPDATE raw.{table} SET {KEY_VERSION} = ?", [new.version]).fetchall()[0][0]
    return done
