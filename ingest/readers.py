"""Readers per delivery format: a file in, every field as text out.

``read_file(feed, path)`` returns a :class:`ReadResult`: the rows that could be
read (all columns text, in contract order, with their row and line numbers),
the rows that could not (with line, field and reason), the nested persons of
the police feeds, and a file-level error when the file as a whole cannot be
taken (schema drift, missing sheet, undecodable bytes). Nothing here types or
cleans values: that is :mod:`ingest.parsing`'s job.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

from ingest.feeds import Feed
from tppo.errors import FileRejected


@dataclass(frozen=True)
class Reject:
    """A delivered row that could not be read."""

    line_number: int | None
    row_number: int | None
    field: str | None
    reason: str
    raw_text: str | None


@dataclass
class ReadResult:
    rows: pl.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    children: pl.DataFrame | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return self.rows.height + len(self.rejects)


ROW_META = {"_row_number": pl.Int32, "_line_number": pl.Int32}


def _frame(records: list[list], columns, typed: dict[str, pl.DataType]) -> pl.DataFrame:
    """Rows as a frame whose columns are text (even when all empty) unless ``typed``."""
    names = [*columns, *(c for c in typed if c not in columns)]
    schema = {c: typed.get(c, pl.Utf8) for c in names}
    return pl.DataFrame(records, schema=schema, orient="row")


_COLUMN_NAME = re.compile(r"[a-z_][a-z0-9_]{0,39}")
MAX_LISTED = 8


def _positions(found: list[str], items: list[str]) -> str:
    """1-based positions of ``items`` in ``found`` as ranges, e.g. ``1..12, 15``."""
    pos = sorted({i + 1 for i, c in enumerate(found) if c in set(items)})
    parts: list[str] = []
    start = prev = None
    for p in [*pos, None]:
        if p is not None and prev is not None and p == prev + 1:
            prev = p
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}..{prev}")
        start = prev = p
    return ", ".join(parts)


def are_column_names(items: list[str]) -> bool:
    """True if ``items`` are few and all look like column names (safe to echo)."""
    return len(items) <= MAX_LISTED and all(_COLUMN_NAME.fullmatch(i) for i in items)


def _describe(found: list[str], items: list[str], positional: bool) -> str:
    """Names of ``items`` if they look like column names, else only where they are.

    A delivered header is data until proven otherwise: a file without its header
    line puts its first record (NIK, name, birth date) here, so values that do
    not look like column names are never echoed.
    """
    if are_column_names(items):
        return ", ".join(items)
    where = f" at column numbers {_positions(found, items)}" if positional else ""
    return (f"{len(items)} column(s) not in the contract{where} (names not shown: they "
            "may be personal data; header row missing? the file seems to have no header line)")


def check_columns(feed_name: str, expected: tuple[str, ...], found: list[str], what: str,
                  file_name: str | None = None, positional: bool = True) -> None:
    """Schema drift check: raise naming the missing and unexpected columns.

    Only contract column names and names that look like column names are
    listed; anything else is described by count and position.
    """
    missing = [c for c in expected if c not in found]
    added = [c for c in found if c not in expected]
    dupes = sorted({c for c in found if found.count(c) > 1})
    if missing or added or dupes:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if added:
            parts.append("unexpected " + _describe(found, added, positional))
        if dupes:
            parts.append("repeated " + _describe(found, dupes, positional))
        where = f" of {file_name}" if file_name else ""
        raise FileRejected(
            f"schema drift in {feed_name} {what}{where}: {'; '.join(parts)}. The file was not "
            "loaded. Ask the agency to re-send it with the agreed columns, or, if the contract "
            "changed, update ingest/feeds.py and the dbt sources together."
        )


def _decode(data: bytes) -> tuple[str, list[str]]:
    notes: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("cp1252", errors="replace")
        notes.append(
            f"not valid UTF-8 (first bad byte at offset {exc.start}); read as Windows-1252"
        )
    return text, notes


# A line longer than this is not parsed: no export of these feeds comes near it (a
# police record with many persons is a few kB), and a damaged or hostile file's 50 MB
# line would be split into millions of fields. It is quarantined with its beginning.
MAX_LINE_CHARS = 1 << 20
KEPT_CHARS = 1000
_LINE_ENDS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # where str.splitlines splits


def _too_long(line_number: int, row_number: int, length: int, start: str) -> Reject:
    return Reject(line_number, row_number, None,
                  f"line {line_number} holds {length:,} characters, over the limit of "
                  f"{MAX_LINE_CHARS:,}: not read (a damaged export?); its first "
                  f"{KEPT_CHARS:,} characters are kept", start[:KEPT_CHARS])


def _cut_long_lines(text: str) -> tuple[str, dict[int, tuple[int, str]]]:
    """``text`` with each line over :data:`MAX_LINE_CHARS` emptied, and the length and
    beginning of each such line by line number (1-based, as ``str.splitlines`` counts)."""
    if len(text) <= MAX_LINE_CHARS:
        return text, {}
    parts = text.splitlines(keepends=True)
    cut: dict[int, tuple[int, str]] = {}
    for i, part in enumerate(parts):
        if len(part) > MAX_LINE_CHARS:
            end = 2 if part.endswith("\r\n") else 1 if part[-1] in _LINE_ENDS else 0
            cut[i + 1] = (len(part) - end, part[:KEPT_CHARS])
            parts[i] = part[len(part) - end:]  # its line end only
    return ("".join(parts), cut) if cut else (text, {})


def normalise_header(name: str) -> str:
    return name.strip().strip('"').lstrip("\ufeff").strip().lower()


def read_csv(feed: Feed, path: Path) -> ReadResult:
    """Semicolon CSV with optional BOM, CRLF line ends and ``"`` quoting."""
    text, notes = _decode(path.read_bytes())
    text, long_lines = _cut_long_lines(text)
    lines = text.splitlines()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"', strict=False)
    try:
        header = next(reader)
    except StopIteration:
        raise FileRejected(
            "the file is empty (no header row); ask the office to re-send it") from None
    found = [normalise_header(h) for h in header]
    check_columns(feed.name, feed.columns, found, "header line 1", path.name)
    order = [found.index(c) for c in feed.columns]
    width = len(found)
    records: list[list[str | int]] = []
    rejects: list[Reject] = []
    row_number = 0
    prev_line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row_number += 1
            cut = [n for n in range(prev_line + 1, reader.line_num + 1) if n in long_lines]
            rejects.append(_too_long(cut[0], row_number, *long_lines[cut[0]]) if cut else
                           Reject(prev_line + 1, row_number, None, f"unreadable CSV: {exc}",
                                  "\n".join(lines[prev_line:reader.line_num])))
            prev_line = reader.line_num
            continue
        first_line, prev_line = prev_line + 1, reader.line_num
        cut = [n for n in range(first_line, reader.line_num + 1) if n in long_lines] \
            if long_lines else []
        if cut:
            row_number += 1
            rejects.append(_too_long(cut[0], row_number, *long_lines[cut[0]]))
            continue
        if not row or (len(row) == 1 and row[0].strip() == ""):
            continue
        row_number += 1
        if len(row) != width:
            raw = "\n".join(lines[first_line - 1:reader.line_num])
            reason = (
                f"expected {width} fields separated by ';' but found {len(row)}"
                + (" (unclosed quote or truncated line)" if len(row) < width else "")
            )
            rejects.append(Reject(first_line, row_number, None, reason, raw))
            continue
        records.append([row[i] for i in order] + [row_number, first_line])
    return ReadResult(rows=_frame(records, feed.columns, ROW_META), rejects=rejects, notes=notes)


