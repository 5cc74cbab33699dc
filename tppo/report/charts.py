"""The report's pictures: matplotlib (Agg, no pyplot state) drawn to inline SVG.

Each chart returns an ``<svg>`` element ready to sit in the page: no XML
prolog, no metadata, no namespace URLs, so the page stays one offline file.
Text stays text (``svg.fonttype: none``): smaller, searchable, and readable
by the browser test. ``svg.hashsalt`` is fixed per chart so the same data
gives the same bytes (a rerun with nothing new rewrites an identical report)
and two charts never share an element id.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib as mpl
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from tppo.report.format import MONTHS, number

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "svg.fonttype": "none",
}
PROCEDURAL_COLOUR, NONPROCEDURAL_COLOUR = "#2f6fb0", "#c81e1e"
SUPPRESSED_COLOUR = "#9aa5b1"
RISK_CMAP = "YlOrRd"
MIN_SPAN = 5.0  # treemap colour scale: at least this many score points wide


def _inline(svg: str, title: str) -> str:
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg)
    svg = re.sub(r'<svg([^>]*?)\swidth="[^"]*"\sheight="[^"]*"',
                 rf'<svg\1 role="img" aria-label="{title}" class="chart"', svg, count=1)
    return svg.strip()


def render(name: str, title: str, size: tuple[float, float],
           draw: Callable[[Figure], None]) -> str:
    """Draw a figure with ``draw`` and return it as an inline SVG element."""
    with mpl.rc_context({**STYLE, "svg.hashsalt": f"tppo-{name}"}):
        fig = Figure(figsize=size, layout="constrained")
        draw(fig)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return _inline(buf.getvalue(), title)


def short_place(name: str) -> str:
    """``KABUPATEN LAMPUNG TIMUR`` -> ``Kab. Lampung Timur``."""
    name = name.title()
    return name.replace("Kabupaten ", "Kab. ")


def month_ticks(months: Sequence[dt.date]) -> list[str]:
    return [f"{MONTHS[m.month - 1][:3]}\n{m:%y}" if m.month == 1 or i == 0
            else MONTHS[m.month - 1][:3] for i, m in enumerate(months)]


# -- the riskiest villages: what their score is made of ------------------------------

def components(villages: Sequence[str], parts: Sequence[Sequence[float | None]],
               labels: Sequence[str]) -> str:
    """Stacked horizontal bars: one bar per village, one colour per score component."""
    colours = mpl.colormaps["tab10"].colors

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        y = list(range(len(villages)))
        left = [0.0] * len(villages)
        for k, label in enumerate(labels):
            widths = [(row[k] or 0.0) for row in parts]
            ax.barh(y, widths, left=left, color=colours[k % 10], label=label, height=0.7)
            left = [a + b for a, b in zip(left, widths, strict=True)]
        for yi, total in zip(y, left, strict=True):
            ax.text(total + 0.5, yi, number(total, 1), va="center", fontsize=8)
        ax.set_yticks(y, villages, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("poin skor risiko (0-100)")
        ax.set_xlim(0, max([*left, 10.0]) * 1.12)
        fig.legend(loc="outside lower center", ncols=4, fontsize=7, frameon=False)

    return render("components", "Komponen skor risiko desa teratas",
                  (10, 0.22 * len(villages) + 1.4), draw)


# -- risk across regencies and districts: a squarified treemap -----------------------

def squarify(sizes: Sequence[float], x: float, y: float, w: float,
             h: float) -> list[tuple[float, float, float, float]]:
    """Rectangles (x, y, w, h) tiling the box, one per size, areas proportional.

    The squarified layout of Bruls, Huizing and van Wijk (2000): items in
    decreasing size fill rows along the shorter side while that keeps the
    rectangles closer to squares. Rectangles come back in the input order.
    """
    total = float(sum(sizes))
    rects: list[tuple[float, float, float, float]] = [(x, y, 0.0, 0.0)] * len(sizes)
    if total <= 0:
        return rects
    order = sorted((i for i, s in enumerate(sizes) if s > 0), key=lambda i: -sizes[i])
    areas = {i: sizes[i] * w * h / total for i in order}

    def worst(row: list[int], side: float) -> float:
        s = sum(areas[i] for i in row)
        return max(max(side * side * areas[i] / (s * s), s * s / (side * side * areas[i]))
                   for i in row)

    row: list[int] = []
    pending = list(order)
    while pending or row:
        side = min(w, h)
        if pending and (not row or worst([*row, pending[0]], side) <= worst(row, side)):
            row.append(pending.pop(0))
            continue
        s = sum(areas[i] for i in row)
        if w >= h:  # a column on the left
            col_w, cy = s / h, y
            for i in row:
                rects[i] = (x, cy, col_w, areas[i] / col_w)
                cy += areas[i] / col_w
            x, w = x + col_w, w - col_w
        else:  # a row along the top
            row_h, cx = s / w, x
            for i in row:
                rects[i] = (cx, y, areas[i] / row_h, row_h)
                cx += areas[i] / row_h
            y, h = y + row_h, h - row_h
        row = []
    return rects


@dataclass(frozen=True)
class Area:
    """One block of the treemap: a district (or a regency with its districts)."""

    name: str
    villages: int
    score: float
    parts: tuple[Area, ...] = ()
    tiers: tuple[int, int] = (0, 0)  # villages TINGGI, SEDANG


def treemap(regencies: Sequence[Area]) -> str:
    """Regencies as blocks, districts inside; area = villages, colour = mean risk score.

    The colour scale runs from the month's lowest to its highest district mean
    (at least ``MIN_SPAN`` points wide): contrast shows where risk is relatively
    highest even in a month when every district scores alike; the legend and
    the table under the picture give the absolute figures.
    """
    scores = [d.score for r in regencies for d in r.parts]
    low = min(scores, default=0.0)
    cmap, norm = mpl.colormaps[RISK_CMAP], Normalize(low, max([*scores, low + MIN_SPAN]))

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        ax.set_axis_off()
        width, height = 16.0, 9.0
        boxes = squarify([r.villages for r in regencies], 0, 0, width, height)
        for reg, (rx, ry, rw, rh) in zip(regencies, boxes, strict=True):
            pad = 0.06
            inner = squarify([d.villages for d in reg.parts], rx + pad, ry + 0.32,
                             max(rw - 2 * pad, 0.01), max(rh - 0.32 - pad, 0.01))
            ax.add_patch(Rectangle((rx, ry), rw, rh, facecolor="#334e68", edgecolor="white",
                                   linewidth=2))
            for d, (dx, dy, dw, dh) in zip(reg.parts, inner, strict=True):
                ax.add_patch(Rectangle((dx, dy), dw, dh, facecolor=cmap(norm(d.score)),
                                       edgecolor="white", linewidth=0.5))
                if dw > 0.6 and dh > 0.3:
                    dark = norm(d.score) > 0.6
                    ax.text(dx + 0.05, dy + 0.06, d.name.title()[:int(dw * 12)], fontsize=5.5,
                            va="top", ha="left", color="white" if dark else "#1f2933")
            ax.text(rx + 0.08, ry + 0.04, short_place(reg.name)[:int(rw * 9)], fontsize=7,
                    fontweight="bold", va="top", ha="left", color="white")
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)
        bar = fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax,
                           orientation="horizontal", fraction=0.04, pad=0.02, aspect=50)
        bar.set_label("rata-rata skor risiko desa di kecamatan (bulan terakhir)")

    return render("treemap", "Peta petak risiko per kabupaten/kota dan kecamatan", (11, 6.6),
                  draw)


# -- departures per regency, month by month ------------------------------------------

@dataclass(frozen=True)
class Series:
    """One regency's monthly counts; None where the copy suppressed a 1-4 count."""

    name: str
    months: tuple[dt.date, ...]
    procedural: tuple[int | None, ...]
    suspected: tuple[int | None, ...]


