"""Every DAG file imports cleanly and is wired the way the operators rely on."""

import subprocess
import sys
from pathlib import Path

import pytest

from tppo.config import DAGS_DIR

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_every_dag_file_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "tppo_nightly" in dagbag.dag_ids


def test_dags_have_tags_retries_and_docs(dagbag):
    for dag in dagbag.dags.values():
        assert dag.tags, f"{dag.dag_id} has no tags"
        assert dag.doc_md, f"{dag.dag_id} has no doc_md"
        for task in dag.tasks:
            assert task.retries >= 1, f"{dag.dag_id}.{task.task_id} has no retries"


def test_nightly_schedule_is_one_am_wib_without_catchup_one_run_at_a_time(dagbag):
    dag = dagbag.dags["tppo_nightly"]
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.timetable.expression == "0 1 * * *"
    assert str(dag.timetable.timezone.name) == "Asia/Jakarta"


def test_every_duckdb_task_uses_the_one_slot_writer_pool(dagbag):
    dag = dagbag.dags["tppo_nightly"]
    writers = [t for t in dag.tasks if t.task_id != "report"]
    assert writers and all(t.pool == "duckdb_writer" for t in writers)


def test_graph_is_acyclic_and_in_stage_order(dagbag):
    dag = dagbag.dags["tppo_nightly"]
    order = [t.task_id for t in dag.topological_sort()]
    assert order[0] == "discover"
    ingests = [i for i, t in enumerate(order) if t.startswith("ingest_")]
    assert len(ingests) == 9
    assert max(ingests) < order.index("dbt_build") < order.index("validate_marts") \
        < order.index("publish") < order.index("report")


def test_dag_file_has_no_heavy_imports_at_module_level():
    code = (
        "import sys, runpy; runpy.run_path(sys.argv[1]);"
        "heavy = [m for m in ('duckdb', 'polars', 'great_expectations', 'dbt', 'pandas')"
        " if m in sys.modules]; print('HEAVY=' + ','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(DAGS_DIR / "tppo_nightly.py")],
                         capture_output=True, text=True, check=True, cwd=REPO)
    assert "HEAVY=\n" in out.stdout + "\n"


def test_a_run_not_finished_by_six_wib_raises_the_late_alert(dagbag):
    dag = dagbag.dags["tppo_nightly"]
    deadlines = dag.deadline if isinstance(dag.deadline, list) else [dag.deadline]
    (alert,) = [d for d in deadlines if d is not None]
    assert alert.interval.total_seconds() == 5 * 3600  # 01:00 start + 5 h = 06:00 WIB
    assert "run_not_finished" in str(alert.callback.path if hasattr(alert.callback, "path")
                                     else alert.callback)


def test_publish_declares_every_published_mart_as_an_asset(dagbag):
    from tppo.config import published_marts

    outlets = {a.name for a in dagbag.dags["tppo_nightly"].get_task("publish").outlets}
    expected = {f"tppo.{f}.{t}" for f, marts in published_marts().items() for t in marts}
    assert outlets == expected
    assert "tppo.dashboard.mart_recruiter_watchlist" in outlets
