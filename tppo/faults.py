"""Recognise a full disk in whatever shape it reaches us, and say so plainly.

A full disk surfaces as ``OSError(ENOSPC)`` from Python, as SQLite's
"database or disk is full" inside SQLAlchemy's ``OperationalError`` (Airflow's
metadata database), or as a DuckDB ``IOException`` / ``OutOfMemoryException``
quoting "No space left on device". Each is turned into one line that names the
place, the free space there, and what to do.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from pathlib import Path

MARKERS = ("no space left on device", "database or disk is full", "disk is full",
           "not enough space on the disk", "no space left")


def _chain(exc: BaseException):
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        orig = getattr(exc, "orig", None)  # sqlalchemy.exc.DBAPIError wraps the driver's
        if isinstance(orig, BaseException) and id(orig) not in seen:
            yield orig
            seen.add(id(orig))
        exc = exc.__cause__ or exc.__context__


def is_disk_full(exc: BaseException) -> bool:
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(m in str(e).lower() for m in MARKERS):
            return True
    return False


def _path_in(exc: BaseException) -> Path | None:
    for e in _chain(exc):
        name = getattr(e, "filename", None)
        if isinstance(e, OSError) and name:
            return Path(os.fsdecode(name))
        found = re.search(r"""["'](/[^"'\n]+)["']""", str(e))
        if found:
            return Path(found.group(1))
    return None


def _from_database(exc: BaseException) -> bool:
    return any(type(e).__module__.split(".")[0] in ("sqlalchemy", "sqlite3")
               for e in _chain(exc))


def free_mb(path: Path) -> float | None:
    """Free space (MB) on the file system holding ``path`` (or its nearest parent)."""
    probe = Path(path)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free / 1e6
    except OSError:
        return None


def disk_full_reason(exc: BaseException, fallback: Path,
                     database: Path | None = None) -> str | None:
    """``disk full: no space left on <path> (df shows N MB free); ...`` or None when
    ``exc`` is not a full disk. The path is the one the error names; else
    ``database`` (Airflow's metadata database) for an SQLAlchemy or SQLite error;
    else ``fallback`` (TPPO_HOME)."""
    if not is_disk_full(exc):
        return None
    where = _path_in(exc) or (database if database and _from_database(exc) else fallback)
    free = free_mb(where)
    shown = "unknown" if free is None else f"{free:.0f}"
    return (f"disk full: no space left on {where} (df shows {shown} MB free); "
            "free space and run again")
