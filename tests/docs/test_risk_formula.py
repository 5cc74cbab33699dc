"""The weights are defined once (dbt's macros/risk_score.sql, read by tppo/scoring.py):
the README's formula section, the morning report's legend and its Indonesian
explanation are generated from that definition and must not drift from it."""

from __future__ import annotations

import re
from pathlib import Path

from tppo import scoring
from tppo.report import sections

ROOT = Path(__file__).resolve().parents[2]


def test_readme_formula_section_is_the_generated_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- risk-formula:begin -->\n(.*?)<!-- risk-formula:end -->", readme,
                      re.S)
    assert found, "README lost its risk-formula markers"
    assert found.group(1) == scoring.readme_section(), \
        "README's risk formula is stale: paste `python -m tppo.scoring` between the markers"


def test_definition_matches_the_macro_dbt_compiles():
    macro = (ROOT / "dbt_project" / "macros" / "risk_score.sql").read_text(encoding="utf-8")
    d = scoring.definition()
    weights = [int(w) for w in re.findall(r"'weight': (\d+)", macro)]
    assert [c.weight for c in d.components] == weights and sum(weights) == 100
    assert (d.window_months, d.tinggi, d.sedang) == (12, 40, 15)


def test_report_legend_and_explanation_give_the_macro_weights():
    d = scoring.definition()
    explanation = scoring.report_explanation_html()
    for c in d.components:
        assert sections.COMPONENT_LABELS[c.column].endswith(f"(maks. {c.weight})")
        assert f"<td class='n'>{c.weight}</td><td class='n'>{c.half}</td>" in explanation
    assert "maks. 30" not in " ".join(sections.COMPONENT_LABELS.values())


def test_mart_yaml_weight_table_is_the_macros():
    yml = (ROOT / "dbt_project" / "models" / "marts" / "risk" / "_risk__models.yml").read_text(
        encoding="utf-8")
    table = dict(re.findall(r"^\s+\| (\w+) \| (\d+) \| \d+ \|$", yml, re.M))
    assert table == {c.measure: str(c.weight) for c in scoring.definition().components}


def test_the_yaml_figures_are_written_from_the_macro():
    from dataclasses import replace

    from tppo import codebook

    text = codebook.RISK_YAML.read_text(encoding="utf-8")
    assert codebook.risk_yaml(text) == text  # `python -m tppo.codebook` leaves it as it is
    d = scoring.definition()
    first, second, *rest = d.components
    moved = replace(d, components=(replace(first, weight=first.weight - 1),
                                   replace(second, weight=second.weight + 1), *rest),
                    tinggi=41, shrinkage_max_months=5)
    new = codebook.risk_yaml(text, moved)
    assert f"| {first.measure} | {first.weight - 1} | {first.half} |" in new
    assert "TINGGI >= 41" in new and "TINGGI (risk_score >= 41)" in new
    assert "at most 5 months" in new and "at most 6 months" not in new
