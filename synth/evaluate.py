"""How well the published marts match the synthetic generator's truth.

A developer tool for synthetic feeds only: ``tppo evaluate --truth DIR`` reads the
truth folder that ``tppo synth`` wrote (``DIR`` holds ``village_month.csv``,
``crossings.csv``, ``persons.csv``, ``record_links.csv``) and compares it with
what the last nightly run produced under ``$TPPO_HOME``. The pipeline never reads
the truth; only this module does.

What it opens, all read-only:

- ``$TPPO_HOME/analytics.duckdb`` (the published marts): ``mart_village_risk``
  (count measures, risk score) and ``fct_departures`` (classification).
- ``$TPPO_HOME/restricted/warehouse.duckdb`` (the restricted warehouse, because
  the marts deliberately hold no record-level identifiers): the record-to-person
  links ``intermediate.int_person_records_linked`` (with each record's resolved
  village), the recruiter name clusters
  ``intermediate.int_recruiter_mentions_clustered``, the resolved foreign-permit
  villages ``intermediate.int_foreign_permits_dated``, and from staging only
  keys: crossing id -> passport pseudonym, police party id -> case, role and
  position. No name, NIK or birth date is read from the warehouse; the truth's
  records are joined on the agencies' own record keys.

Figures (``Evaluation``):

- per count measure of ``mart_village_risk``: total absolute error over every
  village x month cell as a share of the true total;
- ``SUSPECTED_NONPROCEDURAL`` precision and recall over citizens' departures
  (truth ``true_class = NONPROCEDURAL_LABOUR``), and the UNRESOLVED share;
- village-resolution accuracy: share of person records (applications,
  placements, complaints, police parties, interdicted persons, permit holders)
  whose resolved village is the person's true village (a person from outside
  Lampung counts as right when left unresolved);
- person linking: precision, recall and F1 over record pairs (a crossing
  traveller counts once per passport number);
- recruiter clusters: purity (and inverse purity) of the informal-recruiter
  name clusters against the true recruiters;
- ranking: Spearman correlation between each village's mean risk score over
  the period and its true non-procedural departures plus TPPO victims, and the
  overlap of the two top-20 lists.
- routes (``synth/evaluate_routes.py``): ``mart_routes`` against ``routes.csv``
  and ``interdiction_places.csv``: departures per checkpoint-month (target 1 %),
  suspected ones per checkpoint-month, interdictions per place-month, transit persons.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from synth import evaluate_overstays, evaluate_routes
from tppo.config import COUNT_MEASURES, Paths, paths
from tppo.publish import sql_literal
from tppo.warehouse import attach_warehouse

# The targets of issue 5 (README "How well it works").
TARGETS: dict[str, float] = {
    "error:procedural_placements": 0.02,
    "error:passport_applications": 0.02,
    "error:passport_postponements": 0.02,
    "error:tppo_victims": 0.02,
    "suspected_precision": 0.90,
    "suspected_recall": 0.85,
    "village_accuracy": 0.97,
    "linking_f1": 0.95,
    "spearman": 0.85,
    "top20_overlap": 15,
    **evaluate_overstays.TARGETS,
}

TOP_N = 20


@dataclass
class Evaluation:
    """The figures `tppo evaluate` prints; ``None`` when an input was missing."""

    measure_error: dict[str, float | None] = field(default_factory=dict)
    measure_true_total: dict[str, int] = field(default_factory=dict)
    departures: int = 0
    suspected_precision: float | None = None
    suspected_recall: float | None = None
    unresolved_share: float | None = None
    confusion: list[tuple[str, str, int]] = field(default_factory=list)
    village_accuracy: float | None = None
    village_records: int = 0
    village_by_source: list[tuple[str, int, float]] = field(default_factory=list)
    linking_precision: float | None = None
    linking_recall: float | None = None
    linking_f1: float | None = None
    linking_records: int = 0
    beyond_precision: float | None = None
    beyond_recall: float | None = None
    beyond_true_pairs: int = 0
    recruiter_purity: float | None = None
    recruiter_inverse_purity: float | None = None
    recruiter_mentions: int = 0
    recruiter_clusters: int = 0
    recruiter_true: int = 0
    regency_estimate_error: float | None = None
    ratio_estimated: float | None = None
    ratio_true: float | None = None
    spearman: float | None = None
    top20_overlap: int | None = None
    routes: evaluate_routes.RoutesEvaluation | None = None
    overstays: dict[str, float | int | None] = field(default_factory=dict)

    def checks(self) -> dict[str, tuple[float | None, float, bool]]:
        """Each target: (value, threshold, met)."""
        values: dict[str, float | None] = {
            "suspected_precision": self.suspected_precision,
            "suspected_recall": self.suspected_recall,
            "village_accuracy": self.village_accuracy,
            "linking_f1": self.linking_f1,
            "spearman": self.spearman,
            "top20_overlap": self.top20_overlap,
            **{name: self.overstays.get(name) for name in evaluate_overstays.TARGETS},
        }
        for m in ("procedural_placements", "passport_applications", "passport_postponements",
                  "tppo_victims"):
            values[f"error:{m}"] = self.measure_error.get(m)
        out = {}
        for name, threshold in TARGETS.items():
            v = values[name]
            lower_is_better = name.startswith("error:")
            met = v is not None and (v <= threshold if lower_is_better else v >= threshold)
            out[name] = (v, threshold, met)
        out.update(evaluate_routes.checks(self.routes))
        return out

    @property
    def all_met(self) -> bool:
        return all(met for _, _, met in self.checks().values())


def _csv(truth: Path, name: str) -> str:
    path = truth / f"{name}.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: --truth must be the truth folder that "
                                "`tppo synth` wrote (it holds village_month.csv, crossings.csv...)")
    return f"read_csv({sql_literal(path)}, header = true, all_varchar = true)"


def _has_table(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> bool:
    found = con.execute(
        "SELECT (SELECT count(*) FROM duckdb_tables() WHERE database_name = $1 "
        "AND schema_name = $2 AND table_name = $3) + (SELECT count(*) FROM duckdb_views() "
        "WHERE database_name = $1 AND schema_name = $2 AND view_name = $3)",
        [catalog, schema, table]).fetchall()[0][0]
    return bool(found)


def _has_column(con: duckdb.DuckDBPyConnection, catalog: str, table: str, column: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_catalog = ? "
        "AND table_schema = 'marts' AND table_name = ? AND column_name = ?",
        [catalog, table, column]).fetchall()[0][0])


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    return con.execute(sql).fetchall()[0]


def _truth_tables(con: duckdb.DuckDBPyConnection, truth: Path) -> None:
    con.execute(f"CREATE TEMP TABLE t_persons AS SELECT * FROM {_csv(truth, 'persons')}")
    con.execute(f"""
        CREATE TEMP TABLE t_links AS
        SELECT *, row_number() OVER () AS file_order FROM {_csv(truth, 'record_links')}""")
    con.execute(f"CREATE TEMP TABLE t_crossings AS SELECT * FROM {_csv(truth, 'crossings')}")
    # Police persons: the truth lists a record's persons per role in the order of the
    # delivered array; the warehouse keeps that array position (_person_index).
    con.execute("""
        CREATE TEMP TABLE t_police AS
        SELECT feed, record_key, role, person_id,
            row_number() OVER (PARTITION BY feed, record_key, role ORDER BY file_order)
                AS role_position
        FROM t_links WHERE feed IN ('kasus_tppo', 'penggagalan')""")


def _measure_errors(con: duckdb.DuckDBPyConnection, truth: Path, ev: Evaluation) -> None:
    cols = ", ".join(f"coalesce(p.{m}, 0) AS p_{m}, coalesce(t.{m}, 0) AS t_{m}"
                     for m in COUNT_MEASURES)
    con.execute(f"""
        CREATE TEMP TABLE cells AS
        SELECT coalesce(p.village_code, t.village_code) AS village_code,
            coalesce(p.month, t.month) AS month, {cols}
        FROM (SELECT * FROM analytics.marts.mart_village_risk) AS p
        FULL OUTER JOIN (
            SELECT village_code, cast(month AS date) AS month,
                {", ".join(f"cast({m} AS integer) AS {m}" for m in COUNT_MEASURES)}
            FROM {_csv(truth, 'village_month')}
        ) AS t USING (village_code, month)""")
    for m in COUNT_MEASURES:
        err, total = _one(con, f"SELECT sum(abs(p_{m} - t_{m})), sum(t_{m}) FROM cells")
        ev.measure_true_total[m] = int(total or 0)
        ev.measure_error[m] = (float(err) / float(total)) if total else None


def _departures(con: duckdb.DuckDBPyConnection, ev: Evaluation) -> None:
    con.execute("""
        CREATE TEMP TABLE dep AS
        SELECT t.crossing_id, t.true_class, coalesce(f.classification, 'MISSING') AS predicted
        FROM t_crossings AS t
        LEFT JOIN analytics.marts.fct_departures AS f USING (crossing_id)
        WHERE t.direction = 'KEBERANGKATAN' AND t.is_citizen = 'true' AND t.in_feed = 'true'""")
    tp, pred, true, n, unresolved = _one(con, """
        SELECT
            count(*) FILTER (WHERE predicted = 'SUSPECTED_NONPROCEDURAL'
                             AND true_class = 'NONPROCEDURAL_LABOUR'),
            count(*) FILTER (WHERE predicted = 'SUSPECTED_NONPROCEDURAL'),
            count(*) FILTER (WHERE true_class = 'NONPROCEDURAL_LABOUR'),
            count(*) FILTER (WHERE predicted <> 'MISSING'),
            count(*) FILTER (WHERE predicted = 'UNRESOLVED')
        FROM dep""")
    ev.departures = n
    ev.suspected_precision = tp / pred if pred else None
    ev.suspected_recall = tp / true if true else None
    ev.unresolved_share = unresolved / n if n else None
    ev.confusion = [tuple(r) for r in con.execute(
        "SELECT true_class, predicted, count(*) FROM dep GROUP BY ALL ORDER BY 1, 2").fetchall()]


def _record_truth(con: duckdb.DuckDBPyConnection) -> None:
    """Every linked record with the true person it is about."""
    con.execute("""
        CREATE TEMP TABLE passport_person AS
        SELECT c.passport_key, min(t.person_id) AS person_id
        FROM warehouse.staging.stg_imigrasi__border_crossings AS c
        INNER JOIN t_crossings AS t USING (crossing_id)
        WHERE c.passport_key IS NOT NULL
        GROUP BY c.passport_key""")
    con.execute("""
        CREATE TEMP TABLE party_person AS
        SELECT p.party_id AS record_id, t.person_id
        FROM (
            SELECT party_id, case_id, party_role,
                row_number() OVER (PARTITION BY case_id, party_role ORDER BY party_index)
                    AS role_position
            FROM warehouse.staging.stg_polda__tppo_case_parties
        ) AS p
        INNER JOIN t_police AS t
            ON t.feed = 'kasus_tppo' AND t.record_key = p.case_id AND t.role = p.party_role
            AND t.role_position = p.role_position
        UNION ALL
        SELECT i.interdicted_person_id, t.person_id
        FROM warehouse.staging.stg_polda__interdicted_persons AS i
        INNER JOIN t_police AS t
            ON t.feed = 'penggagalan' AND t.record_key = i.interdiction_id AND t.role = 'ORANG'
            AND t.role_position = i.person_index""")
    con.execute("""
        CREATE TEMP TABLE linked AS
        SELECT l.record_source, l.record_id, l.person_key, l.identifier_key, l.village_code,
            coalesce(
                CASE l.record_source
                    WHEN 'PASSPORT_APPLICATION' THEN pa.person_id
                    WHEN 'PLACEMENT' THEN pl.person_id
                    WHEN 'COMPLAINT' THEN co.person_id
                END,
                pp.person_id, tr.person_id) AS person_id
        FROM warehouse.intermediate.int_person_records_linked AS l
        LEFT JOIN t_links AS pa
            ON l.record_source = 'PASSPORT_APPLICATION' AND pa.feed = 'paspor'
            AND pa.record_key = l.record_id
        LEFT JOIN t_links AS pl
            ON l.record_source = 'PLACEMENT' AND pl.feed = 'penempatan'
            AND pl.record_key = l.record_id
        LEFT JOIN t_links AS co
            ON l.record_source = 'COMPLAINT' AND co.feed = 'pengaduan' AND co.role = 'WORKER'
            AND co.record_key = l.record_id
        LEFT JOIN party_person AS pp
            ON l.record_source IN ('TPPO_CASE_PARTY', 'INTERDICTED_PERSON')
            AND pp.record_id = l.record_id
        LEFT JOIN passport_person AS tr
            ON l.record_source = 'TRAVELLER' AND tr.passport_key = l.record_id""")


def _village_accuracy(con: duckdb.DuckDBPyConnection, ev: Evaluation) -> None:
    con.execute("""
        CREATE TEMP TABLE located AS
        SELECT record_source, person_id, village_code FROM linked
        WHERE record_source <> 'TRAVELLER' AND person_id IS NOT NULL
        UNION ALL
        SELECT 'FOREIGN_PERMIT', t.person_id, f.village_code
        FROM warehouse.intermediate.int_foreign_permits_dated AS f
        INNER JOIN t_links AS t ON t.feed = 'wna' AND t.record_key = f.permit_id""")
    rows = con.execute("""
        SELECT l.record_source, count(*),
            avg(CASE WHEN l.village_code IS NOT DISTINCT FROM p.village_code THEN 1.0 ELSE 0.0 END)
        FROM located AS l INNER JOIN t_persons AS p USING (person_id)
        GROUP BY ALL ORDER BY 1""").fetchall()
    ev.village_by_source = [(s, int(n), float(a)) for s, n, a in rows]
    ev.village_records = sum(n for _, n, _ in ev.village_by_source)
    if ev.village_records:
        ev.village_accuracy = sum(n * a for _, n, a in ev.village_by_source) / ev.village_records


def _pairs(n: str) -> str:
    return f"sum({n} * ({n} - 1) / 2)"


def _pair_counts(con: duckdb.DuckDBPyConnection, by: str, within: str | None = None) -> int:
    """Record pairs sharing ``by`` (columns of ``judged``), minus those also sharing
    ``within``."""
    total = _one(con, f"SELECT {_pairs('n')} FROM (SELECT count(*) AS n FROM judged "
                      f"GROUP BY {by})")[0] or 0
    if within:
        total -= _one(con, f"SELECT {_pairs('n')} FROM (SELECT count(*) AS n FROM judged "
                           f"GROUP BY {by}, {within})")[0] or 0
    return int(total)


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def _linking(con: duckdb.DuckDBPyConnection, ev: Evaluation) -> None:
    con.execute("CREATE TEMP TABLE judged AS SELECT * FROM linked WHERE person_id IS NOT NULL")
    ev.linking_records = _one(con, "SELECT count(*) FROM judged")[0]
    both = _pair_counts(con, "person_id, person_key")
    ev.linking_precision = _ratio(both, _pair_counts(con, "person_key"))
    ev.linking_recall = _ratio(both, _pair_counts(con, "person_id"))
    if ev.linking_precision and ev.linking_recall:
        p, r = ev.linking_precision, ev.linking_recall
        ev.linking_f1 = 2 * p * r / (p + r)
    # the hard part: pairs that no shared NIK or passport number ties together
    both = _pair_counts(con, "person_id, person_key", "identifier_key")
    ev.beyond_true_pairs = _pair_counts(con, "person_id", "identifier_key")
    ev.beyond_precision = _ratio(both, _pair_counts(con, "person_key", "identifier_key"))
    ev.beyond_recall = _ratio(both, ev.beyond_true_pairs)


def _recruiters(con: duckdb.DuckDBPyConnection, ev: Evaluation) -> None:
    con.execute("""
        CREATE TEMP TABLE mention_truth AS
        SELECT m.recruiter_key,
            coalesce(p.is_recruiter_id, p.person_id) AS true_recruiter
        FROM warehouse.intermediate.int_recruiter_mentions_clustered AS m
        LEFT JOIN t_links AS l
            ON (m.mention_source = 'COMPLAINT' AND l.feed = 'pengaduan'
                AND l.record_key = m.record_id AND l.role = 'RECRUITER')
            OR (m.mention_source = 'INTERDICTION' AND l.feed = 'penggagalan'
                AND l.record_key = m.record_id AND l.role = 'RECRUITER')
        LEFT JOIN party_person AS pp
            ON m.mention_source = 'TPPO_CASE' AND pp.record_id = m.mention_id
        INNER JOIN t_persons AS p ON p.person_id = coalesce(l.person_id, pp.person_id)""")
    n, clusters, true = _one(con, "SELECT count(*), count(DISTINCT recruiter_key), "
                                  "count(DISTINCT true_recruiter) FROM mention_truth")
    ev.recruiter_mentions, ev.recruiter_clusters, ev.recruiter_true = n, clusters, true
    if n:
        pure = _one(con, "SELECT sum(top) FROM (SELECT max(n) AS top FROM (SELECT recruiter_key, "
                         "true_recruiter, count(*) AS n FROM mention_truth GROUP BY ALL) "
                         "GROUP BY recruiter_key)")[0]
        inverse = _one(con, "SELECT sum(top) FROM (SELECT max(n) AS top FROM (SELECT "
                            "recruiter_key, true_recruiter, count(*) AS n FROM mention_truth "
                            "GROUP BY ALL) GROUP BY true_recruiter)")[0]
        ev.recruiter_purity = pure / n
        ev.recruiter_inverse_purity = inverse / n


def _regencies(con: duckdb.DuckDBPyConnection, ev: Evaluation) -> None:
    """The regency mart's estimate of non-procedural departures against the truth."""
    err, true, est, true_ratio_den = _one(con, """
        WITH t AS (
            SELECT left(village_code, 4) AS regency_code, month,
                sum(t_suspected_nonprocedural_departures) AS np,
                sum(t_procedural_placements) AS placements
            FROM cells GROUP BY ALL)
        SELECT sum(abs(coalesce(r.estimated_nonprocedural_departures, 0) - coalesce(t.np, 0))),
            sum(t.np), sum(r.estimated_nonprocedural_departures), sum(t.placements)
        FROM analytics.marts.mart_regency_month AS r
        FULL OUTER JOIN t USING (regency_code, month)""")
    placements = _one(con, "SELECT sum(procedural_placements) FROM "
                           "analytics.marts.mart_regency_month")[0]
    ev.regency_estimate_error = float(err) / float(true) if true else None
    ev.ratio_estimated = float(est) / float(placements) if placements else None
    ev.ratio_true = float(true) / float(true_ratio_den) if true_ratio_den else None


