"""Is this recruiter licensed? ``tppo recruiter-check NAME`` for village heads and officers.

A village head asks every recruiter who comes to the village for their company; the
officer types the name as it was given (``Maju Jya``, ``pt. maju jaya``, ``Sudarman als
Darman``) and gets, from the published files only:

- the licensed recruitment agencies (P3MI) of BP3MI's register whose name matches, with
  the licence number and the licence status on the date asked (``--on``, default today
  in WIB) and since when (``marts.mart_p3mi_licence_history``, public register data,
  in both published files);
- with ``--tier analysts`` (``analytics.duckdb``, the analysts' team only), also the
  informal recruiters of the watchlist whose published name matches: suspects, never
  shown at the public tier (docs/PRIVACY.md). Only a cluster's most common alias is
  published, so a spelling the records hold but the watchlist does not show cannot
  match; the answer says how many spellings the cluster has.

Matching, and why a name matched: both sides are normalised as the dbt macros
``normalise_person_name``/``normalise_full_name`` do (upper case, punctuation and
forms of address such as PAK/BU/H./HJ. removed, a BIN/BINTI patronymic cut off) and
legal forms (PT, CV, Tbk, Persero) are dropped from company names; a name given with
aliases (``X als Y``, ``X alias Y``, ``X / Y``, ``X (Y)``) is checked alias by alias.
The similarity (0-100) is the largest of rapidfuzz's token-sort ratio (word order and
spacing ignored), the plain ratio of the names without spaces (``MAJUJAYA``) and
``PART_OF_NAME`` times the token-set ratio (the name given is part of the register's,
``MAJU JAYA`` of ``MAJU JAYA SENTOSA``: a possible match, never a certain one); each
word of the name given is paired with its closest word of the register's name, which
is the explanation printed. ``MATCH`` and above is a match, ``POSSIBLE`` and above a
possible match worth asking about, anything lower is not shown.

Exit status (``EXIT``): 0 when the best match is a P3MI whose licence is AKTIF on the
date, 3 when the matching P3MI's licence is not (frozen, revoked, not or no longer in
the register), 4 when the name matches an informal recruiter of the watchlist
(analysts' tier), 1 when nothing matches, 2 when the published file cannot be read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import duckdb
from rapidfuzz import fuzz

from tppo.config import Paths, paths, today_wib

MATCH = 85.0
POSSIBLE = 70.0
# a name given that is part of the register's name (``SURYA MANDIRI`` of ``SURYA MANDIRI
# SEJAHTERA``) is at most a possible match: another company may share those words
PART_OF_NAME = 0.8
WORD_MATCH = 75.0  # a word of the name given counts as found in the register's name
EXIT = {"active": 0, "none": 1, "unreadable": 2, "not_active": 3, "informal": 4}
LEGAL_FORMS = frozenset({"PT", "CV", "TBK", "PERSERO", "PERSEROAN", "TERBATAS"})
# forms of address and titles before a person's name (the dbt macro normalise_person_name)
TITLES = frozenset({"PAK", "BAPAK", "BPK", "BU", "IBU", "H", "HJ", "HAJI", "HAJJAH", "DRS",
                    "IR", "MBAK", "MAS", "BANG", "CIK"})
PATRONYMIC = frozenset({"BIN", "BINTI", "BT"})
ALIAS_SPLIT = re.compile(r"\s+(?:als\.?|alias|a\.?k\.?a\.?)\s+|\s*/\s*|\s*[()]\s*", re.I)
STATUS_TEXT = {"AKTIF": "AKTIF", "DIBEKUKAN": "DIBEKUKAN (izin dibekukan)",
               "DICABUT": "DICABUT (izin dicabut)"}
TIERS = {"public": "dashboard.duckdb (data publik)",
         "analysts": "analytics.duckdb (data analis)"}


class Unreadable(Exception):
    """The published file for the tier is missing, unreadable or lacks what the check needs."""


def _words(text: str) -> list[str]:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", " ", ascii_text.upper().replace(".", "")).split()


def normalise_company(text: str) -> str:
    """``P.T. Maju  Jaya, Tbk`` -> ``MAJU JAYA``: case, punctuation, spacing, legal forms."""
    return " ".join(w for w in _words(text) if w not in LEGAL_FORMS)


def normalise_person(text: str) -> str:
    """``Hj. Siti Aminah binti Supardi`` -> ``SITI AMINAH``: as the dbt macros do for
    recruiters' names (forms of address before the name, a patronymic after it)."""
    words = _words(text)
    while words and words[0] in TITLES:
        words.pop(0)
    for i, w in enumerate(words):
        if w in PATRONYMIC and i > 0:
            words = words[:i]
            break
    return " ".join(w for w in words if w not in LEGAL_FORMS)


