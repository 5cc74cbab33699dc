"""The production wheel carries the product only: no generator, no evaluator.

The wheel is built from this checkout with uv (as `make setup` has it), unpacked
into a temporary folder, and imported with the checkout taken off ``sys.path``:
``tppo`` works and has no developer commands, and nothing of ``synth`` is inside.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _uv() -> str:
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    assert Path(found).exists(), "uv is missing: `make setup` installs it"
    return found


def test_the_wheel_holds_no_generator_and_its_cli_works_without_it(tmp_path):
    built = subprocess.run([_uv(), "build", "--wheel", "-o", str(tmp_path / "dist"),
                            "--python", sys.executable], cwd=ROOT, capture_output=True,
                           text=True, timeout=300,
                           env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"})
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        tops = {name.split("/")[0] for name in zf.namelist()}
        zf.extractall(tmp_path / "site")
    assert {"tppo", "ingest", "expectations"} <= tops
    assert not tops & {"synth", "tests", "benchmarks"}, tops

    probe = (
        "import sys\n"
        # the checkout leaves sys.path; the environment's site-packages (which may lie
        # inside the checkout, as .venv) stays, since the wheel's dependencies live there
        f"sys.path = [{str(tmp_path / 'site')!r}] + [p for p in sys.path if p and "
        f"('site-packages' in p or not p.startswith({str(ROOT)!r}))]\n"
        "import tppo.cli\n"
        "assert tppo.cli.add_dev_commands is None\n"
        "sub = tppo.cli.build_parser()._subparsers._group_actions[0]\n"
        "print(sorted(sub.choices))\n"
    )
    out = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    commands = set(eval(out.stdout))  # a printed list of names
    assert {"run", "top", "privacy", "export"} <= commands
    assert not commands & {"demo", "synth", "evaluate"}


def test_the_image_leaves_the_developer_tools_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"synth/", "tests/", "benchmarks/"} <= set(ignored)
