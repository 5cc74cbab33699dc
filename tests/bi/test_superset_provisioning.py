"""Superset is provisioned as code: one read-only database, its datasets, charts, a dashboard.

The bundle in deploy/superset/bundle is what ``superset import-dashboards``
reads at start (deploy/superset/init.sh). These checks keep it whole: every
reference resolves, the database can only read the dashboards' copy, and
every dataset query runs on a real published file (tests/report's
hand-made one) through duckdb-engine, the driver Superset uses.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import sqlalchemy as sa
import yaml

from tests.bi.test_dashboard_reads import BUNDLE, dashboard_queries, superset_engine

REPO = Path(__file__).resolve().parents[2]


def _load(pattern: str) -> list[dict]:
    return [yaml.safe_load(p.read_text()) for p in sorted(BUNDLE.glob(pattern))]


def test_bundle_references_resolve_and_the_dashboard_shows_every_chart():
    assert yaml.safe_load((BUNDLE / "metadata.yaml").read_text())["type"] == "Dashboard"
    (database,) = _load("databases/*.yaml")
    datasets, charts, (dashboard,) = (_load("datasets/*/*.yaml"), _load("charts/*.yaml"),
                                      _load("dashboards/*.yaml"))
    assert {d["database_uuid"] for d in datasets} == {database["uuid"]}
    assert {c["dataset_uuid"] for c in charts} <= {d["uuid"] for d in datasets}
    placed = {v["meta"]["uuid"] for k, v in dashboard["position"].items()
              if k.startswith("CHART-")}
    assert placed == {c["uuid"] for c in charts}
    uuids = [x["uuid"] for x in (database, *datasets, *charts, dashboard)]
    assert len(set(uuids)) == len(uuids)


def test_dashboard_has_native_filters_for_regency_district_and_month():
    """Three select filters, each on a column its dataset has (in the bundle and in the
    dataset's query); Kecamatan cascades from Kabupaten/Kota."""
    datasets = {d["uuid"]: d for d in _load("datasets/*/*.yaml")}
    (dashboard,) = _load("dashboards/*.yaml")
    filters = dashboard["metadata"]["native_filter_configuration"]
    by_column = {}
    for f in filters:
        assert f["type"] == "NATIVE_FILTER" and f["filterType"] == "filter_select"
        assert f["id"].startswith("NATIVE_FILTER-") and f["name"]
        assert f["scope"] == {"rootPath": ["ROOT_ID"], "excluded": []}
        (target,) = f["targets"]
        dataset = datasets[target["datasetUuid"]]
        column = target["column"]["name"]
        assert column in {c["column_name"] for c in dataset["columns"]}, (f["name"], column)
        assert re.search(rf"\b{column}\b", dataset["sql"]), (f["name"], column)
        by_column[column] = f
    assert set(by_column) == {"regency_name", "district_name", "month"}
    assert by_column["district_name"]["cascadeParentIds"] == [by_column["regency_name"]["id"]]
    assert by_column["district_name"]["targets"][0]["datasetUuid"] == \
        by_column["regency_name"]["targets"][0]["datasetUuid"]
    month = datasets[by_column["month"]["targets"][0]["datasetUuid"]]
    assert "WHERE month" not in month["sql"]  # every month to choose from, not the latest
    assert len({f["id"] for f in filters}) == len(filters)
    # every chart's dataset has at least one of the filtered columns
    charted = {c["dataset_uuid"] for c in _load("charts/*.yaml")}
    for uuid in charted - {datasets_uuid for datasets_uuid, d in datasets.items()
                           if d["table_name"] in ("feed_quality", "recruiter_watchlist")}:
        cols = {c["column_name"] for c in datasets[uuid]["columns"]}
        assert cols & set(by_column), datasets[uuid]["table_name"]


def test_superset_database_is_the_dashboard_copy_read_only():
    (database,) = _load("databases/*.yaml")
    assert database["sqlalchemy_uri"] == \
        "duckdb:////data/home/dashboard.duckdb?access_mode=read_only"
    assert database["extra"]["engine_params"]["connect_args"] == {
        "read_only": True,
        "config": {"enable_external_access": False, "autoinstall_known_extensions": False,
                   "autoload_known_extensions": False, "lock_configuration": True}}
    assert not any(database[k] for k in ("allow_dml", "allow_ctas", "allow_cvas",
                                         "allow_file_upload"))


def test_every_dataset_query_runs_on_a_published_dashboard_copy(published):
    engine = superset_engine(published.paths.home)
    with engine.connect() as con:
        for name, sql in dashboard_queries().items():
            assert con.execute(sa.text(sql)).all(), f"{name} returned nothing"
    with duckdb.connect(str(published.paths.dashboard), read_only=True) as con:
        columns = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                             "WHERE table_schema = 'marts'").fetchall()}
    for dataset in _load("datasets/*/*.yaml"):
        assert {c["column_name"] for c in dataset["columns"]} <= columns


def test_superset_image_reads_duckdb_with_the_version_that_writes_it():
    dockerfile = (REPO / "deploy" / "superset" / "Dockerfile").read_text()
    pins = dict(re.findall(r"\b(duckdb|duckdb-engine)==([\w.]+)", dockerfile))
    assert pins == {"duckdb": duckdb.__version__,
                    "duckdb-engine": __import__("duckdb_engine").__version__}


def test_the_tests_superset_is_the_images():
    """tests/bi/test_superset_live.py runs the Superset, DuckDB and driver of the image."""
    dockerfile = (REPO / "deploy" / "superset" / "Dockerfile").read_text()
    env = (REPO / "deploy" / "superset" / "env" / "pyproject.toml").read_text()
    pins = dict(re.findall(r'"(apache-superset|duckdb|duckdb-engine)==([\w.]+)"', env))
    assert pins == {"apache-superset": re.search(r"apache/superset:([\w.]+)", dockerfile)[1],
                    "duckdb": duckdb.__version__,
                    "duckdb-engine": __import__("duckdb_engine").__version__}


def test_compose_serves_superset_from_the_bundle_with_secrets_from_the_env_file():
    spec = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    superset = spec["services"]["superset"]
    assert superset["command"] == ["/app/tppo/init.sh"]
    assert all(m.endswith(":ro") for m in superset["volumes"])
    text = (REPO / "docker-compose.yml").read_text()
    needed = set(re.findall(r"\$\{(\w+):\?", text))
    example = {line.split("=", 1)[0] for line in
               (REPO / "deploy" / "env.example").read_text().splitlines()
               if line and not line.startswith("#")}
    assert needed <= example, needed - example
    for line in (REPO / "deploy" / "env.example").read_text().splitlines():
        key, _, value = line.partition("=")
        if any(w in key for w in ("PASSWORD", "SECRET", "KEY")):
            assert value == "", f"{key} has a value in env.example"
    ignored = (REPO / ".gitignore").read_text().splitlines()
    assert "deploy/.env" in ignored


def test_celery_profile_adds_a_broker_and_a_worker():
    services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    assert services["redis"]["profiles"] == ["celery"]
    assert services["airflow-worker"]["profiles"] == ["celery"]
    assert services["airflow-worker"]["command"].startswith("celery worker")
