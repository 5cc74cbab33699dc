"""The nine agency feeds as the warehouse knows them: one declaration per feed.

Everything that depends on a feed's contract (../shared/FEEDS.md) reads it from
here: the readers (which columns to expect), the parsers (which field is a NIK,
a date, a country), the raw tables the loader writes, the Great Expectations
suites and the dbt sources. Change a feed here, nowhere else.

Raw tables live in schema ``raw`` of the restricted warehouse and are named
``<source>__<feed>`` (``raw.imigrasi__paspor``). Each holds:

- every delivered column as text (trimmed; enumerations upper-cased),
- lineage: ``_file_sha256``, ``_file_name`` (path below the landing folder),
  ``_delivery_date`` (the date folder), ``_is_revisi`` (a ``_revisi`` file),
  ``_row_number`` (1-based data row in the file; for CSV the header is row 0),
  ``_batch_id`` (the run that loaded it),
- parsed columns derived by :mod:`ingest.parsing`, named by rule:
  ``<field>_date`` (DATE), ``<field>_ts`` (TIMESTAMP, WIB wall time),
  ``<field>_int`` (INTEGER),
  ``nik_status``/``nik_key``/``nik_district`` for a NIK field named ``nik``,
  ``no_paspor_key`` for a passport number.

Nested person arrays of the police feeds become child tables
``raw.polda__kasus_tppo_pihak`` and ``raw.polda__penggagalan_orang``, keyed to
their parent by the parent's business key plus ``_file_sha256`` and
``_row_number``, with ``_person_index`` (1-based position in the array).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Format = Literal["csv", "xlsx", "jsonl"]

PERSON_FIELDS_KASUS = (
    "peran",
    "nik",
    "nama",
    "alias",
    "tgl_lahir",
    "jenis_kelamin",
    "desa",
    "kecamatan",
    "kabupaten",
)
PERSON_FIELDS_PENGGAGALAN = (
    "nik",
    "nama",
    "tgl_lahir",
    "jenis_kelamin",
    "desa",
    "kecamatan",
    "kabupaten",
)


@dataclass(frozen=True)
class Child:
    """A nested array of persons inside a JSON Lines record."""

    array_field: str
    table: str
    columns: tuple[str, ...]
    dates: tuple[str, ...] = ()
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    nik: bool = True


@dataclass(frozen=True)
class Feed:
    """One agency export: where it lands, how it is read and what it holds.

    ``required`` fields must parse or the row is quarantined; every other
    field that fails to parse is kept as delivered with a NULL parsed column.
    """

    source: str
    name: str
    format: Format
    columns: tuple[str, ...]
    key: tuple[str, ...]
    required: tuple[str, ...]
    dates: tuple[str, ...] = ()
    timestamps: tuple[str, ...] = ()
    integers: tuple[str, ...] = ()
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    nik: bool = False
    passport: bool = False
    child: Child | None = None
    snapshot: bool = False

    @property
    def table(self) -> str:
        return f"{self.source}__{self.name}"


SEX = ("L", "P")

FEEDS: tuple[Feed, ...] = (
    Feed(
        source="imigrasi",
        name="paspor",
        format="csv",
        columns=(
            "no_permohonan", "kode_kantor", "tgl_permohonan", "nik", "nama", "tempat_lahir",
            "tgl_lahir", "jenis_kelamin", "alamat", "desa", "kecamatan", "kabupaten",
            "tujuan_permohonan", "negara_tujuan", "status", "alasan_penundaan", "no_paspor",
            "tgl_keputusan",
        ),
        key=("no_permohonan",),
        required=("no_permohonan", "tgl_permohonan", "status"),
        dates=("tgl_permohonan", "tgl_lahir", "tgl_keputusan"),
        enums={
            "jenis_kelamin": SEX,
            "tujuan_permohonan": (
                "WISATA", "UMROH", "HAJI", "KUNJUNGAN_KELUARGA", "BEKERJA", "BELAJAR",
                "BEROBAT", "DINAS", "LAINNYA",
            ),
            "status": ("PROSES", "TERBIT", "DITUNDA", "DITOLAK"),
        },
        nik=True,
        passport=True,
    ),
    Feed(
        source="imigrasi",
        name="perlintasan",
        format="csv",
        columns=(
            "kode_tpi", "no_perlintasan", "waktu", "arah", "no_paspor", "kewarganegaraan",
            "nama", "tgl_lahir", "jenis_kelamin", "negara", "no_penerbangan",
        ),
        key=("kode_tpi", "no_perlintasan"),
        required=("kode_tpi", "no_perlintasan", "waktu", "arah"),
        dates=("tgl_lahir",),
        timestamps=("waktu",),
        enums={"arah": ("KEBERANGKATAN", "KEDATANGAN"), "jenis_kelamin": SEX},
        passport=True,
    ),
    Feed(
        source="imigrasi",
        name="wna",
        format="csv",
        columns=(
            "no_izin", "jenis_izin", "no_paspor", "kewarganegaraan", "nama", "tgl_lahir",
            "jenis_kelamin", "penjamin", "alamat", "desa", "kecamatan", "kabupaten",
            "berlaku_dari", "berlaku_sampai", "status",
        ),
        key=("no_izin",),
        required=("no_izin", "berlaku_dari", "status"),
        dates=("tgl_lahir", "berlaku_dari", "berlaku_sampai"),
        enums={
            "jenis_izin": ("ITAS", "ITAP", "ITK", "KITAS_INVESTOR"),
            "jenis_kelamin": SEX,
            "status": ("AKTIF", "BERAKHIR", "DICABUT"),
        },
        passport=True,
    ),
    Feed(
        source="imigrasi",
        name="timpora",
        format="csv",
        columns=(
            "no_operasi", "tgl_operasi", "kabupaten", "kecamatan", "desa", "jenis_temuan",
            "jumlah_orang", "keterangan",
        ),
        key=("no_operasi", "jenis_temuan"),
        required=("no_operasi", "tgl_operasi", "jenis_temuan", "jumlah_orang"),
        dates=("tgl_operasi",),
        integers=("jumlah_orang",),
        enums={
            "jenis_temuan": (
                "WNA_TANPA_IZIN", "WNA_OVERSTAY", "PENYALAHGUNAAN_IZIN", "CPMI_NONPROSEDURAL",
                "LAINNYA",
            ),
        },
    ),
    Feed(
        source="bp3mi",
        name="penempatan",
        format="xlsx",
        columns=(
            "id_penempatan", "nik", "nama", "tgl_lahir", "jenis_kelamin", "desa", "kecamatan",
            "kabupaten", "negara_penempatan", "jabatan", "sektor", "skema", "id_p3mi",
            "no_paspor", "tgl_keberangkatan", "tgl_akhir_kontrak",
        ),
        key=("id_penempatan",),
        required=("id_penempatan", "tgl_keberangkatan"),
        dates=("tgl_lahir", "tgl_keberangkatan", "tgl_akhir_kontrak"),
        enums={
            "jenis_kelamin": SEX,
            "sektor": ("FORMAL", "INFORMAL"),
            "skema": ("P2P", "G2G", "MANDIRI", "UKPS"),
        },
        nik=True,
        passport=True,
    ),
    Feed(
        source="bp3mi",
        name="p3mi",
        format="xlsx",
        columns=(
            "id_p3mi", "nama_perusahaan", "no_izin", "status_izin", "tgl_status",
            "kabupaten_cabang",
        ),
        key=("id_p3mi",),
        required=("id_p3mi", "status_izin"),
        dates=("tgl_status",),
        enums={"status_izin": ("AKTIF", "DIBEKUKAN", "DICABUT")},
        snapshot=True,
    ),
    Feed(
        source="bp3mi",
        name="pengaduan",
        format="xlsx",
        columns=(
            "id_kasus", "tgl_lapor", "nik", "nama", "tgl_lahir", "jenis_kelamin", "desa",
            "kecamatan", "kabupaten", "negara", "jenis_kasus", "status_prosedural", "id_p3mi",
            "nama_perekrut", "indikasi_tppo",
        ),
        key=("id_kasus",),
        required=("id_kasus", "tgl_lapor"),
        dates=("tgl_lapor", "tgl_lahir"),
        enums={
            "jenis_kelamin": SEX,
            "status_prosedural": ("PROSEDURAL", "NONPROSEDURAL", "TIDAK_DIKETAHUI"),
            "indikasi_tppo": ("Y", "N"),
        },
        nik=True,
    ),
    Feed(
        source="polda",
        name="kasus_tppo",
        format="jsonl",
        columns=(
            "nomor_lp", "tgl_lapor", "tgl_kejadian", "satuan", "modus", "negara_tujuan",
            "lokasi_kabupaten", "tahap", "diperbarui_pada",
        ),
        key=("nomor_lp",),
        required=("nomor_lp", "tgl_lapor"),
        dates=("tgl_lapor", "tgl_kejadian"),
        timestamps=("diperbarui_pada",),
        enums={
            "modus": (
                "PMI_NONPROSEDURAL", "EKSPLOITASI_SEKSUAL", "KERJA_PAKSA", "ONLINE_SCAM", "ANAK",
                "ABK_KAPAL", "LAINNYA",
            ),
            "tahap": ("LIDIK", "SIDIK", "P21", "SP3"),
        },
        child=Child(
            array_field="pihak",
            table="polda__kasus_tppo_pihak",
            columns=PERSON_FIELDS_KASUS,
            dates=("tgl_lahir",),
            enums={"peran": ("KORBAN", "TERSANGKA", "SAKSI"), "jenis_kelamin": SEX},
        ),
    ),
    Feed(
        source="polda",
        name="penggagalan",
        format="jsonl",
        columns=("id_penggagalan", "waktu", "lokasi", "negara_tujuan", "perekrut"),
        key=("id_penggagalan",),
        required=("id_penggagalan", "waktu"),
        timestamps=("waktu",),
        child=Child(
            array_field="orang",
            table="polda__penggagalan_orang",
            columns=PERSON_FIELDS_PENGGAGALAN,
            dates=("tgl_lahir",),
            enums={"jenis_kelamin": SEX},
        ),
    ),
)

FEEDS_BY_NAME: dict[str, Feed] = {f.name: f for f in FEEDS}
SOURCES: tuple[str, ...] = ("imigrasi", "bp3mi", "polda")

def feed(name: str) -> Feed:
    """The feed called ``name`` (``paspor``, ``kasus_tppo``...), or a clear error."""
    try:
        return FEEDS_BY_NAME[name]
    except KeyError:
        known = ", ".join(sorted(FEEDS_BY_NAME))
        raise KeyError(f"unknown feed {name!r}; known feeds: {known}") from None
