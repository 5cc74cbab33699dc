"""The truth folder: what really happened, keyed the way the feeds key it.

The pipeline never reads it; evaluation scripts and tests do. Village-month
counts follow MARTS.md's definitions over the records that reached the
landing area intact (a row deliberately broken is listed in `files.csv` and
left out of the counts), so that a pipeline that loads every loadable record
and resolves every person correctly reproduces them exactly, except
`suspected_nonprocedural_departures`, which holds the true non-procedural
departures: the measure the platform can only estimate.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from synth.deliver import Delivered
from synth.model import SECONDS_PER_DAY, World
from synth.overstays import overstay_truth
from synth.quirks import LABOUR_DESTINATIONS
from synth.routes import interdiction_truth, route_truth

MEASURES = (
    "procedural_placements",
    "passport_applications",
    "passport_postponements",
    "labour_destination_departures",
    "suspected_nonprocedural_departures",
    "tppo_victims",
    "interdicted_persons",
    "nonprocedural_complaints",
    "active_foreign_permits",
    "timpora_findings",
)


def person_id(pid: int) -> str:
    return f"P{pid:07d}"


class Months:
    """Month index of a day offset, over the months the window touches."""

    def __init__(self, start: date, days: int) -> None:
        self.start = start
        last = date.fromordinal(start.toordinal() + days - 1)
        self.first = start.year * 12 + start.month - 1
        self.n = last.year * 12 + last.month - 1 - self.first + 1
        self._cache: dict[int, int] = {}

    def of(self, day: int) -> int:
        m = self._cache.get(day)
        if m is None:
            d = date.fromordinal(self.start.toordinal() + int(day))
            m = self._cache[day] = d.year * 12 + d.month - 1 - self.first
        return m

    def first_day(self, m: int) -> date:
        k = self.first + m
        return date(k // 12, k % 12 + 1, 1)

    def last_day_offset(self, m: int) -> int:
        nxt = self.first_day(m + 1) if m + 1 < self.n else None
        if nxt is None:
            k = self.first + m + 1
            nxt = date(k // 12, k % 12 + 1, 1)
        return nxt.toordinal() - 1 - self.start.toordinal()


def latest(versions: list[tuple]) -> tuple:
    """The version that wins: latest delivery date, a `_revisi` over the original within it."""
    return max(versions, key=lambda v: (v[0], v[1]))


def village_month(w: World, dl: Delivered) -> pl.DataFrame:
    """Counts per village and month for each count measure of mart_village_risk."""
    gaz = w.gaz
    months = Months(w.p.start, w.p.days)
    counts = {m: np.zeros((gaz.n, months.n), dtype=np.int64) for m in MEASURES}
    village = w.persons["village"]
    outside = w.persons["outside"]
    nationality = w.persons["nationality"]

    def add(measure: str, pid: int, day: int) -> None:
        if outside[pid] >= 0 or nationality[pid] != "IDN" or not 0 <= day < w.p.days:
            return
        counts[measure][village[pid], months.of(day)] += 1

    for versions in dl.versions["penempatan"].values():
        info = latest(versions)[2]
        add("procedural_placements", w.placements["person"][info["placement"]], info["dep"])
    for versions in dl.versions["paspor"].values():
        i = versions[0][2]["app"]
        pid = w.apps["person"][i]
        add("passport_applications", pid, w.apps["day"][i])
        if any(v[2]["status"] == "DITUNDA" for v in versions):
            add("passport_postponements", pid, w.apps["decided"][i])
    labour = set(LABOUR_DESTINATIONS)
    for versions in dl.versions["perlintasan"].values():
        info = versions[0][2]
        if info["arah"] != "KEBERANGKATAN":
            continue
        t = info["trip"]
        pid = w.trips["person"][t]
        day = info["second"] // SECONDS_PER_DAY
        if w.trips["dest"][t] in labour:
            add("labour_destination_departures", pid, day)
        if w.trips["klass"][t] == "NONPROCEDURAL_LABOUR":
            add("suspected_nonprocedural_departures", pid, day)
    seen: set[tuple[int, int]] = set()
    for versions in dl.versions["kasus_tppo"].values():
        i = latest(versions)[2]["case"]
        day = w.cases["day"][i]
        for pid in w.cases["victims"][i]:
            if day >= 0 and (pid, months.of(day)) not in seen:
                seen.add((pid, months.of(day)))
                add("tppo_victims", pid, day)
    seen = set()
    for versions in dl.versions["penggagalan"].values():
        i = versions[0][2]["interdiction"]
        day = w.interdictions["day"][i]
        for pid in w.interdictions["persons"][i]:
            if (pid, months.of(day)) not in seen:
                seen.add((pid, months.of(day)))
                add("interdicted_persons", pid, day)
    for versions in dl.versions["pengaduan"].values():
        i = versions[0][2]["complaint"]
        if w.complaints["status"][i] == "NONPROSEDURAL" or w.complaints["tppo"][i] == "Y":
            add("nonprocedural_complaints", w.complaints["person"][i], w.complaints["day"][i])
    month_ends = [months.last_day_offset(m) for m in range(months.n)]
    for versions in dl.versions["wna"].values():
        i = versions[0][2]["permit"]
        start, end = w.permits["start"][i], w.permits["end"][i]
        revoked_on = min((v[0] for v in versions if v[2]["status"] == "DICABUT"), default=10**9)
        v = village[w.permits["person"][i]]
        for m, eom in enumerate(month_ends):
            if start <= eom <= end and revoked_on > eom:
                counts["active_foreign_permits"][v, m] += 1
    for versions in dl.versions["timpora"].values():
        i = versions[0][2]["row"]
        day = w.timpora["day"][i]
        if 0 <= day < w.p.days:
            counts["timpora_findings"][w.timpora["village"][i], months.of(day)] += w.timpora[
                "count"
            ][i]
    vi = np.repeat(np.arange(gaz.n), months.n)
    mi = np.tile(np.arange(months.n), gaz.n)
    frame = {
        "village_code": gaz.village_code[vi],
        "district_code": gaz.village_district[vi],
        "regency_code": gaz.village_regency[vi],
        "month": [months.first_day(m) for m in mi],
    }
    for m in MEASURES:
        frame[m] = counts[m].reshape(-1)
    return pl.DataFrame(frame)


def write_truth(w: World, dl: Delivered, folder: Path) -> None:
    """Write every truth table as CSV (UTF-8, `,`, LF): small enough, readable by anyone."""
    folder.mkdir(parents=True, exist_ok=True)
    p = w.persons
    gaz = w.gaz
    n = len(p)
    recruiter_of_person = {pid: r for r, pid in enumerate(w.recruiters["person"])}
    pl.DataFrame(
        {
            "person_id": [person_id(i) for i in range(n)],
            "nik": [x or None for x in p["nik"]],
            "village_code": [
                gaz.village_code[p["village"][i]] if p["outside"][i] < 0 else None for i in range(n)
            ],
            "sex": p["sex"],
            "birth_date": [date.fromordinal(b) for b in p["birth"]],
            "role": p["role"],
            "name": p["name"],
            "nationality": p["nationality"],
            "passport_no": [x or None for x in p["passport"]],
            "recruiter_id": [
                f"R{p['recruiter'][i]:04d}" if p["recruiter"][i] >= 0 else None for i in range(n)
            ],
            "is_recruiter_id": [
                f"R{recruiter_of_person[i]:04d}" if i in recruiter_of_person else None
                for i in range(n)
            ],
        }
    ).write_csv(folder / "persons.csv")
    rc = w.recruiters
    pl.DataFrame(
        {
            "recruiter_id": [f"R{r:04d}" for r in range(len(rc))],
            "person_id": [person_id(pid) for pid in rc["person"]],
            "full_name": rc["full"],
            "aliases": ["|".join(a) for a in rc["aliases"]],
            "home_village_code": [gaz.village_code[p["village"][pid]] for pid in rc["person"]],
            "territory_village_codes": [
                "|".join(gaz.village_code[v] for v in t) for t in rc["territory"]
            ],
        }
    ).write_csv(folder / "recruiters.csv")
    recruited = [i for i in range(n) if p["recruiter"][i] >= 0]
    pl.DataFrame(
        {
            "person_id": [person_id(i) for i in recruited],
            "recruiter_id": [f"R{p['recruiter'][i]:04d}" for i in recruited],
        },
        schema={"person_id": pl.String, "recruiter_id": pl.String},
    ).write_csv(folder / "recruitments.csv")
    trips = w.trips
    broken = dl.broken["perlintasan"]
    rows = sorted(dl.crossings, key=lambda c: (c[3], c[0]))
    pl.DataFrame(
        {
            "crossing_id": [c[0] for c in rows],
            "person_id": [person_id(trips["person"][c[1]]) for c in rows],
            "trip_id": [f"T{c[1]:07d}" for c in rows],
            "direction": [c[2] for c in rows],
            "crossed_at": [_stamp(w, c[3]) for c in rows],
            "country_iso3": [trips["dest"][c[1]] for c in rows],
            "true_class": [trips["klass"][c[1]] for c in rows],
            "is_citizen": [p["nationality"][trips["person"][c[1]]] == "IDN" for c in rows],
            "in_feed": [c[0] not in broken for c in rows],
        },
        schema_overrides={"crossing_id": pl.String},
    ).write_csv(folder / "crossings.csv")
    links = _record_links(w, dl)
    pl.DataFrame(links, schema=["feed", "record_key", "person_id", "role"], orient="row").write_csv(
        folder / "record_links.csv"
    )
    village_month(w, dl).write_csv(folder / "village_month.csv")
    overstay_truth(w, dl).write_csv(folder / "overstays.csv")
    route_truth(w, dl).write_csv(folder / "routes.csv")
    interdiction_truth(w, dl).write_csv(folder / "interdiction_places.csv")
    files = pl.DataFrame(dl.files).sort("path")
    files.write_csv(folder / "files.csv")


def _stamp(w: World, sec: int) -> str:
    d = date.fromordinal(w.p.start.toordinal() + sec // SECONDS_PER_DAY)
    s = sec % SECONDS_PER_DAY
    return f"{d.isoformat()}T{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}+07:00"


def _record_links(w: World, dl: Delivered) -> list[tuple[str, str, str, str]]:
    """Which person each delivered record is about: the entity-resolution answer key."""
    out = []
    for key, versions in sorted(dl.versions["paspor"].items()):
        out.append(("paspor", key, person_id(w.apps["person"][versions[0][2]["app"]]), "APPLICANT"))
    for key, versions in sorted(dl.versions["penempatan"].items()):
        out.append(
            (
                "penempatan",
                key,
                person_id(w.placements["person"][versions[0][2]["placement"]]),
                "WORKER",
            )
        )
    for key, versions in sorted(dl.versions["pengaduan"].items()):
        out.append(
            (
                "pengaduan",
                key,
                person_id(w.complaints["person"][versions[0][2]["complaint"]]),
                "WORKER",
            )
        )
        r = w.complaints["recruiter"][versions[0][2]["complaint"]]
        if r >= 0:
            out.append(("pengaduan", key, person_id(w.recruiters["person"][r]), "RECRUITER"))
    for key, versions in sorted(dl.versions["kasus_tppo"].items()):
        i = versions[0][2]["case"]
        for role, people in (
            ("KORBAN", w.cases["victims"][i]),
            ("TERSANGKA", w.cases["suspects"][i]),
            ("SAKSI", w.cases["witnesses"][i]),
        ):
            out += [("kasus_tppo", key, person_id(pid), role) for pid in people]
    for key, versions in sorted(dl.versions["penggagalan"].items()):
        i = versions[0][2]["interdiction"]
        out += [
            ("penggagalan", key, person_id(pid), "ORANG") for pid in w.interdictions["persons"][i]
        ]
        r = w.interdictions["recruiter"][i]
        if r >= 0:
            out.append(("penggagalan", key, person_id(w.recruiters["person"][r]), "RECRUITER"))
    for key, versions in sorted(dl.versions["wna"].items()):
        out.append(("wna", key, person_id(w.permits["person"][versions[0][2]["permit"]]), "HOLDER"))
    return out
