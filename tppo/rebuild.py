"""``tppo rebuild``: move a damaged restricted warehouse aside and rebuild it from the landing.

The landing holds every delivery as the agencies sent it, and runs never modify it, so
the warehouse can always be made again: a run over an empty warehouse registers and
loads every landing file (with the same pseudonym key from ``secrets/``, so every
pseudonym and every mart comes out the same), builds, checks and publishes as any
night does. What the landing does not hold is the erasure register
(``meta.erasures``, ``meta.erasure_requests``: markers, never identifiers): it is
copied from the damaged file when DuckDB can still read those two tables; when it
cannot and erasures were ever made (an erasure register key exists), the rebuild
refuses unless told ``--erasures-lost``, because the erased people would come back
until their erasures are made again.

The damaged file (and its write-ahead log) goes to ``$TPPO_HOME/damaged/<UTC time>/``
(owner only: it holds identified rows); delete it once the rebuilt run is checked.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import duckdb

from tppo.config import Paths, secret_from_environment
from tppo.errors import KeyProblem, RebuildRefused
from tppo.pipeline import connect
from tppo.pseudonym import ERASURE
from tppo.warehouse import open_warehouse

REGISTER = ("meta.erasures", "meta.erasure_requests")


def _salvage(path: Path) -> dict[str, list[tuple]] | None:
    """The erasure register's rows from the damaged file, or None if unreadable."""
    try:
        with open_warehouse(path, read_only=True) as con:
            return {t: con.execute(f"SELECT * FROM {t}").fetchall() for t in REGISTER}
    except (duckdb.Error, OSError, KeyProblem):  # KeyProblem: the warehouse key is lost
        return None


def _erasures_ever_made(p: Paths) -> bool:
    return bool(secret_from_environment(ERASURE.env)) or (p.secrets / ERASURE.file_name).exists()


def set_aside(p: Paths, erasures_lost: bool = False) -> Path | None:
    """Move the warehouse and its log to ``damaged/<time>/``, then start an empty one
    holding the salvaged erasure register. The folder, or None when there was no
    warehouse. Call it holding the run lock."""
    wal = p.warehouse.with_name(p.warehouse.name + ".wal")
    if not p.warehouse.exists() and not wal.exists():
        return None
    register = _salvage(p.warehouse) if p.warehouse.exists() else None
    if register is None and _erasures_ever_made(p) and not erasures_lost:
        raise RebuildRefused(
            f"the erasure register cannot be read from {p.warehouse} and erasures have been "
            "made here (an erasure register key exists): a rebuild from the landing would "
            "bring the erased people back. Restore the warehouse from a backup, or rebuild "
            "with `tppo rebuild --erasures-lost` and then make every erasure again "
            "(`tppo privacy erase`, from your erasure records).")
    folder = p.home / "damaged" / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder.mkdir(parents=True, mode=0o700)
    os.chmod(folder.parent, 0o700)
    for f in (p.warehouse, wal, p.warehouse.with_name("compact.pending")):
        if f.exists():
            os.replace(f, folder / f.name)
    with connect(p) as con:  # a fresh warehouse; the register first, then the landing
        for table, rows in (register or {}).items():
            if rows:
                marks = ", ".join("?" for _ in rows[0])
                con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    os.chmod(p.warehouse, 0o600)
    kept = sum(len(r) for r in (register or {}).values())
    print(f"moved the damaged warehouse to {folder} (it holds identified rows: delete it "
          "once this rebuild is checked); "
          + (f"erasure register kept ({kept} row(s)); " if register is not None
             else "erasure register NOT recovered; ")
          + f"rebuilding {p.warehouse} from {p.landing}", file=sys.stderr, flush=True)
    return folder
