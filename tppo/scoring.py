"""The one definition of the village risk score's weights, read from dbt's macro.

``dbt_project/macros/risk_score.sql`` (macro ``risk_components``) is where the
weights, half-levels and Indonesian labels live; dbt compiles the score from it.
Everything else that names a weight reads it through this module: the morning
report's legend and its Indonesian explanation of the score, and the README's
formula section (``python -m tppo.scoring`` prints it; a test fails when the
README differs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MACRO = Path(__file__).resolve().parent.parent / "dbt_project" / "macros" / "risk_score.sql"
_COMPONENT = re.compile(r"\{'measure': '(\w+)', 'weight': (\d+), 'half': (\d+), "
                        r"'label': '([^']+)'\}")
_NUMBER = {name: re.compile(r"macro " + name + r"\(\) -%\}\s*\{\{ return\((\d+)\) \}\}")
           for name in ("risk_window_months", "risk_shrinkage_max_months")}
_TIER = re.compile(r"when \{\{ score \}\} >= (\d+) then 'TINGGI'\s*"
                   r"when \{\{ score \}\} >= (\d+) then 'SEDANG'")


@dataclass(frozen=True)
class Component:
    measure: str
    weight: int
    half: int
    label: str

    @property
    def column(self) -> str:
        return f"score_{self.measure}"


@dataclass(frozen=True)
class Definition:
    components: tuple[Component, ...]
    window_months: int
    shrinkage_max_months: int
    tinggi: int
    sedang: int


@cache
def definition(macro: Path = MACRO) -> Definition:
    text = macro.read_text(encoding="utf-8")
    comps = tuple(Component(m, int(w), int(h), label)
                  for m, w, h, label in _COMPONENT.findall(text))
    numbers = {n: _NUMBER[n].search(text) for n in _NUMBER}
    tiers = _TIER.search(text)
    if len(comps) < 2 or not all(numbers.values()) or tiers is None:
        raise RuntimeError(f"{macro}: risk_components / risk_window_months / risk_tier "
                           "no longer in the form tppo/scoring.py reads")
    if sum(c.weight for c in comps) != 100:
        raise RuntimeError(f"{macro}: the weights add up to {sum(c.weight for c in comps)}, "
                           "not 100")
    return Definition(comps, int(numbers["risk_window_months"].group(1)),  # type: ignore[union-attr]
                      int(numbers["risk_shrinkage_max_months"].group(1)),  # type: ignore[union-attr]
                      int(tiers.group(1)), int(tiers.group(2)))


def readme_section(d: Definition | None = None) -> str:
    """The README's formula section (between the ``risk-formula`` markers)."""
    d = d or definition()
    rows = "\n".join(f"| `{c.measure}` | {c.label} | {c.weight} | {c.half} |"
                     for c in d.components)
    return f"""For each component, over the village's last {d.window_months} months:

    shrunk = 12 * (window events + k * district rate) / (window months + k)
    points = weight * shrunk / (shrunk + half)
    risk_score = sum of the points (0 to 100)

`k` pulls a village towards its district (at most {d.shrinkage_max_months} months of the
district's rate); a component gives half its weight at `half` events a year and
approaches, never reaches, its weight. Tiers: TINGGI from {d.tinggi}, SEDANG from
{d.sedang}, RENDAH below.

| measure | label (report) | weight | half |
|---|---|---|---|
{rows}
"""


def report_explanation_html(d: Definition | None = None) -> str:
    """The morning report's Indonesian explanation of the score (its footer links here)."""
    from html import escape

    d = d or definition()
    rows = "".join(f"<tr><td>{escape(c.label[0].upper() + c.label[1:])}</td>"
                   f"<td class='n'>{c.weight}</td><td class='n'>{c.half}</td></tr>"
                   for c in d.components)
    return (
        "<h2 id='cara-skor'>Cara membaca skor risiko</h2>"
        f"<p>Skor risiko desa (0-100) adalah jumlah {len(d.components)} komponen. Tiap komponen "
        f"menghitung kejadian desa itu dalam {d.window_months} bulan terakhir, ditarik ke arah "
        "rata-rata kecamatannya (paling banyak setara "
        f"{d.shrinkage_max_months} bulan rata-rata kecamatan) agar satu kejadian kebetulan di "
        "desa kecil tidak langsung menjadikannya yang paling berisiko. Komponen memberi "
        "separuh bobotnya pada <i>setengah</i> kejadian per tahun dan mendekati, tanpa pernah "
        f"mencapai, bobot penuhnya. Tingkat: TINGGI mulai {d.tinggi}, SEDANG mulai {d.sedang}, "
        "RENDAH di bawahnya.</p>"
        "<table><thead><tr><th>Komponen</th><th>Bobot (poin maks.)</th>"
        "<th>Setengah (kejadian/tahun)</th></tr></thead><tbody>" + rows + "</tbody></table>"
        "<p>Skor, peringkat dan tingkat sama di laporan ini, di dasbor dan di data analis. "
        "Skor dihitung dari angka yang diterbitkan di salinan dasbor: angka 1-4 yang "
        "disembunyikan dihitung sebagai 2, sehingga skor tidak membuka angka yang "
        "disembunyikan.</p>")


if __name__ == "__main__":
    print(readme_section(), end="")
