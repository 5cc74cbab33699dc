"""The committed country-names seed is exactly what the generator derives from CLDR
(Babel): it cannot drift from the library. Hand-kept spellings, cities and regions are in
country_aliases.csv, resolved with it in dbt (tests/dbt/test_country_resolution.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "dbt_project" / "scripts"
SEED = SCRIPTS.parent / "seeds" / "reference" / "country_names.csv"


def _module():
    spec = importlib.util.spec_from_file_location("country_names", SCRIPTS / "country_names.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_committed_seed_equals_the_generator_output():
    assert SEED.read_text(encoding="utf-8") == _module().render()


def test_common_spellings_resolve_and_names_are_unambiguous():
    module = _module()
    table = {name: iso3 for _, iso3, name, _ in module.rows()}
    assert len(table) == len(module.rows())
    for text, iso3 in [("Saudi Arabia", "SAU"), ("Hong Kong SAR China", "HKG"), ("Taiwan", "TWN"),
                       ("Singapura", "SGP"), ("Malaysia", "MYS"), ("Korea Selatan", "KOR"),
                       ("Jepang", "JPN"), ("Timor Leste", "TLS")]:
        assert table[module.normalise(text)] == iso3, text


def test_territories_carry_todays_alpha3_not_a_withdrawn_code():
    codes = _module().territories()
    assert {k: codes[k] for k in ("MM", "DE", "YE", "TL", "CD", "FR")} == {
        "MM": "MMR", "DE": "DEU", "YE": "YEM", "TL": "TLS", "CD": "COD", "FR": "FRA"}
