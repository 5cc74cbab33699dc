"""A chart's query context from its saved form data, as Superset's frontend builds it.

Run by Superset's own Python (``.superset-venv/bin/python``, from
tests/bi/test_superset_live.py): reads ``[{"id", "viz_type", "form_data"}]`` as
JSON on stdin and writes ``{id: query_context}``. The bundle's charts carry no
saved query context (an export of a chart never opened in Explore has none), so
a browser builds one per chart from its form data and POSTs it to
/api/v1/chart/data; Superset ships the Python port of those builders
(``superset.migrations.shared.migrate_viz``), used here so the test asks what a
browser asks.
"""

from __future__ import annotations

import json
import sys

from superset.migrations.shared.migrate_viz.processors import TimeseriesChart
from superset.migrations.shared.migrate_viz.query_functions import build_query_context


def query_context(viz_type: str, form_data: dict) -> dict:
    if viz_type.startswith("echarts_timeseries"):
        chart = TimeseriesChart.__new__(TimeseriesChart)
        chart.data = form_data
        return chart._build_query()
    if viz_type == "table" and form_data.get("query_mode") == "aggregate":
        # plugin-chart-table: an aggregate table is sorted by its sort metric
        # (or its first metric), descending unless order_desc is false.
        def sorted_by_metric(base: dict) -> list[dict]:
            metric = form_data.get("timeseries_limit_metric") or base["metrics"][0]
            return [{**base, "orderby": [[metric, not form_data.get("order_desc", True)]]}]

        return build_query_context(form_data, sorted_by_metric)
    if viz_type in ("table", "big_number_total"):
        return build_query_context(form_data)
    raise SystemExit(f"no query builder here for viz_type {viz_type!r}")


if __name__ == "__main__":
    charts = json.load(sys.stdin)
    json.dump({c["id"]: query_context(c["viz_type"], c["form_data"]) for c in charts},
              sys.stdout)
