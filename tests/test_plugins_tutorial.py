"""docs/plugin-tutorial.md is run: its listings are the salon pack's files, its commands work.

1. every block introduced by ``<!-- file: PATH -->`` is exactly that file of the repository,
   and every file of docs/examples/salon/ is shown;
2. the salon is built and installed with a real installer (`uv pip install --target`, offline)
   into a temporary folder — never into the project's environment;
3. every ``$`` command of every ``console`` block is run from the repository root in a fresh
   process that sees that folder, and its output compared with the lines shown (``...``
   alone stands for any lines, inside a line for any text). ``pytest`` runs without its cache.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from loyalty_rules.plugins.manager import BLOCK_VARIABLE

DOC = ROOT / "docs" / "plugin-tutorial.md"
SALON = ROOT / "docs" / "examples" / "salon"
LISTING = re.compile(r"<!-- file: (\S+) -->\n```\w*\n(.*?)^```", re.S | re.M)
CONSOLE = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
PROGRAMS = {"loyalty-rules": [sys.executable, "-m", "loyalty_rules.cli"],
            "pytest": [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]}


def text() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_listing_is_the_file_it_names():
    listings = LISTING.findall(text())
    assert listings
    for path, shown in listings:
        actual = (ROOT / path).read_text(encoding="utf-8")
        assert shown == actual, f"docs/plugin-tutorial.md shows an outdated {path}"


def test_every_file_of_the_salon_is_in_the_tutorial():
    shown = {path for path, _ in LISTING.findall(text())}
    files = {p.relative_to(ROOT).as_posix() for p in SALON.rglob("*")
             if p.is_file() and "__pycache__" not in p.parts}
    assert files - shown == set()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    uv = shutil.which("uv")
    assert uv, "uv is needed (the README installs it: python3 -m pip install uv)"
    target = tmp_path_factory.mktemp("salon") / "site"
    done = subprocess.run(
        [uv, "pip", "install", "--offline", "--no-deps", "--python", sys.executable,
         "--target", str(target), str(SALON)],
        cwd=target.parent, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, UV_PYTHON_DOWNLOADS="never"))
    assert done.returncode == 0, done.stderr
    return target


def commands() -> list[tuple[str, list[str]]]:
    found = []
    for block in CONSOLE.findall(text()):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *output = chunk.rstrip("\n").split("\n")
            found.append((command, output))
    return found


def matches(expected: list[str], actual: list[str]) -> bool:
    """``...`` alone: any number of lines; inside a line: any text."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head == "...":
        return any(matches(rest, actual[i:]) for i in range(len(actual) + 1))
    pattern = ".*".join(re.escape(part) for part in head.split("..."))
    return bool(actual) and re.fullmatch(pattern, actual[0]) is not None \
        and matches(rest, actual[1:])


@pytest.mark.parametrize(("command", "output"), commands(), ids=[c for c, _ in commands()])
def test_every_command_runs_as_shown(command, output, site):
    program, *args = shlex.split(command)
    environment = {k: v for k, v in os.environ.items() if k != BLOCK_VARIABLE}
    environment["PYTHONPATH"] = str(site)
    done = subprocess.run(PROGRAMS[program] + args, cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.rstrip("\n").split("\n")
    assert matches(output, lines), "\n".join(["expected:", *output, "got:", *lines])


def test_the_matcher_can_fail():
    assert not matches(["a", "..."], ["b", "c"])
    assert not matches(["x...y"], ["xz"])
    assert matches(["...", "x...y"], ["a", "xzy"])