def _ranking(con: duckdb.DuckDBPyConnection, ev: Evaluation) -> None:
    con.execute("""
        CREATE TEMP TABLE ranking AS
        SELECT village_code, avg(risk_score) AS mean_risk,
            sum(t_suspected_nonprocedural_departures + t_tppo_victims) AS true_harm
        FROM analytics.marts.mart_village_risk
        INNER JOIN cells USING (village_code, month)
        GROUP BY village_code""")
    rho = _one(con, """
        SELECT corr(r1, r2) FROM (
            SELECT rank() OVER (ORDER BY mean_risk) + (count(*) OVER (PARTITION BY mean_risk) - 1)
                / 2.0 AS r1,
                rank() OVER (ORDER BY true_harm) + (count(*) OVER (PARTITION BY true_harm) - 1)
                / 2.0 AS r2
            FROM ranking)""")[0]
    ev.spearman = None if rho is None or math.isnan(rho) else float(rho)
    ev.top20_overlap = _one(con, f"""
        SELECT count(*) FROM
            (SELECT village_code FROM ranking ORDER BY mean_risk DESC, village_code
             LIMIT {TOP_N})
        INNER JOIN
            (SELECT village_code FROM ranking ORDER BY true_harm DESC, village_code
             LIMIT {TOP_N})
        USING (village_code)""")[0]


