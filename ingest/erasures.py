"""The erasure register as ingest applies it: rows of erased persons never load again.

An erasure (:mod:`tppo.privacy.erasure`) deletes a data subject from the restricted
warehouse and records, per erased identifier, an HMAC under the erasure register key
(``meta.erasures``), never the identifier. A later delivery naming the same NIK or
passport is held back here: its rows go to the quarantine with
:data:`WITHHELD_REASON` and without their text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from tppo.pseudonym import ERASURE, Pseudonymiser, load_secret

WITHHELD_REASON = "withheld at ingest: the data subject was erased (erasure register)"


def normalise_passport(value: str | None) -> str | None:
    """The passport number as ingest compares it (ingest.parsing.passport_number)."""
    if value is None:
        return None
    norm = re.sub(r"[\s\-.]", "", value.upper())
    return norm or None


_DIGIT_RUN = re.compile(r"[0-9][0-9 .\-']{14,40}[0-9]")
_PASSPORT_TOKEN = re.compile(r"\b[A-Za-z]{1,2}[ \-]?[0-9]{6,8}\b")


@dataclass(frozen=True)
class ErasureRegister:
    """The markers of erased identifiers and the key that makes them."""

    marker: Pseudonymiser
    markers: frozenset[str]

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, secrets_dir: Path) -> ErasureRegister | None:
        """The register, or None while nobody has been erased.

        Without its key a non-empty register cannot be applied, and loading on
        regardless would bring erased people back: that is an error.
        """
        rows = con.execute("SELECT DISTINCT marker FROM meta.erasures").fetchall()
        if not rows:
            return None
        return cls(load_secret(ERASURE, secrets_dir, create=False),
                   frozenset(r[0] for r in rows))

    def _hits(self, series: pl.Series, kind: str) -> pl.Series:
        found = {v for v in series.drop_nulls().unique().to_list()
                 if self.marker(kind, v) in self.markers}
        return series.is_in(list(found)).fill_null(False) if found else \
            pl.Series([False] * len(series))

    def mask(self, df: pl.DataFrame) -> pl.Series:
        """True for the rows naming an erased NIK or passport number."""
        hit = pl.Series([False] * df.height)
        if "nik_clean" in df.columns:
            hit = hit | self._hits(df["nik_clean"], "nik")
        if "no_paspor" in df.columns:
            norm = df.select(pl.col("no_paspor").str.to_uppercase()
                             .str.replace_all(r"[\s\-.]", "")).to_series()
            hit = hit | self._hits(norm, "paspor")
        return hit

    def mentions(self, text: str | None) -> bool:
        """Whether free text (a quarantined line) holds an erased identifier."""
        if not text:
            return False
        for run in _DIGIT_RUN.findall(text):
            digits = re.sub(r"[^0-9]", "", run)
            if len(digits) == 16 and self.marker("nik", digits) in self.markers:
                return True
        return any(self.marker("paspor", normalise_passport(t)) in self.markers
                   for t in _PASSPORT_TOKEN.findall(text))
