"""An attacker's view of the dashboards' copy: how far can the published totals
narrow a suppressed cell? Linear programming over every line the suppression
module protects (tppo.privacy.suppression), with the worst case assumed: every
total, also those not in the file, is known exactly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import lil_matrix

from tppo.privacy.suppression import Line


@dataclass(frozen=True)
class Exposure:
    table: str
    row: int
    low: float
    high: float


def exposures(values: dict[str, np.ndarray], hidden: dict[str, np.ndarray],
              lines: list[Line]) -> list[Exposure]:
    """Hidden cells whose feasible range, given all line totals, is narrower than 1-4.

    Unknowns are the hidden cells (each >= 1: a hidden cell is never zero). Each
    line says: sum of its cells = its total, where the total is the margin cell
    (an unknown itself when hidden) or, for an outside total, the true sum.
    """
    index = {(t, int(i)): n for n, (t, i) in enumerate(
        (t, i) for t in values for i in np.flatnonzero(hidden[t]))}
    if not index:
        return []
    rows, rhs = [], []
    for line in lines:
        coeffs: dict[int, float] = {}
        const = 0.0
        for i in line.members:
            key = (line.table, int(i))
            if key in index:
                coeffs[index[key]] = coeffs.get(index[key], 0.0) + 1.0
            else:
                const += values[line.table][i]
        if line.margin is None:
            total = float(values[line.table][line.members].sum())
            margin_var = None
        else:
            mt, mi = line.margin
            total = float(values[mt][mi])
            margin_var = index.get((mt, mi))
        # what the line's cells add up to beyond the margin (regencies count events
        # without a village): assumed known to the attacker
        gap = total - float(values[line.table][line.members].sum())
        if margin_var is not None:
            coeffs[margin_var] = coeffs.get(margin_var, 0.0) - 1.0
            b = -const - gap
        else:
            b = total - const - gap
        if coeffs:
            rows.append(coeffs)
            rhs.append(b)
    a = lil_matrix((len(rows), len(index)))
    for r, coeffs in enumerate(rows):
        for c, v in coeffs.items():
            a[r, c] = v
    a = a.tocsr()
    bounds = [(1, None)] * len(index)
    out = []
    for (t, i), n in index.items():
        c = np.zeros(len(index))
        c[n] = 1.0
        low = linprog(c, A_eq=a, b_eq=rhs, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a, b_eq=rhs, bounds=bounds, method="highs")
        lo = low.fun if low.status == 0 else float("-inf")
        hi = -high.fun if high.status == 0 else float("inf")
        if hi - lo < 3 - 1e-6:
            out.append(Exposure(t, i, lo, hi))
    return out
