"""Is the restricted warehouse whole? Checked at the start of every run, before discover.

A disk that filled or failed, a copy cut short, or a restore of the wrong file can
leave ``restricted/warehouse.duckdb`` truncated or holding garbage. DuckDB then fails
somewhere in the middle of a run, or (a damaged data block) only when a query reaches
that block. The check here looks, in order:

- at the file's headers: DuckDB's magic bytes, and whether the three 4 KiB headers
  are all there;
- at whether DuckDB opens it read-only (which also replays a write-ahead log left by
  a killed writer: one that does not replay is damage too);
- at every block of every table: each is read once (``hash`` of every row), and
  DuckDB verifies each block's checksum as it reads; a block cut off by truncation
  cannot be read at all. (The headers' block count is no measure of the size: DuckDB
  itself cuts free blocks off the end of the file, measured after a killed run.)

Nothing is written. The recovery is ``tppo rebuild`` (:mod:`tppo.rebuild`): the
damaged file is moved aside and the warehouse is rebuilt from the landing, which a
run never modifies.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from tppo.config import run_marker
from tppo.errors import WarehouseDamaged
from tppo.warehouse import open_warehouse

MAGIC = b"DUCK"
HEADER_BYTES = 4096  # the main header, then two database headers, each one 4 KiB block
CHECKED_VAR = "TPPO_WAREHOUSE_CHECKED"  # the file state a run's start already checked


def _state(path: Path) -> str:
    st = path.stat()
    wal = path.with_name(path.name + ".wal")
    wal_size = wal.stat().st_size if wal.exists() else -1
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{wal_size}"


def _header_problem(path: Path) -> str | None:
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(3 * HEADER_BYTES)
    if len(head) < 12 or head[8:12] != MAGIC:
        return (f"it is {size:,} bytes and does not start with a DuckDB header "
                "(garbage bytes, or not a database at all)")
    if len(head) < 3 * HEADER_BYTES:
        return f"it is truncated: {size:,} bytes, shorter than DuckDB's headers alone"
    # The headers' block count is no lower bound of the size: DuckDB cuts free blocks off
    # the end of the file. A block in use that is cut off fails when it is read.
    return None


def _read_everything(path: Path) -> None:
    with open_warehouse(path, read_only=True) as con:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                             "WHERE database_name = current_database() "
                             "ORDER BY schema_name, table_name").fetchall()
        for schema, table in tables:
            con.execute(f'SELECT bit_xor(hash(t)) FROM "{schema}"."{table}" AS t').fetchall()


def damage(path: Path) -> str | None:
    """Why the warehouse at ``path`` cannot be trusted, or None when it is whole (or
    does not exist yet: the first run creates it)."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        problem = _header_problem(path)
        if problem:
            return problem
        _read_everything(path)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"DuckDB cannot read it: {first}"
    except OSError as exc:
        return f"it cannot be read: {exc}"
    return None


def message(path: Path, home: Path, why: str) -> str:
    return (f"the restricted warehouse {path} is damaged: {why}. This run stops before "
            "touching anything; the published files stay as they were. To recover, run "
            f"`tppo rebuild`: it moves the damaged file aside (under {home / 'damaged'}) and "
            "rebuilds the warehouse from the landing, which runs never modify, with the same "
            "pseudonym key (README, 'A killed run, a full disk, a damaged warehouse').")


def ensure_whole(path: Path, home: Path) -> None:
    """Raise :class:`WarehouseDamaged` when the warehouse is damaged. A warehouse whose
    state (inode, size, mtime, log) this run's start already found whole is not read
    again (``tppo run`` checks before Airflow starts; discover checks for the
    scheduler's runs)."""
    path = Path(path)
    if not path.exists():
        return
    if run_marker(CHECKED_VAR) == _state(path):
        return
    why = damage(path)
    if why:
        raise WarehouseDamaged(message(path, home, why))
    os.environ[CHECKED_VAR] = _state(path)
