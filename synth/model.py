"""The behaviour model: who lives where, who leaves how, and what each agency gets to see.

This is deliberately not the platform's rules turned around. People of real
villages apply for passports, travel, work abroad, get recruited, complain,
get trafficked or stopped; each agency records its own slice of that. The
platform is judged on how well it reconstructs the model's truth from the
slices, so the model includes the cases that fool naive rules: hajj pilgrims
and students who stay abroad longer than 30 days, non-procedural migrants who
come back within 30 days, travellers whose passports predate the data, NIKs
registered in another district, recruiters who share a nickname.

Counts that CALIBRATION.md pins (placements, their regency split, destinations,
sex ratio, police cases and victims) are apportioned exactly and then placed at
random, so that the marginals hold at every seed; everything else is drawn.
All times are day offsets from the window start (day 0); crossings carry
seconds. Events before day 0 exist so that the window opens on a world in
motion (decisions on earlier applications, returns of earlier departures).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from synth.geo import (
    AMBARAWA,
    HOTSPOTS,
    OUTSIDE_LAMPUNG,
    PLACEMENTS_2024,
    WAY_LAYAP,
    Gazetteer,
)
from synth.names import (
    FATHERS,
    P3MI_WORDS,
    RECRUITER_NAMES,
    company_names,
    person_names,
    recruiter_aliases,
)

PROCEDURAL = "PROCEDURAL"
NONPROCEDURAL = "NONPROCEDURAL_LABOUR"
NON_LABOUR = "NON_LABOUR"
CLASSES = (PROCEDURAL, NONPROCEDURAL, NON_LABOUR)

OFFICES = ("BDL", "KTB", "KLA", "MTR")
"""Kanim Kelas I TPI Bandar Lampung, Kanim Kotabumi, Kanim Kalianda, ULP Metro."""
HOME_OFFICE = {
    "1871": 0, "1809": 0, "1810": 0, "1802": 0, "1813": 0,
    "1806": 1, "1807": 1, "1808": 1, "1811": 1, "1812": 1, "1801": 1,
    "1803": 2, "1804": 2,
    "1872": 3, "1805": 3,
}  # fmt: skip
TPIS = ("CGK", "TKG", "BTM", "DUM", "TBK", "KNO")

SECONDS_PER_DAY = 86_400
NIK_OTHER_DISTRICT = 0.06
"""Share of residents whose NIK was first registered in another district (moved since)."""

DESTINATION_SHARES = {"TWN": 44, "HKG": 34, "MYS": 20, "SGP": 10, "SAU": 3, "KOR": 1.5, "JPN": 1.0}
"""BP2MI cumulative shares for Lampung (they sum above 100 in the source: normalised)."""

NONPROCEDURAL_DESTINATIONS = {
    # where non-procedural migrants actually go; scam compounds are reached through Bangkok
    "MYS": 58, "SAU": 12, "ARE": 5, "KHM": 6, "MMR": 2, "THA": 1, "TWN": 3, "HKG": 2,
    "BRN": 3, "QAT": 2, "KWT": 2, "OMN": 1, "TUR": 1, "KOR": 1, "POL": 1,
}  # fmt: skip
MIDDLE_EAST = ("SAU", "ARE", "QAT", "KWT", "OMN", "BHR", "TUR")
SCAM = ("KHM", "MMR")

ORDINARY_ROLES = {
    # role: (window applications per year at scale 1, tujuan_permohonan, trips per year after
    # the first, stay in days (low, high), destinations)
    "TOURIST": (50_000, "WISATA", 0.5, (3, 10), {
        "MYS": 30, "SGP": 20, "THA": 12, "JPN": 6, "KOR": 6, "CHN": 5, "VNM": 5, "TUR": 4,
        "AUS": 3, "HKG": 3, "TWN": 2, "ARE": 2, "SAU": 2}),
    "PILGRIM": (18_000, "UMROH", 0.1, (9, 14), {"SAU": 100}),
    "FAMILY": (5_000, "KUNJUNGAN_KELUARGA", 0.3, (7, 60), {
        "MYS": 40, "SAU": 10, "TWN": 10, "HKG": 10, "SGP": 10, "BRN": 5, "KOR": 5, "JPN": 5,
        "AUS": 5}),
    "STUDENT": (2_000, "BELAJAR", 0.1, (150, 700), {
        "EGY": 25, "MYS": 20, "TUR": 10, "JPN": 10, "KOR": 5, "SAU": 5, "AUS": 5, "CHN": 10,
        "GBR": 2, "DEU": 3, "NLD": 2, "YEM": 3}),
    "MEDICAL": (1_500, "BEROBAT", 0.3, (3, 21), {"MYS": 80, "SGP": 20}),
    "OFFICIAL": (1_500, "DINAS", 0.6, (3, 8), {
        "SGP": 20, "JPN": 15, "AUS": 10, "NLD": 5, "KOR": 10, "MYS": 15, "THA": 10, "CHN": 10,
        "USA": 5}),
    "OTHER": (1_000, "LAINNYA", 0.3, (3, 30), {"MYS": 40, "SGP": 30, "THA": 30}),
}  # fmt: skip
PRE_WINDOW_HOLDERS_PER_YEAR = 60_000
"""Residents with passports issued before the data starts: they travel, never apply."""
HAJJ_PER_SEASON = 7_000
"""Lampung's hajj quota is about 7,000 a year; hajj stays last about 40 days."""

FOREIGN_NATIONALITIES = {
    "CHN": 45, "IND": 8, "KOR": 7, "JPN": 6, "MYS": 6, "TWN": 5, "AUS": 3, "USA": 3,
    "NLD": 3, "PHL": 4, "THA": 3, "VNM": 3, "DEU": 2, "GBR": 2,
}  # fmt: skip
FOREIGN_NAMES = {
    "CHN": (("WANG", "LI", "ZHANG", "LIU", "CHEN", "YANG", "HUANG", "ZHAO"),
            ("WEI", "NA", "QIANG", "JING", "LEI", "YAN", "JUN", "HUA", "MIN")),
    "KOR": (("KIM", "LEE", "PARK", "CHOI", "JUNG"), ("MIN JUN", "SEO YEON", "JI HO", "HYUN WOO")),
    "JPN": (("SATO", "SUZUKI", "TANAKA", "WATANABE"), ("HIROSHI", "YUKI", "KENJI", "AKIRA")),
    "TWN": (("CHEN", "LIN", "HUANG", "CHANG"), ("CHIA HAO", "YU TING", "CHIH WEI")),
}  # fmt: skip
WESTERN_NAMES = (
    ("SMITH", "JOHNSON", "VAN DIJK", "MULLER", "BROWN", "KUMAR", "SANTOS", "NGUYEN", "TAN"),
    ("JOHN", "MICHAEL", "PETER", "ANNA", "MARIA", "RAJESH", "JOSE", "MINH", "AHMAD"),
)

FEMALE_GIVEN = {"NA", "JING", "YAN", "HUA", "SEO YEON", "YUKI", "YU TING", "ANNA", "MARIA"}

COMPLAINT_TYPES = {
    # BP3MI complaint types (top types of CALIBRATION.md; repatriations: 64 stranded,
    # 16 sick, 26 dead of 106)
    "INGIN DIPULANGKAN": 20, "GAGAL BERANGKAT": 8, "GAJI TIDAK DIBAYAR": 12,
    "HILANG KONTAK": 10, "BIAYA PENEMPATAN BERLEBIH": 7, "MENINGGAL DUNIA": 8, "SAKIT": 5,
    "DEPORTASI": 6, "TERLANTAR": 20, "INDIKASI TPPO": 4,
}  # fmt: skip
CASE_MODUS = {
    "PMI_NONPROSEDURAL": 45, "EKSPLOITASI_SEKSUAL": 22, "ONLINE_SCAM": 12, "ANAK": 8,
    "KERJA_PAKSA": 6, "ABK_KAPAL": 3, "LAINNYA": 4,
}  # fmt: skip
TIMPORA_TYPES = ("WNA_TANPA_IZIN", "WNA_OVERSTAY", "PENYALAHGUNAAN_IZIN", "CPMI_NONPROSEDURAL",
                 "LAINNYA")  # fmt: skip


