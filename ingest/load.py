"""Deliveries into the restricted warehouse: manifest, typing, quarantine, raw tables.

``discover`` records every landing file in ``meta.deliveries`` once (a
byte-identical re-send becomes a DUPLICATE of the first file); ``load_feed``
reads the PENDING files of one feed, types them (:mod:`ingest.parsing`),
audits them (:mod:`expectations.audit`) and, in one transaction, appends the
rows to ``raw.<feed>``, the unreadable rows to ``meta.quarantine`` and the
outcome per file to the manifest. A crash before the commit leaves nothing
behind, so an Airflow retry starts clean.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from ingest import parsing
from ingest.feeds import FEEDS_BY_NAME, SOURCES, Feed
from ingest.readers import FileRejected, ReadResult, Reject, read_file
from ingest.schema import KEY_VERSION, child_columns, raw_columns
from tppo.privacy.messages import safe_rejection
from tppo.pseudonym import Pseudonymiser

if TYPE_CHECKING:
    from tppo.privacy.erasure import ErasureRegister

DATE_DIR = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")  # ASCII only: \d takes any script


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass
class Discovery:
    new_pending: int = 0
    duplicates: int = 0
    misplaced: int = 0
    not_due: int = 0
    pending_by_feed: dict[str, int] = field(default_factory=dict)


def discover(con: duckdb.DuckDBPyConnection, landing: Path, logical_date: dt.date,
             batch_id: str) -> Discovery:
    """Register landing files dated up to ``logical_date`` that the manifest lacks.

    A file outside the agreed layout is recorded as REJECTED with the reason,
    so that nothing delivered disappears unnoticed.
    """
    out = Discovery()
    known = {r[0] for r in con.execute("SELECT file_name FROM meta.deliveries").fetchall()}
    by_sha = {
        sha: name for sha, name in con.execute(
            "SELECT sha256, min(file_name) FROM meta.deliveries "
            "WHERE status IN ('PENDING', 'LOADED') GROUP BY sha256").fetchall()
    }
    rows = []
    for path in sorted(p for p in landing.rglob("*") if p.is_file()):
        rel = path.relative_to(landing).as_posix()
        if rel in known or path.name.startswith("."):
            continue
        parts = rel.split("/")
        source = parts[0] if len(parts) == 4 else "?"
        feed_name = parts[1] if len(parts) == 4 else "?"
        date_dir = parts[2] if len(parts) == 4 else ""
        message = None
        delivery_date = None
        if len(parts) != 4:
            message = "not in the layout <source>/<feed>/<YYYY-MM-DD>/<file>; move it there"
        elif source not in SOURCES or feed_name not in FEEDS_BY_NAME or \
                FEEDS_BY_NAME[feed_name].source != source:
            message = f"unknown source/feed {source}/{feed_name}; see FEEDS.md for the names"
        elif not DATE_DIR.match(date_dir):
            message = f"date folder {date_dir!r} is not YYYY-MM-DD"
        else:
            try:
                delivery_date = dt.date.fromisoformat(date_dir)
            except ValueError:
                message = f"date folder {date_dir!r} is not a real date"
        if delivery_date is not None and delivery_date > logical_date:
            out.not_due += 1
            continue
        sha = sha256_of(path)
        status, dup_of = "PENDING", None
        if message is not None:
            status = "REJECTED"
            out.misplaced += 1
        elif sha in by_sha:
            status, dup_of = "DUPLICATE", by_sha[sha]
            message = f"byte-identical to {dup_of}; not loaded again"
            out.duplicates += 1
        else:
            by_sha[sha] = rel
            out.new_pending += 1
            out.pending_by_feed[feed_name] = out.pending_by_feed.get(feed_name, 0) + 1
        settled = None if status == "PENDING" else 0  # a duplicate or misfiled file loads nothing
        rows.append((rel, source, feed_name, delivery_date or dt.date(1970, 1, 1),
                     path.stat().st_size, sha, status, dup_of, batch_id, _now(), message,
                     settled, settled, settled))
    if rows:
        con.executemany(
            "INSERT INTO meta.deliveries (file_name, source, feed, delivery_date, size_bytes, "
            "sha256, status, duplicate_of, batch_id, discovered_at, message, rows_read, "
            "rows_loaded, rows_quarantined) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows)
    return out


def _pseudonymise(series: pl.Series, kind: str, pseudo: Pseudonymiser) -> pl.Series:
    """HMAC of each distinct value once (the same NIK recurs across rows)."""
    keys = {v: pseudo(kind, v) for v in series.drop_nulls().unique().to_list()}
    return series.replace_strict(keys, default=None, return_dtype=pl.Utf8)


def type_rows(feed: Feed, df: pl.DataFrame, pseudo: Pseudonymiser, *, dates: tuple[str, ...],
              timestamps: tuple[str, ...] = (), countries: tuple[str, ...] = (),
              integers: tuple[str, ...] = (), enums: tuple[str, ...] = (), nik: bool = False,
              passport: bool = False) -> pl.DataFrame:
    """Clean text and add the parsed columns named in :mod:`ingest.feeds`."""
    text_cols = [c for c in df.columns if df.schema[c] == pl.Utf8 and not c.startswith("_")]
    df = df.with_columns([parsing.clean_text(c) for c in text_cols])
    df = df.with_columns([parsing.enum_value(c) for c in enums])
    added = [parsing.parse_date(c).alias(f"{c}_date") for c in dates]
    added += [parsing.parse_timestamp(c).alias(f"{c}_ts") for c in timestamps]
    added += [parsing.parse_country(c).alias(f"{c}_iso3") for c in countries]
    added += [parsing.parse_int(c).alias(f"{c}_int") for c in integers]
    if nik:
        numeric = "_nik_numeric" if "_nik_numeric" in df.columns else None
        added.append(parsing.nik_status("nik", numeric).alias("nik_status"))
    if passport:
        added.append(parsing.passport_number("no_paspor").alias("_paspor_norm"))
    df = df.with_columns(added)
    if nik:
        df = df.with_columns(
            pl.when(pl.col("nik_status") == parsing.NIK_VALID)
            .then(parsing.nik_digits("nik")).alias("nik_clean"),
            pl.when(pl.col("nik_status").is_in([parsing.NIK_VALID, parsing.NIK_PRECISION_LOST]))
            .then(parsing.nik_digits("nik").str.slice(0, 6)).alias("nik_district"),
        )
        df = df.with_columns(_pseudonymise(df["nik_clean"], "nik", pseudo).alias("nik_key"))
    if passport:
        df = df.with_columns(
            _pseudonymise(df["_paspor_norm"], "paspor", pseudo).alias("no_paspor_key")
        ).drop("_paspor_norm")
    if nik or passport:
        df = df.with_columns(pl.lit(pseudo.version).alias(KEY_VERSION))
    return df


def required_failures(feed: Feed, df: pl.DataFrame) -> pl.DataFrame:
    """Rows whose required fields are empty or do not parse, with field and reason."""
    checks: list[tuple[str, pl.Expr, str]] = []
    for col in feed.required:
        checks.append((col, pl.col(col).is_null(), f"required field {col} is empty"))
        for suffix, kinds, what in (("_date", feed.dates, "a date"),
                                    ("_ts", feed.timestamps, "a date and time"),
                                    ("_int", feed.integers, "a whole number")):
            if col in kinds:
                checks.append((col, pl.col(col).is_not_null() & pl.col(col + suffix).is_null(),
                               f"required field {col} is not {what} in a form FEEDS.md lists"))
    field_expr = pl.lit(None, dtype=pl.Utf8)
    reason_expr = pl.lit(None, dtype=pl.Utf8)
    for col, cond, reason in reversed(checks):
        field_expr = pl.when(cond).then(pl.lit(col)).otherwise(field_expr)
        reason_expr = pl.when(cond).then(pl.lit(reason)).otherwise(reason_expr)
    return df.with_columns(field_expr.alias("_reject_field"), reason_expr.alias("_reject_reason"))


@dataclass
class FileOutcome:
    file_name: str
    sha256: str
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    validation_result: str | None = None
    message: str | None = None
    seconds: float = 0.0


@dataclass
class FeedLoad:
    feed: str
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "REJECTED" or f.validation_result == "ERROR"]

    def summary(self) -> str:
        loaded = sum(f.rows_loaded for f in self.files)
        quarantined = sum(f.rows_quarantined for f in self.files)
        return (f"{self.feed}: {len(self.files)} file(s), {loaded} row(s) loaded, "
                f"{quarantined} quarantined, {len(self.failed)} file(s) failed")


def _reject_rows(rejects: list[Reject], meta: dict) -> list[tuple]:
    """Quarantine rows of the reader's rejects, in ``meta.quarantine``'s column order."""
    return [(meta["batch_id"], meta["source"], meta["feed"], meta["file_name"], meta["sha"],
             r.line_number, r.row_number, r.field, r.reason, r.raw_text) for r in rejects]


def _withhold(typed: pl.DataFrame, erased: ErasureRegister, quarantine: list[tuple],
              outcomes: dict[str, FileOutcome], batch_id: str, feed: Feed) -> pl.DataFrame:
    """Move the rows of erased persons to the quarantine, as a reason without text."""
    from tppo.privacy.erasure import WITHHELD_REASON

    hit = erased.mask(typed)
    if not hit.any():
        return typed
    for name, sha, line, row in typed.filter(hit).select(
            "_file_name", "_file_sha256", "_line_number", "_row_number").iter_rows():
        quarantine.append((batch_id, feed.source, feed.name, name, sha, line, row, None,
                           WITHHELD_REASON, None))
        outcomes[sha].rows_quarantined += 1
    return typed.filter(~hit)


def _raw_line(feed: Feed) -> pl.Expr:
    return pl.concat_str([pl.col(c).fill_null("") for c in feed.columns], separator=";")


def load_feed(con: duckdb.DuckDBPyConnection, feed: Feed, landing: Path, batch_id: str,
              pseudo: Pseudonymiser, validate: Callable | None = None,
              erased: ErasureRegister | None = None) -> FeedLoad:
    """Load every PENDING file of ``feed``; see the module docstring for the guarantees.

    Rows naming a person in the erasure register (``erased``) are counted as
    quarantined with a reason and without their text; persons nested in a
    record are dropped from it.
    """
    pending = con.execute(
        "SELECT file_name, sha256, delivery_date FROM meta.deliveries "
        "WHERE feed = ? AND status = 'PENDING' ORDER BY delivery_date, file_name",
        [feed.name]).fetchall()
    result = FeedLoad(feed=feed.name)
    if not pending:
        return result
    frames: list[pl.DataFrame] = []
    child_frames: list[pl.DataFrame] = []
    quarantine: list[tuple] = []
    outcomes: dict[str, FileOutcome] = {}
    for file_name, sha, delivery_date in pending:
        started = time.perf_counter()
        out = FileOutcome(file_name=file_name, sha256=sha, status="LOADED")
        outcomes[sha] = out
        path = landing / file_name
        try:
            if sha256_of(path) != sha:
                raise FileRejected("the file changed after it was registered; deliver "
                                   "corrections under a new name")
            read: ReadResult = read_file(feed, path)
        except FileRejected as exc:
            out.status, out.message = "REJECTED", safe_rejection(str(exc))
            out.seconds = time.perf_counter() - started
            continue
        lineage = [
            pl.lit(sha).alias("_file_sha256"), pl.lit(file_name).alias("_file_name"),
            pl.lit(delivery_date).alias("_delivery_date"),
            pl.lit("_revisi" in Path(file_name).stem.lower()).alias("_is_revisi"),
            pl.lit(batch_id).alias("_batch_id"),
        ]
        meta = {"batch_id": batch_id, "source": feed.source, "feed": feed.name,
                "file_name": file_name, "sha": sha}
        quarantine += _reject_rows(read.rejects, meta)
        out.rows_read = read.rows_read
        out.rows_quarantined = len(read.rejects)
        out.message = "; ".join(read.notes) or None
        frames.append(read.rows.with_columns(lineage))
        if read.children is not None:
            child_frames.append(read.children.with_columns(lineage))
        out.seconds = time.perf_counter() - started
    # Typing runs once over the whole batch: the rules are vectorised, and the
    # per-file work above is only reading.
    batch = None
    if frames:
        started = time.perf_counter()
        typed = type_rows(feed, pl.concat(frames, how="diagonal_relaxed"), pseudo,
                          dates=feed.dates, timestamps=feed.timestamps,
                          countries=feed.countries, integers=feed.integers,
                          enums=tuple(feed.enums), nik=feed.nik, passport=feed.passport)
        typed = required_failures(feed, typed)
        if erased is not None:
            typed = _withhold(typed, erased, quarantine, outcomes, batch_id, feed)
        bad = typed.filter(pl.col("_reject_reason").is_not_null())
        batch = typed.filter(pl.col("_reject_reason").is_null())
        for r in bad.with_columns(_raw_line(feed).alias("_raw")).iter_rows(named=True):
            quarantine.append((batch_id, feed.source, feed.name, r["_file_name"],
                               r["_file_sha256"], r["_line_number"], r["_row_number"],
                               r["_reject_field"], r["_reject_reason"], r["_raw"]))
            outcomes[r["_file_sha256"]].rows_quarantined += 1
        for sha, n in batch.group_by("_file_sha256").len().iter_rows():
            outcomes[sha].rows_loaded = n
        if child_frames and feed.child is not None:
            kids = pl.concat(child_frames, how="diagonal_relaxed").join(
                batch.select("_file_sha256", "_row_number"),
                on=["_file_sha256", "_row_number"], how="semi")
            kids = type_rows(feed, kids, pseudo, dates=feed.child.dates,
                             enums=tuple(feed.child.enums), nik=feed.child.nik)
            child_frames = [kids.filter(~erased.mask(kids)) if erased is not None else kids]
        batch = _with_recent_ratio(con, feed, batch)
        share = (time.perf_counter() - started) / max(1, len(frames))
        for out in outcomes.values():
            out.seconds += share
    findings: list[tuple] = []
    if validate is not None and batch is not None and batch.height:
        for sha, judged in validate(feed, batch).items():
            out = outcomes[sha]
            out.validation_result = judged.verdict
            out.message = "; ".join(m for m in (out.message, judged.message) if m) or None
            if judged.verdict == "FAILED":
                out.status = "REJECTED"
            findings += [(batch_id, feed.source, feed.name, out.file_name, f.expectation, f.column,
                          f.severity, False, f.unexpected_count, f.message, _now())
                         for f in judged.findings]
    for out in outcomes.values():
        if out.status == "LOADED" and out.validation_result is None:
            out.validation_result = "PASSED"
        if out.status == "REJECTED" and out.validation_result is None:
            out.validation_result = "FAILED"
    if any(o.validation_result == "ERROR" for o in outcomes.values()):
        # The audit itself broke: nothing is judged, nothing is loaded, the
        # files stay PENDING for the next attempt.
        result.files = list(outcomes.values())
        return result
    accepted = {sha for sha, o in outcomes.items() if o.status == "LOADED"}
    if erased is not None:  # an unreadable line may still name an erased person
        quarantine = [q[:9] + (None if erased.mentions(q[9]) else q[9],) for q in quarantine]
    con.execute("BEGIN TRANSACTION")
    try:
        if batch is not None and accepted:
            _insert(con, feed.table, raw_columns(feed),
                    batch.filter(pl.col("_file_sha256").is_in(list(accepted))))
            if child_frames:
                kids = pl.concat(child_frames, how="diagonal_relaxed")
                _insert(con, feed.child.table, child_columns(feed),  # type: ignore[union-attr]
                        kids.filter(pl.col("_file_sha256").is_in(list(accepted))))
        if findings:
            con.executemany("INSERT INTO meta.validations VALUES "
                            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", findings)
        kept_q = [q for q in quarantine if q[4] in accepted]
        if kept_q:
            con.executemany("INSERT INTO meta.quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            kept_q)
        loaded_at = _now()
        con.executemany(
            "UPDATE meta.deliveries SET status = ?, batch_id = ?, loaded_at = ?, "
            "load_seconds = ?, rows_read = ?, rows_loaded = ?, rows_quarantined = ?, "
            "validation_result = ?, message = ? WHERE file_name = ?",
            [[o.status, batch_id, loaded_at, o.seconds, o.rows_read,
              o.rows_loaded if o.status == "LOADED" else 0,
              o.rows_quarantined if o.status == "LOADED" else 0,
              o.validation_result, o.message, o.file_name] for o in outcomes.values()])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    result.files = list(outcomes.values())
    return result


def office_of(file_name: str) -> str:
    """The sender part of a file name (``paspor_BDL_20250305_1.csv`` -> ``paspor_BDL``)."""
    return re.sub(r"_\d{8}.*$", "", Path(file_name).stem)


def _with_recent_ratio(con: duckdb.DuckDBPyConnection, feed: Feed,
                       batch: pl.DataFrame) -> pl.DataFrame:
    """Add ``_rows_vs_recent``: a file's rows over the median of its sender's recent files."""
    from expectations.audit import RECENT_FILES, RECENT_MIN_FILES

    history = con.execute(
        "SELECT file_name, rows_read FROM meta.deliveries WHERE feed = ? AND status = 'LOADED' "
        "ORDER BY delivery_date DESC, file_name DESC", [feed.name]).fetchall()
    recent: dict[str, list[int]] = {}
    for name, rows in history:
        bucket = recent.setdefault(office_of(name), [])
        if len(bucket) < RECENT_FILES:
            bucket.append(rows)
    medians = {k: float(pl.Series(v).median()) for k, v in recent.items()
               if len(v) >= RECENT_MIN_FILES}
    sizes = batch.group_by("_file_name").len()
    ratios = sizes.with_columns(
        (pl.col("len") / pl.col("_file_name").map_elements(
            lambda n: medians.get(office_of(n)), return_dtype=pl.Float64))
        .alias("_rows_vs_recent")).select("_file_name", "_rows_vs_recent")
    return batch.join(ratios, on="_file_name", how="left")


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]],
            df: pl.DataFrame) -> None:
    if df.height == 0:
        return
    names = [c for c, _ in columns]
    for c, _ in columns:
        if c not in df.columns:
            df = df.with_columns(pl.lit(None).alias(c))
    frame = df.select(names).to_arrow()  # noqa: F841  (read by DuckDB's replacement scan)
    casts = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in columns)
    con.execute(f"INSERT INTO raw.{table} BY NAME SELECT {casts} FROM frame")
