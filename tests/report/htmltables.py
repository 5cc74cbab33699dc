"""Read the report back as a person would: section by section, table by table."""

from __future__ import annotations

from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[list[list[str]]]] = {"": []}
        self.current = ""
        self.cell: list[str] | None = None
        self.row: list[str] | None = None
        self.in_svg = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg":
            self.in_svg += 1
        elif tag == "h2" and attrs.get("id"):
            self.current = attrs["id"]
            self.sections[self.current] = []
        elif tag == "table":
            self.sections[self.current].append([])
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "svg":
            self.in_svg -= 1
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.sections[self.current][-1].append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None and not self.in_svg:
            self.cell.append(data)


def tables(page: str) -> dict[str, list[list[list[str]]]]:
    """Section id -> its tables -> rows (header row first) -> cell texts."""
    parser = _Tables()
    parser.feed(page)
    return parser.sections


def rows_by(table: list[list[str]], column: str) -> dict[str, dict[str, str]]:
    """A table's rows keyed by one column's text, each row as header -> cell."""
    header, *body = table
    key = header.index(column)
    return {r[key]: dict(zip(header, r, strict=True)) for r in body if len(r) == len(header)}
