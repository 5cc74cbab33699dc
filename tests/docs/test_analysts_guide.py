"""docs/ANALYSTS.md (issue: point 3): its codebook is the dbt YAML's, and every query in
it runs against a published warehouse and returns the columns it lists."""

from __future__ import annotations

import re
import subprocess
import sys

import duckdb
import pytest

from tests.docs.conftest import Demo
from tppo import codebook

GUIDE = codebook.GUIDE
QUERY = re.compile(r"```sql\n(.*?)```\n\nColumns: ([^\n]*)\n", re.S)
PYTHON = re.compile(r"```python\n(.*?)```", re.S)


def _queries() -> list[tuple[str, list[str]]]:
    text = GUIDE.read_text(encoding="utf-8")
    return [(sql, re.findall(r"`([^`]+)`", cols)) for sql, cols in QUERY.findall(text)]


def test_committed_codebook_equals_the_generated_one():
    text = GUIDE.read_text(encoding="utf-8")
    assert codebook.updated(text) == text, "run: python -m tppo.codebook"
    assert codebook.main(["--check"]) == 0


def test_codebook_lists_every_mart_and_column_of_the_yaml():
    text = GUIDE.read_text(encoding="utf-8")
    for model in codebook.models():
        assert f"### marts.{model['name']}" in text
        assert model["columns"], model["name"]
        for column in model["columns"]:
            assert column.get("description") and column.get("data_type"), column["name"]
            assert f"| `{column['name']}` | {column['data_type']} |" in text


def test_guide_has_at_least_twelve_questions_each_with_its_columns():
    text = GUIDE.read_text(encoding="utf-8")
    queries = _queries()
    assert len(queries) >= 12
    assert len(queries) == text.count("```sql"), "every sql block is followed by Columns:"
    assert all(cols for _, cols in queries)
    for heading in ("## Membuka gudang data (hanya baca) / Opening the warehouse read-only",
                    "## Pertanyaan dan SQL-nya / Worked questions", "## Buku kode / Codebook",
                    "marts.mart_unmapped_values", "Desa Binaan", "DBeaver", "duckdb-engine"):
        assert heading in text


@pytest.mark.slow
@pytest.mark.parametrize("number", range(len(_queries())), ids=lambda n: f"q{n + 1}")
def test_query_runs_and_returns_the_listed_columns(demo_run: Demo, number: int):
    sql, columns = _queries()[number]
    with duckdb.connect(str(demo_run.home / "analytics.duckdb"), read_only=True) as con:
        result = con.execute(sql)
        assert [d[0] for d in result.description] == columns
        result.fetchall()


@pytest.mark.slow
def test_codebook_covers_exactly_the_published_marts(demo_run: Demo):
    with duckdb.connect(str(demo_run.home / "analytics.duckdb"), read_only=True) as con:
        published = {t: {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' "
            "AND table_name = ?", [t]).fetchall()} for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
        ).fetchall()}
    documented = {m["name"]: {c["name"] for c in m["columns"]} for m in codebook.models()}
    assert documented == published


@pytest.mark.slow
def test_python_snippets_open_the_warehouse_read_only(demo_run: Demo):
    """Each snippet in its own interpreter (a pooled duckdb-engine connection would keep
    the file open in this one), then a write through the same connection is refused."""
    snippets = PYTHON.findall(GUIDE.read_text(encoding="utf-8"))
    assert len(snippets) == 2
    checks = {"top": "assert top.height > 0\ncon.execute('CREATE TABLE marts.x AS SELECT 1')",
              "rows": "assert rows[0][0] > 0\nwith engine.connect() as c:\n"
                      "    c.execute(text('CREATE TABLE marts.x AS SELECT 1'))"}
    for code in snippets:
        check = next(v for k, v in checks.items() if f"{k} = " in code)
        script = code.replace("/srv/tppo/home", str(demo_run.home)) + check + "\n"
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=120, check=False)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "read-only" in proc.stderr.lower() or "read_only" in proc.stderr.lower(), \
            proc.stderr[-2000:]
