"""The restricted warehouse: opened encrypted, and the one transaction helper.

The warehouse (raw rows with NIKs, names, passport numbers, addresses) is encrypted
at rest by DuckDB (AES-256-GCM; ``ATTACH ... (ENCRYPTION_KEY ...)``). DuckDB can only
*write* an encrypted file securely with OpenSSL, which comes with its httpfs
extension; the ``duckdb-extension-httpfs`` package ships the extension file, loaded
here by path (no download). Every process opens the warehouse through
:func:`open_warehouse` or :func:`attach_warehouse`, and dbt through the plugin in
:mod:`tppo.dbt_plugin`, always under the catalog name ``warehouse``.

The key (:data:`WAREHOUSE_KEY`) comes from ``TPPO_WAREHOUSE_KEY``, the Airflow Variable
``tppo_warehouse_secret`` or the mode-600 file ``$TPPO_HOME/secrets/warehouse.key``,
created on first use outside production like the pseudonym key; a production run
without one refuses to start. Rotation: :func:`rotate_key` (``tppo privacy
rotate-warehouse-key``, docs/PRIVACY.md).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb

from tppo.children import alive
from tppo.config import DUCKDB_MEMORY_VAR, duckdb_memory_limit
from tppo.errors import KeyProblem
from tppo.pseudonym import Secret, create_key_file, load_secret

CATALOG = "warehouse"
WAREHOUSE_KEY = Secret("warehouse key", "TPPO_WAREHOUSE_KEY", "tppo_warehouse_secret",
                       "warehouse.key")
# The key a rotation is moving to, kept until the rotation has finished.
NEXT_KEY_FILE = "warehouse.key.next"


def sql_literal(value: object) -> str:
    """A string (or path) as a quoted SQL literal: single quotes doubled."""
    return "'" + str(value).replace("'", "''") + "'"


@cache
def httpfs_extension() -> Path:
    """The httpfs extension file of the ``duckdb-extension-httpfs`` package."""
    import duckdb_extension_httpfs

    root = Path(duckdb_extension_httpfs.__file__).parent
    found = sorted(root.rglob(f"v{duckdb.__version__}/httpfs.duckdb_extension"))
    if not found:
        raise RuntimeError(f"duckdb-extension-httpfs at {root} has no extension for DuckDB "
                           f"{duckdb.__version__}; install the matching version (uv.lock)")
    return found[0]


def load_crypto(con: duckdb.DuckDBPyConnection) -> None:
    """Give ``con`` OpenSSL, without which DuckDB writes no encrypted file."""
    con.execute(f"LOAD {sql_literal(httpfs_extension())}")


_SPILLS = itertools.count()


def spill_root(warehouse: Path) -> Path:
    """Where DuckDB instances reading ``warehouse`` spill: ``<warehouse>.tmp``, in the
    restricted folder, one folder per instance below it (DuckDB removes its own when the
    instance closes; a killed run's are removed by the next run's first task,
    :func:`remove_stale_spills`)."""
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + ".tmp")


def remove_stale_spills(warehouse: Path) -> list[Path]:
    """Remove the spill folders of DuckDB instances whose process is gone (a killed
    run's); a live process's folder (named ``<pid>-<n>``) is left alone. Returns what
    was removed."""
    removed = []
    root = spill_root(warehouse)
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        pid = folder.name.split("-", 1)[0]
        if pid.isdigit() and alive(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def tune(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    """Set ``con``'s memory limit from the machine (tppo.config.duckdb_memory_limit) and
    make it spill, past that, into its own folder below :func:`spill_root`, encrypted:
    a sort or join over the warehouse's rows that does not fit writes them out in
    temporary files, which DuckDB leaves in plain text unless told otherwise. Done once
    per connection (a second call changes nothing)."""
    root = spill_root(warehouse)
    if not root.parent.is_dir():  # no warehouse folder (a unit test of the linking)
        root = Path(tempfile.gettempdir()) / f"tppo-duckdb-{os.getuid()}"
    if con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0].startswith(
            str(root)):
        return
    load_crypto(con)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    limit = duckdb_memory_limit()
    try:
        con.execute(f"SET memory_limit = {sql_literal(limit)}")
    except duckdb.Error as exc:
        raise ValueError(f"{DUCKDB_MEMORY_VAR}={limit!r} is not a memory size DuckDB reads "
                         f"({exc}); write it like 4GiB or 4000MB") from None
    con.execute("SET temp_file_encryption = true")
    con.execute(f"SET temp_directory = "
                f"{sql_literal(root / f'{os.getpid()}-{next(_SPILLS)}')}")


def secrets_dir_of(warehouse: Path) -> Path:
    """``$TPPO_HOME/secrets`` for ``$TPPO_HOME/restricted/warehouse.duckdb`` (and for the
    work copies beside it): the warehouse's key lives in the same home."""
    return Path(warehouse).resolve().parent.parent / "secrets"


def warehouse_key(secrets_dir: Path, *, create: bool = True) -> str:
    """The warehouse key (created as a key file on first use outside production)."""
    return load_secret(WAREHOUSE_KEY, secrets_dir, create=create).key.decode()


def attach_sql(path: Path, alias: str, key: str, read_only: bool = False) -> str:
    options = f"ENCRYPTION_KEY {sql_literal(key)}" + (", READ_ONLY" if read_only else "")
    return f"ATTACH {sql_literal(path)} AS {alias} ({options})"


def _explain(exc: duckdb.Error, path: Path) -> Exception:
    text = str(exc)
    if "not encrypted" in text:
        return KeyProblem(
            f"the restricted warehouse {path} is not encrypted (written before encryption "
            "at rest, or by hand): run `tppo privacy rotate-warehouse-key`, which encrypts it with "
            "the warehouse key, then run again")
    if "key" in text.lower() and ("wrong" in text.lower() or "incorrect" in text.lower()
                                  or "without a key" in text or "decrypt" in text.lower()):
        return KeyProblem(
            f"the warehouse key does not open {path} ({text.splitlines()[0][:160]}): set the "
            f"key the warehouse was written with ({WAREHOUSE_KEY.env} or "
            f"secrets/{WAREHOUSE_KEY.file_name}); without it the file cannot be read, and "
            "`tppo rebuild` builds a new one from the landing")
    return exc


def attach_warehouse(con: duckdb.DuckDBPyConnection, path: Path, alias: str = CATALOG,
                     read_only: bool = False, key: str | None = None) -> None:
    """Attach the encrypted warehouse at ``path`` to ``con`` as ``alias``."""
    path = Path(path)
    secrets = secrets_dir_of(path)
    tune(con, path)
    try:
        key = key or warehouse_key(secrets, create=not read_only and not path.exists())
    except KeyProblem:
        if path.exists() and not is_encrypted(path):
            raise _explain(duckdb.Error("the database is not encrypted"), path) from None
        raise
    try:
        con.execute(attach_sql(path, alias, key, read_only))
    except duckdb.Error as exc:
        nxt = secrets / NEXT_KEY_FILE
        if path.exists() and nxt.exists():  # an interrupted rotation: try its new key
            try:
                con.execute(attach_sql(path, alias, nxt.read_text().strip(), read_only))
            except duckdb.Error:
                raise _explain(exc, path) from None
            # the rotation died after replacing the warehouse, before its key file
            os.replace(nxt, secrets / WAREHOUSE_KEY.file_name)
            return
        raise _explain(exc, path) from None


def open_warehouse(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection whose current catalog is the encrypted warehouse at ``path`` (created
    when absent and ``read_only`` is false)."""
    con = duckdb.connect()
    try:
        attach_warehouse(con, path, CATALOG, read_only)
        con.execute(f"USE {CATALOG}")
    except BaseException:
        con.close()
        raise
    return con


def copy_encrypted(source: Path, target: Path, source_key: str | None, target_key: str) -> None:
    """Copy every schema, table and view of ``source`` into a new file ``target``
    encrypted with ``target_key`` (``source_key`` None: ``source`` is not encrypted)."""
    for leftover in (target, target.with_name(target.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        tune(con, source)
        if source_key is None:
            con.execute(f"ATTACH {sql_literal(source)} AS src (READ_ONLY)")
        else:
            con.execute(attach_sql(source, "src", source_key, read_only=True))
        con.execute(attach_sql(target, "dst", target_key))
        con.execute("COPY FROM DATABASE src TO dst")
        con.execute("CHECKPOINT dst")
        con.execute("DETACH dst")
        con.execute("DETACH src")
    finally:
        con.close()
    os.chmod(target, 0o600)


def is_encrypted(path: Path) -> bool:
    """Whether the DuckDB file at ``path`` is encrypted (its header says so)."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {sql_literal(path)} AS probe (READ_ONLY)")
    except duckdb.Error as exc:
        if "encrypted" in str(exc):
            return True
        raise
    finally:
        con.close()
    return False


def fsync(path: Path) -> None:
    """Flush ``path`` (a file or a folder) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def rotate_key(path: Path, new_key: str | None = None) -> str:
    """Re-encrypt the warehouse at ``path`` under a new key and make it the key; a
    warehouse not yet encrypted is encrypted. Returns what was done, for the user.

    With the key in a key file, a fresh random key is written there. With the key in
    ``TPPO_WAREHOUSE_KEY`` or an Airflow Variable, ``new_key`` must be given, and the
    operator sets it there afterwards (the message says so). Order, so that a crash at
    any point loses nothing: the new key goes to ``secrets/warehouse.key.next``; the
    re-encrypted copy is built beside the warehouse and renamed over it; then the
    ``.next`` file is renamed over the key file. A crash between the two renames is
    finished by the next open (:func:`attach_warehouse`).
    """
    path = Path(path)
    secrets = secrets_dir_of(path)
    key_file = secrets / WAREHOUSE_KEY.file_name
    current = load_secret(WAREHOUSE_KEY, secrets, create=not key_file.exists())
    from_file = current.source.startswith("key file")
    if not from_file and not new_key:
        raise KeyProblem(
            f"the warehouse key comes from {current.source}: give the new key "
            "in TPPO_WAREHOUSE_KEY_NEW for `tppo privacy rotate-warehouse-key`, then set it "
            "there")
    encrypted = is_encrypted(path)
    nxt = secrets / NEXT_KEY_FILE
    nxt.unlink(missing_ok=True)
    create_key_file(nxt, new_key)
    target_key = nxt.read_text().strip()
    tmp = path.with_name("warehouse.rotating.duckdb")
    copy_encrypted(path, tmp, current.key.decode() if encrypted else None, target_key)
    fsync(tmp)
    os.replace(tmp, path)
    fsync(path.parent)
    if from_file:
        os.replace(nxt, key_file)
        fsync(secrets)
        return (f"the warehouse {path} is now encrypted with a new key "
                f"({key_file}); keep a copy of that file apart from the data")
    nxt.unlink()
    return (f"the warehouse {path} is now encrypted with the new key: set it as "
            f"{current.source} before the next run")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Everything inside commits together or not at all (rolled back on any exception,
    a KeyboardInterrupt included, and re-raised)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
