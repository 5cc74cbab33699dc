"""Progress lines of `tppo run` (tppo/progress.py): rows per feed from an ingest task's
return value; the lines during a real run are checked in tests/test_nightly_run.py."""

from __future__ import annotations

import json

from tppo.progress import describe


def test_rows_per_feed_from_the_ingest_result():
    result = {"files": 3, "rows_loaded": 1204, "rows_quarantined": 3}
    assert describe(result) == "3 file(s), 1,204 rows loaded, 3 quarantined"
    assert describe(json.dumps(result)) == describe(result)


def test_other_tasks_give_no_rows():
    assert describe({"published": True}) == describe(None) == describe("not json") == ""
