"""Readers of a generated landing area that use only the feed contract.

The readers here follow FEEDS.md, not the generator's code: the expected columns are
copied from FEEDS.md so that a change in the generator cannot silently change them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from pathlib import Path

import fastexcel
import polars as pl

EXPECTED_COLUMNS = {
    "paspor": "no_permohonan; kode_kantor; tgl_permohonan; nik; nama; tempat_lahir; tgl_lahir; "
    "jenis_kelamin; alamat; desa; kecamatan; kabupaten; tujuan_permohonan; negara_tujuan; status; "
    "alasan_penundaan; no_paspor; tgl_keputusan",
    "perlintasan": "kode_tpi; no_perlintasan; waktu; arah; no_paspor; kewarganegaraan; nama; "
    "tgl_lahir; jenis_kelamin; negara; no_penerbangan",
    "wna": "no_izin; jenis_izin; no_paspor; kewarganegaraan; nama; tgl_lahir; jenis_kelamin; "
    "penjamin; alamat; desa; kecamatan; kabupaten; berlaku_dari; berlaku_sampai; status",
    "timpora": "no_operasi; tgl_operasi; kabupaten; kecamatan; desa; jenis_temuan; jumlah_orang; "
    "keterangan",
    "penempatan": "id_penempatan; nik; nama; tgl_lahir; jenis_kelamin; desa; kecamatan; kabupaten; "
    "negara_penempatan; jabatan; sektor; skema; id_p3mi; no_paspor; tgl_keberangkatan; "
    "tgl_akhir_kontrak",
    "p3mi": "id_p3mi; nama_perusahaan; no_izin; status_izin; tgl_status; kabupaten_cabang",
    "pengaduan": "id_kasus; tgl_lapor; nik; nama; tgl_lahir; jenis_kelamin; desa; kecamatan; "
    "kabupaten; negara; jenis_kasus; status_prosedural; id_p3mi; nama_perekrut; indikasi_tppo",
    "kasus_tppo": "nomor_lp; tgl_lapor; tgl_kejadian; satuan; modus; negara_tujuan; "
    "lokasi_kabupaten; tahap; diperbarui_pada; pihak",
    "penggagalan": "id_penggagalan; waktu; lokasi; negara_tujuan; perekrut; orang",
}
EXPECTED_COLUMNS = {k: tuple(v.split("; ")) for k, v in EXPECTED_COLUMNS.items()}
SOURCE = {
    "paspor": "imigrasi",
    "perlintasan": "imigrasi",
    "wna": "imigrasi",
    "timpora": "imigrasi",
    "penempatan": "bp3mi",
    "p3mi": "bp3mi",
    "pengaduan": "bp3mi",
    "kasus_tppo": "polda",
    "penggagalan": "polda",
}
MONTHS = {
    m: i + 1
    for i, names in enumerate(
        zip(
            ["jan", "feb", "mar", "apr", "mei", "jun", "jul", "agu", "sep", "okt", "nov", "des"],
            [
                "januari",
                "februari",
                "maret",
                "april",
                "mei",
                "juni",
                "juli",
                "agustus",
                "september",
                "oktober",
                "november",
                "desember",
            ],
            strict=True,
        )
    )
    for m in names
}


def parse_date(value: object) -> date | None:
    """Every date form of FEEDS.md, and Excel date cells as fastexcel returns them."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?: 00:00:00)?", text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d{2})[/-](\d{2})[/-](\d{4})", text):
        return date(int(m[3]), int(m[2]), int(m[1]))
    if m := re.fullmatch(r"(\d{1,2}) ([A-Za-z]+) (\d{4})", text):
        return date(int(m[3]), MONTHS[m[2].lower()], int(m[1]))
    raise ValueError(f"unparseable date {text!r}")


class Landing:
    """A generated folder, read the way a consumer of FEEDS.md would read it."""

    def __init__(self, root: Path, summary: dict) -> None:
        self.root = root
        self.summary = summary
        self.files = pl.read_csv(root / "truth" / "files.csv", infer_schema=False)

    def paths(self, feed: str, revisions: bool = False) -> list[Path]:
        """Every first delivery of a feed (re-sends left out), with `_revisi` files if asked."""
        rows = self.files.filter(pl.col("feed") == feed).filter(
            (pl.col("is_duplicate_of") == "") | pl.col("is_duplicate_of").is_null()
        )
        if not revisions:
            rows = rows.filter(pl.col("is_revision") == "false")
        return [self.root / p for p in rows["path"].to_list()]

    def broken_keys(self, feed: str) -> set[str]:
        keys = self.files.filter(pl.col("feed") == feed)["broken_keys"].drop_nulls().to_list()
        return {k for joined in keys for k in joined.split("|") if k}

    @staticmethod
    def csv_rows(path: Path) -> tuple[list[str], list[list[str]], bytes]:
        raw = path.read_bytes()
        text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
        return rows[0], rows[1:], raw

    @staticmethod
    def xlsx_frame(path: Path) -> pl.DataFrame:
        reader = fastexcel.read_excel(path)
        assert reader.sheet_names == ["Data"]
        return reader.load_sheet("Data", header_row=2, dtypes="string").to_polars()

    @staticmethod
    def jsonl_objects(path: Path) -> tuple[list[dict], int]:
        objects, bad = [], 0
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                objects.append(json.loads(line))
            except json.JSONDecodeError:
                bad += 1
        return objects, bad

    def records(self, feed: str, revisions: bool = False) -> list[tuple[str, dict]]:
        """(delivery date, record) for every intact row of the first deliveries of a feed."""
        out = []
        cols = EXPECTED_COLUMNS[feed]
        for path in self.paths(feed, revisions):
            day = path.parent.name
            if SOURCE[feed] == "imigrasi":
                _, rows, _ = self.csv_rows(path)
                out += [(day, dict(zip(cols, r, strict=True))) for r in rows if len(r) == len(cols)]
            elif SOURCE[feed] == "bp3mi":
                out += [(day, r) for r in self.xlsx_frame(path).to_dicts()]
            else:
                out += [(day, obj) for obj in self.jsonl_objects(path)[0]]
        return out

    def truth(self, name: str) -> pl.DataFrame:
        return pl.read_csv(self.root / "truth" / f"{name}.csv", infer_schema=False)
