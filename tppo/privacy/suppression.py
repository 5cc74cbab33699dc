"""Small-cell protection of the dashboards' copy (docs/PRIVACY.md, "The dashboards' copy").

The rule: a count from 1 to 4 is published as NULL with ``<count>_suppressed``
true (*primary* suppression), and more cells are suppressed until nothing in the
copy narrows a hidden cell below "any value from 1 to 4" (*secondary*
suppression). Zeros are published: a zero singles nobody out.

Totals ("lines") taken into account, per measure:

- the villages of one regency in one month add up to the regency's month in
  ``mart_regency_month``. Such a line with ``k`` hidden cells adding up to ``S``
  leaves each of them anywhere in ``[1, S - (k - 1)]``; it is safe when
  ``k >= 2`` and ``S - (k - 1) >= 4``, or when the regency's month is hidden as
  well. Otherwise the smallest other non-zero village is hidden too, or, with
  none left, the regency's month;
- the months of one village add up to its period total in
  ``mart_desa_binaan_candidates``: that total is hidden as soon as one of the
  months is. This keeps every village cell in a single equation of the copy, so
  the rule above is exact: linear programming over all the copy's totals finds
  no hidden cell narrower than 1-4 (tests/privacy/test_suppression.py);
- the regencies of one month add up to the province's month, the months of a
  regency to its period total, the candidates of a regency to its period total.
  None of these is in the copy, but police and BP3MI publish such figures, so
  the same rule is applied along them. This part is best effort: when the one
  event of a month happened in one regency, a published province figure gives
  it away whatever the copy hides.

The risk score, rank and tier would reveal hidden counts (the score is a
documented, monotone function of the counts: a village whose only event is 3
victims gets a score no other count gives). The copy therefore carries dbt's own
scoring model (its compiled SQL) run over the copy's own figures, a hidden cell
counting as :data:`IMPUTED`: the score is then a function of what the copy
shows, and discloses nothing more. Where nothing is hidden it equals the
analysts' exact score. Without dbt's compiled model (hand-made marts in tests)
the copy carries no score at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

SMALL_CELL_MIN, SMALL_CELL_MAX = 1, 4
# What a suppressed cell counts for in the copy's own risk score: most small
# cells hold 1 or 2 events, and a fixed value keeps the score a function of
# what the copy shows.
IMPUTED = 2

VILLAGES, REGENCIES, CANDIDATES = ("mart_village_risk", "mart_regency_month",
                                   "mart_desa_binaan_candidates")


@dataclass(frozen=True)
class Line:
    """Cells of ``table`` (row indices) whose total is published or known elsewhere.

    ``margin`` is the (table, row) of the cell that holds the total, when the
    total is a cell of the copy; None when it is known from outside.
    """

    table: str
    members: np.ndarray
    margin: tuple[str, int] | None = None
    margin_first: bool = False  # when unsafe, hide the total rather than another cell


def is_small(values: np.ndarray) -> np.ndarray:
    return (values >= SMALL_CELL_MIN) & (values <= SMALL_CELL_MAX)


def line_is_safe(values: np.ndarray, hidden: np.ndarray) -> bool:
    """Whether the line's total leaves every hidden cell free to be anything 1-4."""
    k = int(hidden.sum())
    if k == 0:
        return True
    return k >= 2 and int(values[hidden].sum()) - (k - 1) >= SMALL_CELL_MAX


