"""Early warning: villages whose indicators jumped in the latest month.

The rule, in the words the report prints (``RULE``): a village is listed when,
in the latest month,

1. its risk score rose by at least ``SCORE_JUMP`` points against the month
   before (the score sums 12 months, so a rise means new events this month), or
2. one of the ``INDICATORS`` reached at least ``MIN_COUNT`` and at least
   ``FACTOR`` times its mean over the ``BASELINE_MONTHS`` months before
   (a month whose count the dashboards' copy withheld counts as 4, the most a
   withheld 1-4 cell holds, so a hidden small count can never cause an alarm).

Neither part fires in the first month of the series (nothing to compare with).
The latest month may still be running: counts so far are compared with full
months, which only makes the rule slower to fire, never louder.
Only ``dashboard.duckdb`` is read, so the list reveals nothing it does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

SCORE_JUMP = 10.0
MIN_COUNT = 5
FACTOR = 2.0
BASELINE_MONTHS = 6
INDICATORS: dict[str, str] = {
    "suspected_nonprocedural_departures": "dugaan berangkat nonprosedural",
    "tppo_victims": "korban TPPO",
    "interdicted_persons": "orang digagalkan berangkat",
    "nonprocedural_complaints": "pengaduan nonprosedural",
    "passport_postponements": "penundaan paspor",
}
RULE = (f"Desa masuk daftar bila pada bulan terakhir (1) skor risikonya naik sedikitnya "
        f"{SCORE_JUMP:.0f} poin dari bulan sebelumnya, atau (2) salah satu indikator "
        f"({', '.join(INDICATORS.values())}) mencapai sedikitnya {MIN_COUNT} dan sedikitnya "
        f"{FACTOR:.0f} kali rata-ratanya dalam {BASELINE_MONTHS} bulan sebelumnya (bulan dengan "
        "angka disamarkan dihitung 4, sehingga angka kecil yang disamarkan tidak pernah memicu "
        "peringatan). Bulan berjalan dibandingkan apa adanya: peringatan bisa datang lebih "
        "lambat, tidak lebih ramai.")


@dataclass(frozen=True)
class Alert:
    village_code: str
    village_name: str
    district_name: str
    regency_name: str
    previous_score: float
    score: float
    tier: str
    jumps: tuple[tuple[str, int, float], ...]  # (indicator, count this month, baseline mean)

    @property
    def rise(self) -> float:
        return self.score - self.previous_score


def alerts(con: duckdb.DuckDBPyConnection) -> list[Alert]:
    """The villages the rule lists for the latest month, biggest score rise first."""
    base_cols, jump_cols = [], []
    for m in INDICATORS:
        base_cols.append(
            f"avg(CASE WHEN {m}_suppressed THEN 4 ELSE {m} END) OVER (w ROWS BETWEEN "
            f"{BASELINE_MONTHS} PRECEDING AND 1 PRECEDING) AS base_{m}")
        jump_cols.append(f"(base_{m} IS NOT NULL AND {m} >= {MIN_COUNT} "
                         f"AND {m} >= {FACTOR} * base_{m})")
    rows = con.execute(f"""
        WITH scored AS (
            SELECT *, lag(risk_score) OVER w AS previous_score, {', '.join(base_cols)}
            FROM marts.mart_village_risk
            WINDOW w AS (PARTITION BY village_code ORDER BY month)),
        latest AS (
            SELECT *, {', '.join(f'{j} AS jump_{m}' for j, m in zip(jump_cols, INDICATORS,
                                                                    strict=True))}
            FROM scored WHERE month = (SELECT max(month) FROM marts.mart_village_risk))
        SELECT village_code, village_name, district_name, regency_name, previous_score,
               risk_score, risk_tier,
               {', '.join(f'jump_{m}, {m}, base_{m}' for m in INDICATORS)}
        FROM latest
        WHERE previous_score IS NOT NULL
          AND (risk_score - previous_score >= {SCORE_JUMP}
               OR {' OR '.join(f'jump_{m}' for m in INDICATORS)})
        ORDER BY risk_score - previous_score DESC, risk_score DESC, village_code
    """).fetchall()
    out = []
    for r in rows:
        jumps = tuple((label, r[7 + 3 * k + 1], r[7 + 3 * k + 2])
                      for k, label in enumerate(INDICATORS.values()) if r[7 + 3 * k])
        out.append(Alert(*r[:7], jumps))
    return out
