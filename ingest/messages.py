"""Messages about rejected files, safe for logs, the manifest and the run's output.

A schema-drift message lists the columns a file has that the contract lacks.
When an office sends a file without its header row, those "columns" are the
first record: a NIK, a name, a birth date. Such a list is replaced by a count
and a hint; a real drift (a renamed or added column) keeps its names.
"""

from __future__ import annotations

import re

from ingest.readers import are_column_names

# A list runs to the next part of the message, not to the next ";": a delivered
# value may be a quoted field holding ";" (``"SITI; AMINAH"``).
_UNEXPECTED = re.compile(
    r"(unexpected|repeated) (.*?)(?=(; (?:missing|unexpected|repeated) |\. The file|$))",
    re.DOTALL)
_ALREADY_SAFE = re.compile(r"[0-9]+ column\(s\) not in the contract( at column numbers [0-9., ]+)?"
                           r" \(names not shown[^()]*\)")


def safe_rejection(message: str) -> str:
    """``message`` with any list of unexpected columns that looks like data withheld."""

    def replace(match: re.Match) -> str:
        kind, listed = match.group(1), match.group(2)
        if _ALREADY_SAFE.fullmatch(listed):
            return match.group(0)
        items = [i.strip() for i in listed.split(",")]
        if are_column_names(items):
            return match.group(0)
        return (f"{kind} {len(items)} value(s) that are not column names (not shown: they "
                "may be personal data; is the header row missing?)")

    return _UNEXPECTED.sub(replace, message)