def protect(values: dict[str, np.ndarray], lines: list[Line],
            start: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Primary and secondary suppression flags for one measure over linked tables; cells
    of ``start`` (table -> flags) are hidden from the outset."""
    hidden = {t: is_small(v) | (start[t] if start and t in start else False)
              for t, v in values.items()}
    changed = True
    while changed:
        changed = False
        for line in lines:
            vals = values[line.table][line.members]
            hid = hidden[line.table][line.members]
            if line.margin is not None and hidden[line.margin[0]][line.margin[1]]:
                # the total is hidden: safe while a cell of the line is hidden too,
                # else the visible cells add up to it
                if hid.any():
                    continue
            elif line.margin_first and hid.any():
                hidden[line.margin[0]][line.margin[1]] = True  # type: ignore[index]
                changed = True
                continue
            elif line_is_safe(vals, hid):
                continue
            open_cells = np.flatnonzero(~hid & (vals > 0))
            if open_cells.size:
                pick = open_cells[np.argmin(vals[open_cells])]  # first smallest: deterministic
                hidden[line.table][line.members[pick]] = True
            elif line.margin is not None and not hidden[line.margin[0]][line.margin[1]]:
                hidden[line.margin[0]][line.margin[1]] = True
            else:
                continue  # every non-zero cell hidden; the outside total is beyond our reach
            changed = True
    return hidden


def _groups(frame: pl.DataFrame, by: list[str]) -> list[tuple[tuple, np.ndarray]]:
    """(group key, row indices) per group, in first-seen order."""
    grouped = (frame.with_row_index("_i").group_by(by, maintain_order=True)
               .agg(pl.col("_i")))
    return [(tuple(r[:-1]), np.asarray(r[-1], dtype=np.int64)) for r in grouped.iter_rows()]


def linked_lines(frames: dict[str, pl.DataFrame], have: set[str]) -> list[Line]:
    """The lines of the module docstring among the marts in ``have`` (those holding
    the measure at hand); ``frames`` are the marts in the copy's row order."""
    village, regency, cand = frames.get(VILLAGES), frames.get(REGENCIES), frames.get(CANDIDATES)
    regency_row = ({key: i for i, key in enumerate(
        regency.select("regency_code", "month").iter_rows())} if regency is not None else {})
    cand_row = ({v: i for i, v in enumerate(cand["village_code"].to_list())}
                if cand is not None else {})
    lines: list[Line] = []
    if VILLAGES in have:
        for key, rows in _groups(village, ["regency_code", "month"]):
            margin = (REGENCIES, regency_row[key]) if (
                REGENCIES in have and key in regency_row) else None
            lines.append(Line(VILLAGES, rows, margin))
        for (code,), rows in _groups(village, ["village_code"]):
            if CANDIDATES in have and code in cand_row:
                lines.append(Line(VILLAGES, rows, (CANDIDATES, cand_row[code]), True))
            else:
                lines.append(Line(VILLAGES, rows))
    if REGENCIES in have:
        lines += [Line(REGENCIES, rows) for _, rows in _groups(regency, ["month"])]
        lines += [Line(REGENCIES, rows) for _, rows in _groups(regency, ["regency_code"])]
    if CANDIDATES in have:
        lines += [Line(CANDIDATES, rows) for _, rows in _groups(cand, ["regency_code"])]
    return lines


def suppress_linked(frames: dict[str, pl.DataFrame], measures: dict[str, tuple[str, ...]]
                    ) -> dict[str, dict[str, np.ndarray]]:
    """Suppression flags, table -> measure -> per row, for the village, regency and
    candidate marts, linked by the lines of the module docstring."""
    out: dict[str, dict[str, np.ndarray]] = {t: {} for t in frames}
    for m in dict.fromkeys(m for t in frames for m in measures[t]):
        have = {t for t, f in frames.items() if m in measures[t] and m in f.columns}
        values = {t: frames[t][m].fill_null(0).to_numpy().astype(np.int64) for t in have}
        for t, flags in protect(values, linked_lines(frames, have)).items():
            out[t][m] = flags
    return out


def suppress_single(frame: pl.DataFrame, measures: tuple[str, ...], by: list[str],
                    start: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Suppression flags for a table on its own, its groups ``by`` counting as totals;
    ``start``: measure -> cells hidden from the outset."""
    flags = {}
    groups = [rows for _, rows in _groups(frame, by)] if by else [np.arange(frame.height)]
    for m in measures:
        if m in frame.columns:
            values = {"t": frame[m].fill_null(0).to_numpy().astype(np.int64)}
            first = {"t": start[m]} if start and m in start else None
            flags[m] = protect(values, [Line("t", rows) for rows in groups], first)["t"]
    return flags


def apply_flags(frame: pl.DataFrame, flags: dict[str, np.ndarray]) -> pl.DataFrame:
    """Hidden counts become NULL, each followed by its ``<count>_suppressed`` flag."""
    measures = [c for c in frame.columns if c in flags]
    others = [c for c in frame.columns if c not in flags]
    cols: list[pl.Expr | pl.Series] = [pl.col(c) for c in others]
    for m in measures:
        flag = pl.Series(f"{m}_suppressed", flags[m], dtype=pl.Boolean)
        cols.append(pl.when(flag).then(None).otherwise(pl.col(m)).alias(m))
        cols.append(flag)
    return frame.select(cols)


SCORING_MODEL = "int_village_months_scored"
MEASURED_MODEL = "int_village_months_measured"
COMPILED_CATALOG = '"warehouse"'  # dbt-duckdb names the database after the file


def scoring_sql(dbt_target: Path) -> str | None:
    """dbt's own compiled SQL of the village risk score (None before dbt compiled it)."""
    found = sorted(dbt_target.glob(f"compiled/**/{SCORING_MODEL}.sql"))
    return found[0].read_text(encoding="utf-8") if found else None


def protected_scores_sql(compiled: str, measured: str, catalog: str) -> str:
    """dbt's scoring SQL reading ``measured`` (the copy's figures) instead of the exact
    village months, with its other references pointed at ``catalog``.

    Reusing the compiled model keeps one definition of the score: whatever dbt
    computes from exact figures, the copy computes from its own.
    """
    ref = f'{COMPILED_CATALOG}."intermediate"."{MEASURED_MODEL}"'
    if ref not in compiled:
        raise RuntimeError(f"{SCORING_MODEL} no longer reads {MEASURED_MODEL}; the dashboards' "
                           "copy cannot recompute a safe risk score (tppo/privacy/suppression.py)")
    return compiled.replace(ref, measured).replace(f"{COMPILED_CATALOG}.", f"{catalog}.")


def candidates_sql(source: str, villages: str, columns: list[str]) -> str:
    """The candidates of ``source`` with score, rank and latest risk taken from the
    copy's own village table ``villages`` (as ``mart_desa_binaan_candidates`` does
    from the exact one: the candidate score, i.e. the mean score over the last 12
    months rounded to 2 decimals, then suspected non-procedural departures, then the
    village code; the mean over exact decimals, so every run ranks alike)."""
    score = "round(mean.score, 2)"
    replace = {
        "candidate_score": f"CAST({score} AS DOUBLE)",
        "candidate_rank": (f"CAST(row_number() OVER (ORDER BY {score} DESC NULLS LAST, "
                           f"coalesce(c.suspected_nonprocedural_departures, {IMPUTED}) DESC, "
                           "c.village_code) AS INTEGER)"
                           if "suspected_nonprocedural_departures" in columns else
                           f"CAST(row_number() OVER (ORDER BY {score} DESC NULLS LAST, "
                           "c.village_code) AS INTEGER)"),
        "latest_risk_score": "latest.risk_score",
        "latest_risk_rank": "latest.risk_rank",
        "latest_risk_tier": "latest.risk_tier",
    }
    changes = ", ".join(f"{expr} AS {c}" for c, expr in replace.items() if c in columns)
    body = f"c.* REPLACE ({changes})" if changes else "c.*"
    return f"""
        WITH last AS (SELECT max(month) AS month FROM {villages}),
        mean AS (
            SELECT village_code, avg(CAST(risk_score AS DECIMAL(9, 4))) FILTER (
                WHERE month > (SELECT month FROM last) - INTERVAL 12 MONTH) AS score
            FROM {villages} GROUP BY village_code),
        latest AS (
            SELECT village_code, risk_score, risk_rank, risk_tier FROM {villages}
            WHERE month = (SELECT month FROM last))
        SELECT {body}
        FROM {source} AS c
        LEFT JOIN mean USING (village_code)
        LEFT JOIN latest USING (village_code)"""


# Foreign nationals per village-month and the Timpora operation targets (dbt's marts/foreigners).
FOREIGNERS, TARGETS = "mart_village_foreigners_month", "mart_operation_targets"
FOREIGNER_COUNTS = ("active_foreign_permits", "overstays_open", "timpora_foreigner_findings")
# A count the village copy also shows, or that is part of one it shows: hidden here wherever
# it is hidden there (the same figure, or a part that could equal the hidden whole).
FOREIGNERS_FOLLOW = {"active_foreign_permits": "active_foreign_permits",
                     "timpora_foreigner_findings": "timpora_findings"}
TARGETS_MODEL = "mart_operation_targets"


def foreigner_months_frame(frame: pl.DataFrame, village_copy: pl.DataFrame) -> pl.DataFrame:
    """``mart_village_foreigners_month`` for the copy: counts of 1-4 withheld, secondarily
    along each regency's month (a total the agencies publish), starting from the cells the
    village copy (``village_copy``: village_code, month, its ``<count>_suppressed`` flags)
    withholds for the same figure. ``frame`` in the copy's row order."""
    followed = frame.select("village_code", "month").join(
        village_copy, on=["village_code", "month"], how="left", maintain_order="left")
    start = {m: followed[f"{v}_suppressed"].fill_null(False).to_numpy()
             for m, v in FOREIGNERS_FOLLOW.items() if f"{v}_suppressed" in followed.columns}
    flags = suppress_single(frame, FOREIGNER_COUNTS, ["regency_code", "month"], start)
    return apply_flags(frame, flags)


def targets_model_sql(dbt_target: Path) -> str | None:
    """dbt's compiled SQL of mart_operation_targets (None before dbt compiled it)."""
    found = sorted(dbt_target.glob(f"compiled/**/{TARGETS_MODEL}.sql"))
    return found[0].read_text(encoding="utf-8") if found else None


def copy_figures_sql(compiled: str, catalog: str, copy: str, copied: dict[str, list[str]],
                     hidden_as: str) -> str:
    """dbt's SQL of a mart computed from published marts, reading the copy's own tables
    (``copy``.marts.<mart> of ``copied``: mart -> its columns) instead, with a withheld
    count read as ``hidden_as`` (an SQL expression of the flag ``f`` and the value ``v``),
    and its other references pointed at ``catalog``."""
    sql = compiled
    for mart, columns in copied.items():
        ref = f'{COMPILED_CATALOG}."marts"."{mart}"'
        if ref not in sql:
            raise RuntimeError(f"{TARGETS_MODEL} no longer reads {mart}; the dashboards' copy "
                               "cannot recompute its score (tppo/privacy/suppression.py)")
        flagged = [c for c in columns if f"{c}_suppressed" in columns]
        swap = ", ".join(
            f"{hidden_as.format(f=c + '_suppressed', v=c)} AS {c}" for c in flagged)
        sql = sql.replace(ref, f"(SELECT * REPLACE ({swap}) FROM {copy}.marts.{mart})"
                          if swap else f"{copy}.marts.{mart}")
    return sql.replace(f"{COMPILED_CATALOG}.", f"{catalog}.")


def operation_targets_sql(compiled: str, copied: dict[str, list[str]],
                          evidence: tuple[str, ...]) -> str:
    """mart_operation_targets as the copy shows it: dbt's own model run over the copy's
    figures (a withheld count counting as IMPUTED), so score and rank disclose nothing the
    copy does not show; an evidence count that a withheld cell went into is withheld too
    (NULL, ``<count>_suppressed`` true: the same model over 1-for-withheld, 0-for-shown
    cells tells which), and the reason text, which spells the counts out, is left out."""
    shown = copy_figures_sql(compiled, "wh", "out", copied,
                             f"coalesce({{v}}, {IMPUTED})")
    marks = copy_figures_sql(compiled, "wh", "out", copied,
                             "CASE WHEN {f} THEN 1 ELSE 0 END")
    nulls = ", ".join(f"CASE WHEN h.{c} > 0 THEN NULL ELSE s.{c} END AS {c}" for c in evidence)
    flags = ", ".join(f"h.{c} > 0 AS {c}_suppressed" for c in evidence)
    return (f"SELECT s.* REPLACE ({nulls}, CAST(NULL AS VARCHAR) AS target_reason), {flags} "
            f"FROM ({shown}) AS s JOIN ({marks}) AS h USING (village_code)")
