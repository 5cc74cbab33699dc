"""Opening any DuckDB file a run wrote: the restricted warehouse (and its work copies)
encrypted, under its home's key; the published files as they are."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tppo.warehouse import is_encrypted, open_warehouse


def open_db(path: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if path.exists() and is_encrypted(path):
        return open_warehouse(path, read_only=read_only)
    return duckdb.connect(str(path), read_only=read_only)