def aliases(text: str) -> list[str]:
    """The names a mention gives: ``Sudarman als Darman`` -> ``Sudarman``, ``Darman``."""
    return [p.strip() for p in ALIAS_SPLIT.split(text) if p and p.strip()]


@dataclass(frozen=True)
class Similarity:
    score: float
    pairs: tuple[tuple[str, str, float], ...]  # (word given, closest register word, ratio)
    unmatched: tuple[str, ...]  # words of the register's name no word given is close to


def similarity(given: str, known: str) -> Similarity:
    """How alike two normalised names are, and which words make them so."""
    if not given or not known:
        return Similarity(0.0, (), tuple(known.split()))
    score = max(fuzz.token_sort_ratio(given, known),
                fuzz.ratio(given.replace(" ", ""), known.replace(" ", "")),
                PART_OF_NAME * fuzz.token_set_ratio(given, known))
    known_words = known.split()
    pairs = []
    for w in given.split():
        best = max(known_words, key=lambda k: (fuzz.ratio(w, k), k))
        pairs.append((w, best, fuzz.ratio(w, best)))
    found = {k for _, k, r in pairs if r >= WORD_MATCH}
    return Similarity(round(score, 1), tuple(pairs),
                      tuple(k for k in known_words if k not in found))


@dataclass(frozen=True)
class Period:
    status: str
    valid_from: dt.date
    valid_to: dt.date | None
    licence_number: str | None
    last_snapshot: dt.date


@dataclass(frozen=True)
class Agency:
    agency_id: str
    name: str
    licence_number: str | None
    branch: str | None
    in_latest_register: bool
    periods: tuple[Period, ...]  # in order


@dataclass(frozen=True)
class Cluster:
    recruiter_key: str
    name: str
    spellings: int
    regencies: int
    victims: int
    complaints: int
    interdictions: int
    tppo_cases: int
    first_seen: dt.date | None
    last_seen: dt.date | None


@dataclass(frozen=True)
class Status:
    """An agency's licence on a date: ``status`` None when the register says nothing."""

    status: str | None
    since: dt.date | None
    until: dt.date | None
    licence_number: str | None
    note: str

    @property
    def active(self) -> bool:
        return self.status == "AKTIF"


def status_on(agency: Agency, on: dt.date) -> Status:
    """The licence status the register's history gives for ``on``."""
    first = agency.periods[0]
    if on < first.valid_from:
        return Status(None, None, first.valid_from, None,
                      f"belum tercatat di daftar P3MI pada tanggal itu (tercatat sejak "
                      f"{first.valid_from:%d-%m-%Y})")
    for p in agency.periods:
        if p.valid_from <= on and (p.valid_to is None or on < p.valid_to):
            if p.valid_to is None and not agency.in_latest_register and on > p.last_snapshot:
                return Status(None, p.valid_from, None, p.licence_number,
                              f"tidak lagi tercantum di daftar P3MI terbaru; terakhir tercantum "
                              f"{p.last_snapshot:%d-%m-%Y} dengan status {p.status}")
            until = f" sampai {p.valid_to:%d-%m-%Y}" if p.valid_to else ""
            return Status(p.status, p.valid_from, p.valid_to, p.licence_number,
                          f"{STATUS_TEXT.get(p.status, p.status)} sejak "
                          f"{p.valid_from:%d-%m-%Y}{until}")
    raise AssertionError("licence periods do not cover the date")  # periods are contiguous


@dataclass(frozen=True)
class Match:
    given: str  # the alias of the name given that matched
    normalised: str
    target: Agency | Cluster
    known: str  # the target's name, normalised
    similarity: Similarity

    @property
    def score(self) -> float:
        return self.similarity.score

    @property
    def confirmed(self) -> bool:
        return self.score >= MATCH


def find_matches(name: str, agencies: list[Agency], clusters: list[Cluster],
                 limit: int = 5) -> list[Match]:
    """The agencies and clusters a name (with its aliases) matches, best first; one entry
    per target, through its best alias."""
    best: dict[str, Match] = {}
    for alias in aliases(name) or [name]:
        company, person = normalise_company(alias), normalise_person(alias)
        for a in agencies:
            known = normalise_company(a.name)
            m = Match(alias, company, a, known, similarity(company, known))
            if m.score >= POSSIBLE and (a.agency_id not in best
                                        or m.score > best[a.agency_id].score):
                best[a.agency_id] = m
        for c in clusters:
            known = normalise_person(c.name)
            m = Match(alias, person, c, known, similarity(person, known))
            if m.score >= POSSIBLE and (c.recruiter_key not in best
                                        or m.score > best[c.recruiter_key].score):
                best[c.recruiter_key] = m
    ranked = sorted(best.values(), key=lambda m: (-m.score, isinstance(m.target, Cluster),
                                                  m.known))
    return ranked[:limit]


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                            "table_schema = 'marts' AND table_name = ?", [table]).fetchone()[0])


