"""The report's section "Rute keberangkatan non-prosedural" (marts.mart_routes).

Where suspected non-procedural migrants come from, where they leave Indonesia and for
which country, over the report's last three months; where the police stopped departures;
and Lampung as a transit province: groups from outside Lampung stopped on their way
(Bakauheni, the ferry port to Java). Read from ``dashboard.duckdb`` only: a route cell of
1-4 arrives withheld, so a sum over months that holds one is shown as a lower bound
(``≥N*``), never as the exact figure.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from tppo.report.format import SUPPRESSED, month_name, number, table, text

TOP_ROUTES = 10
MONTHS = 3
TRANSIT_MONTHS = 12
COUNTRIES = {
    "MYS": "Malaysia", "SAU": "Arab Saudi", "ARE": "Uni Emirat Arab", "QAT": "Qatar",
    "KWT": "Kuwait", "OMN": "Oman", "BHR": "Bahrain", "TUR": "Turki", "TWN": "Taiwan",
    "HKG": "Hong Kong", "SGP": "Singapura", "BRN": "Brunei Darussalam", "KOR": "Korea Selatan",
    "JPN": "Jepang", "KHM": "Kamboja", "MMR": "Myanmar", "LAO": "Laos", "THA": "Thailand",
    "POL": "Polandia", "UNKNOWN": "tidak diketahui",
}  # fmt: skip


def _sum(m: str) -> str:
    """A count summed over cells of the copy: (shown total, withheld cells)."""
    return f"sum(coalesce({m}, 0)), count(*) FILTER (WHERE {m}_suppressed)"


def _at_least(shown: int, withheld: int) -> str:
    """A sum of protected cells: exact when none is withheld, else a lower bound."""
    if not withheld:
        return number(shown)
    if not shown and withheld == 1:
        return SUPPRESSED
    return (f"<span class='sup' title='sedikitnya: {number(withheld)} angka 1-4 ikut "
            f"dijumlah sebagai 1'>≥{number(shown + withheld)}*</span>")


def _country(code: str | None) -> str:
    return text(COUNTRIES.get(code or "", code))


def section(con: duckdb.DuckDBPyConnection, latest: dt.date) -> str:
    """The section's HTML for the months up to ``latest``; empty without the mart."""
    have = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                       "'marts' AND table_name = 'mart_routes'").fetchall()[0][0]
    if not have:
        return ""
    first = (latest.replace(day=15) - dt.timedelta(days=31 * (MONTHS - 1))).replace(day=1)
    since = f"{month_name(first)} s.d. {month_name(latest)}"
    routes = con.execute(
        f"""SELECT origin_regency_name, checkpoint_name, destination_country,
                   {_sum('suspected_nonprocedural_departures')},
                   sum(coalesce(suspected_nonprocedural_departures, 0)) FILTER (WHERE month = $2),
                   count(*) FILTER (WHERE month = $2
                                    AND suspected_nonprocedural_departures_suppressed),
                   {_sum('procedural_departures')}
            FROM marts.mart_routes
            WHERE month BETWEEN $1 AND $2 AND is_immigration_checkpoint
            GROUP BY origin_regency_code, origin_regency_name, checkpoint_code, checkpoint_name,
                     destination_country
            HAVING sum(coalesce(suspected_nonprocedural_departures, 0))
                   + count(*) FILTER (WHERE suspected_nonprocedural_departures_suppressed) > 0
            ORDER BY sum(coalesce(suspected_nonprocedural_departures, 0))
                     + count(*) FILTER (WHERE suspected_nonprocedural_departures_suppressed) DESC,
                     origin_regency_code, checkpoint_code, destination_country
            LIMIT $3""", [first, latest, TOP_ROUTES]).fetchall()
    route_rows = [[number(i), text(r[0]), text(r[1]), _country(r[2]), _at_least(r[3], r[4]),
                   _at_least(r[5] or 0, r[6]), _at_least(r[7], r[8])]
                  for i, r in enumerate(routes, 1)]
    places = con.execute(
        f"""SELECT checkpoint_name, {_sum('interdictions')}, {_sum('interdicted_persons')},
                   sum(coalesce(interdicted_persons, 0)) FILTER (WHERE is_transit),
                   count(*) FILTER (WHERE is_transit AND interdicted_persons_suppressed)
            FROM marts.mart_routes
            WHERE month BETWEEN $1 AND $2
              AND (interdictions > 0 OR interdictions_suppressed OR interdicted_persons > 0
                   OR interdicted_persons_suppressed)
            GROUP BY checkpoint_code, checkpoint_name
            ORDER BY sum(coalesce(interdicted_persons, 0))
                     + count(*) FILTER (WHERE interdicted_persons_suppressed) DESC,
                     checkpoint_code""", [first, latest]).fetchall()
    place_rows = [[text(r[0]), _at_least(r[1], r[2]), _at_least(r[3], r[4]),
                   _at_least(r[5] or 0, r[6])] for r in places]
    transit_first = (latest.replace(day=15)
                     - dt.timedelta(days=31 * (TRANSIT_MONTHS - 1))).replace(day=1)
    transit = con.execute(
        """SELECT month, checkpoint_name, destination_country, interdictions,
                  interdicted_persons
           FROM marts.mart_routes
           WHERE is_transit AND month BETWEEN $1 AND $2
           ORDER BY month DESC, checkpoint_code, destination_country""",
        [transit_first, latest]).fetchall()
    transit_rows = [[text(month_name(r[0])), text(r[1]), _country(r[2]),
                     _at_least(r[3] or 0, r[3] is None), _at_least(r[4] or 0, r[4] is None)]
                    for r in transit]
    return (
        "<h2 id='rute'>Rute keberangkatan non-prosedural</h2>"
        f"<p>Dari mana calon pekerja migran yang diduga berangkat nonprosedural berasal, "
        f"lewat pintu keluar (tempat pemeriksaan imigrasi) mana dan ke negara apa, {since}. "
        "Asal: kabupaten/kota tempat tinggal pelintas (tidak diketahui bila pelintas hanya "
        "dikenal dari paspornya). ≥N*: jumlah yang memuat angka 1-4 yang disamarkan, "
        "dihitung sebagai 1.</p>"
        f"<h3>{TOP_ROUTES} rute utama dugaan keberangkatan nonprosedural</h3>"
        + table(["No", "Asal", "Pintu keluar", "Negara tujuan",
                 f"Dugaan nonprosedural ({MONTHS} bln)", f"Dugaan {month_name(latest, True)}",
                 f"Prosedural ({MONTHS} bln)"], route_rows, {0, 4, 5, 6})
        + "<h3>Penggagalan keberangkatan per tempat</h3>"
        "<p>Penggagalan oleh Polda menurut tempat (teks lokasi dipetakan ke pelabuhan, bandara "
        "atau terminal; tidak diketahui bila teksnya tidak dikenali). Satu penggagalan "
        "dengan orang dari beberapa kabupaten dihitung sekali per kabupaten asal.</p>"
        + table(["Tempat", "Penggagalan", "Orang digagalkan", "Di antaranya dari luar Lampung"],
                place_rows, {1, 2, 3})
        + "<h3>Lampung sebagai wilayah transit</h3>"
        f"<p>Penggagalan orang dari luar Provinsi Lampung yang sedang melintas (terutama di "
        f"Pelabuhan Bakauheni, penyeberangan ke Jawa), {TRANSIT_MONTHS} bulan terakhir.</p>"
        + table(["Bulan", "Tempat", "Negara tujuan", "Penggagalan", "Orang"], transit_rows,
                {3, 4}))
