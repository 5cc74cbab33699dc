"""How figures read in the report: Indonesian numbers and months, protected cells.

A count the dashboards' copy suppressed (1 to 4 people) arrives as NULL and is
shown as ``≤4*``, never as 0 or a blank: a reader must see that something
happened without learning how many.
"""

from __future__ import annotations

import datetime as dt
import html

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
SUPPRESSED_TEXT = "≤4*"
SUPPRESSED = f"<span class='sup' title='disamarkan: 1-4 orang'>{SUPPRESSED_TEXT}</span>"
TIER_LABEL = {"TINGGI": "Tinggi", "SEDANG": "Sedang", "RENDAH": "Rendah"}


def number(value: float | int, digits: int = 0) -> str:
    """``1234.5`` -> ``1.234,5``: the Indonesian way, dot for thousands, comma for decimals."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def count(value: int | None) -> str:
    """A published count, or the suppression marker where the copy withheld it."""
    return SUPPRESSED if value is None else number(value)


def month_name(month: dt.date, short: bool = False) -> str:
    name = MONTHS[month.month - 1]
    return f"{name[:3]} {month:%y}" if short else f"{name} {month.year}"


def day(value: dt.date | None) -> str:
    return "–" if value is None else f"{value:%d-%m-%Y}"


def text(value: object) -> str:
    return "–" if value is None else html.escape(str(value))


def tier(value: str | None) -> str:
    if value is None:
        return "–"
    return (f"<span class='tier {html.escape(value)}'>"
            f"{TIER_LABEL.get(value) or html.escape(value)}</span>")


def table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset(),
          css: str = "") -> str:
    """An HTML table from cells that are already escaped HTML."""
    head = "".join(f"<th class='n'>{html.escape(h)}</th>" if i in numeric
                   else f"<th>{html.escape(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td class='n'>{c}</td>" if i in numeric else f"<td>{c}</td>"
                         for i, c in enumerate(r)) + "</tr>"
        for r in rows)
    if not rows:
        body = f"<tr><td colspan='{len(headers)}' class='none'>Tidak ada.</td></tr>"
    return (f"<div class='scroll'><table class='{css}'><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></div>")
