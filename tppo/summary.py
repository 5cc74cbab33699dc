"""What a user sees at the end of a run: where the files are, and the top villages."""

from __future__ import annotations

import duckdb

from tppo.config import Paths


def print_outputs(p: Paths, top: int = 10) -> None:
    """Print the published files, the newest report and the riskiest villages."""
    print(f"analytics warehouse: {p.analytics}")
    print(f"dashboard copy:      {p.dashboard}")
    reports = sorted(p.reports.glob("*/index.html"))
    if reports:
        print(f"morning report:      {reports[-1]}")
    if not p.analytics.exists():
        print("nothing published yet")
        return
    with duckdb.connect(str(p.analytics), read_only=True) as con:
        month = con.execute("SELECT max(month) FROM marts.mart_village_risk").fetchall()[0][0]
        if month is None:
            print("no village months yet (empty landing)")
            return
        rows = con.execute(
            "SELECT risk_rank, village_code, village_name, district_name, regency_name, "
            "risk_score, risk_tier FROM marts.mart_village_risk WHERE month = ? "
            "ORDER BY risk_rank LIMIT ?", [month, top]).fetchall()
        unmapped = con.execute(
            "SELECT source, feed, field, count(*), sum(n_rows) FROM marts.mart_unmapped_values "
            "GROUP BY ALL ORDER BY 5 DESC, 1, 2, 3"
        ).fetchall() if con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts' "
            "AND table_name = 'mart_unmapped_values'").fetchall()[0][0] else []
    if unmapped:
        print("\nvalues that could not be mapped (marts.mart_unmapped_values; README, "
              "'When a value is not mapped'):")
        for source, feed, field, values, n in unmapped[:8]:
            print(f"  {source}/{feed} {field}: {values} value(s), {n} row(s)")
        if len(unmapped) > 8:
            print(f"  ... and {len(unmapped) - 8} more field(s)")
    print(f"\n{top} riskiest villages, {month:%Y-%m}:")
    print(f"{'rank':>4}  {'village_code':<12} {'village':<24} {'district':<20} "
          f"{'regency':<28} {'score':>6}  tier")
    for r in rows:
        print(f"{r[0]:>4}  {r[1]:<12} {r[2][:24]:<24} {r[3][:20]:<20} {r[4][:28]:<28} "
              f"{r[5]:>6.1f}  {r[6]}")