def evaluate(truth: Path, p: Paths | None = None) -> Evaluation:
    """Compare the published marts (and the restricted links) of ``p`` with ``truth``."""
    p = p or paths()
    for f in (p.analytics, p.warehouse):
        if not f.exists():
            raise FileNotFoundError(f"{f} does not exist: run the pipeline first (`tppo run`)")
    ev = Evaluation()
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {sql_literal(p.analytics)} AS analytics (READ_ONLY)")
        attach_warehouse(con, p.warehouse, "warehouse", read_only=True)
        _truth_tables(con, truth)
        _measure_errors(con, truth, ev)
        _departures(con, ev)
        _ranking(con, ev)
        ev.routes = evaluate_routes.measure(con, truth)
        ev.overstays = evaluate_overstays.measure(con, truth)
        if _has_column(con, "analytics", "mart_regency_month",
                       "estimated_nonprocedural_departures"):
            _regencies(con, ev)
        if _has_table(con, "warehouse", "intermediate", "int_person_records_linked"):
            _record_truth(con)
            _village_accuracy(con, ev)
            _linking(con, ev)
            if _has_table(con, "warehouse", "intermediate", "int_recruiter_mentions_clustered"):
                _recruiters(con, ev)
    finally:
        con.close()
    return ev


def _fmt(v: float | int | None, pct: bool = False) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, int):
        return str(v)
    return f"{100 * v:.2f} %" if pct else f"{v:.4f}"