_CELL = re.compile(rb'<c r="([A-Z]+)([0-9]+)"([^>]*?)(/>|>)')


def _sheet_xml_path(zf: zipfile.ZipFile, sheet_name: str) -> str | None:
    workbook = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    m = re.search(r'<sheet [^>]*name="' + re.escape(sheet_name) + r'"[^>]*r:id="([^"]+)"',
                  workbook)
    if not m:
        return None
    rid = re.escape(m.group(1))
    t = re.search(r'<Relationship [^>]*Id="' + rid + r'"[^>]*Target="([^"]+)"', rels)
    if not t:
        t = re.search(r'<Relationship [^>]*Target="([^"]+)"[^>]*Id="' + rid + '"', rels)
    if not t:
        return None
    target = t.group(1).lstrip("/")
    return target if target.startswith("xl/") else f"xl/{target}"


def numeric_cell_rows(path: Path, sheet_name: str, column_letter: str) -> set[int]:
    """Sheet rows (1-based) whose cell in ``column_letter`` is stored as a number.

    A NIK stored as a number lost its last digit(s) to Excel's 15 significant
    digits; the text reader cannot tell, so the cell types are read from the
    sheet XML itself.
    """
    with zipfile.ZipFile(path) as zf:
        name = _sheet_xml_path(zf, sheet_name)
        if name is None:
            return set()
        xml = zf.read(name)
    rows: set[int] = set()
    letter = column_letter.encode()
    for m in _CELL.finditer(xml):
        if m.group(1) != letter:
            continue
        attrs = m.group(3)
        typ = re.search(rb't="([a-z]+)"', attrs)
        if (typ is None or typ.group(1) == b"n") and m.group(4) == b">":
            rows.add(int(m.group(2)))
    return rows


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# Limits checked before an XLSX is opened (a "zip bomb" holds a tiny file that
# inflates to gigabytes): total inflated size, and the inflation ratio of any
# member bigger than XLSX_RATIO_FLOOR. Cells longer than Excel's own limit reject
# the file.
XLSX_MAX_UNCOMPRESSED = 200 * 1024 * 1024
XLSX_MAX_RATIO = 100
XLSX_RATIO_FLOOR = 1024 * 1024
XLSX_MAX_CELL = 32_767


