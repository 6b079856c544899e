"""Headless Chromium (Debian's `chromium`) for the tests: the DOM after scripts ran, the
console's messages, and screenshots. No network: every host name resolves to nothing, so a
page that needed a CDN would fail to draw."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars"]
CONSOLE = re.compile(r':CONSOLE[^\]]*\] "(.*)", source: (.*)$')


def chromium() -> str:
    """The browser's path. CI installs it (.ci/run), so there its absence is a failure."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    message = "headless Chromium is not installed (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _run(page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr",
             "--v=0", "--virtual-time-budget=15000", *args, page.resolve().as_uri()],
            capture_output=True, text=True, timeout=180, check=False)


def dom_and_console(page: Path) -> tuple[str, list[str]]:
    """The page's DOM once its scripts ran, and every console message it logged."""
    done = _run(page, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    console = [m.group(1) for line in done.stderr.splitlines() if (m := CONSOLE.search(line))]
    return done.stdout, console


def screenshot(page: Path, png: Path, width: int = 1300, height: int = 3000) -> Path:
    done = _run(page, f"--window-size={width},{height}", f"--screenshot={png}")
    assert done.returncode == 0 and png.exists(), done.stderr[-2000:]
    return png


def png_size(png: Path) -> tuple[int, int]:
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
