"""The dbt project's documentation (lineage, models, column docs) next to the report.

``dbt docs generate --static`` writes one HTML page with the manifest and the catalog
embedded, so it opens from ``file://`` with no server and no network. It is written to
``reports/<date>/dbt-docs.html`` and the morning report links it.

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

log = logging.getLogger(__name__)
FILE_NAME = "dbt-docs.html"
# dbt docs' Snowplow loader: the only script source that points off the page.
_TRACKER = re.compile(r"//[a-z0-9]+\.cloudfront\.net/[0-9.]+/sp\.js")


def offline(page: str) -> str:
    """The page with every script source that would leave the machine emptied."""
    return _TRACKER.sub("", page)


def write_dbt_docs(p: Paths, out_dir: Path) -> Path | None:
    """Generate the static dbt docs into ``out_dir/dbt-docs.html``; None (and a warning in
    the log) when dbt could not: the morning report matters more than its appendix."""
    from tppo.pipeline import run_dbt

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
    out = out_dir / FILE_NAME
    tmp = out_dir / f".{FILE_NAME}.tmp"
    tmp.write_text(offline(page_file.read_text(encoding="utf-8")), encoding="utf-8")
    share(tmp)
    tmp.replace(out)
    return out
