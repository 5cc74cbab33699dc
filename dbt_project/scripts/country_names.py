"""Generate seeds/reference/country_names.csv: every ISO 3166 territory's names as the
feeds may write them, normalised, with the ISO alpha-2 and alpha-3 codes.

Names come from CLDR through Babel (English, Indonesian, Malay display names, plus the
alpha-2 and alpha-3 codes themselves); the hand-kept spellings, cities and regions are
in seeds/reference/country_aliases.csv. A name two territories share is dropped.
The committed seed must equal this script's output (tests/dbt/test_country_names.py):

    cd dbt_project && ../.venv/bin/python scripts/country_names.py \
        > seeds/reference/country_names.csv
"""

from __future__ import annotations

import csv
import io
import re
import sys
import unicodedata

from babel import Locale
from babel.core import get_global

LOCALES = ("en", "id", "ms")
SOURCE_ORDER = ["cldr:en", "cldr:id", "cldr:ms", "iso:alpha2", "iso:alpha3"]

def normalise(text: str) -> str:
    """Upper case, ASCII fold, punctuation to spaces, single spaces (= normalise_text)."""
    folded = unicodedata.normalize("NFKD", text.upper())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = re.sub(r"[^A-Z0-9]+", " ", folded.encode("ascii", "ignore").decode())
    return " ".join(folded.split())


# CLDR's aliases also map withdrawn codes (ISO 3166-3) to today's territory: Burma,
# the German Democratic Republic, metropolitan France, East Timor, South Yemen, Zaire.
WITHDRAWN_ALPHA3 = frozenset({"BUR", "DDR", "FXX", "TMP", "YMD", "ZAR"})


def territories() -> dict[str, str]:
    """ISO 3166 alpha-2 -> alpha-3 for every territory CLDR knows by both codes."""
    alpha3: dict[str, str] = {}
    for old, new in get_global("territory_aliases").items():
        if len(old) == 3 and old.isalpha() and len(new) == 1 and len(new[0]) == 2 \
                and old not in WITHDRAWN_ALPHA3:
            alpha3.setdefault(new[0], old)
    names = Locale("en").territories
    return {c: alpha3[c] for c in sorted(names) if len(c) == 2 and c.isalpha() and c in alpha3}


def rows() -> list[tuple[str, str, str, str]]:
    codes = territories()
    candidates: dict[str, set[tuple[str, str, str]]] = {}

    def add(iso2: str, name: str, source: str) -> None:
        key = normalise(name)
        if key:
            candidates.setdefault(key, set()).add((iso2, codes[iso2], source))

    for loc in LOCALES:
        names = Locale(loc).territories
        for iso2 in codes:
            if iso2 in names:
                add(iso2, names[iso2], f"cldr:{loc}")
                # "Myanmar (Burma)", "Congo (Kinshasa)": the name without its qualifier
                # too (CONGO names two territories, so it is dropped below)
                bare = re.sub(r"\s*\([^)]*\)", "", names[iso2])
                if bare != names[iso2]:
                    add(iso2, bare, f"cldr:{loc}")
    for iso2, iso3 in codes.items():
        add(iso2, iso2, "iso:alpha2")
        add(iso2, iso3, "iso:alpha3")
    out: list[tuple[str, str, str, str]] = []
    for key, found in sorted(candidates.items()):
        if len({iso2 for iso2, _, _ in found}) != 1:
            continue  # the same text names two territories: not a resolution
        iso2, iso3, _ = min(found)
        source = min((s for _, _, s in found), key=SOURCE_ORDER.index)
        out.append((iso2, iso3, key, source))
    return out


def render() -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["iso2", "iso3", "name_normalised", "source"])
    writer.writerows(rows())
    return buf.getvalue()


if __name__ == "__main__":
    sys.stdout.write(render())