def format_report(ev: Evaluation) -> str:
    lines = ["Count measures of mart_village_risk: total absolute error / true total"]
    for m in COUNT_MEASURES:
        lines.append(f"  {m:<36} {_fmt(ev.measure_error.get(m), True):>9}   "
                     f"(true total {ev.measure_true_total.get(m, 0):,})")
    lines += [
        "",
        f"Departures of citizens: {ev.departures:,} classified",
        f"  SUSPECTED_NONPROCEDURAL precision     {_fmt(ev.suspected_precision)}",
        f"  SUSPECTED_NONPROCEDURAL recall        {_fmt(ev.suspected_recall)}",
        f"  UNRESOLVED share                      {_fmt(ev.unresolved_share, True)}",
        "  true class x classification:",
    ]
    lines += [f"    {t:<22} {c:<24} {n:>9,}" for t, c, n in ev.confusion]
    lines += [
        "",
        f"Village resolution: {_fmt(ev.village_accuracy, True)} of {ev.village_records:,} "
        "person records placed in the person's true village",
    ]
    lines += [f"    {s:<22} {n:>9,}  {100 * a:6.2f} %" for s, n, a in ev.village_by_source]
    lines += [
        "",
        f"Person linking over {ev.linking_records:,} records (pairs): precision "
        f"{_fmt(ev.linking_precision)}, recall {_fmt(ev.linking_recall)}, F1 {_fmt(ev.linking_f1)}",
        f"  pairs no shared NIK or passport ties ({ev.beyond_true_pairs:,} true): precision "
        f"{_fmt(ev.beyond_precision)}, recall {_fmt(ev.beyond_recall)}",
        f"Recruiter clusters: purity {_fmt(ev.recruiter_purity)}, inverse purity "
        f"{_fmt(ev.recruiter_inverse_purity)} ({ev.recruiter_mentions} mentions, "
        f"{ev.recruiter_clusters} clusters, {ev.recruiter_true} true recruiters)",
        "",
        f"Regencies: estimated non-procedural departures per regency-month, total absolute "
        f"error {_fmt(ev.regency_estimate_error, True)} of the true total; Lampung's ratio "
        f"to procedural placements estimated {_fmt(ev.ratio_estimated)}, true "
        f"{_fmt(ev.ratio_true)}",
        "",
        f"Village ranking: Spearman {_fmt(ev.spearman)} (mean risk score vs true non-procedural "
        f"departures + victims), top-{TOP_N} overlap {_fmt(ev.top20_overlap)}",
        "",
        *evaluate_overstays.report_lines(ev.overstays),
        "",
        *evaluate_routes.format_lines(ev.routes),
        "",
        "Targets:",
    ]
    for name, (v, threshold, met) in ev.checks().items():
        shown = _fmt(v, name.startswith("error:") or name == "village_accuracy")
        bound = ("<= " if name.startswith("error:") else ">= ") + (
            f"{100 * threshold:.0f} %" if name.startswith("error:") or name == "village_accuracy"
            else f"{threshold:g}")
        lines.append(f"  {'met ' if met else 'MISS'}  {name:<36} {shown:>10}  (target {bound})")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--truth", required=True, type=Path,
                        help="the truth folder written by `tppo synth` (<out>/truth) or "
                             "`tppo demo` ($TPPO_HOME/synthetic-truth)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a target is missed")


def run_from_args(args: argparse.Namespace) -> int:
    ev = evaluate(args.truth)
    print(format_report(ev))
    return 1 if args.strict and not ev.all_met else 0
