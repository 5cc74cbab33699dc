"""The dbt project's documentation (lineage, models, column docs) next to the report.

``dbt docs generate --static`` writes one HTML page with the manifest and the catalog
embedded, so it opens from ``file://`` with no server and no network. Each run writes
it to ``reports/dbt-docs.html``, next to the dated report folders, and every morning
report links it (``../dbt-docs.html``). One file, replaced each run, not one per day:
the page is about 4.5 MB (a year of daily copies would be 1.6 GB) and describes the
project as it is now, which is what an analyst following a column's lineage wants.

What it holds: the models' SQL, the YAML descriptions and tests, and the catalog, which
for dbt-duckdb is each relation's column names and types (``stats`` only says there are
none): no row of any table. The tracking script dbt docs would load from a CDN when
anonymous usage statistics are on (they are off for this project) is cut out all the
same, so the page never asks the network for anything.

The build's manifest (``work/dbt_target``) is reused (``--no-compile``): generating
takes a few seconds, reading the restricted warehouse only for the catalog, inside the
report task's writer-pool slot.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from tppo.config import Paths, share
from tppo.transform import run_dbt

log = logging.getLogger(__name__)
FILE_NAME = "dbt-docs.html"
# dbt docs' Snowplow loader: the only script source that points off the page.
_TRACKER = re.compile(r"//[a-z0-9]+\.cloudfront\.net/[0-9.]+/sp\.js")


def offline(page: str) -> str:
    """The page with every script source that would leave the machine emptied."""
    return _TRACKER.sub("", page)


def docs_path(p: Paths) -> Path:
    return p.reports / FILE_NAME


def write_dbt_docs(p: Paths) -> Path | None:
    """Generate the static dbt docs into ``reports/dbt-docs.html`` (atomically); None
    (and a warning in the log, the previous page kept) when dbt could not: the morning
    report matters more than its appendix."""
    target = p.work / "dbt_target"
    args = ["docs", "generate", "--static"]
    if (target / "manifest.json").exists():
        args.append("--no-compile")  # the build just compiled every model
    proc = run_dbt(args, p)
    (p.logs / "dbt" / "docs_generate.log").write_text(proc.stdout + proc.stderr)
    page_file = target / "static_index.html"
    if proc.returncode != 0 or not page_file.exists():
        log.warning("dbt docs generate failed (log: %s); the report goes without them",
                    p.logs / "dbt" / "docs_generate.log")
        return None
    p.reports.mkdir(parents=True, exist_ok=True)
    out = docs_path(p)
    tmp = p.reports / f".{FILE_NAME}.tmp"
    tmp.write_text(offline(page_file.read_text(encoding="utf-8")), encoding="utf-8")
    share(tmp)
    tmp.replace(out)
    return out
