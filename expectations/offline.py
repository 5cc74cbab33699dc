"""Data Docs that open without the internet.

GE's templates load Bootstrap, jQuery, bootstrap-table, Vega and Font Awesome from
CDNs and a logo from GE's web assets (with the data context's id in the URL). Offline
(the office network has no internet; no page should call out anyway) they render
unstyled and the index's tables, filled by bootstrap-table from inline data, stay
empty. :func:`make_offline` rewrites the pages GE just wrote: every external script
and stylesheet removed, a local stylesheet (``static/data_docs_offline.css``, shipped
here) inlined, the logo taken from the site's own ``static/images``, and each
bootstrap-table written out as a static HTML table from its inline data.
"""

from __future__ import annotations

import ast
import html
import os
import re
from pathlib import Path

CSS = (Path(__file__).with_name("static") / "data_docs_offline.css").read_text(encoding="utf-8")
MARK = "<!-- tppo: offline -->"

_EXTERNAL_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>", re.I)
_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref=[\"']https?://[^>]*>", re.I)
_EXTERNAL_IMG = re.compile(r"(<img\b[^>]*\bsrc=)[\"']https?://[^\"']*[\"']", re.I)
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?https?://[^)]*\)", re.I)
_TABLE_CALL = re.compile(
    r"\$\('#(?P<id>[A-Za-z0-9_-]+)'\)\.bootstrapTable\(\s*Object\.assign\(\s*\{\s*"
    r"columns: (?P<columns>\[.*?\]),\s*data: (?P<data>\[.*?\]),\s*toolbar:", re.S)


def _static_table(columns: list[dict], data: list[dict]) -> str:
    """bootstrap-table's rows as plain HTML: a row links to its page like the JS does."""
    fields = [c for c in columns if c.get("field")]
    sort = next((c.get("sortName") or c["field"] for c in fields if c["field"] == "run_time"),
                None)
    if sort:
        data = sorted(data, key=lambda r: r.get(sort) or 0, reverse=True)
    head = "".join(f"<th>{html.escape(str(c.get('title', c['field'])))}</th>" for c in fields)
    rows = []
    for r in data:
        link = r.get("_table_row_link_path")
        cells = []
        for i, c in enumerate(fields):
            cell = str(r.get(c["field"], ""))  # GE's own markup (escaped values)
            if link and i == len(fields) - 1 and "<a " not in cell:
                cell = f"<a href='{html.escape(link, quote=True)}'>{cell or 'open'}</a>"
            cells.append(f"<td>{cell}</td>")
        if link:
            cells[0] = cells[0].replace("<td>", f"<td><a href='{html.escape(link, quote=True)}'>",
                                        1).replace("</td>", "</a></td>", 1)
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"


def offline_page(text: str, depth: int) -> str:
    """One page made self-sufficient; ``depth``: its folder's depth under the site root."""
    if MARK in text:
        return text
    for m in _TABLE_CALL.finditer(text):
        try:
            columns, data = ast.literal_eval(m["columns"]), ast.literal_eval(m["data"])
        except (SyntaxError, ValueError):
            continue
        table = re.compile(rf"(<table\s[^>]*id=\"{re.escape(m['id'])}\"[^>]*>)\s*(</table>)", re.S)
        text = table.sub(lambda t, c=columns, d=data: t[1].replace(
            "class=\"", "class=\"table table-bordered ", 1) + _static_table(c, d) + t[2],
            text, count=1)
    text = _EXTERNAL_SCRIPT.sub("", text)
    text = _EXTERNAL_LINK.sub("", text)
    logo = "../" * depth + "static/images/logo-long.png"
    text = _EXTERNAL_IMG.sub(lambda m: f"{m[1]}\"{logo}\"", text)
    text = _EXTERNAL_URL.sub("none", text)
    return text.replace("</head>", f"{MARK}<style>{CSS}</style></head>", 1)


def make_offline(site: Path, since: float | None = None) -> list[Path]:
    """Rewrite the site's HTML pages (those modified at or after ``since``, all when None)
    in place; returns the pages rewritten."""
    done = []
    for page in sorted(site.rglob("*.html")):
        if since is not None and page.stat().st_mtime < since:
            continue
        text = page.read_text(encoding="utf-8")
        new = offline_page(text, len(page.relative_to(site).parts) - 1)
        if new != text:
            tmp = page.with_name(f".{page.name}.tmp")
            tmp.write_text(new, encoding="utf-8")
            os.chmod(tmp, page.stat().st_mode & 0o777)
            tmp.replace(page)
            done.append(page)
    return done