@dataclass(frozen=True)
class Register:
    agencies: list[Agency]
    clusters: list[Cluster]
    latest_snapshot: dt.date | None


def load(path: Path, tier: str) -> Register:
    """The licensed agencies (and, for the analysts' tier, the informal clusters) of a
    published file."""
    if not path.exists():
        raise Unreadable(f"{path} belum ada: belum ada proses malam yang selesai")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise Unreadable(f"{path} tidak dapat dibuka: {exc}") from exc
    try:
        if not _has_table(con, "mart_p3mi_licence_history"):
            raise Unreadable(f"{path} tidak memuat marts.mart_p3mi_licence_history (terbitan "
                             "lama): tunggu proses malam berikutnya")
        rows = con.execute(
            """SELECT agency_id, agency_name, branch_regency_text, is_in_latest_register,
                      licence_status, valid_from, valid_to, licence_number, last_snapshot_date
               FROM marts.mart_p3mi_licence_history
               WHERE agency_name IS NOT NULL
               ORDER BY agency_id, period_number""").fetchall()
        latest = con.execute("SELECT max(last_snapshot_date) FROM "
                             "marts.mart_p3mi_licence_history").fetchone()[0]
        clusters: list[Cluster] = []
        if tier == "analysts" and _has_table(con, "mart_recruiter_watchlist"):
            clusters = [Cluster(*r) for r in con.execute(
                """SELECT recruiter_key, recruiter_name, spellings, regencies_mentioned, victims,
                          linked_complaints, interdictions, tppo_cases, first_seen_date,
                          last_seen_date
                   FROM marts.mart_recruiter_watchlist
                   WHERE recruiter_type = 'INFORMAL' AND recruiter_name IS NOT NULL
                   ORDER BY recruiter_key""").fetchall()]
    finally:
        con.close()
    agencies: list[Agency] = []
    by_id: dict[str, list[tuple]] = {}
    for r in rows:
        by_id.setdefault(r[0], []).append(r)
    for agency_id, group in by_id.items():
        periods = tuple(Period(r[4], r[5], r[6], r[7], r[8]) for r in group)
        agencies.append(Agency(agency_id, group[-1][1], periods[-1].licence_number,
                               group[-1][2], group[-1][3], periods))
    return Register(agencies, clusters, latest)


@dataclass(frozen=True)
class Answer:
    name: str
    on: dt.date
    tier: str
    register: Register
    matches: list[Match]

    @property
    def code(self) -> int:
        confirmed = [m for m in self.matches if m.confirmed]
        if any(isinstance(m.target, Cluster) for m in confirmed):
            return EXIT["informal"]
        if not confirmed:
            return EXIT["none"]
        return EXIT["active"] if status_on(confirmed[0].target, self.on).active \
            else EXIT["not_active"]


def check(name: str, on: dt.date, tier: str = "public", p: Paths | None = None,
          limit: int = 5) -> Answer:
    """Match ``name`` against the published file of ``tier``."""
    p = p or paths()
    register = load(p.dashboard if tier == "public" else p.analytics, tier)
    return Answer(name, on, tier, register,
                  find_matches(name, register.agencies, register.clusters, limit))


def _why(m: Match) -> str:
    words = ", ".join(f"{w} = {k}" if r == 100 else f"{w} ≈ {k} ({r:.0f})" if r >= WORD_MATCH
                      else f"{w} tidak ada padanannya" for w, k, r in m.similarity.pairs)
    missing = (f"; kata nama terdaftar yang tidak disebut: {', '.join(m.similarity.unmatched)}"
               if m.similarity.unmatched else "")
    return f"\"{m.given}\" dibaca \"{m.normalised}\" ~ \"{m.known}\": {words}{missing}"


