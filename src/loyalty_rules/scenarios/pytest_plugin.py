"""pytest plugin and fixtures for ruleset and plugin authors (registered via ``pytest11``).

Installed with the package, so every pytest run loads it; it does nothing at import time.

* Scenario files are collected as tests: ``scenario*.yaml`` files, and ``*.yaml`` files in a
  folder named ``scenarios``; each case is one test item. ``--loyalty-plugin NAME`` and
  ``--loyalty-ruleset PATH`` (or the ini options ``loyalty_rules_plugins`` and
  ``loyalty_rules_rulesets``) add plugins and rulesets for every file.
* Fixtures: ``loyalty_plugin_manager`` (a fresh plugin manager, entry points not loaded),
  ``loyalty_engine_factory`` (``make(*plugins, **engine_kwargs)`` → an `Engine` with those
  plugin objects registered and active) and ``loyalty_as_of`` (2026-11-22).

See docs/testing.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import pluggy

    from ..engine.engine import Engine
    from .runner import Case, CaseResult, ScenarioRunner

SCENARIO_SUFFIXES = (".yaml", ".yml")
SCENARIO_FOLDER = "scenarios"
_RUNNER = pytest.StashKey["ScenarioRunner"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("loyalty_rules", "loyalty_rules scenario files")
    group.addoption("--loyalty-plugin", action="append", default=[], metavar="NAME",
                    dest="loyalty_plugins", help="activate a plugin for every scenario file")
    group.addoption("--loyalty-ruleset", action="append", default=[], metavar="PATH",
                    dest="loyalty_rulesets", help="add a ruleset file or folder to every "
                    "scenario file's engine")
    parser.addini("loyalty_rules_plugins", "plugins to activate for scenario files",
                  type="args", default=[])
    parser.addini("loyalty_rules_rulesets", "ruleset files or folders for scenario files",
                  type="paths", default=[])


def is_scenario_file(path: Path, root: Path | None = None) -> bool:
    """``scenario*.yaml``, or any ``*.yaml`` inside a folder named ``scenarios``.

    Only folders below `root` (pytest's rootdir) count, so a checkout that happens to live
    under some ``scenarios/`` folder does not turn all its YAML into tests.
    """
    if path.suffix not in SCENARIO_SUFFIXES:
        return False
    if path.name.startswith("scenario"):
        return True
    folders = path.parent.parts
    if root is not None and path.is_relative_to(root):
        folders = path.relative_to(root).parent.parts
    return SCENARIO_FOLDER in folders


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    if is_scenario_file(file_path, parent.config.rootpath):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def _runner(config: pytest.Config) -> ScenarioRunner:
    """One runner per session, so engines are built once and shared by every file."""
    runner = config.stash.get(_RUNNER, None)
    if runner is None:
        from .runner import ScenarioRunner

        plugins = [*config.getini("loyalty_rules_plugins"), *config.option.loyalty_plugins]
        rulesets = [*config.getini("loyalty_rules_rulesets"), *config.option.loyalty_rulesets]
        runner = config.stash[_RUNNER] = ScenarioRunner(plugins=plugins, rulesets=rulesets)
    return runner


class ScenarioFile(pytest.File):
    """A scenario file: one test item per case."""

    def collect(self) -> Iterator[ScenarioItem]:
        from ..errors import LoyaltyRulesError

        try:
            scenario = _runner(self.config).load(self.path)
        except LoyaltyRulesError as err:  # a malformed file: every problem, no traceback
            raise self.CollectError(str(err)) from None
        for case in scenario.cases:
            yield ScenarioItem.from_parent(self, name=case.name, case=case)


class ScenarioFailed(AssertionError):
    """A case's decision differs from what it expects."""

    def __init__(self, result: CaseResult):
        super().__init__(result.line())
        self.result = result


class ScenarioItem(pytest.Item):
    """One case of a scenario file."""

    def __init__(self, *, case: Case, **kwargs: Any):
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        result = _runner(self.config).run_case(self.case)
        if not result.passed:
            raise ScenarioFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str | Any:
        if isinstance(excinfo.value, ScenarioFailed):
            return excinfo.value.result.report()
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.line - 1, f"scenario: {self.case.name}"


# -- fixtures for plugin authors ------------------------------------------------------------------

@pytest.fixture
def loyalty_as_of() -> dt.date:
    """The reference date of the project's examples: 2026-11-22."""
    return dt.date(2026, 11, 22)


@pytest.fixture
def loyalty_plugin_manager() -> pluggy.PluginManager:
    """A fresh plugin manager with the core registered and installed plugins *not* loaded."""
    from ..plugins.manager import get_plugin_manager

    return get_plugin_manager(load_entrypoints=False)


def _named(plugin: Any) -> tuple[str, Any]:
    if isinstance(plugin, tuple) and len(plugin) == 2 and isinstance(plugin[0], str):
        return plugin
    if isinstance(plugin, ModuleType):
        return plugin.__name__, plugin
    raise TypeError(f"loyalty_engine_factory: give a module or a (name, plugin) tuple, "
                    f"got {plugin!r}")


@pytest.fixture
def loyalty_engine_factory() -> Callable[..., Engine]:
    """``make(*plugins, **engine_kwargs)``: an `Engine` with these plugins registered, active.

    Each plugin is a module (named by its ``__name__``) or a ``(name, plugin)`` tuple; each
    call registers them on its own fresh plugin manager (core included, entry points not
    loaded), so nothing leaks between calls or tests. ``engine_kwargs`` go to `Engine`
    (``rulesets``, ``parameters``, ``locale``, and ``plugins`` to activate more by name).
    """
    from ..engine.engine import Engine
    from ..errors import UsageError
    from ..plugins.manager import get_plugin_manager, register_plugin

    def make(*plugins: Any, **engine_kwargs: Any) -> Engine:
        if "plugin_manager" in engine_kwargs:
            raise UsageError("loyalty_engine_factory makes its own plugin manager")
        manager = get_plugin_manager(load_entrypoints=False)
        names = []
        for name, plugin in map(_named, plugins):
            register_plugin(manager, name, plugin)  # same checks as for installed plugins
            names.append(name)
        active = [*names, *engine_kwargs.pop("plugins", ())]
        return Engine(plugins=active, plugin_manager=manager, **engine_kwargs)

    return make
