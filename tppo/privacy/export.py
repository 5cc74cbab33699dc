"""CSV exports of the dashboards' copy for field officers.

Officers open these in Excel or LibreOffice, where a cell that starts with
``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some programs
skip before reading a formula) is run as a formula: ``=HYPERLINK(...)`` in an
agency's name would become a link that leaks or misleads. Every text cell that
starts so is written with a leading apostrophe, which spreadsheets show as
text (OWASP's "CSV injection" advice). Numbers stay numbers.

Exports read ``dashboard.duckdb`` only: aggregate marts, small cells already
suppressed (written as ``disamarkan``, never as an empty cell that could be
read as zero).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb

from tppo.config import Paths

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
SUPPRESSED_TEXT = "disamarkan"


def neutralise(value: object) -> object:
    """A cell safe to open in a spreadsheet: risky text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(path: Path, header: list[str], rows: list[tuple]) -> int:
    """Write ``rows`` as UTF-8 CSV with BOM and ``;`` (what Indonesian Excel opens)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        out.writerow([neutralise(h) for h in header])
        for row in rows:
            out.writerow([neutralise(v) for v in row])
    tmp.replace(path)
    return len(rows)


def export_table(p: Paths, table: str, out: Path, regency: str | None = None,
                 month: dt.date | None = None) -> int:
    """Export one mart of the dashboards' copy, optionally one regency and one month."""
    with duckdb.connect(str(p.dashboard), read_only=True) as con:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
        ).fetchall()}
        if table not in tables:
            raise ValueError(f"{table} is not in the dashboards' copy; choose one of "
                             + ", ".join(sorted(tables)))
        cols = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' "
            "AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()]
        shown = [c for c in cols if not c.endswith("_suppressed")]
        select = [f"CASE WHEN {c}_suppressed THEN '{SUPPRESSED_TEXT}' ELSE {c}::VARCHAR END"
                  if f"{c}_suppressed" in cols else c for c in shown]
        where, params = [], []
        if regency and "regency_code" in cols:
            where.append("regency_code = ?")
            params.append(regency)
        if month and "month" in cols:
            where.append("month = ?")
            params.append(month)
        sql = f"SELECT {', '.join(select)} FROM marts.{table}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = con.execute(sql, params).fetchall()
    return write_csv(out, shown, rows)
