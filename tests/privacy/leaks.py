"""Searching outputs for identifiers that came in with the deliveries.

The identifiers are collected from the landing files themselves (read with the
project's readers, so every quirk is included) and from the synthetic truth:
NIKs (any run of 15 to 17 digits a delivery held), passport numbers, names and
aliases, birth dates. Outputs are searched cell by cell (DuckDB files) or as
text (reports, Data Docs, logs, Airflow's database).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest import parsing
from ingest.feeds import FEEDS
from ingest.readers import FileRejected, read_file
from tests.duck import open_db

DIGITS = re.compile(r"(?<![0-9])[0-9]{15,17}(?![0-9])")
PASSPORT = re.compile(r"(?<![A-Z0-9])[A-Z]{1,2}[0-9]{6,8}(?![0-9])")
DATES = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b|\b(\d{2})[/-](\d{2})[/-](\d{4})\b")


@dataclass
class Identifiers:
    niks: set[str] = field(default_factory=set)
    passports: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # upper case, single spaces
    recruiter_names: set[str] = field(default_factory=set)
    birth_dates: set[dt.date] = field(default_factory=set)
    other_dates: set[dt.date] = field(default_factory=set)  # event dates: not evidence

    def add_name(self, value: str | None, recruiter: bool = False) -> None:
        if value and len(value.strip()) >= 3:
            name = " ".join(value.upper().split())
            (self.recruiter_names if recruiter else self.names).add(name)

    @property
    def telling_birth_dates(self) -> set[dt.date]:
        """Birth dates that no delivered event shares (those prove nothing when found)."""
        return self.birth_dates - self.other_dates


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    return None


def collect(landing: Path, truth: Path | None = None) -> Identifiers:
    """Every identifier the deliveries (and the truth folder) hold."""
    import polars as pl

    ids = Identifiers()
    for f in FEEDS:
        for path in sorted((landing / f.source / f.name).rglob("*.*")):
            try:
                read = read_file(f, path)
            except FileRejected:
                continue
            frames = [read.rows] + ([read.children] if read.children is not None else [])
            for frame in frames:
                cols = set(frame.columns)
                if "nik" in cols:
                    for v in frame["nik"].drop_nulls().to_list():
                        ids.niks.update(DIGITS.findall(re.sub(r"[\s.'`-]", "", v)))
                if "no_paspor" in cols:
                    norm = frame.select(parsing.passport_number("no_paspor")).to_series()
                    ids.passports.update(p for p in norm.drop_nulls().to_list() if len(p) >= 6)
                for c in ("nama", "alias"):
                    if c in cols:
                        for v in frame[c].drop_nulls().to_list():
                            ids.add_name(v, recruiter=(c == "alias"))
                for c in ("nama_perekrut", "perekrut", "penjamin"):
                    if c in cols:
                        for v in frame[c].drop_nulls().to_list():
                            ids.add_name(v, recruiter=True)
                if "tgl_lahir" in cols:
                    parsed = frame.select(parsing.parse_date("tgl_lahir")).to_series()
                    ids.birth_dates.update(parsed.drop_nulls().to_list())
                for c in set(f.dates) - {"tgl_lahir"}:
                    if c in cols:
                        parsed = frame.select(parsing.parse_date(c)).to_series()
                        ids.other_dates.update(parsed.drop_nulls().to_list())
            for q in read.rejects:  # broken lines hold identifiers too
                if q.raw_text:
                    ids.niks.update(DIGITS.findall(q.raw_text))
    if truth is not None:
        persons = pl.read_csv(truth / "persons.csv", infer_schema_length=0)
        for r in persons.iter_rows(named=True):
            if r["nik"]:
                ids.niks.add(r["nik"])
            if r["passport_no"]:
                ids.passports.add(r["passport_no"].upper())
            ids.add_name(r["name"], recruiter=r["role"] == "RECRUITER")
            if r["birth_date"]:
                ids.birth_dates.add(dt.date.fromisoformat(r["birth_date"]))
    ids.names -= _not_from_input()
    ids.recruiter_names -= _not_from_input()
    return ids


def _not_from_input() -> set[str]:
    """Words that also name places in the BPS gazetteer, or that the project's own
    code and fixtures contain (the dbt unit tests name a SUDARMAN): finding those
    proves nothing."""
    from tppo.config import DBT_PROJECT_DIR

    words: set[str] = set()
    for path in DBT_PROJECT_DIR.rglob("*"):
        if path.suffix in (".sql", ".yml", ".csv") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace").upper()
            words.update(re.findall(r"[A-Z]+(?: [A-Z]+)*", text))
            words.update(re.findall(r"[A-Z]+", text))
    return words


@dataclass(frozen=True)
class Leak:
    where: str
    kind: str
    value: str


def scan_duckdb(path: Path, ids: Identifiers, allow_recruiter_names: bool) -> list[Leak]:
    """Every cell of every table of ``path`` checked against ``ids``.

    Informal recruiters' names (suspects' aliases) are allowed in
    ``mart_recruiter_watchlist.recruiter_name`` of the analysts' file only (MARTS.md);
    everywhere else a name is a leak, theirs too.
    """
    leaks: list[Leak] = []
    names = ids.names | ids.recruiter_names
    with open_db(path) as con:
        cols = con.execute("SELECT table_schema, table_name, column_name, data_type "
                           "FROM information_schema.columns").fetchall()
        for schema, table, column, dtype in cols:
            where = f"{path.name}:{schema}.{table}.{column}"
            rel = f'{schema}."{table}"'
            if dtype in ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"):
                values = {r[0] for r in con.execute(
                    f'SELECT DISTINCT CAST("{column}" AS DATE) FROM {rel}').fetchall()}
                leaks += [Leak(where, "birth date", str(d))
                          for d in values & ids.telling_birth_dates]
                continue
            if dtype != "VARCHAR":
                continue
            allowed = (allow_recruiter_names and table == "mart_recruiter_watchlist"
                       and column == "recruiter_name")
            cell_names = set() if allowed else names
            for (text,) in con.execute(f'SELECT DISTINCT "{column}" FROM {rel} '
                                       f'WHERE "{column}" IS NOT NULL').fetchall():
                leaks += scan_text(text, ids, where, cell_names, cells=True)
    return leaks


def scan_text(text: str, ids: Identifiers, where: str, names: set[str] | None = None,
              cells: bool = False) -> list[Leak]:
    """Identifiers in free text: NIK digit runs, passport numbers, birth dates, names
    (a whole cell for database values; whole words of names of two words or more, or
    of one long word, in running text)."""
    names = ids.names | ids.recruiter_names if names is None else names
    found = [Leak(where, "NIK", m) for m in DIGITS.findall(text) if m in ids.niks]
    upper = text.upper()
    found += [Leak(where, "passport", m) for m in PASSPORT.findall(upper) if m in ids.passports]
    telling = ids.telling_birth_dates
    for m in DATES.finditer(text):
        y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (
            m.group(6), m.group(5), m.group(4))
        try:
            day = dt.date(int(y), int(mo), int(d))
        except ValueError:
            continue
        if day in telling:
            found.append(Leak(where, "birth date", m.group(0)))
    if cells:
        if " ".join(upper.split()) in names:
            found.append(Leak(where, "name", text))
    else:
        found += [Leak(where, "name", n) for n in _name_hits(upper, names)]
    return found


def _name_hits(upper: str, names: set[str]) -> list[str]:
    """Names of two words or more, or of one word of 7 letters or more, found as whole
    words (shorter single names such as SRI or EKO match too much running text)."""
    telling = {n for n in names if " " in n or len(n) >= 7}
    longest = max((n.count(" ") + 1 for n in telling), default=0)
    words = re.findall(r"[A-Z]+", upper)
    return [" ".join(words[i:i + k]) for k in range(1, longest + 1)
            for i in range(len(words) - k + 1) if " ".join(words[i:i + k]) in telling]


def scan_tree(root: Path, ids: Identifiers, skip: tuple[Path, ...]) -> list[Leak]:
    """Every file below ``root`` (but ``skip``) read as text and scanned."""
    leaks = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or any(path == s or s in path.parents for s in skip):
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        leaks += scan_text(text, ids, str(path.relative_to(root)))
    return leaks
