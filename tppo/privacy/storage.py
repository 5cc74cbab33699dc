"""The restricted warehouse as a store of personal data: which key made its
pseudonyms, how long raw records are kept, and how deleted rows really go.

DuckDB's ``DELETE`` (and dbt's table replacements) leave the old bytes in
free blocks of the file until they happen to be overwritten: measured here, a
deleted NIK was still readable in the file after ``DELETE`` + ``CHECKPOINT``.
:func:`compact` therefore rewrites the whole warehouse into a fresh file
(``COPY FROM DATABASE``) and renames it into place. Whatever deletes personal
data (retention, erasure, key rotation) calls :func:`request_compaction`; the
next successful ``dbt build`` rebuilds everything derived and then compacts.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb

from ingest.erasures import normalise_passport
from ingest.feeds import FEEDS
from ingest.schema import KEY_VERSION
from tppo.pseudonym import Pseudonymiser
from tppo.warehouse import copy_encrypted, fsync, secrets_dir_of, transaction, warehouse_key


def raw_tables() -> list[tuple[str, bool, bool]]:
    """(table, has a NIK, has a passport number) for every raw table, children included."""
    out = []
    for f in FEEDS:
        out.append((f.table, f.nik, f.passport))
        if f.child is not None:
            out.append((f.child.table, f.child.nik, False))
    return out


def key_versions(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per pseudonym key version over every raw table that holds pseudonyms."""
    parts = [f"SELECT {KEY_VERSION} AS v FROM raw.{t}" for t, nik, pas in raw_tables()
             if nik or pas]
    rows = con.execute(f"SELECT v, count(*) FROM ({' UNION ALL '.join(parts)}) "
                       "WHERE v IS NOT NULL GROUP BY v").fetchall()
    return dict(rows)


def key_mismatch(con: duckdb.DuckDBPyConnection, pseudo: Pseudonymiser) -> str | None:
    """Why this run's key must not add rows to the warehouse, or None when it may.

    Pseudonyms under two keys would silently split every person in two: the
    same NIK would get two person keys and no link would ever be found. Rows
    loaded before versions were recorded are checked against the key by
    recomputing one pseudonym per table, and stamped with its version when it
    matches.
    """
    other = {v: n for v, n in key_versions(con).items() if v != pseudo.version}
    if not other:
        other = _legacy_mismatch(con, pseudo)
    if not other:
        return None
    held = ", ".join(f"{v} ({n} rows)" for v, n in sorted(other.items()))
    return (f"the restricted warehouse holds pseudonyms made with key version(s) {held}, "
            f"but this run's pseudonym key is version {pseudo.version}. Restore the key that "
            "made them, or change keys only with `tppo privacy rotate-key` (docs/PRIVACY.md).")


def _legacy_mismatch(con: duckdb.DuckDBPyConnection, pseudo: Pseudonymiser) -> dict[str, int]:
    for table, has_nik, has_passport in raw_tables():
        if not (has_nik or has_passport):
            continue
        col, kind, value = (("nik_key", "nik", "nik_clean") if has_nik
                            else ("no_paspor_key", "paspor", "no_paspor"))
        unversioned = f"{KEY_VERSION} IS NULL AND {col} IS NOT NULL"
        sample = con.execute(f"SELECT {value}, {col} FROM raw.{table} WHERE {unversioned} "
                             "LIMIT 1").fetchall()
        if not sample:
            continue
        plain, key = sample[0]
        if kind == "paspor":
            plain = normalise_passport(plain)
        if pseudo(kind, plain) != key:
            n = con.execute(f"SELECT count(*) FROM raw.{table} WHERE {unversioned}").fetchall()
            return {"unrecorded (made before versions were kept)": n[0][0]}
        con.execute(f"UPDATE raw.{table} SET {KEY_VERSION} = ? WHERE {KEY_VERSION} IS NULL",
                    [pseudo.version])
    return {}


def retention_cutoff(today: dt.date, years: int) -> dt.date:
    """The first delivery date still kept: the same calendar day ``years`` earlier."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def apply_retention(con: duckdb.DuckDBPyConnection, cutoff: dt.date) -> dict[str, int]:
    """Delete raw records delivered before ``cutoff``; blank their quarantined text.

    The delivery manifest keeps its rows (file names, counts, checksums, no
    personal data), so a file that still sits in the landing area is never
    loaded again. Returns the rows removed per table (only tables with any).
    """
    removed: dict[str, int] = {}
    with transaction(con):
        for table, _, _ in raw_tables():
            n = con.execute(f"DELETE FROM raw.{table} WHERE _delivery_date < ?",
                            [cutoff]).fetchall()[0][0]
            if n:
                removed[f"raw.{table}"] = n
        n = con.execute(
            "UPDATE meta.quarantine SET raw_text = NULL WHERE raw_text IS NOT NULL AND "
            "file_name IN (SELECT file_name FROM meta.deliveries WHERE delivery_date < ?)",
            [cutoff]).fetchall()[0][0]
        if n:
            removed["meta.quarantine.raw_text"] = n
        # a coded field may hold whatever was typed into it, a NIK included
        n = con.execute("DELETE FROM meta.unmapped_codes WHERE delivery_date < ?",
                        [cutoff]).fetchall()[0][0]
        if n:
            removed["meta.unmapped_codes"] = n
    return removed


def _pending_marker(warehouse: Path) -> Path:
    return warehouse.with_name("compact.pending")


def request_compaction(warehouse: Path, why: str) -> None:
    """Ask the next successful build to rewrite the warehouse (see the module docstring)."""
    with open(_pending_marker(warehouse), "a", encoding="utf-8") as fh:
        fh.write(why + "\n")


def compaction_pending(warehouse: Path) -> bool:
    return _pending_marker(warehouse).exists()


def compact(warehouse: Path) -> None:
    """Rewrite the warehouse into a fresh file holding only live rows, atomically.

    Nothing else may have the file open (the pipeline's one-slot pool and the
    run lock see to that). A crash leaves either the old or the new file.
    """
    tmp = warehouse.with_name("warehouse.compacting.duckdb")
    key = warehouse_key(secrets_dir_of(warehouse), create=False)
    copy_encrypted(warehouse, tmp, key, key)  # removes a leftover of a killed compaction
    fsync(tmp)
    os.replace(tmp, warehouse)
    fsync(warehouse.parent)
    _pending_marker(warehouse).unlink(missing_ok=True)
