"""Headless Chromium (Debian's ``chromium``) for the report tests, offline and bounded.

``python -m tests.report.chromium PAGE.html OUT.png`` takes the screenshot kept
for the README (docs/morning-report.png).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--force-device-scale-factor=1",
         # nothing leaves the machine: any host name resolves to nowhere
         "--host-resolver-rules=MAP * ~NOTFOUND")


def executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run(page: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run Chromium on a local page with a fresh profile; raises if it fails."""
    exe = executable()
    if exe is None:
        raise RuntimeError("chromium is not installed: `apt-get install -y chromium` "
                           "(make test installs it)")
    with tempfile.TemporaryDirectory(prefix="tppo-chromium-") as profile:
        proc = subprocess.run(
            [exe, *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()],
            capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"chromium exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc


def dom(page: Path) -> str:
    """The page's DOM after Chromium parsed and laid it out."""
    return run(page, "--dump-dom", "--virtual-time-budget=2000").stdout


def screenshot(page: Path, out: Path, width: int = 1280, height: int = 2200) -> Path:
    run(page, f"--screenshot={out.resolve()}", f"--window-size={width},{height}")
    return out


if __name__ == "__main__":
    screenshot(Path(sys.argv[1]), Path(sys.argv[2]))
