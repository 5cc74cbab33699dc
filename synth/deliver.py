"""Turn the model's events into the agencies' files, as they arrive in the landing area.

Each feed is first assembled as records with a delivery day (and office), then
grouped into daily files, then the delivery habits are applied: BOMs for some
offices, late files, byte-identical re-sends under `_1` / `_kirimulang`,
corrected re-sends under `_revisi`, broken CSV rows and truncated JSON lines.
Everything that was deliberately damaged is recorded for the truth folder.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import xlsxwriter

from ingest.feeds import FEEDS as INGEST_FEEDS
from ingest.feeds import FEEDS_BY_NAME
from synth.geo import OUTSIDE_LAMPUNG, REGENCY_ABBREVIATIONS
from synth.model import OFFICES, SECONDS_PER_DAY, World, p3mi_status
from synth.quirks import Typist, format_date, typo
from synth.routes import lokasi_text

# The columns of each feed as FEEDS.md gives them, from the one declaration the
# pipeline reads (ingest/feeds.py): a nested person array is the record's last field.
COLUMNS: dict[str, tuple[str, ...]] = {
    f.name: f.columns + ((f.child.array_field,) if f.child else ()) for f in INGEST_FEEDS
}
PIHAK_FIELDS = FEEDS_BY_NAME["kasus_tppo"].child.columns
ORANG_FIELDS = FEEDS_BY_NAME["penggagalan"].child.columns
SOURCES = {f.name: f.source for f in INGEST_FEEDS}
FEEDS = tuple(COLUMNS)

OFFICE_STYLE = {
    # office: (adds BOM, date style, often types names in Title Case, habitual country spelling)
    "BDL": (False, "DMY_SLASH", False, 0),
    "KTB": (True, "DMY_DASH", False, 1),
    "KLA": (False, "D_MONTH", True, 0),
    "MTR": (True, "ISO", False, 2),
}
TIMPORA_DATE = {"BDL": "DMY_SLASH", "KTB": "DMY_DASH", "KLA": "D_MON", "MTR": "ISO"}
BP3MI_TEXT_DATES = ("DMY_SLASH", "D_MONTH", "D_MON", "DMY_DASH")
FLIGHTS = {
    ("CGK", "TWN"): ("CI762", "BR238", "CI752"),
    ("CGK", "HKG"): ("CX718", "GA860", "CX776"),
    ("CGK", "MYS"): ("AK381", "MH722", "OD351", "GA820"),
    ("CGK", "SGP"): ("SQ963", "GA822", "TR277"),
    ("CGK", "SAU"): ("SV817", "GA980", "SV819", "GA964"),
    ("CGK", "ARE"): ("EK357", "EY475"),
    ("CGK", "THA"): ("TG434", "FD396", "QZ250"),
    ("CGK", "KOR"): ("KE628", "GA878"),
    ("CGK", "JPN"): ("GA874", "JL726", "NH836"),
    ("BTM", "MYS"): ("MV CITRA INDOMAS", "MV BATAM FAST 1", "MV SINDO 3"),
    ("DUM", "MYS"): ("KM DUMAI LINE 5", "KM INDOMAL EXPRESS"),
    ("TBK", "MYS"): ("MV MARINA 8", "MV OCEANNA 5"),
    ("KNO", "MYS"): ("AK1351", "QZ1050"),
    ("TKG", "SAU"): ("GA3301", "SV5283"),
}
STREETS = (
    "JL. RAYA",
    "JL. MERDEKA",
    "JL. PEMUDA",
    "JL. KENANGA",
    "JL. MELATI",
    "JL. PERINTIS",
    "JL. SUKARNO HATTA",
    "JL. DIPONEGORO",
    "JL. KARTINI",
    "JL. TRANSMIGRASI",
)
JAVA_TOWNS = (
    "KEBUMEN",
    "WONOGIRI",
    "PONOROGO",
    "GARUT",
    "BANYUMAS",
    "KLATEN",
    "SRAGEN",
    "BLITAR",
    "CILACAP",
    "TASIKMALAYA",
)
ALASAN = (
    "DIDUGA CPMI NONPROSEDURAL",
    "TIDAK DAPAT MENUNJUKKAN TIKET PULANG",
    "KETERANGAN TIDAK KONSISTEN SAAT WAWANCARA",
    "TIDAK MEMILIKI REKOMENDASI DISNAKER",
    "DIDUGA AKAN BEKERJA TANPA VISA KERJA",
)


@dataclass
class Record:
    """One row (or JSON object) of one file version, with what the truth needs about it."""

    key: str
    row: list | dict
    single_version: bool = True
    info: dict = field(default_factory=dict)  # true values truth.py counts from


@dataclass
class FileSpec:
    feed: str
    day: int
    office: str | None
    records: list[Record] = field(default_factory=list)

    @property
    def source(self) -> str:
        return SOURCES[self.feed]


@dataclass
class Delivered:
    """What truth.py needs from the deliveries."""

    files: list[dict] = field(default_factory=list)
    broken: dict[str, set[str]] = field(default_factory=dict)  # feed -> broken record keys
    crossings: list[tuple] = field(default_factory=list)  # (crossing_id, trip, direction, second)
    versions: dict[str, dict[str, list]] = field(
        default_factory=dict
    )  # feed -> key -> [(day, is_revision, info)]
    rows_per_feed: dict[str, int] = field(default_factory=dict)


class Deliverer:
    """Renders the world into landing files; see module docstring."""

    def __init__(
        self,
        world: World,
        out: Path,
        rates: dict[str, float],
        rnd: random.Random,
        landing: Path | None = None,
    ) -> None:
        self.w = world
        self.gaz = world.gaz
        self.out = out
        self.landing = landing if landing is not None else out / "landing"
        self.rates = rates
        self.rnd = rnd
        self.typist = Typist(rnd, rates)
        self.delivered = Delivered()
        p = world.persons
        self.p_village = p["village"]
        self.p_outside = p["outside"]
        self.p_sex = p["sex"]
        self.p_birth = p["birth"]
        self.p_nik = p["nik"]
        self.p_name = p["name"]
        self.p_father = p["father"]
        self.p_title = p["title"]
        self.p_role = p["role"]
        self.start_ord = world.p.start.toordinal()

    # ------------------------------------------------------------------ helpers
    def date(self, day: int) -> date:
        return date.fromordinal(self.start_ord + int(day))

    def in_window(self, day: int) -> bool:
        return 0 <= day < self.w.p.days

    def birth(self, pid: int) -> date:
        return date.fromordinal(int(self.p_birth[pid]))

    def place(self, pid: int) -> tuple[str, str, str]:
        """(desa, kecamatan, kabupaten) as an officer types them, always all three."""
        t = self.typist
        k = self.p_outside[pid]
        if k >= 0:
            _, village, district, regency = OUTSIDE_LAMPUNG[k]
            return (
                t.village(village),
                t.district(district, district.title()),
                t.regency(regency, False, ""),
            )
        v = self.p_village[pid]
        gaz = self.gaz
        district = gaz.village_district[v]
        regency = gaz.village_regency[v]
        base, city = gaz.regency_base(regency)
        return (
            t.village(gaz.village_name[v], kel=city),
            t.district(gaz.district_name[district], gaz.kemendagri_name[district]),
            t.regency(base, city, REGENCY_ABBREVIATIONS.get(regency, "")),
        )

    def street(self, pid: int) -> str:
        rnd = self.rnd
        kind = rnd.randrange(3)
        if kind == 0:
            dusun = rnd.choice(("I", "II", "III", "IV", "V"))
            text = f"DUSUN {dusun} RT {rnd.randint(1, 12):03d}/RW {rnd.randint(1, 6):03d}"
        elif kind == 1:
            text = f"{rnd.choice(STREETS)} NO. {rnd.randint(1, 250)}"
        else:
            text = f"LK. {rnd.choice(('I', 'II', 'III'))} RT {rnd.randint(1, 20):02d}"
        if rnd.random() < self.rates["address_quote"]:
            text = f'{text} (DEPAN "TOKO {rnd.choice(("BERKAH", "MAJU", "SARI"))}")'
        return text

    def bp3mi_person(self, pid: int, place: tuple[str, str, str]) -> list:
        """The person cells of a SISKOP2MI row (nik .. kabupaten): NIKs sometimes in
        numeric cells, names often with BIN/BINTI, birth dates as Excel dates."""
        return [self.nik(pid, numeric=True), self.name(pid, 1.5),
                self.xlsx_date(self.birth(pid)), self.p_sex[pid], *place]

    def name(self, pid: int, bin_rate: float = 1.0, title_case: bool = False) -> str:
        return self.typist.name(
            self.p_name[pid],
            self.p_father[pid],
            self.p_sex[pid],
            self.p_title[pid],
            bin_rate,
            title_case,
        )

    def nik(self, pid: int, numeric: bool = False) -> str | float | None:
        nik = self.p_nik[pid]
        return self.typist.nik_text(nik, allow_numeric_cell=numeric) if nik else None

    def xlsx_date(self, d: date) -> date | str:
        """An Excel date cell, or (at the configured rate) a text date in a BP3MI habit."""
        if self.rnd.random() < self.rates["xlsx_text_date"]:
            return format_date(d, self.rnd.choice(BP3MI_TEXT_DATES))
        return d

    # ------------------------------------------------------------------ feeds
    def imigrasi_paspor(self) -> list[FileSpec]:
        w = self.w
        apps = w.apps
        files: dict[tuple[str, int], FileSpec] = {}
        for i in range(len(apps)):
            day, decided = apps["day"][i], apps["decided"][i]
            show_proses, show_decision = self.in_window(day), self.in_window(decided)
            if not (show_proses or show_decision):
                continue
            office = OFFICES[apps["office"][i]]
            bom, dstyle, title_case, cstyle = OFFICE_STYLE[office]
            pid = apps["person"][i]
            desa, kec, kab = self.place(pid)
            rnd = self.rnd
            born = self.birth(pid)
            v = self.p_village[pid]
            birthplace = (
                rnd.choice(JAVA_TOWNS)
                if rnd.random() < 0.15
                else self.gaz.district_name[self.gaz.village_district[v]]
            )
            base = [
                apps["no"][i],
                office,
                format_date(self.date(day), dstyle),
                self.nik(pid),
                self.name(pid, 0.3, title_case and rnd.random() < 0.3),
                birthplace,
                format_date(born, dstyle),
                self.p_sex[pid],
                self.street(pid),
                desa,
                kec,
                kab,
                apps["tujuan"][i],
                self.typist.country(apps["negara"][i], cstyle),
            ]
            single = not (show_proses and show_decision)
            if show_proses:
                row = base + ["PROSES", "", "", ""]
                info = {"app": i, "status": "PROSES"}
                self._add(files, "paspor", day, office, Record(apps["no"][i], row, single, info))
            if show_decision:
                outcome = apps["outcome"][i]
                reason = (
                    rnd.choice(ALASAN)
                    if outcome == "DITUNDA"
                    else ("DOKUMEN TIDAK LENGKAP" if outcome == "DITOLAK" else "")
                )
                row = base + [
                    outcome,
                    reason,
                    apps["passport"][i],
                    format_date(self.date(decided), dstyle),
                ]
                info = {"app": i, "status": outcome}
                self._add(
                    files, "paspor", decided, office, Record(apps["no"][i], row, single, info)
                )
        return self._sorted(files)

    def imigrasi_perlintasan(self) -> list[FileSpec]:
        """Crossings of Lampung passports and permit holders, numbered per checkpoint."""
        w = self.w
        trips = w.trips
        persons = w.persons
        events = []
        days = w.p.days
        for t in range(len(trips)):
            dep, ret = trips["dep"][t], trips["ret"][t]
            if 0 <= dep < days * SECONDS_PER_DAY:
                events.append((trips["tpi_out"][t], dep, t, "KEBERANGKATAN"))
            if ret >= 0 and 0 <= ret < days * SECONDS_PER_DAY:
                events.append((trips["tpi_in"][t], ret, t, "KEDATANGAN"))
        events.sort()
        files: dict[tuple[str, int], FileSpec] = {}
        seq: dict[str, int] = {}
        passport_name: dict[int, str] = {}
        rnd = self.rnd
        for tpi, sec, t, arah in events:
            seq[tpi] = (
                seq.get(
                    tpi, 10_000 * (1 + ["CGK", "TKG", "BTM", "DUM", "TBK", "KNO"].index(tpi)) * 37
                )
                + 1
            )
            no = f"{seq[tpi]:09d}"
            pid = trips["person"][t]
            office = OFFICES[persons["passport_office"][pid]]
            _, dstyle, _, cstyle = OFFICE_STYLE[office]
            if pid not in passport_name:
                name = self.p_name[pid]
                if (
                    self.p_role[pid] in ("PILGRIM", "HAJJ")
                    and name.count(" ") < 2
                    and rnd.random() < 0.6
                ):
                    name = f"{name} {self.p_father[pid]}"  # three-word names for Saudi visas
                passport_name[pid] = name
            when = datetime.combine(self.date(sec // SECONDS_PER_DAY), time()) + timedelta(
                seconds=int(sec % SECONDS_PER_DAY)
            )
            dest = trips["dest"][t]
            flights = FLIGHTS.get((tpi, dest)) or (
                f"{'GA' if tpi in ('CGK', 'TKG') else 'JT'}{100 + (t % 800)}",
            )
            nat = persons["nationality"][pid]
            row = [
                tpi,
                no,
                when.strftime("%d/%m/%Y %H:%M:%S"),
                arah,
                persons["passport"][pid],
                nat,
                passport_name[pid],
                format_date(self.birth(pid), dstyle),
                self.p_sex[pid],
                self.typist.country(dest, cstyle),
                flights[t % len(flights)],
            ]
            crossing_id = f"{tpi}-{no}"
            self.delivered.crossings.append((crossing_id, t, arah, sec))
            info = {"trip": t, "arah": arah, "second": sec}
            self._add(
                files,
                "perlintasan",
                sec // SECONDS_PER_DAY,
                office,
                Record(crossing_id, row, True, info),
            )
        return self._sorted(files)

    def imigrasi_wna(self) -> list[FileSpec]:
        """Permits: an initial extract of those active on day 0, then grants, revocations, ends."""
        w = self.w
        pm = w.permits
        files: dict[tuple[str, int], FileSpec] = {}
        persons = w.persons
        for i in range(len(pm)):
            start, end, revoked = pm["start"][i], pm["end"][i], pm["revoked"][i]
            office = OFFICES[pm["office"][i]]
            _, dstyle, title_case, cstyle = OFFICE_STYLE[office]
            pid = pm["person"][i]
            desa, kec, kab = self.place(pid)
            name = persons["name"][pid]
            base = [
                pm["no"][i],
                pm["kind"][i],
                persons["passport"][pid],
                self.typist.country(persons["nationality"][pid], cstyle),
                name.title() if title_case and self.rnd.random() < 0.3 else name,
                format_date(self.birth(pid), dstyle),
                self.p_sex[pid],
                pm["firm"][i],
                f"MESS {pm['firm'][i]}",
                desa,
                kec,
                kab,
                format_date(self.date(start), dstyle),
                format_date(self.date(end), dstyle),
            ]
            versions = []
            if start < 0 <= end and revoked >= 0:
                versions.append((0, "AKTIF"))
            elif self.in_window(start):
                versions.append((start, "AKTIF"))
            if revoked <= end and self.in_window(revoked) and revoked >= start:
                versions.append((max(revoked, versions[0][0] if versions else revoked), "DICABUT"))
            elif self.in_window(end + 1) and revoked > end:
                versions.append((end + 1, "BERAKHIR"))
            for day, status in versions:
                day = int(self.w.workday(np.array([day]))[0])
                info = {"permit": i, "status": status, "day": day}
                rec = Record(pm["no"][i], base + [status], len(versions) == 1, info)
                self._add(files, "wna", day, office, rec)
        return self._sorted(files)

    def imigrasi_timpora(self) -> list[FileSpec]:
        w = self.w
        tp = w.timpora
        files: dict[tuple[str, int], FileSpec] = {}
        rnd = self.rnd
        for i in range(len(tp)):
            day = tp["day"][i]
            report = day + rnd.randint(0, 3)
            if not self.in_window(report):
                continue
            office = OFFICES[tp["office"][i]]
            v = tp["village"][i]
            gaz = self.gaz
            district = gaz.village_district[v]
            regency = gaz.village_regency[v]
            base, city = gaz.regency_base(regency)
            kind, count = tp["kind"][i], tp["count"][i]
            note = {
                "CPMI_NONPROSEDURAL": f"{count} orang calon PMI tanpa dokumen penempatan; "
                "diserahkan ke BP3MI",
                "WNA_TANPA_IZIN": "WNA tidak dapat menunjukkan izin tinggal; "
                f'"{rnd.choice(("TKA", "turis"))}"',
                "WNA_OVERSTAY": "izin tinggal telah berakhir, dikenakan biaya beban",
                "PENYALAHGUNAAN_IZIN": "bekerja tidak sesuai izin tinggal",
                "LAINNYA": "pendataan orang asing; tidak ada pelanggaran berat",
            }[kind]
            row = [
                tp["no"][i],
                format_date(self.date(day), TIMPORA_DATE[office]),
                self.typist.regency(base, city, REGENCY_ABBREVIATIONS.get(regency, "")),
                self.typist.district(gaz.district_name[district], gaz.kemendagri_name[district]),
                self.typist.village(gaz.village_name[v], kel=city),
                kind,
                str(count),
                note,
            ]
            info = {"row": i}
            self._add(
                files, "timpora", report, office, Record(f"{tp['no'][i]}|{kind}", row, True, info)
            )
        return self._sorted(files)

    def bp3mi_penempatan(self) -> list[FileSpec]:
        w = self.w
        pl = w.placements
        files: dict[tuple[str, int], FileSpec] = {}
        p3mi_ids = w.p3mi["id"]
        for i in range(len(pl)):
            reg, dep, new_dep = pl["registered"][i], pl["dep"][i], pl["new_dep"][i]
            versions = []
            if self.in_window(reg):
                versions.append((reg, dep))
            if new_dep != dep:
                upd = int(w.workday(np.array([max(dep, reg + 1)]))[0])
                if self.in_window(upd):
                    versions.append((upd, new_dep))
            if not versions:
                continue
            pid = pl["person"][i]
            place = self.place(pid)
            head = [
                pl["id"][i],
                *self.bp3mi_person(pid, place),
                self.typist.country(pl["dest"][i]),
                pl["jabatan"][i],
                pl["sektor"][i],
                pl["skema"][i],
                p3mi_ids[pl["p3mi"][i]],
                pl["passport"][i],
            ]
            for day, d in versions:
                row = head + [self.xlsx_date(self.date(d)), self.xlsx_date(self.date(d + 730))]
                info = {"placement": i, "dep": d}
                rec = Record(pl["id"][i], row, len(versions) == 1, info)
                self._add(files, "penempatan", day, None, rec)
        return self._sorted(files)

    def bp3mi_pengaduan(self) -> list[FileSpec]:
        w = self.w
        cp = w.complaints
        files: dict[tuple[str, int], FileSpec] = {}
        rnd = self.rnd
        for i in range(len(cp)):
            day = int(w.workday(np.array([cp["day"][i] + rnd.randint(0, 1)]))[0])
            if not self.in_window(day):
                continue
            pid = cp["person"][i]
            place = self.place(pid)
            r = cp["recruiter"][i]
            perekrut = ""
            if r >= 0:
                aliases = w.recruiters["aliases"][r]
                perekrut = rnd.choice(aliases[1:4] if rnd.random() < 0.7 else aliases)
            row = [
                cp["id"][i],
                self.xlsx_date(self.date(cp["day"][i])),
                *self.bp3mi_person(pid, place),
                self.typist.country(cp["dest"][i]),
                cp["kind"][i],
                cp["status"][i],
                w.p3mi["id"][cp["p3mi"][i]] if cp["p3mi"][i] >= 0 else "",
                perekrut,
                cp["tppo"][i],
            ]
            self._add(
                files, "pengaduan", day, None, Record(cp["id"][i], row, True, {"complaint": i})
            )
        return self._sorted(files)

    def bp3mi_p3mi(self) -> list[FileSpec]:
        """A full register snapshot on day 0 and every Monday after."""
        w = self.w
        files = []
        mondays = [d for d in range(w.p.days) if d == 0 or (w.start_weekday + d) % 7 == 0]
        gaz = self.gaz
        for day in mondays:
            spec = FileSpec("p3mi", day, None)
            for i in range(len(w.p3mi)):
                status, since = p3mi_status(w, i, day)
                base, city = gaz.regency_base(w.p3mi["branch"][i])
                row = [
                    w.p3mi["id"][i],
                    w.p3mi["name"][i],
                    w.p3mi["licence"][i],
                    status,
                    self.xlsx_date(self.date(since) if since > -10_000 else date(2015, 1, 1)),
                    f"{'KOTA' if city else 'KAB.'} {base}",
                ]
                spec.records.append(
                    Record(w.p3mi["id"][i], row, False, {"p3mi": i, "status": status})
                )
            files.append(spec)
        return files

    def polda_kasus(self) -> list[FileSpec]:
        w = self.w
        cs = w.cases
        files: dict[tuple[str, int], FileSpec] = {}
        rnd = self.rnd
        for i in range(len(cs)):
            stages = [(t, d) for t, d in cs["stages"][i] if self.in_window(d)]
            if not stages:
                continue
            satuan = cs["satuan"][i]
            dstyle = (
                "ISO" if satuan == "POLDA LAMPUNG" else rnd.choice(("ISO", "DMY_DASH", "D_MONTH"))
            )
            pihak = []
            for role, people in (
                ("KORBAN", cs["victims"][i]),
                ("TERSANGKA", cs["suspects"][i]),
                ("SAKSI", cs["witnesses"][i]),
            ):
                for pid in people:
                    pihak.append(self._person_obj(pid, dstyle, role))
            regency = cs["regency"][i]
            base, city = self.gaz.regency_base(regency)
            dest = None if cs["dest"][i] == "IDN" else self.typist.country(cs["dest"][i])
            lokasi = self.typist.regency(base, city, REGENCY_ABBREVIATIONS.get(regency, ""))
            for t, d in stages:
                stamp = datetime.combine(self.date(d), time(rnd.randint(8, 20), rnd.randint(0, 59)))
                obj = {
                    "nomor_lp": cs["nomor"][i],
                    "tgl_lapor": self.date(cs["day"][i]).isoformat(),
                    "tgl_kejadian": self.date(cs["incident"][i]).isoformat(),
                    "satuan": satuan,
                    "modus": cs["modus"][i],
                    "negara_tujuan": dest,
                    "lokasi_kabupaten": lokasi,
                    "tahap": t,
                    "diperbarui_pada": stamp.isoformat() + "+07:00",
                    "pihak": pihak,
                }
                info = {"case": i, "tahap": t}
                rec = Record(cs["nomor"][i], obj, len(stages) == 1, info)
                self._add(files, "kasus_tppo", d, None, rec)
        return self._sorted(files)

    def _person_obj(self, pid: int, dstyle: str, role: str | None) -> dict:
        desa, kec, kab = self.place(pid)
        obj = {"peran": role} if role else {}
        alias = None
        if role == "TERSANGKA" and self.p_role[pid] == "RECRUITER":
            r = self.w.recruiters["person"].index(pid)
            alias = self.rnd.choice(self.w.recruiters["aliases"][r][1:3])
        obj.update(
            {
                "nik": self.nik(pid),
                "nama": self.name(pid, 0.8),
                "tgl_lahir": format_date(self.birth(pid), dstyle),
                "jenis_kelamin": self.p_sex[pid],
                "desa": desa,
                "kecamatan": kec,
                "kabupaten": kab,
            }
        )
        if role:
            obj["alias"] = alias
            obj = {k: obj[k] for k in PIHAK_FIELDS}
        return obj

    def polda_penggagalan(self) -> list[FileSpec]:
        w = self.w
        it = w.interdictions
        files: dict[tuple[str, int], FileSpec] = {}
        rnd = self.rnd
        for i in range(len(it)):
            day = it["day"][i] + (1 if rnd.random() < 0.3 else 0)
            if not self.in_window(day):
                continue
            sec = it["second"][i]
            stamp = datetime.combine(self.date(sec // SECONDS_PER_DAY), time()) + timedelta(
                seconds=int(sec % SECONDS_PER_DAY)
            )
            r = it["recruiter"][i]
            perekrut = (
                rnd.choice(w.recruiters["aliases"][r]) if r >= 0 and rnd.random() < 0.85 else None
            )
            dstyle = rnd.choice(("ISO", "ISO", "DMY_DASH"))
            obj = {
                "id_penggagalan": it["id"][i],
                "waktu": stamp.isoformat() + "+07:00",
                "lokasi": lokasi_text(rnd, it["lokasi"][i]),
                "negara_tujuan": self.typist.country(it["dest"][i]),
                "perekrut": perekrut,
                "orang": [self._person_obj(pid, dstyle, None) for pid in it["persons"][i]],
            }
            self._add(
                files, "penggagalan", day, None, Record(it["id"][i], obj, True, {"interdiction": i})
            )
        return self._sorted(files)

    # ------------------------------------------------------------------ assembly
    @staticmethod
    def _add(files: dict, feed: str, day: int, office: str | None, rec: Record) -> None:
        key = (office or "", int(day))
        spec = files.get(key)
        if spec is None:
            spec = files[key] = FileSpec(feed, int(day), office)
        spec.records.append(rec)

    @staticmethod
    def _sorted(files: dict) -> list[FileSpec]:
        return [files[k] for k in sorted(files, key=lambda k: (k[1], k[0]))]

    def run(self) -> Delivered:
        """Render every feed, apply the delivery habits, write the files."""
        builders = {
            "paspor": self.imigrasi_paspor,
            "perlintasan": self.imigrasi_perlintasan,
            "wna": self.imigrasi_wna,
            "timpora": self.imigrasi_timpora,
            "penempatan": self.bp3mi_penempatan,
            "pengaduan": self.bp3mi_pengaduan,
            "p3mi": self.bp3mi_p3mi,
            "kasus_tppo": self.polda_kasus,
            "penggagalan": self.polda_penggagalan,
        }
        for feed, build in builders.items():
            specs = build()
            self.delivered.broken.setdefault(feed, set())
            self.delivered.versions.setdefault(feed, {})
            self.delivered.rows_per_feed.setdefault(feed, 0)
            for spec in specs:
                self.write(spec)
        return self.delivered

    def file_name(self, spec: FileSpec, suffix: str = "") -> str:
        ext = {"imigrasi": "csv", "bp3mi": "xlsx", "polda": "jsonl"}[spec.source]
        stamp = f"{self.date(spec.day):%Y%m%d}"
        office = f"_{spec.office}" if spec.office else ""
        return f"{spec.feed}{office}_{stamp}{suffix}.{ext}"

    def folder(self, spec: FileSpec, day: int) -> Path:
        return Path("landing") / spec.source / spec.feed / f"{self.date(day):%Y-%m-%d}"

    def write(self, spec: FileSpec) -> None:
        """Write one delivery, plus its re-send and its correction when the dice say so."""
        rnd, rates = self.rnd, self.rates
        n = len(spec.records)
        revise = spec.feed != "p3mi" and rnd.random() < rates["file_revision"]
        corrupted: set[int] = set()
        if revise:
            k = max(1, int(round(n * rates["revision_row_share"])))
            corrupted = set(rnd.sample(range(n), min(k, n)))
        broken: list[int] = []
        if spec.source == "imigrasi":
            for i, rec in enumerate(spec.records):
                if (
                    rec.single_version
                    and i not in corrupted
                    and rnd.random() < rates["csv_broken_row"]
                ):
                    broken.append(i)
        elif (
            spec.source == "polda"
            and n
            and rnd.random() < rates["jsonl_truncated_file"]
            and spec.records[-1].single_version
            and (n - 1) not in corrupted
        ):
            broken.append(n - 1)
        rows = [
            self.corrupt(spec, rec.row) if i in corrupted else rec.row
            for i, rec in enumerate(spec.records)
        ]
        data = self.encode(spec, rows, set(broken))
        rel = self.folder(spec, spec.day) / self.file_name(spec)
        late = rnd.random() < rates["file_late"]
        arrival = spec.day + (rnd.randint(2, 10) if late else 0)
        self._emit(spec, rel, data, spec.day, arrival, n, broken, "", False, late)
        for i in broken:
            self.delivered.broken[spec.feed].add(spec.records[i].key)
        self.delivered.rows_per_feed[spec.feed] += n
        if revise:
            fixed = self.encode(spec, [rec.row for rec in spec.records], set())
            rrel = self.folder(spec, spec.day) / self.file_name(spec, "_revisi")
            self._emit(
                spec, rrel, fixed, spec.day, arrival + rnd.randint(1, 5), n, [], "", True, False
            )
        if rnd.random() < rates["file_duplicate"]:
            later = spec.day + rnd.randint(1, 5)
            if rnd.random() < 0.5 or later >= self.w.p.days:
                drel = self.folder(spec, spec.day) / self.file_name(spec, "_1")
                dday = spec.day
            else:
                drel = self.folder(spec, later) / self.file_name(spec, "_kirimulang")
                dday = later
            self._emit(
                spec,
                drel,
                data,
                dday,
                max(dday, arrival) + rnd.randint(0, 2),
                n,
                broken,
                str(rel),
                False,
                False,
            )

    def _emit(
        self,
        spec: FileSpec,
        rel: Path,
        data: bytes,
        day: int,
        arrival: int,
        n: int,
        broken: list[int],
        duplicate_of: str,
        revision: bool,
        late: bool,
    ) -> None:
        path = self.landing / rel.relative_to("landing")  # rel stays landing/... in the truth
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        header_lines = {"imigrasi": 1, "bp3mi": 3, "polda": 0}[spec.source]
        self.delivered.files.append(
            {
                "path": rel.as_posix(),
                "source": spec.source,
                "feed": spec.feed,
                "office": spec.office or "",
                "delivery_date": self.date(day).isoformat(),
                "arrival_date": self.date(arrival).isoformat(),
                "data_rows": n,
                "broken_rows": "|".join(str(i + header_lines + 1) for i in broken),
                "broken_keys": "|".join(spec.records[i].key for i in broken),
                "is_duplicate_of": duplicate_of,
                "is_revision": revision,
                "is_late": late,
            }
        )
        if not duplicate_of:
            store = self.delivered.versions.setdefault(spec.feed, {})
            for i, rec in enumerate(spec.records):
                if i not in broken:
                    store.setdefault(rec.key, []).append((day, revision, rec.info))

    def corrupt(self, spec: FileSpec, row: list | dict) -> list | dict:
        """The error that the `_revisi` file later corrects: a name or date slip."""
        rnd = self.rnd
        if isinstance(row, dict):
            out = json.loads(json.dumps(row))
            people = out.get("pihak") or out.get("orang") or []
            if people:
                person = rnd.choice(people)
                person["nama"] = person["nama"][:-1]
            return out
        cols = COLUMNS[spec.feed]
        out = list(row)
        target = "nama" if "nama" in cols else ("desa" if "desa" in cols else cols[-1])
        j = cols.index(target)
        value = str(out[j])
        slipped = typo(rnd, value) if len(value) >= 5 else value
        out[j] = slipped if slipped != value else value[:-1]
        return out

    # ------------------------------------------------------------------ encoders
    def encode(self, spec: FileSpec, rows: list, broken: set[int]) -> bytes:
        if spec.source == "imigrasi":
            return self.encode_csv(spec, rows, broken)
        if spec.source == "bp3mi":
            return self.encode_xlsx(spec, rows)
        return self.encode_jsonl(rows, broken)

    def encode_csv(self, spec: FileSpec, rows: list, broken: set[int]) -> bytes:
        """`;`-separated, CRLF, minimal quoting; broken rows carry an unquoted `;` in a field."""
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        cols = COLUMNS[spec.feed]
        writer.writerow(cols)
        target = {
            "paspor": "alamat",
            "wna": "alamat",
            "timpora": "keterangan",
            "perlintasan": "no_penerbangan",
        }[spec.feed]
        j = cols.index(target)
        for i, row in enumerate(rows):
            cells = ["" if c is None else str(c) for c in row]
            if i in broken:
                cells[j] = (
                    cells[j].replace(";", ",").replace('"', "")
                    + "; "
                    + ("GG. MAWAR" if target == "alamat" else "TRANSIT")
                )
                buf.write(";".join(cells) + "\r\n")
            else:
                writer.writerow(cells)
        bom = spec.office is not None and OFFICE_STYLE[spec.office][0]
        return ("\ufeff" if bom else "").encode() + buf.getvalue().encode("utf-8")

    def encode_xlsx(self, spec: FileSpec, rows: list) -> bytes:
        """Sheet `Data`: report name, period, header, rows; dates as Excel dates or text."""
        buf = io.BytesIO()
        wb = xlsxwriter.Workbook(buf, {"in_memory": True})
        stamp = datetime.combine(self.date(spec.day), time(7, 0))
        wb.set_properties({"title": spec.feed, "author": "SISKOP2MI", "created": stamp})
        ws = wb.add_worksheet("Data")
        datefmt = wb.add_format({"num_format": "dd/mm/yyyy"})
        titles = {
            "penempatan": "LAPORAN DATA PENEMPATAN PMI",
            "pengaduan": "LAPORAN PENGADUAN PMI",
            "p3mi": "DAFTAR P3MI BERIZIN (CABANG LAMPUNG)",
        }
        d = self.date(spec.day)
        ws.write_string(0, 0, f"{titles[spec.feed]} - BP3MI LAMPUNG")
        period = format_date(d, "D_MONTH")
        ws.write_string(
            1,
            0,
            f"Periode: {period} s.d. {period}" if spec.feed != "p3mi" else f"Posisi per {period}",
        )
        for c, name in enumerate(COLUMNS[spec.feed]):
            ws.write_string(2, c, name)
        for r, row in enumerate(rows, start=3):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, date):
                    ws.write_datetime(r, c, datetime.combine(value, time()), datefmt)
                elif isinstance(value, float):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
        wb.close()
        return buf.getvalue()

    @staticmethod
    def encode_jsonl(rows: list, broken: set[int]) -> bytes:
        lines = [json.dumps(obj, ensure_ascii=False) for obj in rows]
        text = "".join(line + "\n" for line in lines)
        if broken:  # only ever the last line: an export cut short
            last = lines[-1]
            text = "".join(line + "\n" for line in lines[:-1]) + last[: max(10, len(last) * 2 // 3)]
        return text.encode("utf-8")
