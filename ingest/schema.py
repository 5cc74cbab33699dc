"""DDL of the restricted warehouse: raw tables derived from the feed declarations,
the delivery manifest, the quarantine and the validation log.

The raw column list of a feed is a pure function of its :class:`~ingest.feeds.Feed`
so that the loader, the audits and the dbt sources cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from ingest.feeds import FEEDS, Child, Feed

LINEAGE_DDL: tuple[tuple[str, str], ...] = (
    ("_file_sha256", "VARCHAR"),
    ("_file_name", "VARCHAR"),
    ("_delivery_date", "DATE"),
    ("_is_revisi", "BOOLEAN"),
    ("_row_number", "INTEGER"),
    ("_batch_id", "VARCHAR"),
)

# The fingerprint of the key that made this row's pseudonyms (tppo.pseudonym):
# a run refuses to add rows under another key (docs/PRIVACY.md, key rotation).
KEY_VERSION = "pseudonym_key_version"

NIK_DDL: tuple[tuple[str, str], ...] = (
    ("nik_status", "VARCHAR"),
    ("nik_clean", "VARCHAR"),
    ("nik_district", "VARCHAR"),
    ("nik_key", "VARCHAR"),
)


def _parsed_columns(
    dates: Iterable[str],
    timestamps: Iterable[str] = (),
    integers: Iterable[str] = (),
    nik: bool = False,
    passport: bool = False,
) -> list[tuple[str, str]]:
    cols: list[tuple[str, str]] = []
    cols += [(f"{c}_date", "DATE") for c in dates]
    cols += [(f"{c}_ts", "TIMESTAMP") for c in timestamps]
    cols += [(f"{c}_int", "INTEGER") for c in integers]
    if nik:
        cols += list(NIK_DDL)
    if passport:
        cols.append(("no_paspor_key", "VARCHAR"))
    if nik or passport:
        cols.append((KEY_VERSION, "VARCHAR"))
    return cols


def raw_columns(feed: Feed) -> list[tuple[str, str]]:
    """Name and DuckDB type of every column of ``raw.<feed.table>``, in order."""
    delivered = [(c, "VARCHAR") for c in feed.columns]
    parsed = _parsed_columns(
        feed.dates, feed.timestamps, feed.integers, feed.nik, feed.passport
    )
    return delivered + parsed + list(LINEAGE_DDL)


def child_columns(feed: Feed) -> list[tuple[str, str]]:
    """Columns of the child table of a feed with nested persons."""
    child: Child = feed.child  # type: ignore[assignment]
    parent_key = [(k, "VARCHAR") for k in feed.key]
    delivered = [(c, "VARCHAR") for c in child.columns]
    parsed = _parsed_columns(child.dates, nik=child.nik)
    return (
        parent_key
        + [("_person_index", "INTEGER")]
        + delivered
        + parsed
        + list(LINEAGE_DDL)
    )


META_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.deliveries (
    file_name VARCHAR PRIMARY KEY,     -- path below TPPO_LANDING
    source VARCHAR NOT NULL,
    feed VARCHAR NOT NULL,
    delivery_date DATE NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 VARCHAR NOT NULL,
    status VARCHAR NOT NULL,           -- PENDING, LOADED, DUPLICATE, REJECTED
    duplicate_of VARCHAR,
    batch_id VARCHAR,
    discovered_at TIMESTAMP NOT NULL,
    loaded_at TIMESTAMP,
    load_seconds DOUBLE,
    rows_read INTEGER,
    rows_loaded INTEGER,
    rows_quarantined INTEGER,
    validation_result VARCHAR,         -- PASSED, WARNED, FAILED, ERROR
    message VARCHAR,
    modified_at TIMESTAMP              -- the file's modification time when last seen
);
CREATE TABLE IF NOT EXISTS meta.quarantine (
    batch_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    feed VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL,
    line_number INTEGER,               -- physical line (CSV, JSONL) or sheet row (XLSX)
    row_number INTEGER,                -- data row, 1-based
    field VARCHAR,
    reason VARCHAR NOT NULL,
    raw_text VARCHAR
);
CREATE TABLE IF NOT EXISTS meta.validations (
    batch_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    feed VARCHAR NOT NULL,
    file_name VARCHAR,
    expectation VARCHAR NOT NULL,
    column_name VARCHAR,
    severity VARCHAR NOT NULL,         -- critical, warning
    success BOOLEAN,
    unexpected_count BIGINT,
    message VARCHAR,
    validated_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS meta.unmapped_codes (  -- coded values outside the contract
    batch_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    feed VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    delivery_date DATE NOT NULL,
    field VARCHAR NOT NULL,            -- the delivered column (FEEDS.md)
    value VARCHAR NOT NULL,            -- as loaded: upper case, spaces as underscores
    n_rows BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta.erasures (  -- the erasure register (docs/PRIVACY.md)
    request_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,             -- nik, paspor
    marker VARCHAR NOT NULL,           -- HMAC under the erasure register key, never the value
    erased_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS meta.erasure_requests (
    request_id VARCHAR PRIMARY KEY,
    reference VARCHAR,                 -- the operator's case or letter number
    erased_at TIMESTAMP NOT NULL,
    rows_removed VARCHAR               -- JSON: table -> rows deleted or redacted
);
CREATE TABLE IF NOT EXISTS meta.runs (
    batch_id VARCHAR PRIMARY KEY,
    logical_date DATE,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    status VARCHAR,
    published_fingerprint VARCHAR,
    message VARCHAR
);
"""


def _create_table(con: duckdb.DuckDBPyConnection, table: str, cols: list[tuple[str, str]]) -> None:
    body = ",\n    ".join(f'"{name}" {typ}' for name, typ in cols)
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.{table} (\n    {body}\n)")
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' "
        "AND table_catalog = current_database() "
        "AND table_name = ?", [table]).fetchall()}
    for name, typ in cols:  # a warehouse made before a column was added to the contract
        if name not in have:
            con.execute(f'ALTER TABLE raw.{table} ADD COLUMN "{name}" {typ}')


def ensure_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Create every raw and meta table that does not exist yet (idempotent)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for f in FEEDS:
        _create_table(con, f.table, raw_columns(f))
        if f.child is not None:
            _create_table(con, f.child.table, child_columns(f))
    con.execute(META_DDL)
    # a warehouse made before modification times were kept
    con.execute("ALTER TABLE meta.deliveries ADD COLUMN IF NOT EXISTS modified_at TIMESTAMP")
