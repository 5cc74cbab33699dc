"""The stages import one way only (docs/ARCHITECTURE.md, "Layers").

Every Python file of the product and of the developer tools is parsed (``ast``,
nothing imported) and each import of a project module is checked against the
layer table below: a module may import its own layer and the layers its layer
is allowed to see, nothing else. Imports placed inside functions are refused
outside the entry points (the ``tppo`` command and the DAG file, which import
lazily so that ``tppo --help`` and Airflow's parsing stay fast): an import
moved into a function to dodge a cycle shows up here as a failure.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = ("tppo", "ingest", "expectations", "synth")

# Module prefix -> layer; the longest matching prefix decides.
LAYER_OF = {
    "tppo": "core",  # tppo/__init__.py
    "tppo.config": "core",
    "tppo.pseudonym": "core",
    "tppo.errors": "core",
    "tppo.warehouse": "core",
    "tppo.children": "core",
    "tppo.progress": "core",
    "tppo.faults": "core",
    "ingest": "ingest",
    "expectations": "expectations",
    "tppo.linking": "transform",
    "tppo.transform": "transform",
    "tppo.dbt_plugin": "transform",
    "dbt_project.models": "transform",
    "tppo.scoring": "outputs",
    "tppo.publish": "outputs",
    "tppo.report": "outputs",
    "tppo.privacy.suppression": "outputs",  # the dashboards' copy: small cells protected
    "tppo.privacy.routes": "outputs",
    "tppo.privacy.export": "outputs",
    "tppo.summary": "outputs",
    "tppo.codebook": "outputs",
    "tppo.recruiter_check": "outputs",
    "tppo.pipeline": "operations",
    "tppo.runner": "operations",
    "tppo.rebuild": "operations",
    "tppo.warehouse_check": "operations",
    "tppo.alerts": "operations",
    "tppo.privacy": "operations",  # storage, erasure: upkeep of the restricted warehouse
    "tppo.cli": "entry",
    "tppo.privacy.cli": "entry",
    "dags": "entry",
    "synth": "dev",
    "dbt_project.scripts": "dev",
    "benchmarks": "dev",
}

# Layer -> the layers it may import (besides itself).
MAY_IMPORT = {
    "core": set(),
    "ingest": {"core"},
    "expectations": {"core", "ingest"},
    "transform": {"core"},
    "outputs": {"core", "transform"},
    "operations": {"core", "ingest", "expectations", "transform", "outputs"},
    "entry": {"core", "ingest", "expectations", "transform", "outputs", "operations", "dev"},
    "dev": {"core", "ingest", "expectations", "transform", "outputs", "operations", "entry"},
}
LAZY_IMPORTS_ALLOWED = {"entry"}

# Debts still being paid off: (importer, imported module, kind). The test fails when
# one disappears too, so that this list stays exact.
KNOWN: set[tuple[str, str, str]] = set()

SCANNED = ("tppo", "ingest", "expectations", "dags", "synth", "benchmarks",
           "dbt_project/models", "dbt_project/scripts")


def layer(module: str) -> str:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        found = LAYER_OF.get(".".join(parts[:n]))
        if found:
            return found
    raise AssertionError(f"{module}: no layer in LAYER_OF (tests/test_layers.py); add one")


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    path = ROOT / Path(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def project_imports(tree: ast.AST, module: str, is_package: bool):
    """(imported project module, lazy?) for every import in the file."""
    lazy_nodes = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lazy_nodes.update(id(n) for n in ast.walk(node) if n is not node)
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from tppo import scoring` imports the module tppo.scoring, not tppo
            names = [f"{target}.{a.name}" for a in node.names
                     if _is_module(f"{target}.{a.name}")] or [target]
        for name in names:
            if name.split(".")[0] in PROJECT_PACKAGES:
                yield name, id(node) in lazy_nodes


def violations() -> set[tuple[str, str, str]]:
    found = set()
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "__pycache__" in path.parts or "target" in path.parts:
                continue
            module = module_name(path)
            own = layer(module)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for imported, lazy in project_imports(tree, module, path.name == "__init__.py"):
                theirs = layer(imported)
                if theirs != own and theirs not in MAY_IMPORT[own]:
                    found.add((module, imported, f"{own} -> {theirs}"))
                if lazy and own not in LAZY_IMPORTS_ALLOWED and not imported.startswith(
                        module):
                    found.add((module, imported, "import inside a function"))
    return found


def test_every_import_goes_down_the_layers():
    found = violations()
    new = sorted(found - KNOWN)
    assert not new, "imports against the layers (docs/ARCHITECTURE.md, Layers):\n" + "\n".join(
        f"  {m} imports {i}: {why}" for m, i, why in new)
    paid = sorted(KNOWN - found)
    assert not paid, "no longer found, take them off KNOWN:\n" + "\n".join(map(str, paid))


def test_every_project_module_has_a_layer():
    for folder in SCANNED:
        for path in (ROOT / folder).rglob("*.py"):
            if "__pycache__" not in path.parts:
                layer(module_name(path))


def _environment_reads(tree: ast.AST) -> list[int]:
    """Lines reading a setting from os.environ (copies for a child's environment and
    writes are not reads)."""
    def is_environ(node: ast.AST) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "environ"
                and isinstance(node.value, ast.Name) and node.value.id == "os")

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if is_environ(node.func.value) and node.func.attr in ("get", "items", "keys",
                                                                  "values"):
                lines.append(node.lineno)
            if (node.func.attr == "getenv" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "os"):
                lines.append(node.lineno)
        elif ((isinstance(node, ast.Subscript) and is_environ(node.value)
               and isinstance(node.ctx, ast.Load))
              or (isinstance(node, ast.Compare)
                  and any(is_environ(c) for c in node.comparators))):
            lines.append(node.lineno)
    return lines


def test_settings_are_read_from_the_environment_in_tppo_config_only():
    found = []
    for folder in ("tppo", "ingest", "expectations", "dags"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "tppo" / "config.py" or "__pycache__" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found += [f"{path.relative_to(ROOT)}:{n}" for n in _environment_reads(tree)]
    assert not found, ("settings read outside tppo/config.py (add an accessor there):\n  "
                       + "\n  ".join(found))
