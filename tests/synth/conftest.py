"""Generated landing areas shared by the synth tests (readers live in synth_helpers.py)."""

from __future__ import annotations

from datetime import date

import pytest
from synth_helpers import Landing

from synth import generate


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Landing:
    """Default quirk rates, a tenth of Lampung over four months: a few seconds."""
    root = tmp_path_factory.mktemp("small")
    summary = generate(root, seed=7, start=date(2025, 1, 1), days=120, scale=0.1)
    return Landing(root, summary)


QUIRKY_RATES = {
    "csv_broken_row": 0.01,
    "jsonl_truncated_file": 1.0,
    "file_late": 0.2,
    "file_duplicate": 0.2,
    "file_revision": 0.1,
    "nik_scientific": 0.08,
    "nik_wrong_length": 0.05,
}


@pytest.fixture(scope="session")
def quirky(tmp_path_factory: pytest.TempPathFactory) -> Landing:
    """Delivery habits turned up so that every one of them shows at a tiny scale."""
    root = tmp_path_factory.mktemp("quirky")
    summary = generate(
        root, seed=11, start=date(2025, 3, 1), days=90, scale=0.05, quirk_rates=QUIRKY_RATES
    )
    return Landing(root, summary)