def render(answer: Answer) -> str:
    """The answer in Indonesian, as a field officer reads it out to a village head."""
    out = [f"Cek perekrut: \"{answer.name}\" pada {answer.on:%d-%m-%Y}, sumber "
           f"{TIERS[answer.tier]}"]
    if answer.register.latest_snapshot:
        out.append(f"Daftar P3MI BP3MI terakhir diterima {answer.register.latest_snapshot:%d-%m-%Y}"
                   f" ({len(answer.register.agencies)} perusahaan).")
    if not answer.matches:
        out.append("Tidak ada P3MI berizin" + (" atau perekrut perorangan di daftar pantau"
                                                if answer.tier == "analysts" else "")
                   + f" yang namanya mirip (kemiripan di bawah {POSSIBLE:.0f}/100).")
    for i, m in enumerate(answer.matches, 1):
        grade = "cocok" if m.confirmed else "mungkin (tanyakan nama lengkap perusahaannya)"
        if isinstance(m.target, Agency):
            a, s = m.target, status_on(m.target, answer.on)
            number = s.licence_number or a.licence_number or "–"
            branch = f", cabang {a.branch}" if a.branch else ""
            out += [f"{i}. P3MI berizin: {a.name} (ID {a.agency_id}, no. izin {number}{branch})",
                    f"   kemiripan {m.score:.0f}/100, {grade}: {_why(m)}",
                    f"   status izin pada {answer.on:%d-%m-%Y}: {s.note}"]
        else:
            c = m.target
            out += [f"{i}. Perekrut perorangan di daftar pantau analis (terduga, bukan untuk "
                    f"disebarkan): {c.name} ({c.recruiter_key})",
                    f"   kemiripan {m.score:.0f}/100, {grade}: {_why(m)}",
                    f"   {c.spellings} ejaan nama tercatat (hanya yang paling sering "
                    f"diterbitkan), disebut di {c.regencies} kabupaten/kota; {c.victims} korban, "
                    f"{c.complaints} pengaduan, {c.interdictions} penggagalan, {c.tppo_cases} "
                    f"kasus TPPO; terlihat {_day(c.first_seen)} s.d. {_day(c.last_seen)}"]
    out.append("Kesimpulan: " + CONCLUSION[answer.code])
    if answer.tier == "public":
        out.append("Perekrut perorangan (calo/sponsor) tidak diperiksa di data publik; tim "
                   "analis memeriksanya dengan --tier analysts.")
    return "\n".join(out)


def _day(value: dt.date | None) -> str:
    return "–" if value is None else f"{value:%d-%m-%Y}"


CONCLUSION = {
    EXIT["active"]: "nama cocok dengan P3MI berizin yang izinnya AKTIF pada tanggal itu. Minta "
                    "perekrut menunjukkan surat tugas dari perusahaan itu dan Surat Izin "
                    "Perekrutan (SIP2MI); bila ragu, tanyakan ke BP3MI Lampung.",
    EXIT["not_active"]: "nama cocok dengan P3MI yang izinnya TIDAK AKTIF pada tanggal itu: "
                        "perusahaan ini tidak boleh merekrut. Laporkan ke BP3MI Lampung.",
    EXIT["informal"]: "nama cocok dengan perekrut perorangan di daftar pantau (terduga calo). "
                      "Jangan sebarkan namanya; teruskan ke tim analis dan penyidik.",
    EXIT["none"]: "tidak cocok dengan P3MI berizin mana pun. Perekrut tanpa perusahaan berizin "
                  "adalah perekrut nonprosedural: minta nama perusahaannya dan laporkan ke "
                  "BP3MI Lampung.",
}


def _cmd(args: argparse.Namespace) -> int:
    on = dt.date.fromisoformat(args.on) if args.on else today_wib()
    try:
        answer = check(args.name, on, args.tier, limit=args.limit)
    except Unreadable as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return EXIT["unreadable"]
    print(render(answer))
    return answer.code


def add_command(sub: argparse._SubParsersAction) -> None:
    """``tppo recruiter-check``."""
    cmd = sub.add_parser(
        "recruiter-check",
        help="is a recruiter's company a licensed P3MI, and was its licence active on a date",
        description="Match a recruiter's or company's name (typos, missing PT, aliases such as "
                    "'Sudarman als Darman') against the licensed P3MI of the published files, "
                    "explain the match and give the licence status on the date.",
        epilog="exit status: 0 licensed P3MI, licence AKTIF on the date; 1 no match; "
               "2 published file unreadable; 3 matching P3MI not active on the date (frozen, "
               "revoked, not or no longer registered); 4 matches an informal recruiter of "
               "the watchlist (--tier analysts)")
    cmd.add_argument("name", help="the name as the recruiter gave it (quote it)")
    cmd.add_argument("--on", help="YYYY-MM-DD; default: today (WIB)")
    cmd.add_argument("--tier", choices=("public", "analysts"), default="public",
                     help="public: dashboard.duckdb, licensed P3MI only (default); analysts: "
                          "analytics.duckdb, also informal recruiters")
    cmd.add_argument("--limit", type=int, default=5, help="matches to show (default 5)")
    cmd.set_defaults(func=_cmd)
