"""Great Expectations audit of each load, one suite per feed.

The suites are declared from the feed contracts (:mod:`ingest.feeds`), so a
new enumeration value or date field is audited without touching this file.
GE sees only non-personal columns: keys are replaced by a hash, and NIKs by
their status, names, birth dates, addresses and passport numbers are never
handed over. A coded field still holds whatever the office typed (a NIK in the
wrong column, markup that GE would write unescaped into its HTML), so a coded
value outside its contract reaches GE only as an opaque token
(:func:`unexpected_token`: shape, length and a keyed digest, no delivered
character). Its results and Data Docs therefore cannot leak identities or run
delivered script, and still say which expectation failed, in which column, how
often and in which file and row.

A load is one batch per feed per run; GE reports failing rows by
``_file_sha256``, from which each file gets its own verdict:

- FAILED: a ``critical`` expectation fails for that file (more than
  ``1 - mostly`` of its rows are unexpected). The file is not loaded.
- WARNED: only ``warning`` expectations fail for it. It is loaded.
- PASSED: nothing failed.
- ERROR: GE itself raised. Nothing is judged or loaded; the task fails and
  says so, and the files are tried again on the next run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from expectations.offline import make_offline
from ingest import parsing
from ingest.feeds import Feed
from tppo.config import paths

log = logging.getLogger(__name__)

CRITICAL = "critical"
WARNING = "warning"

# Free-text or identifying fields that GE must never see.
PERSONAL = {"nik", "nik_clean", "nik_key", "nama", "alias", "tgl_lahir", "tgl_lahir_date",
            "alamat", "no_paspor", "no_paspor_key", "tempat_lahir", "penjamin", "keterangan",
            "nama_perekrut", "perekrut", "desa", "kecamatan", "kabupaten", "no_izin",
            "nama_perusahaan", "no_penerbangan"}

# Enumerations the marts' logic decides on: a file where more than 10% of
# them are unknown cannot be interpreted and is rejected. Other enumerations
# (sex, sector, scheme...) only warn.
DECISIVE_ENUMS = {"status", "arah", "status_izin", "tahap", "jenis_temuan", "modus"}

EARLIEST_PLAUSIBLE = dt.date(2000, 1, 1)
# How far after the run's date a field may lie: events cannot be in the future
# (one day of slack for time zones); a departure is planned a little ahead;
# contract and permit ends are years ahead.
DAYS_AHEAD = {"tgl_keberangkatan": 120, "tgl_akhir_kontrak": 3650, "berlaku_sampai": 3650}
# A file whose row count is outside this factor of its office's recent
# median is unusual (a partial export, a duplicated extract): a warning.
RECENT_FACTOR = 10.0  # over the median of the recent files (ingest.load.RECENT_FILES)


@dataclass(frozen=True)
class Check:
    """One expectation with its severity and the share of rows allowed to miss it."""

    kind: str
    column: str | None
    severity: str
    mostly: float = 1.0
    kwargs: tuple[tuple[str, object], ...] = ()


def checks_for(feed: Feed) -> list[Check]:
    """The suite of ``feed``: what every load of it must (critical) or should satisfy."""
    checks = [Check("not_null", "_key_hash", CRITICAL),
              Check("unique_within_file", "_key_in_file", WARNING)]
    for col, values in feed.enums.items():
        severity = CRITICAL if col in DECISIVE_ENUMS else WARNING
        checks.append(Check("in_set", col, severity, 0.9, (("value_set", values),)))
    for col in feed.dates:
        if col == "tgl_lahir":
            continue
        checks.append(Check("plausible_date", f"_{col}_offset", WARNING, 0.99,
                            (("max_days", DAYS_AHEAD.get(col, 1)),)))
    if feed.nik:
        checks.append(Check("in_set", "nik_status", WARNING, 0.5, (("value_set", ("VALID",)),)))
    checks.append(Check("rows_vs_recent", "_rows_vs_recent", WARNING))
    checks.append(Check("row_count", None, WARNING, 1.0, (("min_value", 1),
                                                          ("max_value", 2_000_000))))
    return checks


# The loader's own NIK codes: the only values of ``nik_status`` shown as they are.
NIK_STATUSES = (parsing.NIK_VALID, parsing.NIK_PRECISION_LOST, parsing.NIK_SCIENTIFIC,
                parsing.NIK_WRONG_LENGTH, parsing.NIK_INVALID, parsing.NIK_MISSING)
# Every text GE is handed: contract codes, tokens, hex digests, hashes. None of
# these characters can open markup or an HTML attribute, or hold a name.
_SAFE_TEXT = re.compile(r"[A-Za-z0-9_#/\-]*")


def _shape(value: str) -> str:
    if re.fullmatch(r"[0-9]+", value):
        return "DIGITS"
    if re.fullmatch(r"[A-Za-z_]+", value):
        return "LETTERS"
    if re.fullmatch(r"[A-Za-z0-9_]+", value):
        return "ALNUM"
    return "OTHER"


def unexpected_token(value: str, salt: bytes) -> str:
    """What GE sees instead of a coded value outside its contract.

    ``UNEXPECTED-<shape>-<length>#<digest>``: the value's shape (DIGITS,
    LETTERS, ALNUM or OTHER), its length and 8 hex digits of an HMAC keyed by
    the run's random ``salt``, so one run's equal values share a token while no
    run's token can be traced back or linked to another's. No delivered
    character survives; a NIK becomes ``UNEXPECTED-DIGITS-16#...``.
    """
    digest = hmac.new(salt, value.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return f"UNEXPECTED-{_shape(value)}-{len(value)}#{digest.hexdigest()[:8]}"


def _masked(series: pl.Series, allowed, salt: bytes) -> pl.Series:
    """``series`` with every value not in ``allowed`` (nulls aside) replaced by its token."""
    series = series.cast(pl.Utf8)
    keep = [v for v in allowed if isinstance(v, str) and _SAFE_TEXT.fullmatch(v)]
    bad = series.filter(series.is_not_null() & ~series.is_in(keep)).unique().to_list()
    if not bad:
        return series
    return series.replace({v: unexpected_token(v, salt) for v in bad})


def audit_frame(feed: Feed, batch: pl.DataFrame, logical_date: dt.date,
                salt: bytes | None = None) -> pl.DataFrame:
    """The non-personal projection of a batch that GE validates.

    Coded values outside the contract are replaced by :func:`unexpected_token`
    (keyed by ``salt``, random when not given); the projection is checked to
    hold no text GE could render as markup.
    """
    salt = os.urandom(16) if salt is None else salt
    key_hash = pl.concat_str([pl.col(k).fill_null("") for k in feed.key], separator="|").hash()
    cols = [key_hash.cast(pl.Utf8).alias("_key_hash"),
            pl.concat_str([pl.col("_file_sha256"), key_hash.cast(pl.Utf8)], separator="/")
            .alias("_key_in_file"),
            pl.col("_file_sha256"), pl.col("_row_number")]
    cols += [pl.col(c) for c in feed.enums]
    for c in feed.dates:
        if c != "tgl_lahir":
            cols.append((pl.col(f"{c}_date") - pl.lit(logical_date)).dt.total_days()
                        .alias(f"_{c}_offset"))
    if feed.nik:
        cols.append(pl.col("nik_status"))
    cols.append(pl.col("_rows_vs_recent") if "_rows_vs_recent" in batch.columns
                else pl.lit(None, dtype=pl.Float64).alias("_rows_vs_recent"))
    frame = batch.select(cols)
    assert not PERSONAL & set(frame.columns)
    coded = dict(feed.enums)
    if feed.nik:
        coded["nik_status"] = NIK_STATUSES
    frame = frame.with_columns([_masked(frame[c], values, salt).alias(c)
                                for c, values in coded.items()])
    for c, dtype in frame.schema.items():
        if dtype == pl.Utf8 and not frame[c].drop_nulls().str.contains(
                f"^{_SAFE_TEXT.pattern}$").all():
            raise ValueError(f"audit column {c} holds text that is not safe to show")
    return frame


def _gx_expectation(gxe, check: Check, logical_date: dt.date):
    meta = {"severity": check.severity}
    kw = dict(check.kwargs)
    if check.kind == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=check.column, meta=meta)
    if check.kind == "unique_within_file":
        return gxe.ExpectColumnValuesToBeUnique(column=check.column, meta=meta)
    if check.kind == "in_set":
        return gxe.ExpectColumnValuesToBeInSet(column=check.column, value_set=list(kw["value_set"]),
                                               mostly=check.mostly, meta=meta)
    if check.kind == "plausible_date":
        return gxe.ExpectColumnValuesToBeBetween(
            column=check.column, min_value=(EARLIEST_PLAUSIBLE - logical_date).days,
            max_value=kw["max_days"], mostly=check.mostly, meta=meta)
    if check.kind == "rows_vs_recent":
        return gxe.ExpectColumnValuesToBeBetween(
            column=check.column, min_value=1 / RECENT_FACTOR, max_value=RECENT_FACTOR, meta=meta)
    if check.kind == "row_count":
        return gxe.ExpectTableRowCountToBeBetween(min_value=kw["min_value"],
                                                  max_value=kw["max_value"], meta=meta)
    raise ValueError(f"unknown check kind {check.kind}")


class GxAuditor:
    """Runs the feed suites through a file-backed GE context under ``root``.

    The context, data source and suites are built once per process; Data Docs
    are written to ``root/gx/uncommitted/data_docs/local_site`` and made to open
    offline (:mod:`expectations.offline`: no CDN script, stylesheet or image).
    """

    def __init__(self, root: Path, logical_date: dt.date):
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        import great_expectations as gx
        import great_expectations.expectations as gxe
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx, self.gxe = gx, gxe
        self.logical_date = logical_date
        root.mkdir(parents=True, exist_ok=True)
        self.context = gx.get_context(mode="file", project_root_dir=str(root))
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.context.variables.analytics_enabled = False
        self.context.variables.save()
        self.source = self.context.data_sources.add_or_update_pandas("tppo_feeds")
        self.site = root / "gx" / "uncommitted" / "data_docs" / "local_site"
        # keys the tokens of unexpected values for this run only; never stored
        self._salt = os.urandom(16)

    def _definition(self, feed: Feed):
        gx = self.gx
        name = f"feed_{feed.table}"
        asset_names = [a.name for a in self.source.assets]
        asset = (self.source.get_asset(feed.table) if feed.table in asset_names
                 else self.source.add_dataframe_asset(feed.table))
        try:
            batch_def = asset.get_batch_definition("whole")
        except Exception:
            batch_def = asset.add_batch_definition_whole_dataframe("whole")
        suite = gx.ExpectationSuite(name=name)
        for check in checks_for(feed):
            suite.add_expectation(_gx_expectation(self.gxe, check, self.logical_date))
        suite = self.context.suites.add_or_update(suite)
        vd = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch_def, suite=suite))
        return vd

    def validate(self, feed: Feed, batch: pl.DataFrame) -> dict[str, FileVerdict]:
        """A verdict per file SHA-256 (PASSED, WARNED, FAILED or ERROR) with its findings."""
        files = batch["_file_sha256"].unique().to_list()
        try:
            frame = audit_frame(feed, batch, self.logical_date, self._salt).to_pandas()
            vd = self._definition(feed)
            checkpoint = self.gx.Checkpoint(
                name=f"load_{feed.table}", validation_definitions=[vd],
                actions=[self.gx.checkpoint.UpdateDataDocsAction(name="docs")],
                result_format={"result_format": "COMPLETE",
                               "unexpected_index_column_names": ["_file_sha256",
                                                                 "_row_number"]},
            )
            checkpoint = self.context.checkpoints.add_or_update(checkpoint)
            started = time.time() - 2  # pages GE writes now (mtime granularity aside)
            run = checkpoint.run(batch_parameters={"dataframe": frame},
                                 run_id=self._run_id(feed, batch))
            make_offline(self.site, since=started)
            ((identifier, outcome),) = run.run_results.items()
            results = outcome.results
            page = self._page(identifier)
        except Exception as exc:  # GE broke: an error, not bad data
            log.exception("Great Expectations raised while auditing %s", feed.table)
            return errored(files, f"audit error in Great Expectations: {exc!r}")
        coded = set(feed.enums) | ({"nik_status"} if feed.nik else set())
        return judge(results, batch, coded=coded, page=page, salt=self._salt)

    def _run_id(self, feed: Feed, batch: pl.DataFrame):
        """The result's run name, so that its Data Docs page is named for what it holds:
        ``<date>_<file stem>`` for one file, ``<date>_<feed>_<n>_files`` for several."""
        from great_expectations.core.run_identifier import RunIdentifier

        names = (sorted(set(batch["_file_name"].to_list())) if "_file_name" in batch.columns
                 else [])
        stem = (Path(names[0]).stem if len(names) == 1 else
                f"{feed.table}_{batch['_file_sha256'].n_unique()}_files")
        stem = re.sub(r"[^A-Za-z0-9_.\-]+", "_", stem)[:80]
        stem = re.sub(r"[0-9]{9,}", "N", stem)
        return RunIdentifier(run_name=f"{self.logical_date:%Y-%m-%d}_{stem}")

    def _page(self, identifier) -> str | None:
        """The Data Docs page of one validation result, relative to TPPO_HOME when under it
        (the run's page for the feed: every file of the batch, rows by file SHA-256)."""
        from urllib.parse import unquote, urlparse

        for site in self.context.get_docs_sites_urls(resource_identifier=identifier):
            url = site.get("site_url") or ""
            if url.startswith("file://"):
                path = Path(unquote(urlparse(url).path))
                home = paths().home
                if home:
                    try:
                        return str(path.relative_to(home))
                    except ValueError:
                        pass
                return str(path)
        return None


@dataclass(frozen=True)
class Finding:
    """One expectation a file did not meet (no values, only counts)."""

    expectation: str
    column: str | None
    severity: str
    unexpected_count: int | None
    message: str


@dataclass
class FileVerdict:
    verdict: str = "PASSED"
    findings: list[Finding] = field(default_factory=list)
    page: str | None = None  # the Data Docs page of the result

    @property
    def message(self) -> str | None:
        text = "; ".join(f.message for f in self.findings)
        return (text + (f" (Data Docs: {self.page})" if self.page else "")) if text else None


RANK = {"PASSED": 0, "WARNED": 1, "FAILED": 2, "ERROR": 3}


# A delivered coded value is shown in a message as it is only when it looks like a code:
# capitals, digits and "_", at most 30, no run of 6 digits (a NIK, a phone, a passport
# number); anything else, and a word that also stands in a personal field of the same
# file (a name shifted into the wrong column), is shown as its token.
_SHOWABLE = re.compile(r"[A-Z0-9_]{1,30}")
SHOWN_VALUES = 10
# A delivered file's name is shown unless it could hold markup or a long digit run.
_SAFE_NAME = re.compile(r"(?!.*[0-9]{9})[A-Za-z0-9_./\- ]{1,200}")
# Columns whose values are record keys (hashes of identifiers): counted, never listed.
_KEYS = {"_key_hash", "_key_in_file"}


def showable(value: str) -> bool:
    """Whether a delivered coded value may appear as it is in a message."""
    return bool(_SHOWABLE.fullmatch(value)) and not re.search(r"[0-9]{6}", value)


def _personal_words(batch: pl.DataFrame, sha: str, values: set[str]) -> set[str]:
    """Those of ``values`` that stand as a word in a personal field of file ``sha``."""
    cols = [c for c in batch.columns if c in PERSONAL and batch.schema[c] == pl.Utf8]
    if not cols or not values:
        return set()
    rows = batch.filter(pl.col("_file_sha256") == sha).select(cols)
    found = set()
    for v in values:
        pattern = rf"(?i)(^|[^A-Za-z0-9]){re.escape(v)}([^A-Za-z0-9]|$)"
        if any(rows[c].str.contains(pattern).any() for c in cols):
            found.add(v)
    return found


def _values_text(column: str, items: list[dict], batch: pl.DataFrame, sha: str,
                 coded: set[str], salt: bytes | None) -> str:
    """Up to SHOWN_VALUES distinct unexpected values of ``column`` in file ``sha`` with
    their row counts, most frequent first: a coded value as delivered when it is
    :func:`showable` (else its token), a date check's delivered date, a number."""
    if column in _KEYS:
        return " (values not shown: record keys)"
    rows = [int(i["_row_number"]) for i in items]
    if column in coded:
        source = column
    elif column.startswith("_") and column.endswith("_offset"):
        source = f"{column[1:-len('_offset')]}_date"
    else:
        source = column
    lookup = None
    if source in batch.columns:
        part = batch.filter((pl.col("_file_sha256") == sha) & pl.col("_row_number").is_in(rows))
        lookup = dict(zip(part["_row_number"].to_list(), part[source].to_list(), strict=True))
    counts: dict[str, int] = {}
    for item, row in zip(items, rows, strict=True):
        seen = item.get(column)
        value = lookup.get(row, seen) if lookup is not None else seen
        if value is None:
            text = "NULL"
        elif column in coded:
            value = str(value)
            text = value if showable(value) else (
                seen if isinstance(seen, str) and seen.startswith("UNEXPECTED-") else
                unexpected_token(value, salt or b""))
        elif isinstance(value, dt.date):
            text = value.isoformat()
        elif isinstance(value, float):
            text = f"{value:.3g}"
        else:
            text = str(value) if _SAFE_TEXT.fullmatch(str(value)) else "(not shown)"
        counts[text] = counts.get(text, 0) + 1
    if column in coded:
        hidden = _personal_words(batch, sha, {t for t in counts if not t.startswith(
            "UNEXPECTED-") and t != "NULL"})
        for word in hidden:
            counts[unexpected_token(word, salt or b"")] = counts.pop(word)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{v} ({n})" for v, n in ranked[:SHOWN_VALUES])
    more = (f" and {len(ranked) - SHOWN_VALUES} more distinct value(s)"
            if len(ranked) > SHOWN_VALUES else "")
    return f", values (rows): {shown}{more}"


def judge(results, batch: pl.DataFrame, coded: set[str] | None = None,
          page: str | None = None, salt: bytes | None = None) -> dict[str, FileVerdict]:
    """Turn GE expectation results into a verdict per file; a finding names the file,
    up to SHOWN_VALUES distinct unexpected values with their row counts (``coded``: the
    columns whose delivered value may be shown when :func:`showable`) and the Data Docs
    ``page`` of the result."""
    coded = coded or set()
    rows_per_file = dict(batch.group_by("_file_sha256").len().iter_rows())
    names = (dict(batch.select("_file_sha256", "_file_name").unique("_file_sha256").iter_rows())
             if "_file_name" in batch.columns else {})
    verdicts = {sha: FileVerdict(page=page) for sha in rows_per_file}
    for r in results:
        cfg = r.expectation_config
        severity = (cfg.meta or {}).get("severity", WARNING)
        column = cfg.kwargs.get("column")
        label = f"{cfg.type}({column})" if column else cfg.type
        if r.exception_info and r.exception_info.get("raised_exception"):
            for v in verdicts.values():
                v.verdict = "ERROR"
                v.findings.append(Finding(cfg.type, column, severity, None,
                                          f"{label} raised "
                                          f"{r.exception_info.get('exception_message')}"))
            continue
        per_file: dict[str, int] = {}
        items: dict[str, list[dict]] = {}
        for item in (r.result or {}).get("unexpected_index_list") or []:
            sha = item.get("_file_sha256") if isinstance(item, dict) else None
            if sha is not None:
                per_file[sha] = per_file.get(sha, 0) + 1
                items.setdefault(sha, []).append(item)
        mostly = cfg.kwargs.get("mostly") or 1.0
        targets = per_file if column else ({} if r.success else dict.fromkeys(verdicts, 0))
        for sha, bad in targets.items():
            if column and bad / rows_per_file.get(sha, 1) <= 1 - mostly + 1e-12:
                continue
            level = "FAILED" if severity == CRITICAL else "WARNED"
            v = verdicts[sha]
            if RANK[level] > RANK[v.verdict]:
                v.verdict = level
            name = names.get(sha)
            in_file = f" in {name}" if name and _SAFE_NAME.fullmatch(name) else (
                f" in file {sha[:12]}" if name else "")
            text = (f"{severity} {label}: {bad} of {rows_per_file[sha]} row(s) unexpected"
                    f"{in_file}{_values_text(column, items.get(sha, []), batch, sha, coded, salt)}"
                    if column else f"{severity} {label} failed{in_file}")
            v.findings.append(Finding(cfg.type, column, severity, bad if column else None, text))
    return verdicts


def errored(files: list[str], message: str) -> dict[str, FileVerdict]:
    """Every file's verdict when GE itself broke."""
    return {sha: FileVerdict("ERROR", [Finding("great_expectations", None, CRITICAL, None,
                                               message)]) for sha in files}