def check_xlsx_archive(path: Path) -> None:
    """Reject ``path`` if it is not a zip or would inflate beyond the limits."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRejected(
            f"{path.name} is not a readable XLSX workbook (not a zip archive: {exc}); "
            "ask BP3MI to re-export it") from exc
    total = sum(m.file_size for m in members)
    if total > XLSX_MAX_UNCOMPRESSED:
        raise FileRejected(
            f"{path.name} would inflate to {total} bytes, over the limit of "
            f"{XLSX_MAX_UNCOMPRESSED} bytes (a damaged or malicious workbook); the file "
            "was not read. Ask BP3MI to re-export it")
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > XLSX_RATIO_FLOOR and ratio > XLSX_MAX_RATIO:
            raise FileRejected(
                f"{path.name}: member {m.filename} inflates {ratio:.0f} times "
                f"(limit {XLSX_MAX_RATIO}) to {m.file_size} bytes (a damaged or malicious "
                "workbook); the file was not read. Ask BP3MI to re-export it")


def read_xlsx(feed: Feed, path: Path, sheet: str = "Data") -> ReadResult:
    """XLSX with title rows above the header on sheet ``Data``; cells read as text."""
    check_xlsx_archive(path)
    try:
        book = fastexcel.read_excel(path)
    except Exception as exc:
        raise FileRejected(
            f"not a readable XLSX workbook ({exc}); ask BP3MI to re-export it") from exc
    if sheet not in book.sheet_names:
        raise FileRejected(
            f"no sheet named {sheet!r} (sheets: {', '.join(book.sheet_names)}); "
            "the export must put its data on sheet 'Data'"
        )
    probe = book.load_sheet(sheet, header_row=None, n_rows=12, dtypes="string").to_polars()
    header_idx = None
    for i, values in enumerate(probe.iter_rows()):
        cells = [normalise_header(v) for v in values if v is not None]
        if feed.key[0] in cells:
            header_idx = i
            break
    if header_idx is None:
        raise FileRejected(
            f"no header row with column {feed.key[0]!r} in the first 12 rows of sheet "
            f"{sheet!r}; expected two title rows then the header"
        )
    data = book.load_sheet(sheet, header_row=header_idx, dtypes="string").to_polars()
    found = [normalise_header(c) for c in data.columns]
    found_clean = [c for c in found if not c.startswith("__unnamed")]
    check_columns(feed.name, feed.columns, found_clean, f"header (sheet row {header_idx + 1})",
                  path.name)
    data.columns = found
    data = data.select(feed.columns)
    longest = data.select(pl.max_horizontal(
        [pl.col(c).str.len_chars().max() for c in feed.columns])).item()
    if longest is not None and longest > XLSX_MAX_CELL:
        raise FileRejected(
            f"{path.name}: a cell on sheet {sheet!r} holds {longest} characters, over "
            f"Excel's limit of {XLSX_MAX_CELL}; the file was not loaded. Ask BP3MI to "
            "re-export it")
    first_sheet_row = header_idx + 2  # 1-based sheet row of the first data row
    data = data.with_columns(
        (pl.int_range(0, pl.len(), dtype=pl.Int32) + first_sheet_row).alias("_line_number")
    )
    blank = pl.all_horizontal([pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "")
                               for c in feed.columns])
    data = data.filter(~blank)
    data = data.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int32).alias("_row_number"))
    if feed.nik:
        letter = _column_letter(found.index("nik"))
        numeric = numeric_cell_rows(path, sheet, letter)
        data = data.with_columns(pl.col("_line_number").is_in(list(numeric)).alias("_nik_numeric"))
    return ReadResult(rows=data.select([*feed.columns, "_row_number", "_line_number",
                                        *(["_nik_numeric"] if feed.nik else [])]))


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def read_jsonl(feed: Feed, path: Path) -> ReadResult:
    """JSON Lines with a nested person array; a malformed line is quarantined."""
    text, notes = _decode(path.read_bytes())
    child = feed.child
    expected = set(feed.columns) | ({child.array_field} if child else set())
    parents: list[list[object]] = []
    kids: list[list[object]] = []
    rejects: list[Reject] = []
    seen_keys: set[str] = set()
    seen_child_keys: set[str] = set()
    row_number = 0
    for line_number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE_CHARS:
            row_number += 1
            rejects.append(_too_long(line_number, row_number, len(line), line))
            continue
        if not line.strip():
            continue
        row_number += 1
        try:
            obj = json.loads(line)
        except RecursionError:
            rejects.append(Reject(line_number, row_number, None,
                                  "JSON nested too deeply (deeper than the parser's recursion "
                                  f"limit of about {sys.getrecursionlimit()} levels)", line))
            continue
        except json.JSONDecodeError as exc:
            rejects.append(Reject(line_number, row_number, None,
                                  f"malformed JSON ({exc.msg} at column {exc.colno}); "
                                  "the line is probably truncated", line))
            continue
        if not isinstance(obj, dict):
            rejects.append(Reject(line_number, row_number, None,
                                  "a line must hold one JSON object", line))
            continue
        seen_keys.update(obj)
        persons = obj.get(child.array_field) if child else None
        if child and persons is not None and not (
            isinstance(persons, list) and all(isinstance(p, dict) for p in persons)
        ):
            rejects.append(Reject(line_number, row_number, child.array_field,
                                  f"{child.array_field} must be an array of objects", line))
            continue
        parents.append([_as_text(obj.get(c)) for c in feed.columns] + [row_number, line_number])
        if child and persons:
            for i, person in enumerate(persons, start=1):
                seen_child_keys.update(person)
                kids.append(
                    [_as_text(obj.get(k)) for k in feed.key]
                    + [i]
                    + [_as_text(person.get(c)) for c in child.columns]
                    + [row_number]
                )
    if parents:
        check_columns(feed.name, tuple(sorted(expected)), sorted(seen_keys), "fields",
                      path.name, positional=False)
    if child and seen_child_keys:
        check_columns(feed.name, child.columns, sorted(seen_child_keys),
                      f"{child.array_field} fields", path.name, positional=False)
    children = None
    if child:
        children = _frame(kids, [*feed.key, "_person_index", *child.columns, "_row_number"],
                          {"_person_index": pl.Int32, "_row_number": pl.Int32})
    return ReadResult(rows=_frame(parents, feed.columns, ROW_META), rejects=rejects,
                      children=children, notes=notes)


READERS = {"csv": read_csv, "xlsx": read_xlsx, "jsonl": read_jsonl}


def read_file(feed: Feed, path: Path) -> ReadResult:
    """Read one delivered file of ``feed`` (raises :class:`FileRejected`)."""
    return READERS[feed.format](feed, path)