@dataclass(frozen=True)
class Params:
    """What a run of the generator is asked for; defaults are CALIBRATION.md's figures."""

    start: date
    days: int
    scale: float = 1.0
    nonprocedural_multiplier: float = 1.5
    passport_pattern: str = "A#######"
    placements_per_year: float = 24_375  # BP3MI Lampung 2024
    female_share: float = 0.75
    informal_share: float = 0.80
    complaints_per_year: float = 1_700 / (5 + 4 / 12)  # 2020 to April 2025
    police_cases_per_year: float = 44 / (3 + 5 / 12)  # 2022 to May 2025
    police_victims_per_year: float = 84 / (3 + 5 / 12)
    child_victim_share: float = 9 / 84
    interdictions_per_year: float = 60
    nonprocedural_postponement: float = 0.015  # share of non-procedural applications postponed
    ordinary_postponement: float = 0.0003  # false alarms among other applicants
    refusal_rate: float = 0.003  # DITOLAK (document problems), any applicant
    foreign_permits_active: float = 900
    timpora_operations_per_month: float = 3
    p3mi_count: int = 60
    lead_in_days: int = 150

    @property
    def years(self) -> float:
        return self.days / 365.25


@dataclass
class Table:
    """A column store that grows by batches: numpy where it is numeric, lists for text."""

    cols: dict[str, list] = field(default_factory=dict)

    def extend(self, **columns: object) -> None:
        n = None
        for name, values in columns.items():
            values = list(values) if not isinstance(values, list) else values
            n = len(values) if n is None else n
            if len(values) != n:
                raise ValueError(f"column {name}: {len(values)} values, expected {n}")
            self.cols.setdefault(name, []).extend(values)

    def __len__(self) -> int:
        return len(next(iter(self.cols.values()))) if self.cols else 0

    def __getitem__(self, name: str) -> list:
        return self.cols[name]


def apportion(total: int, weights: dict[str, float] | np.ndarray) -> np.ndarray:
    """Largest-remainder apportionment: integer counts that sum to `total` exactly."""
    w = np.array(list(weights.values()) if isinstance(weights, dict) else weights, dtype=float)
    quota = total * w / w.sum()
    counts = np.floor(quota).astype(int)
    rest = total - counts.sum()
    if rest:
        order = np.argsort(-(quota - counts), kind="stable")
        counts[order[:rest]] += 1
    return counts


def exact_labels(rng: np.random.Generator, total: int, shares: dict[str, float]) -> np.ndarray:
    """`total` labels in exactly apportioned numbers, in random order."""
    labels = np.repeat(np.array(list(shares)), apportion(total, shares))
    rng.shuffle(labels)
    return labels