def _plot_counts(ax, months, values, colour, label) -> None:
    xs = list(range(len(months)))
    ax.plot(xs, [float("nan") if v is None else v for v in values], color=colour,
            marker="o", markersize=2.5, linewidth=1.4, label=label)
    hidden = [x for x, v in zip(xs, values, strict=True) if v is None]
    if hidden:
        ax.vlines(hidden, 1, 4, color=colour, alpha=0.45, linewidth=3)


def regency_trends(series: Sequence[Series], partial_last: bool) -> str:
    """Small multiples: procedural placements vs suspected non-procedural departures."""
    cols = 3
    rows = (len(series) + cols - 1) // cols

    def draw(fig: Figure) -> None:
        axes = fig.subplots(rows, cols, squeeze=False, sharex=True)
        for ax, s in zip(axes.flat, series, strict=False):
            _plot_counts(ax, s.months, s.procedural, PROCEDURAL_COLOUR, "prosedural (BP3MI)")
            _plot_counts(ax, s.months, s.suspected, NONPROCEDURAL_COLOUR,
                         "dugaan nonprosedural")
            ax.set_title(short_place(s.name), loc="left")
            ax.set_ylim(bottom=0)
            ax.grid(axis="y", color="#e4e7eb", linewidth=0.6)
            if partial_last and s.months:
                ax.axvspan(len(s.months) - 1.5, len(s.months) - 0.5, color="#f0f4f8", zorder=0)
            ticks = list(range(len(s.months)))
            step = max(1, len(ticks) // 6)
            ax.set_xticks(ticks[::step], month_ticks(s.months)[::step], fontsize=7)
        for ax in list(axes.flat)[len(series):]:
            ax.set_visible(False)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        handles.append(Rectangle((0, 0), 1, 1, color=SUPPRESSED_COLOUR, alpha=0.6))
        labels.append("garis tegak pucat: angka 1-4 disamarkan")
        fig.legend(handles, labels, loc="outside upper center", ncols=3, frameon=False)

    return render("regency-trends", "Tren keberangkatan prosedural dan dugaan nonprosedural",
                  (10, 1.9 * rows + 0.6), draw)


# -- designated Desa Binaan villages: before and after ---------------------------------

@dataclass(frozen=True)
class Designated:
    name: str
    designated_on: dt.date
    months: tuple[dt.date, ...]
    scores: tuple[float, ...]


def designated_trends(villages: Sequence[Designated]) -> str:
    """Each designated village's monthly risk score, the designation month marked."""
    colours = mpl.colormaps["tab10"].colors

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        months = sorted({m for v in villages for m in v.months})
        pos = {m: i for i, m in enumerate(months)}
        for k, v in enumerate(villages):
            colour = colours[k % 10]
            ax.plot([pos[m] for m in v.months], v.scores, color=colour, marker="o",
                    markersize=3, label=f"{v.name.title()} (ditetapkan {v.designated_on:%d-%m-%Y})")
            marker = v.designated_on.replace(day=1)
            at = (pos[marker] if marker in pos else
                  len(months) - 0.5 if marker > months[-1] else -0.5)
            ax.axvline(at, color=colour, linestyle="--", linewidth=1)
        ax.set_xticks(range(len(months)), month_ticks(months), fontsize=7)
        ax.set_ylabel("skor risiko")
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", color="#e4e7eb", linewidth=0.6)
        ax.legend(fontsize=7, frameon=False, loc="upper left")

    return render("desa-binaan", "Skor risiko Desa Binaan sebelum dan sesudah penetapan",
                  (9, 2.8), draw)
