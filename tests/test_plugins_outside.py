"""The outside path: a plugin distribution nobody in this repository knows about.

The test writes a throwaway distribution (a pyproject with an entry point, a module, a
ruleset as package data) into a temporary folder, has a real installer build and install it
(`uv pip install --target`, offline: the build backend, hatchling, is the one that built this
project and is in uv's cache), then runs `loyalty-rules` in a fresh process that sees the
install, as a user's would. Nothing is installed into the project's environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from loyalty_rules import get_plugin_manager
from loyalty_rules.plugins.manager import BLOCK_VARIABLE

PYPROJECT = """\
[project]
name = "loyalty-rules-throwaway"
version = "0.0.1"
dependencies = []

[project.entry-points.loyalty_rules]
throwaway = "loyalty_rules_throwaway"

[build-system]
requires = ["hatchling>=1.21"]
build-backend = "hatchling.build"

[tool.hatch.build.targets.wheel]
packages = ["src/loyalty_rules_throwaway"]
"""

MODULE = '''\
"""A throwaway pack: thank a customer for a first purchase."""

from importlib import resources

from loyalty_rules import ActionSpec, hookimpl


@hookimpl
def register_actions(register):
    register(ActionSpec("throwaway.thank_you", "Thank a first-time buyer.", ("CRM-08",)))


@hookimpl
def register_scripts(register):
    register("throwaway.thank_you", en="Thank you, {name}!", zh="谢谢您，{name}！")


@hookimpl
def register_rulesets(register):
    register(resources.files(__name__) / "rulesets")
'''

RULESET = """\
ruleset: throwaway
description: Thank first-time buyers.
rules:
  - id: thank-first-purchase
    guidance: [CRM-08]
    when: {purchases: 1}
    then: {recommend: throwaway.thank_you, priority: 90}
"""


def write_distribution(root: Path) -> Path:
    package = root / "src" / "loyalty_rules_throwaway"
    (package / "rulesets").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (package / "__init__.py").write_text(MODULE, encoding="utf-8")
    (package / "rulesets" / "throwaway.yaml").write_text(RULESET, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The throwaway distribution, built and installed into a folder of its own."""
    uv = shutil.which("uv")
    assert uv, "uv is needed (the README installs it: python3 -m pip install uv)"
    work = tmp_path_factory.mktemp("outside")
    source = write_distribution(work / "loyalty-rules-throwaway")
    target = work / "site"
    done = subprocess.run(
        [uv, "pip", "install", "--offline", "--no-deps", "--python", sys.executable,
         "--target", str(target), str(source)],
        cwd=work, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, UV_PYTHON_DOWNLOADS="never"))
    assert done.returncode == 0, done.stderr
    return target


def loyalty_rules(site: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != BLOCK_VARIABLE}
    environment.update(PYTHONPATH=str(site), **env)
    return subprocess.run([sys.executable, "-m", "loyalty_rules.cli", *args],
                          env=environment, capture_output=True, text=True, timeout=120)


def test_the_installer_put_the_module_its_package_data_and_the_entry_point_in_place(site):
    assert (site / "loyalty_rules_throwaway" / "rulesets" / "throwaway.yaml").is_file()
    [info] = site.glob("loyalty_rules_throwaway-0.0.1.dist-info")
    entry_points = (info / "entry_points.txt").read_text(encoding="utf-8")
    assert "[loyalty_rules]" in entry_points
    assert "throwaway = loyalty_rules_throwaway" in entry_points


def test_loyalty_rules_plugins_discovers_it_by_entry_point(site):
    listed = loyalty_rules(site, "plugins")
    assert listed.returncode == 0, listed.stderr
    assert "throwaway  (loyalty-rules-throwaway 0.0.1)" in listed.stdout
    assert "action: throwaway.thank_you" in listed.stdout
    assert f"throwaway ({site / 'loyalty_rules_throwaway' / 'rulesets' / 'throwaway.yaml'})" \
        in listed.stdout


def test_evaluate_with_the_plugin_uses_its_rules_actions_and_scripts(site, tmp_path):
    customers = tmp_path / "customers.jsonl"
    customers.write_text(json.dumps({"id": "C1", "name": "Ms Li", "events": [
        {"type": "purchase", "at": "2026-11-20", "amount": 40}]}) + "\n", encoding="utf-8")
    done = loyalty_rules(site, "evaluate", str(customers), "--as-of", "2026-11-22",
                         "--plugin", "throwaway", "--format", "json")
    assert done.returncode == 0, done.stderr
    [decision] = json.loads(done.stdout)
    thanks = [r for r in decision["recommendations"] if r["action"] == "throwaway.thank_you"]
    assert thanks == [{**thanks[0], "ruleset": "throwaway", "rule": "thank-first-purchase",
                       "script": "Thank you, Ms Li!"}]
    # without --plugin, installed but inactive: nothing of it
    plain = loyalty_rules(site, "evaluate", str(customers), "--as-of", "2026-11-22",
                          "--format", "json")
    assert "throwaway" not in plain.stdout


def test_blocking_it_makes_it_disappear(site):
    listed = loyalty_rules(site, "plugins", **{BLOCK_VARIABLE: "throwaway"})
    assert listed.returncode == 0, listed.stderr
    assert "throwaway" not in listed.stdout and listed.stdout.startswith("core")


def test_get_plugin_manager_in_this_process_finds_it_too(site, monkeypatch):
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "loyalty_rules_throwaway", raising=False)
    plugin = get_plugin_manager().get_plugin("throwaway")
    assert Path(plugin.__file__).is_relative_to(site)  # the installed copy, not the source
