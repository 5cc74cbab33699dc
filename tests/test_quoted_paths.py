"""Issue 17 item 10: a ``'`` in TPPO_HOME must not break publishing or compaction."""

from __future__ import annotations

from tests.privacy.marts import VILLAGES, build_warehouse
from tppo.config import Paths
from tppo.privacy import storage
from tppo.publish import publish, sql_literal


def test_sql_literal_doubles_single_quotes():
    assert sql_literal("/x/o'brien") == "'/x/o''brien'"


def test_publish_and_compact_with_a_quote_in_tppo_home(tmp_path):
    base = tmp_path / "o'brien's home"
    p = Paths(landing=base / "landing", home=base / "home")
    build_warehouse(p, {(VILLAGES[0], "tppo_victims"): [3, 0, 0]})
    assert publish(p)["action"] == "published"
    assert p.analytics.exists() and p.dashboard.exists()
    storage.compact(p.warehouse)
    assert p.warehouse.exists()
