"""A fresh restricted warehouse per test, with every raw and meta table."""

import duckdb
import pytest

from ingest.schema import ensure_warehouse


@pytest.fixture
def con(tmp_path):
    c = duckdb.connect(str(tmp_path / "wh.duckdb"))
    ensure_warehouse(c)
    yield c
    c.close()
