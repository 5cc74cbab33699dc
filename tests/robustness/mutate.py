"""Seeded spelling mutations of a landing, on top of the generator's own quirks.

    python -m tests.robustness.mutate LANDING --seed 5 --rate 0.15 [--log values.csv]

rewrites every delivered file under ``LANDING/<source>/<feed>/<date>/`` in place with
spellings and placeholders the resolution rules (country aliases, place names, code
synonyms, placeholders) were not written from. The truth folder is never touched: the
mutations change how a value is typed, not what it is about.

What is mutated, per value (a value is one field of one record, or of one nested person):

- **countries** (``negara_tujuan``, ``negara``, ``negara_penempatan``,
  ``kewarganegaraan``), a non-empty value with probability ``rate``; of those, 1 in 30
  becomes a placeholder (``-``, ``TIDAK DIKETAHUI``, ``N/A``, ``tidak diketahui``; 0.5 %
  of the values at rate 0.15), the others one of, equally likely:
  a typo (one letter dropped or two adjacent letters swapped, never the first letter,
  in a name of 6 letters or more: ``MALYSIA``, ``ARAB SUADI``);
  a city or region qualifier (``MALAYSIA - PENANG``, ``Arab Saudi (Madinah)``,
  ``TAIWAN, TAICHUNG``, ``IPOH, MALAYSIA``);
  lower or title case (``malaysia``, ``Korea Selatan``);
  extra punctuation (``MALAYSIA.``, ``HONG-KONG``, ``K.S.A.``, doubled inner or
  surrounding spaces);
  the other language's name (``ARAB SAUDI`` <-> ``SAUDI ARABIA``, ``JEPANG`` <->
  ``JAPAN``, ``KATAR`` for QATAR, ``POLAND`` for POLANDIA).
  A text the generator does not use (not in its country spellings) gets only the case,
  punctuation and typo mutations.
- **places** (``desa``, ``kecamatan``, ``kabupaten``, ``lokasi_kabupaten``), probability
  ``rate``; 1 in 30 of those a placeholder (``-``, ``TIDAK DIKETAHUI``, ``N/A``); the
  others equally one of: case (upper/lower/title, whichever differs); an administrative
  prefix when none is written (``Desa``, ``DS.`` glued or spaced, ``Kel.``, ``Pekon``;
  ``Kec.``, ``KECAMATAN``; ``Kab.``, ``KABUPATEN``, or ``Kota`` for the two cities),
  otherwise case; spacing (a doubled inner space, a hyphen for a space, surrounding
  spaces); a one-letter typo (dropped or swapped, never the first letter) in a name of
  8 letters or more, otherwise spacing.
- **coded fields** (every enumeration of ``ingest.feeds`` that is not part of a key:
  ``status``, ``tujuan_permohonan``, ``jenis_kelamin``, ``arah``, ``jenis_izin``,
  ``sektor``, ``skema``, ``status_prosedural``, ``indikasi_tppo``, ``modus``, ``tahap``,
  ``peran``), probability ``rate``: lower or title case, spaces or dashes for
  underscores, surrounding spaces, or, for ``jenis_kelamin`` and ``indikasi_tppo``, an
  Indonesian or English synonym of seed ``code_synonyms`` written as officers do
  (``Laki-laki``, ``PEREMPUAN``, ``Wanita``, ``Ya``, ``Tidak``). Never a placeholder
  and never a value the ingest's ``enum_value`` cannot map back.
- **person names** (``nama`` of every feed and nested person), probability ``rate``:
  title or lower case, a title before the name by sex (``Bpk.``, ``Bapak``, ``Sdr.``,
  ``H.`` for men; ``Ibu``, ``Sdri.``, ``Ny.``, ``Hj.`` for women), or a doubled inner
  space.
- **recruiter names** (``nama_perekrut`` of pengaduan, ``perekrut`` of penggagalan): a
  named recruiter with probability ``rate``, 1 in 3 of those a placeholder
  (``tidak tahu``, ``-``, ``TDK TAHU``, ``Tidak Tahu``, ``TIDAK DIKETAHUI``: 5 % at
  rate 0.15), the others as person names (titles ``Bpk.``, ``Pak``, ``Ibu``, ``Hj.``);
  an empty recruiter becomes a placeholder with probability ``rate / 3``.

Never mutated: keys and IDs, NIK, passport numbers, dates and times, addresses
(``alamat``), counts, the p3mi register, and rows the reader would reject anyway (a
CSV line with the wrong field count, a truncated JSON line), which are kept byte for
byte.

Determinism: each decision is drawn from a hash of (seed, feed, record key, field,
nested-person position), so the same seed gives the same bytes, a byte-identical
re-send stays byte-identical to its original, and a record re-sent with a new status
keeps its spellings. Formats are kept exactly: CSV BOM, header, ``;``, CRLF and
minimal ``"`` quoting (unchanged lines are not rewritten); XLSX members, title rows,
sheet ``Data``, cell types and styles (only shared strings of mutated text cells
change: the sheet XML and ``sharedStrings.xml`` are edited in the zip, every other
member is copied with its original zip entry); JSON Lines one object a line as
``json.dumps(ensure_ascii=False)`` writes it, nesting untouched.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import io
import json
import random
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from ingest.feeds import FEEDS_BY_NAME, Feed

DEFAULT_RATE = 0.15

COUNTRY_FIELDS = frozenset({"negara_tujuan", "negara", "negara_penempatan", "kewarganegaraan"})
PLACE_FIELDS = {"desa": "village", "kecamatan": "district", "kabupaten": "regency",
                "lokasi_kabupaten": "regency"}
PERSON_NAME_FIELDS = frozenset({"nama"})
RECRUITER_FIELDS = frozenset({"nama_perekrut", "perekrut"})
SKIPPED_FEEDS = frozenset({"p3mi"})

COUNTRY_PLACEHOLDER_SHARE = 1 / 30
PLACE_PLACEHOLDER_SHARE = 1 / 30
RECRUITER_PLACEHOLDER_SHARE = 1 / 3

COUNTRY_PLACEHOLDERS = ("-", "TIDAK DIKETAHUI", "N/A", "tidak diketahui")
PLACE_PLACEHOLDERS = ("-", "TIDAK DIKETAHUI", "N/A")
RECRUITER_PLACEHOLDERS = ("tidak tahu", "-", "TDK TAHU", "Tidak Tahu", "TIDAK DIKETAHUI")

# iso3: (Indonesian name, English name, cities or regions for a qualifier)
COUNTRIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "MYS": ("MALAYSIA", "MALAYSIA", ("PENANG", "JOHOR BAHRU", "SELANGOR", "KUCHING", "IPOH",
                                     "SABAH", "KLANG")),
    "SAU": ("ARAB SAUDI", "SAUDI ARABIA", ("MADINAH", "JEDDAH", "RIYADH", "DAMMAM", "TAIF",
                                           "ABHA")),
    "ARE": ("UNI EMIRAT ARAB", "UNITED ARAB EMIRATES", ("DUBAI", "ABU DHABI", "AJMAN")),
    "QAT": ("KATAR", "QATAR", ("DOHA", "AL WAKRAH")),
    "KWT": ("KUWAIT", "KUWAIT", ("HAWALLI", "SALMIYA")),
    "OMN": ("OMAN", "OMAN", ("MUSCAT", "SALALAH")),
    "BHR": ("BAHRAIN", "BAHRAIN", ("MANAMA", "MUHARRAQ")),
    "TWN": ("TAIWAN", "TAIWAN", ("TAICHUNG", "TAIPEI", "TAOYUAN", "KAOHSIUNG")),
    "HKG": ("HONG KONG", "HONG KONG", ("KOWLOON", "TSUEN WAN")),
    "SGP": ("SINGAPURA", "SINGAPORE", ("JURONG", "WOODLANDS")),
    "BRN": ("BRUNEI DARUSSALAM", "BRUNEI", ("BANDAR SERI BEGAWAN", "KUALA BELAIT")),
    "KOR": ("KOREA SELATAN", "SOUTH KOREA", ("SEOUL", "BUSAN", "ANSAN")),
    "JPN": ("JEPANG", "JAPAN", ("TOKYO", "OSAKA", "NAGOYA")),
    "KHM": ("KAMBOJA", "CAMBODIA", ("PHNOM PENH", "SIHANOUKVILLE")),
    "MMR": ("MYANMAR", "MYANMAR", ("YANGON", "MYAWADDY")),
    "LAO": ("LAOS", "LAOS", ("VIENTIANE",)),
    "THA": ("THAILAND", "THAILAND", ("BANGKOK", "PATTAYA")),
    "TUR": ("TURKI", "TURKEY", ("ISTANBUL", "ANKARA")),
    "POL": ("POLANDIA", "POLAND", ("WARSAWA", "KRAKOW")),
    "CHN": ("TIONGKOK", "CHINA", ("GUANGZHOU", "SHENZHEN")),
    "VNM": ("VIETNAM", "VIETNAM", ("HANOI", "HO CHI MINH")),
    "AUS": ("AUSTRALIA", "AUSTRALIA", ("PERTH", "SYDNEY")),
    "EGY": ("MESIR", "EGYPT", ("KAIRO",)),
    "IND": ("INDIA", "INDIA", ("NEW DELHI", "MUMBAI")),
    "NLD": ("BELANDA", "NETHERLANDS", ("AMSTERDAM",)),
    "DEU": ("JERMAN", "GERMANY", ("BERLIN", "MUNCHEN")),
    "GBR": ("INGGRIS", "UNITED KINGDOM", ("LONDON", "MANCHESTER")),
    "USA": ("AMERIKA SERIKAT", "UNITED STATES", ("NEW YORK", "CALIFORNIA")),
    "PHL": ("FILIPINA", "PHILIPPINES", ("MANILA", "CEBU")),
    "YEM": ("YAMAN", "YEMEN", ("SANAA", "ADEN")),
    "IDN": ("INDONESIA", "INDONESIA", ("JAKARTA", "LAMPUNG")),
}

CITY_REGENCIES = frozenset({"BANDAR LAMPUNG", "METRO"})
PLACE_PREFIXES = {
    "village": ("Desa ", "DESA ", "DS.", "Ds. ", "Kel. ", "Pekon "),
    "district": ("Kec. ", "KECAMATAN ", "KEC.", "Kecamatan "),
    "regency": ("Kab. ", "KABUPATEN ", "KAB."),
}
_PREFIX_WORD = re.compile(
    r"^(DESA|DS|KEL|KELURAHAN|PEKON|KAMPUNG|TIYUH|KEC|KECAMATAN|KAB|KABUPATEN|KOTA)\b\.?\s*",
    re.IGNORECASE)

CODE_SYNONYMS = {
    "jenis_kelamin": {"L": ("Laki-laki", "LAKI-LAKI", "Laki Laki", "PRIA", "Pria", "LK"),
                      "P": ("Perempuan", "PEREMPUAN", "WANITA", "Wanita", "PR")},
    "indikasi_tppo": {"Y": ("YA", "Ya", "YES"), "N": ("TIDAK", "Tidak", "NO")},
}

MALE_TITLES = ("Bpk.", "BPK.", "Bapak", "Sdr.", "H.")
FEMALE_TITLES = ("Ibu", "IBU", "Sdri.", "Ny.", "Hj.")
RECRUITER_TITLES = ("Bpk.", "Pak", "Bapak", "Ibu", "Hj.", "H.")


def _spelling_index() -> dict[str, str]:
    """Upper-cased text -> iso3 for every spelling the generator writes, and our own names."""
    from synth.quirks import COUNTRY_SPELLINGS

    index = {}
    for iso3, spellings in COUNTRY_SPELLINGS.items():
        for s in spellings:
            index[" ".join(s.upper().split())] = iso3
    for iso3, (ind, eng, _) in COUNTRIES.items():
        index.setdefault(ind, iso3)
        index.setdefault(eng, iso3)
    return index


class Mutator:
    """Field-level mutations, each decision drawn from a hash of where the value is."""

    def __init__(self, seed: int, rate: float = DEFAULT_RATE) -> None:
        if not 0 <= rate <= 1:
            raise ValueError("rate must be between 0 and 1")
        self.seed = seed
        self.rate = rate
        self.iso3 = _spelling_index()
        self.stats: Counter[tuple[str, str]] = Counter()
        self.changes: Counter[tuple[str, str, str]] = Counter()

    # ------------------------------------------------------------ drawing
    def _draw(self, *where: object) -> tuple[float, int]:
        text = "\x1f".join(str(w) for w in (self.seed, *where))
        digest = hashlib.blake2b(text.encode(), digest_size=16).digest()
        u = int.from_bytes(digest[:8], "big") / 2**64
        return u, int.from_bytes(digest[8:], "big")

    def field_value(self, feed: Feed, field: str, value: str | None, where: tuple,
                    sex: str | None = None) -> str | None:
        """The value as typed after mutation (or the value itself)."""
        kind = self.kind_of(feed, field)
        if kind is None:
            return value
        empty = value is None or value.strip() == ""
        u, sub_seed = self._draw(feed.name, *where, field)
        if empty:
            if kind == "recruiter" and u < self.rate * RECRUITER_PLACEHOLDER_SHARE:
                rnd = random.Random(sub_seed)
                return self._log(field, "placeholder", value, rnd.choice(RECRUITER_PLACEHOLDERS))
            return value
        if u >= self.rate:
            return value
        rnd = random.Random(sub_seed)
        share = u / self.rate if self.rate else 1.0  # uniform on [0, 1) given a mutation
        if kind == "country":
            if share < COUNTRY_PLACEHOLDER_SHARE:
                return self._log(field, "placeholder", value, rnd.choice(COUNTRY_PLACEHOLDERS))
            how, out = self.country(value, rnd)
        elif kind in ("village", "district", "regency"):
            if share < PLACE_PLACEHOLDER_SHARE:
                return self._log(field, "placeholder", value, rnd.choice(PLACE_PLACEHOLDERS))
            how, out = self.place(value, kind, rnd)
        elif kind == "code":
            how, out = self.code(field, value, rnd)
        elif kind == "recruiter":
            if share < RECRUITER_PLACEHOLDER_SHARE:
                return self._log(field, "placeholder", value, rnd.choice(RECRUITER_PLACEHOLDERS))
            how, out = self.name(value, rnd, RECRUITER_TITLES)
        else:
            titles = {"L": MALE_TITLES, "P": FEMALE_TITLES}.get((sex or "").strip().upper()[:1],
                                                                ("Bpk.", "Ibu"))
            how, out = self.name(value, rnd, titles)
        return self._log(field, how, value, out)

    def kind_of(self, feed: Feed, field: str) -> str | None:
        if field in feed.key:
            return None
        if field in COUNTRY_FIELDS:
            return "country"
        if field in PLACE_FIELDS:
            return PLACE_FIELDS[field]
        if field in RECRUITER_FIELDS:
            return "recruiter"
        if field in PERSON_NAME_FIELDS:
            return "person"
        enums = set(feed.enums) | (set(feed.child.enums) if feed.child else set())
        if field in enums:
            return "code"
        return None

    def _log(self, field: str, how: str, before: str | None, after: str) -> str:
        if after != before:
            self.stats[(field, how)] += 1
            self.changes[(field, before or "", after)] += 1
        return after

    # ------------------------------------------------------------ countries
    def country(self, value: str, rnd: random.Random) -> tuple[str, str]:
        text = value.strip()
        iso3 = self.iso3.get(" ".join(text.upper().split()))
        kinds = ["typo", "qualifier", "case", "punctuation", "language"] if iso3 else [
            "typo", "case", "punctuation"]
        how = rnd.choice(kinds)
        if how == "typo":
            target = text
            if sum(c.isalpha() for c in target) < 6 and iso3:
                ind, eng, _ = COUNTRIES[iso3]
                target = ind if len(ind) >= 6 else eng
            out = typo(rnd, target, min_letters=6)
            if out == target:
                how, out = "case", _other_case(rnd, text)
            return how, out
        if how == "qualifier":
            ind, eng, cities = COUNTRIES[iso3]
            name = text if sum(c.isalpha() for c in text) >= 4 else rnd.choice((ind, eng))
            city = rnd.choice(cities)
            style = rnd.randrange(4)
            if rnd.random() < 0.3:
                name, city = name.title(), city.title()
            if style == 0:
                return how, f"{name} - {city}"
            if style == 1:
                return how, f"{name} ({city})"
            if style == 2:
                return how, f"{name}, {city}"
            return how, f"{city}, {name}"
        if how == "case":
            return how, _other_case(rnd, text)
        if how == "punctuation":
            return how, _punctuate(rnd, text)
        ind, eng, _ = COUNTRIES[iso3]
        upper = " ".join(text.upper().split())
        other = eng if upper != eng else ind
        if other == upper:  # one name in both languages: write it the other case
            return "case", _other_case(rnd, text)
        return how, other.title() if text[1:2].islower() else other

    # ------------------------------------------------------------ places
    def place(self, value: str, kind: str, rnd: random.Random) -> tuple[str, str]:
        text = value.strip()
        how = rnd.choice(("case", "prefix", "spacing", "typo"))
        prefix_match = _PREFIX_WORD.match(text)
        head, body = ("", text) if not prefix_match else (text[:prefix_match.end()],
                                                          text[prefix_match.end():])
        if not body:
            head, body = "", text
        if how == "prefix":
            if head:
                how = "case"
            else:
                if kind == "regency" and " ".join(body.upper().split()) in CITY_REGENCIES:
                    prefix = rnd.choice(("Kota ", "KOTA "))
                else:
                    prefix = rnd.choice(PLACE_PREFIXES[kind])
                return how, prefix + body
        if how == "typo":
            out = typo(rnd, body, min_letters=8)
            if out != body:
                return how, head + out
            how = "spacing"
        if how == "spacing":
            words = body.split()
            style = rnd.randrange(3)
            if len(words) > 1 and style == 0:
                i = rnd.randrange(1, len(words))
                return how, head + " ".join(words[:i]) + "  " + " ".join(words[i:])
            if len(words) > 1 and style == 1:
                i = rnd.randrange(1, len(words))
                return how, head + " ".join(words[:i]) + "-" + " ".join(words[i:])
            return how, f" {text}  "
        return "case", _other_case(rnd, text)

    # ------------------------------------------------------------ coded values
    def code(self, field: str, value: str, rnd: random.Random) -> tuple[str, str]:
        text = value.strip()
        synonyms = CODE_SYNONYMS.get(field, {}).get(text.upper())
        kinds = ["case", "separator", "spaces"] + (["synonym", "synonym"] if synonyms else [])
        how = rnd.choice(kinds)
        if how == "synonym":
            return how, rnd.choice(synonyms)
        if how == "separator" and "_" in text:
            return how, text.replace("_", rnd.choice((" ", "-", " - ")))
        if how == "spaces":
            return how, rnd.choice((f" {text}", f"{text} ", f"  {text}  "))
        out = rnd.choice((text.lower(), text.title(), text.lower().replace("_", " ")))
        return "case", out

    # ------------------------------------------------------------ names
    def name(self, value: str, rnd: random.Random, titles: tuple[str, ...]) -> tuple[str, str]:
        text = value.strip()
        how = rnd.choice(("case", "title", "spacing"))
        if how == "title":
            return how, f"{rnd.choice(titles)} {text}"
        words = text.split(" ")
        if how == "spacing" and len(words) > 1:
            i = rnd.randrange(1, len(words))
            return how, " ".join(words[:i]) + "  " + " ".join(words[i:])
        return "case", _other_case(rnd, text)

    # ------------------------------------------------------------ records
    def record(self, feed: Feed, row: dict[str, str | None], where: tuple,
               fields: tuple[str, ...]) -> dict[str, str | None]:
        sex = row.get("jenis_kelamin")
        out = dict(row)
        for f in fields:
            if f in row:
                out[f] = self.field_value(feed, f, row[f], where, sex)
        return out


def _other_case(rnd: random.Random, text: str) -> str:
    options = [t for t in (text.lower(), text.title(), text.upper()) if t != text]
    return rnd.choice(options) if options else text


def _punctuate(rnd: random.Random, text: str) -> str:
    options = [f"{text}.", f"{text},", f" {text}  "]
    if " " in text:
        options += [text.replace(" ", "-"), text.replace(" ", "  ")]
    letters = text.replace(" ", "")
    if letters.isalpha() and 2 <= len(letters) <= 3 and text.isupper():
        options.append("".join(f"{c}." for c in letters))  # K.S.A.
    return rnd.choice(options)


def typo(rnd: random.Random, text: str, min_letters: int) -> str:
    """One letter dropped, or two adjacent letters swapped, never a word's first letter;
    the text itself when it has fewer than ``min_letters`` letters."""
    if sum(c.isalpha() for c in text) < min_letters:
        return text
    inner = [i for i in range(1, len(text)) if text[i].isalpha() and text[i - 1].isalpha()]
    if not inner:
        return text
    if rnd.random() < 0.5:
        i = rnd.choice(inner)
        return text[:i] + text[i + 1:]
    pairs = [i for i in inner if i + 1 < len(text) and text[i + 1].isalpha()
             and text[i] != text[i + 1]]
    if not pairs:
        return text
    i = rnd.choice(pairs)
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]


# ---------------------------------------------------------------- per format
def _mutable_fields(m: Mutator, feed: Feed, columns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(c for c in columns if m.kind_of(feed, c) is not None)


def mutate_csv(m: Mutator, feed: Feed, data: bytes) -> bytes:
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8") if bom else data.decode("utf-8")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    header = next(csv.reader([lines[0]], delimiter=";", quotechar='"'))
    columns = [h.strip().strip('"').lower() for h in header]
    fields = _mutable_fields(m, feed, tuple(columns))
    if not fields or not all(k in columns for k in feed.key):
        return data
    out = [lines[0]]
    for line in lines[1:]:
        if not line.strip():
            out.append(line)
            continue
        try:
            cells = next(csv.reader([line], delimiter=";", quotechar='"', strict=True))
        except (csv.Error, StopIteration):
            out.append(line)
            continue
        if len(cells) != len(columns) or _csv_line(cells) != line:
            out.append(line)  # a row the reader rejects, or one we could not write back alike
            continue
        row = dict(zip(columns, cells, strict=True))
        where = tuple(row[k] for k in feed.key)
        new = m.record(feed, row, where, fields)
        out.append(line if new == row else _csv_line([new[c] or "" for c in columns]))
    body = newline.join(out).encode("utf-8")
    return (b"\xef\xbb\xbf" if bom else b"") + body


def _csv_line(cells: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="", quoting=csv.QUOTE_MINIMAL).writerow(cells)
    return buf.getvalue()


def mutate_jsonl(m: Mutator, feed: Feed, data: bytes) -> bytes:
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8") if bom else data.decode("utf-8")
    top = _mutable_fields(m, feed, feed.columns)
    child = feed.child
    kid_fields = _mutable_fields(m, feed, child.columns) if child else ()
    out = []
    for line in text.split("\n"):
        try:
            obj = json.loads(line) if line.strip() else None
        except (json.JSONDecodeError, RecursionError):
            obj = None
        if not isinstance(obj, dict) or json.dumps(obj, ensure_ascii=False) != line:
            out.append(line)
            continue
        where = tuple(obj.get(k) for k in feed.key)
        new = m.record(feed, obj, where, top)
        persons = obj.get(child.array_field) if child else None
        if isinstance(persons, list):
            new[child.array_field] = [
                m.record(feed, p, (*where, child.array_field, i), kid_fields)
                if isinstance(p, dict) else p for i, p in enumerate(persons, start=1)]
        out.append(line if new == obj else json.dumps(new, ensure_ascii=False))
    return (b"\xef\xbb\xbf" if bom else b"") + "\n".join(out).encode("utf-8")


_ROW = re.compile(r'<row r="([0-9]+)"([^>]*)>(.*?)</row>', re.S)
_XCELL = re.compile(r'<c r="([A-Z]+)([0-9]+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_SI = re.compile(r"<si>(.*?)</si>", re.S)
_T = re.compile(r"<t[^>]*>(.*?)</t>", re.S)


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _col_letters(index: int) -> str:
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def mutate_xlsx(m: Mutator, feed: Feed, data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    sheet_name = "xl/worksheets/sheet1.xml"
    if sheet_name not in names or "xl/sharedStrings.xml" not in names:
        return data
    sheet = src.read(sheet_name).decode("utf-8")
    sst_xml = src.read("xl/sharedStrings.xml").decode("utf-8")
    strings = ["".join(html.unescape(t) for t in _T.findall(si)) for si in _SI.findall(sst_xml)]
    index = {s: i for i, s in enumerate(strings)}
    added: list[str] = []

    def string_id(text: str) -> int:
        if text not in index:
            index[text] = len(strings) + len(added)
            added.append(text)
        return index[text]

    rows = list(_ROW.finditer(sheet))
    columns: dict[str, str] = {}
    header_row = None
    for r in rows[:12]:
        cells = {c.group(1): c for c in _XCELL.finditer(r.group(3))}
        values = {k: _cell_text(c, strings) for k, c in cells.items()}
        if feed.key[0] in {(v or "").strip().lower() for v in values.values()}:
            columns = {k: (v or "").strip().lower() for k, v in values.items()}
            header_row = int(r.group(1))
            break
    fields = _mutable_fields(m, feed, tuple(columns.values()))
    if header_row is None or not fields:
        return data
    letter_of = {v: k for k, v in columns.items()}
    pieces: list[str] = []
    last = 0
    for r in rows:
        rn = int(r.group(1))
        if rn <= header_row:
            continue
        cells = {c.group(1): c for c in _XCELL.finditer(r.group(3))}
        row: dict[str, str | None] = {}
        for letter, name in columns.items():
            c = cells.get(letter)
            row[name] = _cell_text(c, strings) if c is not None else None
        if all(v is None for v in row.values()):
            continue
        where = tuple(row.get(k) for k in feed.key)
        new = m.record(feed, {k: row[k] for k in columns.values()}, where, fields)
        changed = [f for f in fields if new.get(f) != row.get(f)]
        editable = [f for f in changed if cells.get(letter_of[f]) is None
                    or 't="s"' in cells[letter_of[f]].group(3)]
        if not editable:
            continue
        xml_cells = {k: c.group(0) for k, c in cells.items()}
        for f in editable:
            letter = letter_of[f]
            old = cells.get(letter)
            attrs = old.group(3) if old is not None else ' t="s"'
            xml_cells[letter] = f'<c r="{letter}{rn}"{attrs}><v>{string_id(new[f])}</v></c>'
        ordered = "".join(xml_cells[k] for k in sorted(xml_cells, key=_col_index))
        pieces.append(sheet[last:r.start(3)])
        pieces.append(ordered)
        last = r.end(3)
    if not added:
        return data
    pieces.append(sheet[last:])
    new_sheet = "".join(pieces)
    new_si = "".join(
        f'<si><t xml:space="preserve">{_xml(s)}</t></si>' if s != s.strip()
        else f"<si><t>{_xml(s)}</t></si>" for s in added)
    total = len(strings) + len(added)
    new_sst = re.sub(r'uniqueCount="[0-9]+"', f'uniqueCount="{total}"', sst_xml, count=1)
    new_sst = new_sst.replace("</sst>", new_si + "</sst>")
    # count = references to shared strings, one per text cell of the sheet
    refs = len(re.findall(r'<c [^>]*t="s"', new_sheet))
    new_sst = re.sub(r' count="[0-9]+"', f' count="{refs}"', new_sst, count=1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == sheet_name:
                payload = new_sheet.encode("utf-8")
            elif info.filename == "xl/sharedStrings.xml":
                payload = new_sst.encode("utf-8")
            dst.writestr(info, payload, compress_type=info.compress_type)
    return buf.getvalue()


def _cell_text(c: re.Match | None, strings: list[str]) -> str | None:
    if c is None or c.group(4) is None:
        return None
    v = re.search(r"<v>(.*?)</v>", c.group(4), re.S)
    if v is None:
        t = _T.search(c.group(4))
        return html.unescape(t.group(1)) if t else None
    if 't="s"' in c.group(3):
        return strings[int(v.group(1))]
    return html.unescape(v.group(1))


def _xml(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


MUTATORS: dict[str, Callable[[Mutator, Feed, bytes], bytes]] = {
    "csv": mutate_csv, "xlsx": mutate_xlsx, "jsonl": mutate_jsonl}


def mutate_landing(landing: Path, seed: int, rate: float = DEFAULT_RATE) -> Mutator:
    """Rewrite every delivered file under ``landing`` in place; return the mutator (its
    ``stats``: (field, mutation) -> values changed; ``changes``: (field, before, after))."""
    m = Mutator(seed, rate)
    for path in sorted(Path(landing).glob("*/*/*/*")):
        if not path.is_file():
            continue
        feed = FEEDS_BY_NAME.get(path.parent.parent.name)
        if feed is None or feed.name in SKIPPED_FEEDS or path.parent.parent.parent.name != (
                feed.source):
            continue
        if path.suffix.lstrip(".").lower() != feed.format:
            continue
        data = path.read_bytes()
        try:
            new = MUTATORS[feed.format](m, feed, data)
        except (UnicodeDecodeError, zipfile.BadZipFile, KeyError, ValueError):
            continue  # a file the reader will judge as it is
        if new != data:
            path.write_bytes(new)
    return m


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.robustness.mutate",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("landing", type=Path)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE)
    parser.add_argument("--log", type=Path, help="write field,before,after,count of every change")
    args = parser.parse_args(argv)
    if not args.landing.is_dir():
        parser.error(f"{args.landing} is not a folder")
    m = mutate_landing(args.landing, args.seed, args.rate)
    for (field, how), n in sorted(m.stats.items()):
        print(f"{field:18} {how:12} {n:8}")
    print(f"{'total':31} {sum(m.stats.values()):8}")
    if args.log:
        with args.log.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["field", "before", "after", "count"])
            for (field, before, after), n in sorted(m.changes.items()):
                w.writerow([field, before, after, n])
    return 0


if __name__ == "__main__":
    sys.exit(main())
