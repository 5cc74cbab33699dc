"""Progress lines of `tppo run` (tppo/progress.py): rows per feed from an ingest task's
return value, the percentage done and rows per second inside a task (files of a feed,
dbt's nodes); the lines during a real run are checked in tests/test_nightly_run.py."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

from tppo.children import run_child
from tppo.progress import Meter, Progress, describe, progress_file, start_run
from tppo.transform import DbtProgress


def test_rows_per_feed_from_the_ingest_result():
    result = {"files": 3, "rows_loaded": 1204, "rows_quarantined": 3}
    assert describe(result) == "3 file(s), 1,204 rows loaded, 3 quarantined"
    assert describe(json.dumps(result)) == describe(result)


def test_other_tasks_give_no_rows():
    assert describe({"published": True}) == describe(None) == describe("not json") == ""


# -- progress inside a task: tppo.progress.Meter, DbtProgress, the console tail ----------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_meter_writes_its_first_line_every_few_seconds_and_its_last(tmp_path):
    clock, sink = Clock(), progress_file(tmp_path)
    meter = Meter("ingest_paspor", "read", 10, "files", sink, every=3.0, clock=clock)
    for _ in range(10):
        clock.now += 1.0
        meter.update(rows=500)
    # first file, after 3 s twice (files 4 and 7), and the tenth
    assert len(meter.lines) == 4
    assert meter.lines[0].split() == ["ingest_paspor", "read", "10", "%", "1/10", "files",
                                      "500", "rows", "500", "rows/s"]
    assert meter.lines[-1].split()[2:5] == ["100", "%", "10/10"]
    assert "5,000 rows  500 rows/s" in meter.lines[-1]
    records = [json.loads(x) for x in sink.read_text().splitlines()]
    assert [r["line"] for r in records] == meter.lines
    assert all(dt.datetime.fromisoformat(r["at"]).tzinfo for r in records)
    meter.update(10)  # a completed step writes nothing more
    assert len(meter.lines) == 4


def test_a_meter_without_units_is_done():
    meter = Meter("ingest_wna", "read", 0, "files")
    assert meter.line().split()[2:5] == ["100", "%", "0/0"]


DBT_LINES = [
    "\x1b[0m20:40:38  Running with dbt=1.11.2\n",
    "\x1b[0m20:40:38  1 of 3 START sql view model staging.stg_a .......... [RUN]\n",
    "\x1b[0m20:40:38  1 of 3 OK created sql view model staging.stg_a ..... [\x1b[32mOK\x1b[0m "
    "in 0.11s]\n",
    "20:40:39  2 of 3 START python table model intermediate.int_person_match_pairs  [RUN]\n",
    "20:40:59  2 of 3 OK created python table model intermediate.int_person_match_pairs "
    "[OK in 20.1s]\n",
    "20:40:59  3 of 3 START test not_null_stg_a_id .................... [RUN]\n",
    "20:41:00  3 of 3 PASS not_null_stg_a_id .......................... [PASS in 0.1s]\n",
    "20:41:00  Finished running 1 view model, 1 table model, 1 test in 0 hours\n",
]


def test_dbt_lines_become_nodes_done_and_the_node_last_run(tmp_path):
    follow = DbtProgress("dbt_build", "build", progress_file(tmp_path))
    for line in DBT_LINES:
        follow(line)
    lines = follow.meter.lines
    assert lines[0].split()[:5] == ["dbt_build", "build", "33", "%", "1/3"]
    assert lines[0].endswith("last: staging.stg_a")
    assert lines[-1].split()[:5] == ["dbt_build", "build", "100", "%", "3/3"]
    assert lines[-1].endswith("last: not_null_stg_a_id")


def test_a_childs_lines_are_followed_as_they_come(tmp_path):
    seen = []
    code = ("import sys, time\nfor i in range(3):\n    print(i, flush=True)\n"
            "    time.sleep(0.05)\nprint('err', file=sys.stderr)")
    done = run_child([sys.executable, "-c", code], on_line=seen.append)
    assert done.returncode == 0
    assert seen == ["0\n", "1\n", "2\n", "err\n"]
    assert done.stdout == "".join(seen)


def test_the_run_prints_the_tasks_progress_lines_as_they_are_appended(tmp_path):
    sink = progress_file(tmp_path)
    sink.write_text("left over from an earlier run\n")
    read, write = os.pipe()
    watcher = Progress("tppo_nightly", dt.datetime(2025, 1, 1, tzinfo=dt.UTC), write,
                       lines_from=sink)
    assert not sink.exists()  # an earlier run's lines are not this run's
    Meter("ingest_paspor", "read", 2, "files", sink).update(rows=10)
    with open(sink, "a") as fh:
        fh.write('{"at": "2025-01-01T01:00:00+07:00", "line": "half a li')  # still written
    watcher._tail()
    start_run(sink)  # the run's first task starts the file anew (as under the scheduler)
    Meter("ingest_wna", "read", 1, "files", sink).update(rows=3)
    watcher._tail()
    os.close(write)
    printed = os.read(read, 10000).decode().splitlines()
    os.close(read)
    assert len(printed) == 2 and " progress  ingest_paspor      read   50 %" in printed[0]
    assert " progress  ingest_wna         read  100 %" in printed[1]
    assert watcher.lines == printed