def pick(rng: np.random.Generator, n: int, shares: dict[str, float]) -> np.ndarray:
    """`n` independent draws from a categorical distribution given as a dict."""
    keys = np.array(list(shares))
    p = np.array(list(shares.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


class World:
    """Everything that happened, with the keys each agency uses for it."""

    def __init__(self, params: Params, gaz: Gazetteer, seed: int) -> None:
        self.p = params
        self.gaz = gaz
        self.seed = seed
        self.start_weekday = params.start.weekday()
        self.persons = Table()
        self.apps = Table()
        self.trips = Table()
        self.placements = Table()
        self.complaints = Table()
        self.cases = Table()
        self.interdictions = Table()
        self.permits = Table()
        self.timpora = Table()
        self.recruiters = Table()
        self.p3mi = Table()
        self.p3mi_history: list[tuple[int, int, str]] = []  # (p3mi index, day, status)
        self.foreign_exits: dict[int, int] = {}  # person -> trip leaving Lampung for good
        self._nik_serial: dict[str, int] = {}
        self._passports: set[str] = set()
        self._app_seq: dict[tuple[int, int], int] = {}

    # ----------------------------------------------------------------- helpers
    def rng(self, component: int) -> np.random.Generator:
        """An independent stream per component, so that changing one leaves the others alone."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, component]))

    def count(self, per_year: float, minimum: int = 0, days: float | None = None) -> int:
        """Events in the window at this scale; tiny scales keep `minimum` to exercise a feed."""
        span = self.p.days if days is None else days
        return max(minimum, int(round(per_year * self.p.scale * span / 365.25)))

    def workday(self, days: np.ndarray) -> np.ndarray:
        """Move Saturdays and Sundays to the next Monday: offices export on working days."""
        days = np.asarray(days, dtype=np.int64)
        wd = (self.start_weekday + days) % 7
        return days + np.where(wd == 5, 2, np.where(wd == 6, 1, 0))

    def day_date(self, day: int) -> date:
        return date.fromordinal(self.p.start.toordinal() + int(day))

    # ----------------------------------------------------------------- people
    def add_people(
        self,
        rng: np.random.Generator,
        role: str,
        villages: np.ndarray,
        sex: np.ndarray,
        age: tuple[float, float],
        outside: np.ndarray | None = None,
    ) -> np.ndarray:
        """Residents with valid NIKs: Kemendagri district prefix, DDMMYY (+40 for women), serial."""
        n = len(villages)
        first = len(self.persons)
        ages = rng.uniform(age[0], age[1], n)
        ref = self.p.start.toordinal()
        births = (ref - ages * 365.25).astype(np.int64)
        names, fathers = person_names(rng, sex)
        moved = rng.random(n) < NIK_OTHER_DISTRICT
        other = rng.integers(0, self.gaz.n, n)
        title_u = rng.random(n)
        outside = np.full(n, -1) if outside is None else outside
        niks = []
        titles = []
        for i in range(n):
            if outside[i] >= 0:
                prefix = OUTSIDE_LAMPUNG[outside[i]][0]
            else:
                v = other[i] if moved[i] else villages[i]
                prefix = self.gaz.kemendagri_code[self.gaz.village_district[v]]
            b = date.fromordinal(int(births[i]))
            day = b.day + (40 if sex[i] == "P" else 0)
            stem = f"{prefix}{day:02d}{b.month:02d}{b.year % 100:02d}"
            serial = self._nik_serial.get(stem, int(rng.integers(1, 40)))
            self._nik_serial[stem] = serial + 1
            niks.append(f"{stem}{serial:04d}")
            title = ""
            if ages[i] > 45 and title_u[i] < 0.12:
                title = "H." if sex[i] == "L" else "HJ."
            elif ages[i] > 40 and title_u[i] > 0.985:
                title = "DRS."
            titles.append(title)
        self.persons.extend(
            village=villages.tolist(),
            outside=outside.tolist(),
            sex=sex.tolist(),
            birth=births.tolist(),
            nik=niks,
            name=names,
            father=fathers,
            title=titles,
            role=[role] * n,
            passport=[""] * n,
            passport_office=[-1] * n,
            recruiter=[-1] * n,
            nationality=["IDN"] * n,
        )
        return np.arange(first, first + n)

    def mint_passports(self, rng: np.random.Generator, n: int, pattern: str) -> list[str]:
        """Unique passport numbers in the configured pattern (`A` a letter, `#` a digit)."""
        letters = np.array(list("ABCEX"))
        out: list[str] = []
        while len(out) < n:
            need = n - len(out)
            parts = []
            for ch in pattern:
                if ch == "A":
                    parts.append(letters[rng.integers(0, len(letters), need)])
                elif ch == "#":
                    parts.append(rng.integers(0, 10, need).astype(str))
                else:
                    parts.append(np.full(need, ch))
            for cand in ("".join(t) for t in zip(*parts, strict=True)):
                if cand not in self._passports:
                    self._passports.add(cand)
                    out.append(cand)
        return out

    def office_for(self, rng: np.random.Generator, villages: np.ndarray) -> np.ndarray:
        """Applicants mostly use their regency's office; a quarter go elsewhere (mostly BDL)."""
        home = np.array([HOME_OFFICE[r] for r in self.gaz.village_regency[villages]])
        away = rng.choice(len(OFFICES), size=len(villages), p=[0.55, 0.15, 0.15, 0.15])
        return np.where(rng.random(len(villages)) < 0.75, home, away)

    # ----------------------------------------------------------------- applications
    def apply(
        self,
        rng: np.random.Generator,
        persons: np.ndarray,
        days: np.ndarray,
        tujuan: np.ndarray,
        negara: np.ndarray,
        postpone_p: float | np.ndarray,
        offices: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Passport applications; returns (outcome, decision day, application index).

        A TERBIT gives the person their passport. Postponement (DITUNDA) is the office
        suspecting a non-procedural worker; refusal (DITOLAK) is about documents.
        """
        n = len(persons)
        days = self.workday(days)
        villages = np.array(self.persons["village"], dtype=np.int64)[persons]
        offices = self.office_for(rng, villages) if offices is None else offices
        u = rng.random(n)
        postpone_p = np.broadcast_to(postpone_p, (n,))
        outcome = np.where(
            u < postpone_p,
            "DITUNDA",
            np.where(u < postpone_p + self.p.refusal_rate, "DITOLAK", "TERBIT"),
        )
        delay = np.where(outcome == "DITUNDA", rng.integers(1, 4, n), rng.integers(3, 8, n))
        decided = self.workday(days + delay)
        passports = self.mint_passports(
            rng, int((outcome == "TERBIT").sum()), self.p.passport_pattern
        )
        it = iter(passports)
        first = len(self.apps)
        numbers, pass_col = [], []
        for i in range(n):
            key = (int(offices[i]), int(days[i]))
            seq = self._app_seq.get(key, 0) + 1
            self._app_seq[key] = seq
            d = self.day_date(int(days[i]))
            numbers.append(f"{OFFICES[offices[i]]}{d:%y%m%d}{seq:05d}")
            pno = next(it) if outcome[i] == "TERBIT" else ""
            pass_col.append(pno)
            if pno:
                self.persons["passport"][persons[i]] = pno
                self.persons["passport_office"][persons[i]] = int(offices[i])
        self.apps.extend(
            no=numbers,
            person=persons.tolist(),
            office=offices.tolist(),
            day=days.tolist(),
            tujuan=tujuan.tolist(),
            negara=negara.tolist(),
            outcome=outcome.tolist(),
            decided=decided.tolist(),
            passport=pass_col,
        )
        return outcome, decided, np.arange(first, first + n)

    def old_passports(self, rng: np.random.Generator, persons: np.ndarray) -> None:
        """Passports issued before the data starts: known to crossings, absent from `paspor`."""
        numbers = self.mint_passports(rng, len(persons), self.p.passport_pattern)
        villages = np.array(self.persons["village"], dtype=np.int64)[persons]
        offices = self.office_for(rng, villages)
        for i, pid in enumerate(persons):
            self.persons["passport"][pid] = numbers[i]
            self.persons["passport_office"][pid] = int(offices[i])

    # ----------------------------------------------------------------- trips
    def add_trips(
        self,
        persons: np.ndarray,
        depart_s: np.ndarray,
        return_s: np.ndarray,
        dest: np.ndarray,
        tpi_out: np.ndarray,
        tpi_in: np.ndarray,
        klass: str | np.ndarray,
    ) -> None:
        """Trips abroad; return_s < 0 means not back within the simulated horizon."""
        n = len(persons)
        self.trips.extend(
            person=np.asarray(persons).tolist(),
            dep=np.asarray(depart_s, dtype=np.int64).tolist(),
            ret=np.asarray(return_s, dtype=np.int64).tolist(),
            dest=np.asarray(dest).tolist(),
            tpi_out=np.asarray(tpi_out).tolist(),
            tpi_in=np.asarray(tpi_in).tolist(),
            klass=np.broadcast_to(np.asarray(klass), (n,)).tolist(),
        )


def seconds(rng: np.random.Generator, days: np.ndarray, hours: tuple[int, int]) -> np.ndarray:
    """A time of day within office or flight hours, as seconds from the window start."""
    secs = rng.integers(hours[0] * 3600, hours[1] * 3600, len(days))
    return np.asarray(days, dtype=np.int64) * SECONDS_PER_DAY + secs


def route(rng: np.random.Generator, dest: np.ndarray, labour_irregular: bool) -> np.ndarray:
    """The checkpoint of departure: irregular migrants to Malaysia go by Batam, Dumai, Karimun."""
    n = len(dest)
    u = rng.random(n)
    if labour_irregular:
        mys = np.select(
            [u < 0.45, u < 0.60, u < 0.70, u < 0.90], ["BTM", "DUM", "TBK", "CGK"], "KNO"
        )
    else:
        mys = np.select([u < 0.60, u < 0.80, u < 0.90], ["CGK", "BTM", "KNO"], "TKG")
    other = np.where(u < 0.9, "CGK", np.where(u < 0.95, "KNO", "TKG"))
    return np.where(dest == "MYS", mys, other)


def village_weights(world: World, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Uneven, heavy-tailed propensities per village, with the known hotspots on top.

    Procedural placements follow the 2024 regency totals exactly; within a regency a
    lognormal spreads them unevenly. Non-procedural propensity is correlated with it but
    heavier-tailed, and the designated hotspots sit at the top. Way Layap keeps its
    modest official record (25 workers since 2021, CALIBRATION.md).
    """
    gaz = world.gaz
    n = gaz.n
    regency = gaz.village_regency
    urban = np.isin(regency, ["1871", "1872"])
    population = rng.lognormal(0, 0.5, n) * np.where(urban, 3.0, 1.0)
    base = rng.lognormal(0, 0.7, n) * population
    procedural = np.zeros(n)
    for r, total in PLACEMENTS_2024.items():
        mask = regency == r
        procedural[mask] = base[mask] / base[mask].sum() * total
    wl = gaz.village_index[WAY_LAYAP]
    procedural[wl] = 6.0  # about 25 workers in four years
    nonprocedural = procedural**0.5 * population**0.5 * rng.lognormal(0, 0.9, n)
    top = np.quantile(nonprocedural, 0.995)
    for code in HOTSPOTS:
        nonprocedural[gaz.village_index[code]] = top * (2.0 if code == WAY_LAYAP else 1.6)
    return {
        "population": population / population.sum(),
        "procedural": procedural / procedural.sum(),
        "nonprocedural": nonprocedural / nonprocedural.sum(),
    }


def simulate(params: Params, gaz: Gazetteer, seed: int) -> World:
    """Run the whole model; each step draws from its own stream (see World.rng). The
    transit travellers (synth.routes, built on this World) come after it: ``generate``."""
    w = World(params, gaz, seed)
    weights = village_weights(w, w.rng(1))
    w.weights = weights  # type: ignore[attr-defined]
    build_p3mi(w, w.rng(2))
    build_recruiters(w, w.rng(3), weights["nonprocedural"])
    procedural_workers(w, w.rng(4), weights["procedural"])
    nonprocedural_migrants(w, w.rng(5), weights["nonprocedural"])
    ordinary_travellers(w, w.rng(6), weights["population"])
    returning_workers(w, w.rng(7), weights)
    foreign_nationals(w, w.rng(8), weights["population"])
    interdictions(w, w.rng(9))
    complaints(w, w.rng(10))
    police_cases(w, w.rng(11), weights)
    timpora_operations(w, w.rng(12), weights["nonprocedural"])
    return w


# --------------------------------------------------------------------------- P3MI
def build_p3mi(w: World, rng: np.random.Generator) -> None:
    """Licensed agencies with branches in Lampung; a few get suspended or revoked over time."""
    n = w.p.p3mi_count
    names = company_names(rng, n, P3MI_WORDS)
    regencies = np.array(list(PLACEMENTS_2024))
    share = np.array(list(PLACEMENTS_2024.values()), dtype=float) ** 0.5
    branch = regencies[rng.choice(len(regencies), size=n, p=share / share.sum())]
    market = rng.pareto(1.3, n) + 0.2
    w.p3mi.extend(
        id=[f"P3MI-{18000 + 37 * i + int(rng.integers(0, 30)):05d}" for i in range(n)],
        name=names,
        licence=[
            f"KEP.{int(rng.integers(100, 999))}/KA/{int(rng.integers(2015, 2024))}"
            for _ in range(n)
        ],
        branch=branch.tolist(),
        market=market.tolist(),
    )
    lead = -w.p.lead_in_days
    initial = rng.choice(["AKTIF", "DIBEKUKAN", "DICABUT"], size=n, p=[0.9, 0.07, 0.03])
    for i in range(n):
        w.p3mi_history.append((i, lead - int(rng.integers(30, 2000)), str(initial[i])))
    changes = max(1, int(round(12 * w.p.days / 540)))
    for i in rng.choice(n, size=min(changes, n), replace=False):
        day = int(rng.integers(0, w.p.days))
        current = str(initial[i])
        if current == "AKTIF":
            new = "DIBEKUKAN" if rng.random() < 0.7 else "DICABUT"
        elif current == "DIBEKUKAN":
            new = "AKTIF" if rng.random() < 0.6 else "DICABUT"
        else:
            continue
        w.p3mi_history.append((int(i), day, new))
        if new == "DIBEKUKAN" and rng.random() < 0.5 and day + 60 < w.p.days:
            w.p3mi_history.append((int(i), day + int(rng.integers(30, 60)), "AKTIF"))
    w.p3mi_history.sort(key=lambda t: (t[0], t[1]))


def p3mi_status(w: World, index: int, day: int) -> tuple[str, int]:
    """Licence status and its date as of `day`."""
    status, since = "AKTIF", -10_000
    for i, d, s in w.p3mi_history:
        if i == index and d <= day:
            status, since = s, d
    return status, since


# --------------------------------------------------------------------------- recruiters
def build_recruiters(w: World, rng: np.random.Generator, np_weights: np.ndarray) -> None:
    """Informal recruiters (calo): a home village, a territory across villages, uneven reach.

    The first one is the brief's PAK DARMAN, working from Way Layap across Pesawaran and
    into Pringsewu (Ambarawa), so that both hotspots share a recruiter.
    """
    gaz = w.gaz
    n = max(3, int(round(150 * w.p.scale)))
    homes = rng.choice(gaz.n, size=n, p=np_weights)
    homes[0] = gaz.village_index[WAY_LAYAP]
    female_names = {"SUMIATI", "ROSIDAH", "NURHASANAH", "SURYANI", "MARYAMAH"}
    # nicknames repeat across recruiters (several PAK DARMANs), full names do not
    full_names = []
    taken: set[str] = set()
    for k in range(n):
        base, nicks = RECRUITER_NAMES[k % len(RECRUITER_NAMES)]
        full = base
        while full in taken:
            full = f"{base} {FATHERS[int(rng.integers(len(FATHERS)))]}"
        taken.add(full)
        full_names.append((full, nicks))
    sex = np.array(["P" if f.split()[0] in female_names else "L" for f, _ in full_names])
    ids = w.add_people(rng, "RECRUITER", homes, sex, (30, 60))
    for k, pid in enumerate(ids):
        w.persons["name"][pid] = full_names[k][0]
    territories = []
    for k in range(n):
        home = homes[k]
        same = np.flatnonzero(gaz.village_regency == gaz.village_regency[home])
        size = 2 + int(rng.geometric(0.25))
        local = rng.choice(
            same, size=min(size, len(same)), replace=False, p=_norm(np_weights[same])
        )
        far = rng.choice(gaz.n, size=int(rng.integers(0, 3)), p=np_weights)
        terr = sorted({int(home), *local.tolist(), *far.tolist()})
        territories.append(terr)
    territories[0] = sorted(set(territories[0]) | {gaz.village_index[AMBARAWA]})
    activity = rng.pareto(1.1, n) + 0.1
    activity[0] = activity.max() * 1.2
    w.recruiters.extend(
        person=ids.tolist(),
        full=[f for f, _ in full_names],
        aliases=[
            recruiter_aliases(f, nicks, sex[k], w.persons["father"][ids[k]])
            for k, (f, nicks) in enumerate(full_names)
        ],
        territory=territories,
        activity=activity.tolist(),
    )


def _norm(x: np.ndarray) -> np.ndarray:
    return x / x.sum()


def assign_recruiters(w: World, rng: np.random.Generator, villages: np.ndarray) -> np.ndarray:
    """A recruiter among those working the village, weighted by reach; -1 if none works it."""
    cover: dict[int, list[int]] = {}
    for r, terr in enumerate(w.recruiters["territory"]):
        for v in terr:
            cover.setdefault(v, []).append(r)
    activity = np.array(w.recruiters["activity"])
    out = np.full(len(villages), -1)
    u = rng.random(len(villages))
    for i, v in enumerate(villages):
        cands = cover.get(int(v))
        if cands:
            cw = activity[cands]
            cum = np.cumsum(cw) / cw.sum()
            out[i] = cands[int(np.searchsorted(cum, u[i]))]
    return out


# --------------------------------------------------------------------------- procedural
def procedural_workers(w: World, rng: np.random.Generator, weights: np.ndarray) -> None:
    """Placements through licensed P3MI, calibrated exactly per window on CALIBRATION.md."""
    p = w.p
    gaz = w.gaz
    lead = p.lead_in_days
    n_window = w.count(p.placements_per_year, minimum=10)
    n_lead = w.count(p.placements_per_year, days=lead)
    n = n_window + n_lead
    dep = np.concatenate([rng.integers(0, p.days, n_window), rng.integers(-lead, 0, n_lead)])
    villages = np.empty(n, dtype=np.int64)
    for part in (slice(0, n_window), slice(n_window, n)):
        size = part.stop - part.start
        counts = apportion(size, PLACEMENTS_2024)
        chosen = []
        for (r, _), c in zip(PLACEMENTS_2024.items(), counts, strict=True):
            idx = np.flatnonzero(gaz.village_regency == r)
            chosen.append(rng.choice(idx, size=c, p=_norm(weights[idx])))
        block = np.concatenate(chosen)
        rng.shuffle(block)
        villages[part] = block
    dest = np.concatenate(
        [
            exact_labels(rng, n_window, DESTINATION_SHARES),
            exact_labels(rng, n_lead, DESTINATION_SHARES),
        ]
    )
    female_pref = {
        "HKG": 0.99,
        "SGP": 0.97,
        "SAU": 0.9,
        "TWN": 0.7,
        "MYS": 0.45,
        "KOR": 0.1,
        "JPN": 0.4,
    }
    sex = np.empty(n, dtype="<U1")
    for part in (slice(0, n_window), slice(n_window, n)):
        score = np.array([female_pref[d] for d in dest[part]]) + rng.random(part.stop - part.start)
        k = int(round(p.female_share * len(score)))
        order = np.argsort(-score, kind="stable")
        s = np.full(len(score), "L")
        s[order[:k]] = "P"
        sex[part] = s
    informal = np.zeros(n, dtype=bool)
    for part in (slice(0, n_window), slice(n_window, n)):
        score = (
            (sex[part] == "P") * 2.0
            + np.isin(dest[part], ["HKG", "SGP", "SAU"])
            + rng.random(part.stop - part.start)
        )
        score -= np.isin(dest[part], ["KOR", "JPN"]) * 5
        k = int(round(p.informal_share * len(score)))
        order = np.argsort(-score, kind="stable")
        flag = np.zeros(len(score), dtype=bool)
        flag[order[:k]] = True
        informal[part] = flag
    persons = w.add_people(rng, "PMI_PROCEDURAL", villages, sex, (20, 42))
    # a share re-departs on an older passport (purna PMI): not in the paspor feed
    old = rng.random(n) < 0.30
    w.old_passports(rng, persons[old])
    new = ~old
    app_day = dep[new] - rng.integers(25, 90, int(new.sum()))
    outcome, decided, _ = w.apply(
        rng, persons[new], app_day, np.full(int(new.sum()), "BEKERJA"), dest[new], 0.0
    )
    # the rare refusal: the worker reapplies two to four weeks later and departs later
    refused = np.flatnonzero(new)[outcome != "TERBIT"]
    if len(refused):
        again = decided[outcome != "TERBIT"] + rng.integers(14, 28, len(refused))
        w.apply(rng, persons[refused], again, np.full(len(refused), "BEKERJA"), dest[refused], 0.0)
        dep[refused] = np.maximum(dep[refused], again + 20)
    jabatan = np.where(
        informal,
        np.where(
            dest == "TWN",
            "CAREGIVER",
            np.where(sex == "P", "PENATA LAKSANA RUMAH TANGGA", "SOPIR KELUARGA"),
        ),
        np.where(
            dest == "MYS",
            np.where(rng.random(n) < 0.6, "PEKERJA LADANG", "OPERATOR PRODUKSI"),
            np.where(dest == "KOR", "OPERATOR MANUFAKTUR", "OPERATOR PRODUKSI"),
        ),
    )
    skema = np.where(
        np.isin(dest, ["KOR", "JPN"]),
        "G2G",
        pick(rng, n, {"P2P": 90, "MANDIRI": 6, "UKPS": 4}),
    )
    market = np.array(w.p3mi["market"])
    agency = rng.choice(len(market), size=n, p=market / market.sum())
    for i in range(n):
        if p3mi_status(w, int(agency[i]), int(dep[i]))[0] != "AKTIF":
            for _ in range(20):
                agency[i] = int(rng.choice(len(market), p=market / market.sum()))
                if p3mi_status(w, int(agency[i]), int(dep[i]))[0] == "AKTIF":
                    break
    # a few departures are rescheduled: the placement is re-sent with the new date
    moved = rng.random(n) < 0.03
    new_dep = np.where(moved, dep + rng.integers(7, 30, n), dep)
    registered = w.workday(dep - rng.integers(1, 8, n))
    passports = [w.persons["passport"][pid] for pid in persons]
    # a refused-then-refused worker has no passport: the placement is registered but not flown
    flies = np.array([bool(x) for x in passports])
    seq = np.argsort(registered, kind="stable")
    ids = np.empty(n, dtype=object)
    for k, i in enumerate(seq):
        ids[i] = f"PNP{w.day_date(int(registered[i])):%Y}{k + 1:06d}"
    w.placements.extend(
        id=ids.tolist(),
        person=persons.tolist(),
        p3mi=agency.tolist(),
        dest=dest.tolist(),
        jabatan=jabatan.tolist(),
        sektor=np.where(informal, "INFORMAL", "FORMAL").tolist(),
        skema=skema.tolist(),
        passport=passports,
        dep=dep.tolist(),
        new_dep=new_dep.tolist(),
        registered=registered.tolist(),
        contract_end=(new_dep + 730).tolist(),
    )
    tpi = route(rng, dest, labour_irregular=False)
    dep_s = seconds(rng, new_dep + (rng.random(n) < 0.1), (5, 23))
    early = rng.random(n) < 0.03  # repatriated early (sick, stranded, dead): back within months
    ret = np.where(early, dep_s + rng.integers(60, 300, n) * SECONDS_PER_DAY, -1)
    w.add_trips(
        persons[flies], dep_s[flies], ret[flies], dest[flies], tpi[flies], tpi[flies], PROCEDURAL
    )


# --------------------------------------------------------------------------- non-procedural
def nonprocedural_migrants(w: World, rng: np.random.Generator, weights: np.ndarray) -> None:
    """Labour migrants on tourist or umrah cover, mostly through an informal recruiter.

    Some are postponed at the passport office and retry at another office; a few are
    interdicted (see `interdictions`); most do not come back within 30 days, some do.
    """
    p = w.p
    lead = p.lead_in_days
    n_window = w.count(p.placements_per_year * p.nonprocedural_multiplier, minimum=10)
    n_lead = w.count(p.placements_per_year * p.nonprocedural_multiplier, days=lead)
    n = n_window + n_lead
    dep = np.concatenate([rng.integers(0, p.days, n_window), rng.integers(-lead, 0, n_lead)])
    villages = rng.choice(w.gaz.n, size=n, p=weights)
    sex = np.where(rng.random(n) < 0.55, "P", "L")
    persons = w.add_people(rng, "PMI_NONPROCEDURAL", villages, sex, (18, 45))
    dest = pick(rng, n, NONPROCEDURAL_DESTINATIONS)
    recruited = rng.random(n) < 0.75
    recruiter = np.where(recruited, assign_recruiters(w, rng, villages), -1)
    for pid, r in zip(persons, recruiter, strict=True):
        w.persons["recruiter"][pid] = int(r)
    middle_east = np.isin(dest, MIDDLE_EAST)
    tujuan = np.where(
        middle_east,
        np.where(rng.random(n) < 0.7, "UMROH", "WISATA"),
        np.where(rng.random(n) < 0.8, "WISATA", "KUNJUNGAN_KELUARGA"),
    )
    cover_country = np.where(np.isin(dest, SCAM), "THA", np.where(tujuan == "UMROH", "SAU", dest))
    old = rng.random(n) < 0.12
    w.old_passports(rng, persons[old])
    new = np.flatnonzero(~old)
    app_day = dep[new] - rng.integers(15, 75, len(new))
    outcome, decided, app_idx = w.apply(
        rng, persons[new], app_day, tujuan[new], cover_country[new], p.nonprocedural_postponement
    )
    departs = np.ones(n, dtype=bool)
    failed = new[outcome != "TERBIT"]
    retry = rng.random(len(failed)) < 0.6
    departs[failed[~retry]] = False
    if retry.any():
        who = failed[retry]
        first_office = np.array(w.apps["office"])[app_idx[outcome != "TERBIT"][retry]]
        other_office = (first_office + rng.integers(1, len(OFFICES), len(who))) % len(OFFICES)
        again = decided[outcome != "TERBIT"][retry] + rng.integers(7, 45, len(who))
        out2, dec2, _ = w.apply(
            rng,
            persons[who],
            again,
            tujuan[who],
            cover_country[who],
            p.nonprocedural_postponement,
            offices=other_office,
        )
        departs[who[out2 != "TERBIT"]] = False
        dep[who] = np.maximum(dep[who], dec2 + rng.integers(5, 30, len(who)))
    w.np_persons = persons  # type: ignore[attr-defined]
    w.np_dep = dep  # type: ignore[attr-defined]
    w.np_dest = dest  # type: ignore[attr-defined]
    w.np_departs = departs  # type: ignore[attr-defined]
    w.np_tpi = route(rng, dest, labour_irregular=True)  # type: ignore[attr-defined]
    w.np_cover = tujuan  # type: ignore[attr-defined]


def nonprocedural_trips(w: World, rng: np.random.Generator) -> None:
    """Departures of the non-procedural migrants not stopped by an interdiction."""
    persons, dep, dest = w.np_persons, w.np_dep, w.np_dest  # type: ignore[attr-defined]
    go = w.np_departs  # type: ignore[attr-defined]
    n = len(persons)
    tpi = w.np_tpi  # type: ignore[attr-defined]
    dep_s = seconds(rng, dep, (6, 22))
    u = rng.random(n)
    quick = u < 0.04  # turned back, escaped or sent home at once: back within 30 days
    deported = (u >= 0.04) & (u < 0.05) & (dest == "MYS")  # deported through Batam or Karimun
    later = (u >= 0.05) & (u < 0.17)  # come home on their own after months
    ret = np.where(
        quick,
        dep_s + rng.integers(4, 28, n) * SECONDS_PER_DAY,
        np.where(deported | later, dep_s + rng.integers(60, 500, n) * SECONDS_PER_DAY, -1),
    )
    ret_tpi = np.where(deported, np.where(rng.random(n) < 0.8, "BTM", "TBK"), tpi)
    recorded = np.where(np.isin(dest, SCAM), "THA", dest)  # the flight goes to Bangkok
    w.add_trips(persons[go], dep_s[go], ret[go], recorded[go], tpi[go], ret_tpi[go], NONPROCEDURAL)


# --------------------------------------------------------------------------- ordinary
def ordinary_travellers(w: World, rng: np.random.Generator, weights: np.ndarray) -> None:
    """Tourists, pilgrims, hajj, students, family visits: most of the traffic, mostly back soon."""
    p = w.p
    lead = p.lead_in_days
    for role, (per_year, tujuan, rate, stay, dests) in ORDINARY_ROLES.items():
        n = w.count(per_year, minimum=5, days=p.days + lead)
        app_day = rng.integers(-lead, p.days, n)
        villages = rng.choice(w.gaz.n, size=n, p=weights)
        sex = np.where(rng.random(n) < (0.62 if role in ("PILGRIM",) else 0.5), "P", "L")
        age = (18, 24) if role == "STUDENT" else (20, 70)
        persons = w.add_people(rng, role, villages, sex, age)
        dest = pick(rng, n, dests)
        postpone = np.where(
            np.isin(dest, ["SAU", "MYS"]) & (sex == "P"),
            p.ordinary_postponement * 4,
            p.ordinary_postponement,
        )
        outcome, decided, _ = w.apply(rng, persons, app_day, np.full(n, tujuan), dest, postpone)
        ok = outcome == "TERBIT"
        travels = ok & (rng.random(n) < 0.85)
        first = decided + rng.integers(5, 90, n)
        _ordinary_trip_batch(w, rng, persons[travels], first[travels], dest[travels], stay, role)
        extra = rng.poisson(rate * np.clip(p.days - first, 0, None) / 365.25)
        rep = np.repeat(np.flatnonzero(travels & (extra > 0)), extra[travels & (extra > 0)])
        if len(rep):
            days = first[rep] + rng.integers(20, max(21, p.days), len(rep))
            keep = days < p.days
            rep, days = rep[keep], days[keep]
            _ordinary_trip_batch(w, rng, persons[rep], days, pick(rng, len(rep), dests), stay, role)
    # holders of older passports: they travel like tourists and never apply
    n = max(5, int(round(PRE_WINDOW_HOLDERS_PER_YEAR * p.scale)))
    villages = rng.choice(w.gaz.n, size=n, p=weights)
    sex = np.where(rng.random(n) < 0.5, "P", "L")
    persons = w.add_people(rng, "TOURIST", villages, sex, (25, 70))
    w.old_passports(rng, persons)
    k = rng.poisson(0.8 * (p.days + lead) / 365.25, n)
    rep = np.repeat(np.arange(n), k)
    days = rng.integers(-lead, p.days, len(rep))
    dests = ORDINARY_ROLES["TOURIST"][4]
    _ordinary_trip_batch(w, rng, persons[rep], days, pick(rng, len(rep), dests), (3, 10), "TOURIST")
    hajj(w, rng, weights)


def _ordinary_trip_batch(
    w: World,
    rng: np.random.Generator,
    persons: np.ndarray,
    days: np.ndarray,
    dest: np.ndarray,
    stay: tuple[int, int],
    role: str,
) -> None:
    n = len(persons)
    dep_s = seconds(rng, days, (5, 23))
    if role == "STUDENT":
        length = rng.integers(stay[0], stay[1], n)
    else:
        length = (
            np.round(rng.lognormal(np.log(np.mean(stay)), 0.35, n))
            .astype(int)
            .clip(stay[0] // 2 + 1)
        )
    ret = dep_s + length * SECONDS_PER_DAY + rng.integers(-5 * 3600, 5 * 3600, n)
    tpi = route(rng, dest, labour_irregular=False)
    back = np.where(rng.random(n) < 0.85, tpi, route(rng, dest, labour_irregular=False))
    w.add_trips(persons, dep_s, ret, dest, tpi, back, NON_LABOUR)


def hajj(w: World, rng: np.random.Generator, weights: np.ndarray) -> None:
    """Hajj seasons in the window: about 40 days in Saudi Arabia, a trap for a 30-day rule."""
    p = w.p
    arafah_2025 = date(2025, 6, 5).toordinal()
    for year in range(p.start.year - 1, p.start.year + int(p.years) + 2):
        arafah = int(round(arafah_2025 - 10.875 * (year - 2025))) - p.start.toordinal()
        if arafah + 40 < -p.lead_in_days or arafah - 35 >= p.days:
            continue
        n = max(3, int(round(HAJJ_PER_SEASON * p.scale)))
        villages = rng.choice(w.gaz.n, size=n, p=weights)
        sex = np.where(rng.random(n) < 0.55, "P", "L")
        persons = w.add_people(rng, "HAJJ", villages, sex, (45, 80))
        dep = arafah - rng.integers(8, 36, n)
        app = dep - rng.integers(30, 120, n)
        outcome, _, _ = w.apply(rng, persons, app, np.full(n, "HAJI"), np.full(n, "SAU"), 0.0)
        go = outcome == "TERBIT"
        dep_s = seconds(rng, dep, (1, 23))
        ret_s = seconds(rng, arafah + rng.integers(6, 36, n), (1, 23))
        tpi = np.where(rng.random(n) < 0.8, "CGK", "TKG")
        w.add_trips(
            persons[go],
            dep_s[go],
            ret_s[go],
            np.full(int(go.sum()), "SAU"),
            tpi[go],
            tpi[go],
            NON_LABOUR,
        )


def returning_workers(w: World, rng: np.random.Generator, weights: dict[str, np.ndarray]) -> None:
    """Workers who left before the data starts and come home during it (passports unknown)."""
    p = w.p
    for role, rate, vw, dshares, klass in (
        (
            "PMI_PROCEDURAL",
            0.7 * p.placements_per_year,
            weights["procedural"],
            DESTINATION_SHARES,
            PROCEDURAL,
        ),
        (
            "PMI_NONPROCEDURAL",
            0.12 * p.placements_per_year * p.nonprocedural_multiplier,
            weights["nonprocedural"],
            NONPROCEDURAL_DESTINATIONS,
            NONPROCEDURAL,
        ),
    ):
        n = w.count(rate, minimum=3)
        villages = rng.choice(w.gaz.n, size=n, p=vw)
        sex = np.where(rng.random(n) < 0.7, "P", "L")
        persons = w.add_people(rng, role, villages, sex, (22, 45))
        w.old_passports(rng, persons)
        ret_day = rng.integers(0, p.days, n)
        dest = pick(rng, n, dshares)
        dest = np.where(np.isin(dest, SCAM), "THA", dest)
        dep_s = seconds(rng, ret_day - rng.integers(400, 900, n), (6, 22))
        ret_s = seconds(rng, ret_day, (6, 23))
        irregular = klass == NONPROCEDURAL
        tpi = route(rng, dest, labour_irregular=False)
        if irregular:  # a few are deportees from Malaysia, handed over at Batam or Karimun
            deported = (dest == "MYS") & (rng.random(n) < 0.08)
            tpi = np.where(deported, np.where(rng.random(n) < 0.8, "BTM", "TBK"), tpi)
        w.add_trips(persons, dep_s, ret_s, dest, tpi, tpi, klass)


# --------------------------------------------------------------------------- foreigners
def foreign_nationals(w: World, rng: np.random.Generator, weights: np.ndarray) -> None:
    """Foreign residents with permits, sponsored by firms in a few villages; they travel home."""
    p = w.p
    gaz = w.gaz
    firms = company_names(
        rng,
        30,
        (
            "AGRO",
            "INDUSTRI",
            "ENERGI",
            "LESTARI",
            "SINAR",
            "TAMA",
            "LAMPUNG",
            "NUSA",
            "SAMUDRA",
            "PERKASA",
            "SEMEN",
            "SAWIT",
        ),
    )
    sponsor_regency = ["1803", "1871", "1805", "1802", "1804", "1803", "1871"]
    firm_village = []
    for k in range(len(firms)):
        idx = np.flatnonzero(gaz.village_regency == sponsor_regency[k % len(sponsor_regency)])
        firm_village.append(int(rng.choice(idx, p=_norm(weights[idx]))))
    active = max(3, int(round(p.foreign_permits_active * p.scale)))
    new = w.count(35 * 12, minimum=3)
    n = active + new
    firm = rng.choice(len(firms), size=n, p=_norm(rng.pareto(1.0, len(firms)) + 0.1))
    nat = pick(rng, n, FOREIGN_NATIONALITIES)
    kind = pick(rng, n, {"ITAS": 70, "ITAP": 12, "ITK": 8, "KITAS_INVESTOR": 10})
    length = np.select([kind == "ITAS", kind == "ITAP", kind == "ITK"], [365, 1826, 60], 730)
    start = np.concatenate([-rng.integers(1, 365, active), rng.integers(0, p.days, new)])
    start = np.where(kind[: len(start)] == "ITAP", start - rng.integers(0, 1400, n), start)
    start = np.where(start + length < 0, -rng.integers(1, 30, n), start)
    end = start + length - 1
    revoked = np.where(rng.random(n) < 0.03, start + (length * rng.random(n)).astype(int), 10**6)
    sex = np.where(rng.random(n) < 0.8, "L", "P")
    ages = rng.uniform(25, 60, n)
    births = (p.start.toordinal() - ages * 365.25).astype(np.int64)
    first = len(w.persons)
    names = []
    for i in range(n):
        fam, given = FOREIGN_NAMES.get(str(nat[i]), WESTERN_NAMES)
        f, g = fam[int(rng.integers(len(fam)))], given[int(rng.integers(len(given)))]
        names.append(f"{f} {g}" if nat[i] in ("CHN", "KOR", "JPN", "TWN") else f"{g} {f}")
        sex[i] = "P" if g in FEMALE_GIVEN else "L"
    villages = np.array([firm_village[f] for f in firm])
    letters = rng.choice(list("EGKPM"), size=n)
    digits = rng.integers(10_000_000, 99_999_999, n)
    passports = [f"{a}{d}" for a, d in zip(letters, digits, strict=True)]
    office = np.array([HOME_OFFICE[r] for r in gaz.village_regency[villages]])
    w.persons.extend(
        village=villages.tolist(),
        outside=[-1] * n,
        sex=sex.tolist(),
        birth=births.tolist(),
        nik=[""] * n,
        name=names,
        father=[""] * n,
        title=[""] * n,
        role=["FOREIGN_NATIONAL"] * n,
        passport=passports,
        passport_office=office.tolist(),
        recruiter=[-1] * n,
        nationality=nat.tolist(),
    )
    persons = np.arange(first, first + n)
    w.permits.extend(
        no=[
            f"{OFFICES[office[i]]}-{kind[i]}-{w.day_date(int(start[i])):%Y}-{i + 1:05d}"
            for i in range(n)
        ],
        person=persons.tolist(),
        kind=kind.tolist(),
        firm=[firms[f] for f in firm],
        start=start.tolist(),
        end=end.tolist(),
        revoked=revoked.tolist(),
        office=office.tolist(),
    )
    extend_permits(w, rng)
    leave_by = permit_departures(w, rng, persons, nat)
    trips = rng.poisson(1.2 * (p.days + p.lead_in_days) / 365.25, n)
    rep = np.repeat(np.arange(n), trips)
    days = rng.integers(-p.lead_in_days, p.days, len(rep))
    dep_s = seconds(rng, days, (6, 23))
    ret_s = dep_s + rng.integers(7, 25, len(rep)) * SECONDS_PER_DAY
    tpi = np.where(rng.random(len(rep)) < 0.85, "CGK", "TKG")
    home = ret_s < (leave_by[rep] - 1) * SECONDS_PER_DAY  # trips end before the stay does
    w.add_trips(persons[rep][home], dep_s[home], ret_s[home], nat[rep][home], tpi[home],
                tpi[home], NON_LABOUR)


OVERSTAY_RATE = {"BERAKHIR": 0.05, "DICABUT": 0.25}
"""Share of foreign nationals who stay on once their last permit has ended: most leave in
the last weeks of an expiring permit, those whose permit was revoked within two weeks."""


def permit_end(w: World, i: int) -> tuple[int, str]:
    """A permit's last valid day and how it ended: BERAKHIR (expired) or DICABUT (revoked,
    not valid from the revocation day on)."""
    end, revoked = w.permits["end"][i], w.permits["revoked"][i]
    return (revoked - 1, "DICABUT") if revoked <= end else (end, "BERAKHIR")


def latest_permits(w: World) -> dict[int, int]:
    """Person -> index of their latest permit (the last of a chain of extensions)."""
    latest: dict[int, int] = {}
    for i, pid in enumerate(w.permits["person"]):
        if pid not in latest or w.permits["start"][i] > w.permits["start"][latest[pid]]:
            latest[pid] = i
    return latest


def permit_departures(
    w: World, rng: np.random.Generator, persons: np.ndarray, nat: np.ndarray
) -> np.ndarray:
    """Each foreign national whose last permit ends before the horizon leaves for good
    (one departure, no return) or overstays (OVERSTAY_RATE): no departure at all. Returns
    per person the day their stay in Lampung ends (leaving, or the last valid day for an
    overstayer; far ahead while a permit still runs): other trips come back before it."""
    latest = latest_permits(w)
    leave_by = np.full(len(persons), 10**7, dtype=np.int64)
    exits, exit_days = [], []
    for k, pid in enumerate(persons.tolist()):
        valid, reason = permit_end(w, latest[pid])
        if valid >= w.p.days + 60:
            continue
        if rng.random() < OVERSTAY_RATE[reason]:
            leave_by[k] = valid
            continue
        day = valid + 1 + int(rng.integers(0, 15)) if reason == "DICABUT" else (
            valid - int(rng.integers(0, 21)))
        leave_by[k] = day
        exits.append(k)
        exit_days.append(day)
    if exits:
        idx = np.array(exits)
        dep_s = seconds(rng, np.array(exit_days), (6, 23))
        tpi = np.where(rng.random(len(idx)) < 0.85, "CGK", "TKG")
        first = len(w.trips)
        w.add_trips(persons[idx], dep_s, np.full(len(idx), -1), nat[idx], tpi, tpi, NON_LABOUR)
        w.foreign_exits.update({int(persons[k]): first + j for j, k in enumerate(exits)})
    return leave_by


def extend_permits(w: World, rng: np.random.Generator) -> None:
    """Most ITAS and investor KITAS are extended: a new permit number from the day after expiry."""
    pm = w.permits
    i = 0
    while i < len(pm):
        end = pm["end"][i]
        if (
            pm["kind"][i] in ("ITAS", "KITAS_INVESTOR")
            and 0 <= end + 1 < w.p.days
            and pm["revoked"][i] > end
            and rng.random() < 0.7
        ):
            start = end + 1
            length = 365 if pm["kind"][i] == "ITAS" else 730
            office = pm["office"][i]
            number = f"{OFFICES[office]}-{pm['kind'][i]}-{w.day_date(start):%Y}-{len(pm) + 1:05d}"
            pm.extend(
                no=[number],
                person=[pm["person"][i]],
                kind=[pm["kind"][i]],
                firm=[pm["firm"][i]],
                start=[start],
                end=[start + length - 1],
                revoked=[10**6],
                office=[office],
            )
        i += 1


# --------------------------------------------------------------------------- interdictions
def interdictions(w: World, rng: np.random.Generator) -> None:
    """Groups stopped at Bakauheni port or Radin Inten II airport, usually with their recruiter.

    The persons then do not depart on that attempt; some try again weeks later.
    """
    p = w.p
    persons, dep = w.np_persons, w.np_dep  # type: ignore[attr-defined]
    departs = w.np_departs  # type: ignore[attr-defined]
    recruiter = np.array([w.persons["recruiter"][pid] for pid in persons])
    n_events = w.count(p.interdictions_per_year, minimum=2)
    activity = np.array(w.recruiters["activity"])
    stopped = np.zeros(len(persons), dtype=bool)
    by_recruiter: dict[int, np.ndarray] = {}
    order = np.argsort(recruiter, kind="stable")
    bounds = np.searchsorted(recruiter[order], np.arange(-1, len(activity) + 1))
    for r in range(-1, len(activity)):
        by_recruiter[r] = order[bounds[r + 1] : bounds[r + 2]]
    event_days = np.sort(rng.integers(0, p.days, n_events))  # numbered in date order
    for e in range(n_events):
        day = int(event_days[e])
        with_recruiter = rng.random() < 0.8
        r = int(rng.choice(len(activity), p=_norm(activity))) if with_recruiter else -1
        pool = by_recruiter[r]
        pool = pool[(np.abs(dep[pool] - day) < 45) & departs[pool] & ~stopped[pool]]
        if not len(pool):
            pool = np.flatnonzero((np.abs(dep - day) < 20) & departs & ~stopped & (recruiter == -1))
            r = -1
        if not len(pool):
            continue
        size = min(
            len(pool), 1 + int(rng.geometric(0.3)) if r >= 0 else 1 + int(rng.integers(0, 2))
        )
        group = rng.choice(pool, size=size, replace=False)
        stopped[group] = True
        lokasi = str(
            rng.choice(
                ["PELABUHAN BAKAUHENI", "BANDARA RADIN INTEN II", "PELABUHAN PANJANG"],
                p=[0.55, 0.35, 0.10],
            )
        )
        secs = int(rng.integers(0, SECONDS_PER_DAY))
        w.interdictions.extend(
            id=[f"GGL-{w.day_date(day):%Y%m}-{e + 1:04d}"],
            day=[day],
            second=[day * SECONDS_PER_DAY + secs],
            lokasi=[lokasi],
            recruiter=[r],
            persons=[persons[group].tolist()],
            dest=[str(w.np_dest[group[0]])],  # type: ignore[attr-defined]
        )
        retry = rng.random(size) < 0.4
        dep[group[retry]] = day + rng.integers(20, 90, int(retry.sum()))
        departs[group[~retry]] = False
    nonprocedural_trips(w, rng)


# --------------------------------------------------------------------------- complaints
def complaints(w: World, rng: np.random.Generator) -> None:
    """BP3MI cases: families report problems months after departure; most concern
    non-procedural migrants, who are the ones without a P3MI to turn to."""
    p = w.p
    n = w.count(p.complaints_per_year, minimum=3)
    day = rng.integers(0, p.days, n)
    nonproc = rng.random(n) < 0.55
    kind = pick(rng, n, COMPLAINT_TYPES)
    placements = w.placements
    pl_dep = np.array(placements["new_dep"])
    np_persons = w.np_persons  # type: ignore[attr-defined]
    np_dep = w.np_dep  # type: ignore[attr-defined]
    for i in range(n):
        if nonproc[i]:
            cand = np.flatnonzero(np_dep < day[i] - (0 if kind[i] == "GAGAL BERANGKAT" else 30))
            j = int(rng.choice(cand)) if len(cand) else int(rng.integers(len(np_persons)))
            pid = int(np_persons[j])
            dest = str(w.np_dest[j])  # type: ignore[attr-defined]
            r = w.persons["recruiter"][pid]
            status = "NONPROSEDURAL" if rng.random() < 0.8 else "TIDAK_DIKETAHUI"
            tppo = kind[i] == "INDIKASI TPPO" or rng.random() < 0.12
            agency = -1
            named = r if (r >= 0 and rng.random() < 0.85) else -1
        else:
            cand = np.flatnonzero(pl_dep < day[i] - 30)
            j = int(rng.choice(cand)) if len(cand) else int(rng.integers(len(pl_dep)))
            pid = int(placements["person"][j])
            dest = str(placements["dest"][j])
            status = "PROSEDURAL" if rng.random() < 0.92 else "TIDAK_DIKETAHUI"
            tppo = kind[i] == "INDIKASI TPPO" or rng.random() < 0.01
            agency = int(placements["p3mi"][j])
            # a field sponsor (PL) of the agency, often also a calo: named in a few cases
            named = int(rng.integers(len(w.recruiters))) if rng.random() < 0.15 else -1
        w.complaints.extend(
            id=[f"PGD-{w.day_date(int(day[i])):%Y}-{i + 1:05d}"],
            day=[int(day[i])],
            person=[pid],
            dest=[dest],
            kind=[str(kind[i])],
            status=[status],
            tppo=["Y" if tppo else "N"],
            p3mi=[agency],
            recruiter=[named],
        )


# --------------------------------------------------------------------------- police
def police_cases(w: World, rng: np.random.Generator, weights: dict[str, np.ndarray]) -> None:
    """TPPO case reports, calibrated on Polda Lampung's 44 cases and 84 victims in 41 months.

    Victims of labour modi come from the non-procedural migrants (often a recruiter's
    group, the recruiter being the suspect); sexual exploitation and child cases draw
    local victims; one case in about thirty is a transit case with victims from NTB.
    """
    p = w.p
    n_cases = w.count(p.police_cases_per_year, minimum=2)
    n_victims = max(n_cases, w.count(p.police_victims_per_year, minimum=2))
    sizes = 1 + np.bincount(
        rng.choice(n_cases, size=n_victims - n_cases, p=_norm(rng.pareto(1.2, n_cases) + 0.3)),
        minlength=n_cases,
    )
    modus = exact_labels(rng, n_cases, CASE_MODUS)
    report = np.sort(rng.integers(0, p.days, n_cases))
    n_children = int(round(p.child_victim_share * n_victims))
    child_left = n_children
    np_persons = w.np_persons  # type: ignore[attr-defined]
    np_dest = w.np_dest  # type: ignore[attr-defined]
    recruiter_of = np.array([w.persons["recruiter"][pid] for pid in np_persons])
    np_regency = w.gaz.village_regency[np.array(w.persons["village"])[np_persons]]
    transit_case = int(rng.integers(n_cases)) if n_cases >= 10 else -1
    seq: dict[tuple[str, int], int] = {}
    for c in range(n_cases):
        m = str(modus[c])
        size = int(sizes[c])
        suspects: list[int] = []
        if c == transit_case:
            k = int(rng.integers(len(OUTSIDE_LAMPUNG)))
            victims = w.add_people(
                rng,
                "VICTIM_TRANSIT",
                np.zeros(size, dtype=np.int64),
                np.full(size, "P"),
                (18, 35),
                outside=np.full(size, k),
            ).tolist()
            dest = "SAU"
        elif m in ("PMI_NONPROSEDURAL", "ONLINE_SCAM", "KERJA_PAKSA", "ABK_KAPAL"):
            # victims left (or tried to) before the report is made
            before = np.asarray(w.np_dep) < report[c]  # type: ignore[attr-defined]
            if m == "ONLINE_SCAM":
                pool = np.flatnonzero(np.isin(np_dest, SCAM) & before)
            else:
                pool = np.flatnonzero((recruiter_of >= 0) & before)
            if not len(pool):
                pool = np.arange(len(np_persons))
            anchor = int(rng.choice(pool))
            r = int(recruiter_of[anchor])
            # the recruiter's other recruits, then other migrants of the same regency
            same = np.flatnonzero(recruiter_of == r) if r >= 0 else np.array([], dtype=np.int64)
            regency = w.gaz.village_regency[w.persons["village"][np_persons[anchor]]]
            near = np.flatnonzero(np_regency == regency)
            others = np.concatenate([rng.permutation(same), rng.permutation(near)])
            group = [anchor]
            for g in others.tolist():
                if len(group) == size:
                    break
                if g not in group:
                    group.append(g)
            victims = [int(np_persons[g]) for g in group]
            dest = str(np_dest[anchor])
            if r >= 0:
                suspects.append(int(w.recruiters["person"][r]))
        else:
            kids = m == "ANAK" or (
                child_left > 0 and m == "EKSPLOITASI_SEKSUAL" and rng.random() < 0.3
            )
            villages = rng.choice(w.gaz.n, size=size, p=weights["nonprocedural"])
            age = (14, 17.9) if kids else (18, 30)
            victims = w.add_people(rng, "VICTIM_LOCAL", villages, np.full(size, "P"), age).tolist()
            if kids:
                child_left -= size
            dest = "IDN" if rng.random() < 0.6 else str(rng.choice(["MYS", "SGP", "KHM"]))
        if not suspects or rng.random() < 0.4:
            v0 = w.persons["village"][victims[0]]
            v0 = v0 if w.persons["outside"][victims[0]] < 0 else int(rng.integers(w.gaz.n))
            suspects += w.add_people(
                rng,
                "SUSPECT",
                np.array([v0]),
                np.array(["L" if rng.random() < 0.7 else "P"]),
                (25, 55),
            ).tolist()
        witnesses = []
        if w.persons["outside"][victims[0]] < 0 and rng.random() < 0.7:
            v0 = w.persons["village"][victims[0]]
            k = int(rng.integers(1, 3))
            witnesses = w.add_people(
                rng, "WITNESS", np.full(k, v0), np.where(rng.random(k) < 0.5, "L", "P"), (35, 65)
            ).tolist()
        regency = w.gaz.village_regency[w.persons["village"][victims[0]]]
        if w.persons["outside"][victims[0]] >= 0:
            regency = "1871"
        satuan = "POLDA LAMPUNG" if rng.random() < 0.45 else _polres(w, regency)
        day = int(report[c])
        key = (satuan, w.day_date(day).year)
        seq[key] = seq.get(key, 0) + 1
        d = w.day_date(day)
        roman = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")[
            d.month - 1
        ]
        nomor = f"LP/B/{seq[key] * 7 + int(rng.integers(0, 7))}/{roman}/{d.year}/SPKT/{satuan}"
        stages = [("LIDIK", day)]
        t = day + int(rng.integers(14, 60))
        if rng.random() < 0.85:
            stages.append(("SIDIK", t))
            t2 = t + int(rng.integers(30, 120))
            stages.append(("P21" if rng.random() < 0.85 else "SP3", t2))
        elif rng.random() < 0.5:
            stages.append(("SP3", t))
        w.cases.extend(
            nomor=[nomor],
            day=[day],
            incident=[day - int(rng.integers(0, 120))],
            satuan=[satuan],
            modus=[m],
            dest=[dest],
            regency=[str(regency)],
            victims=[victims],
            suspects=[suspects],
            witnesses=[witnesses],
            stages=[stages],
        )


def _polres(w: World, regency: str) -> str:
    name, city = w.gaz.regency_base(regency)
    if regency == "1871":
        return "POLRESTA BANDAR LAMPUNG"
    return f"POLRES {'KOTA ' if city else ''}{name}".replace("POLRES KOTA METRO", "POLRES METRO")


# --------------------------------------------------------------------------- timpora
def timpora_operations(w: World, rng: np.random.Generator, np_weights: np.ndarray) -> None:
    """Joint operations: foreigner checks at sponsor villages, CPMI findings in migrant villages."""
    p = w.p
    n_ops = w.count(p.timpora_operations_per_month * 12, minimum=2)
    permit_villages = np.array([w.persons["village"][pid] for pid in w.permits["person"]])
    op_days = np.sort(w.workday(rng.integers(0, p.days, n_ops)))  # numbered in date order
    for k in range(n_ops):
        day = int(op_days[k])
        cpmi = rng.random() < 0.45
        if cpmi or not len(permit_villages):
            village = int(rng.choice(w.gaz.n, p=np_weights))
            types = ["CPMI_NONPROSEDURAL"] + (["LAINNYA"] if rng.random() < 0.2 else [])
        else:
            village = int(rng.choice(permit_villages))
            pool = ["WNA_TANPA_IZIN", "WNA_OVERSTAY", "PENYALAHGUNAAN_IZIN", "LAINNYA"]
            types = sorted(set(rng.choice(pool, size=int(rng.integers(1, 3))).tolist()))
        office = HOME_OFFICE[w.gaz.village_regency[village]]
        for t in types:
            count = (
                int(rng.integers(2, 12)) if t == "CPMI_NONPROSEDURAL" else int(rng.integers(1, 4))
            )
            w.timpora.extend(
                no=[f"TIMPORA/{OFFICES[office]}/{w.day_date(day):%Y}/{k + 1:03d}"],
                day=[day],
                office=[office],
                village=[village],
                kind=[t],
                count=[count],
            )
