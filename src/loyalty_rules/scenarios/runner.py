"""Scenario tests: customers at a date, and what the rules must (and must not) do for them.

A scenario file is YAML (see docs/testing.md)::

    as_of: 2026-11-22
    plugins: [auto]                 # optional
    parameters: {}                  # optional, for every case
    cases:
      - name: dominant customer with an open request gets an under-promise
        customer: {id: S1, personality: dominant, events: [...]}
        expect: {actions: [under_promise], fires: [expectations/dominant-under-promise]}

`ScenarioRunner.load` checks a file against the engine it will run on (actions, rule ids,
profile fields, parameters) and raises one `ScenarioError` listing every problem with its
line; `run_case` evaluates a case and lists every difference. Engines are built once per
distinct (plugins, parameters) pair and reused.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pluggy

from ..decisions.model import Decision
from ..engine.engine import Engine
from ..errors import EngineError, Problem, RecordError, ScenarioError, UsageError
from ..language.source import read_text
from .day import day_differences
from .format import Case, Expectation, Scenario, parse_scenario

__all__ = ["Case", "CaseResult", "Coverage", "Expectation", "Report", "Scenario",
           "ScenarioRunner", "differences", "scenario_files", "summary_lines"]


@attrs.frozen
class CaseResult:
    case: Case
    differences: tuple[str, ...]
    decision: Decision | None = None

    @property
    def passed(self) -> bool:
        return not self.differences

    def line(self) -> str:
        """One line: ``FILE:LINE: name: difference; difference``."""
        return f"{self.case.where}: {self.case.name}: {'; '.join(self.differences)}"

    def report(self) -> str:
        """Several lines, for pytest."""
        lines = [f"{self.case.where}: scenario {self.case.name!r} failed:"]
        lines += [f"  - {d}" for d in self.differences]
        if self.decision is not None:
            recs = ", ".join(f"{r.action} ({r.ruleset}/{r.rule}, priority {r.priority})"
                             for r in self.decision.recommendations) or "(none)"
            lines.append(f"  recommended: {recs}")
            lines.append(f"  fired: {', '.join(self.decision.fired) or '(none)'}")
        return "\n".join(lines)


@attrs.frozen
class Coverage:
    """Which rules the cases made fire, and which they showed silent (asserted and held)."""

    owners: Mapping[str, str | None]  # "ruleset/rule" -> plugin of its ruleset (None: a file)
    fired: frozenset[str]
    silenced: frozenset[str]

    def never_fired(self, owners: Iterable[str | None] | None = None) -> list[str]:
        return self._missing(self.fired, owners)

    def never_silenced(self, owners: Iterable[str | None] | None = None) -> list[str]:
        return self._missing(self.silenced, owners)

    def _missing(self, seen: frozenset[str], owners: Iterable[str | None] | None) -> list[str]:
        wanted = None if owners is None else set(owners)
        return [key for key, owner in self.owners.items()
                if key not in seen and (wanted is None or owner in wanted)]


@attrs.frozen
class Report:
    results: tuple[CaseResult, ...]
    coverage: Coverage

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]


def scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and every ``*.yaml``/``*.yml`` under a folder (recursively, sorted)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if not path.exists():
            raise UsageError(f"{path}: no such scenario file or folder")
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")
                            and p.is_file())
        else:
            found.append(path)
    if not found:
        raise UsageError("no scenario files (*.yaml) found")
    return list(dict.fromkeys(found))


class ScenarioRunner:
    """Loads scenario files and runs their cases on cached engines.

    :param plugins: plugins to activate for every file, on top of each file's ``plugins``.
    :param rulesets: extra ruleset files or folders for every engine.
    :param plugin_manager: the manager engines use; default: `get_plugin_manager()`.
    """

    def __init__(self, *, plugins: Iterable[str] = (), rulesets: Iterable[str | Path] = (),
                 plugin_manager: pluggy.PluginManager | None = None):
        self.plugins = tuple(plugins)
        self.rulesets = tuple(rulesets)
        self._manager = plugin_manager
        self._engines: dict[tuple[tuple[str, ...], str], Engine] = {}
        self._fired: set[str] = set()
        self._silenced: set[str] = set()
        self._owners: dict[str, str | None] = {}

    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        if self._manager is None:
            from ..plugins.manager import get_plugin_manager
            self._manager = get_plugin_manager()
        return self._manager

    def engine(self, plugins: Sequence[str] = (), parameters: Mapping[str, Any] | None = None
               ) -> Engine:
        """The engine for these plugins and parameter overrides, built once."""
        active = tuple(dict.fromkeys([*self.plugins, *plugins]))
        params = dict(parameters or {})
        key = (active, json.dumps(params, sort_keys=True, default=str))
        if key not in self._engines:
            engine = Engine(plugins=active, rulesets=self.rulesets, parameters=params,
                            plugin_manager=self.plugin_manager)
            self._engines[key] = engine
            for rule_key, rule in engine.program.rules.items():
                self._owners.setdefault(rule_key, rule.ruleset.plugin)
        return self._engines[key]

    def load(self, path: str | Path) -> Scenario:
        """Parse and check one file; raise `ScenarioError` listing every problem."""
        text = read_text(Path(path), ScenarioError)
        return parse_scenario(text, str(path), self.plugin_manager, self.engine)

    def load_all(self, paths: Iterable[str | Path]) -> list[Scenario]:
        """Every file under `paths`; one `ScenarioError` with every problem of every file."""
        scenarios: list[Scenario] = []
        problems: list[Problem] = []
        for path in scenario_files(paths):
            try:
                scenarios.append(self.load(path))
            except ScenarioError as err:
                problems += err.problems
        if problems:
            raise ScenarioError(problems)
        return scenarios

    def run_case(self, case: Case) -> CaseResult:
        engine = self.engine(case.plugins, case.parameters)
        try:
            decision = engine.evaluate(case.customer, case.as_of, locale=case.locale)
        except (RecordError, EngineError) as err:
            return CaseResult(case, (f"evaluation failed: {err}",))
        self._fired.update(decision.fired)
        self._silenced.update(r for r in case.expect.silent if r not in decision.fired)
        return CaseResult(case, tuple(differences(case.expect, decision)), decision)

    def run(self, scenarios: Iterable[Scenario]) -> Report:
        results = tuple(self.run_case(case) for s in scenarios for case in s.cases)
        return Report(results, self.coverage())

    def run_paths(self, paths: Iterable[str | Path]) -> Report:
        return self.run(self.load_all(paths))

    def coverage(self) -> Coverage:
        return Coverage(dict(self._owners), frozenset(self._fired), frozenset(self._silenced))


# -- comparing a decision with what a case expects ----------------------------------------------

def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dt.date) and not isinstance(actual, dt.date):
        return str(actual) == expected.isoformat()
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    return bool(expected == actual)


def _profile_value(profile: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    head, _, tail = name.partition(".")
    value: Any = profile
    for part in (head, tail) if tail else (head,):
        if not isinstance(value, Mapping) or part not in value:
            return False, None
        value = value[part]
    return True, value


def differences(expect: Expectation, decision: Decision) -> Iterator[str]:
    """Every way `decision` differs from `expect`, each said plainly."""
    actions = decision.actions
    recommended = ", ".join(actions) or "(none)"
    suppressed = {s.action: s.reason for s in decision.suppressed}
    for action in expect.actions:
        if action not in actions:
            why = f" (suppressed: {suppressed[action]})" if action in suppressed else ""
            yield f"expected {action} to be recommended{why}; recommended: {recommended}"
    for action in expect.absent:
        rec = decision.recommendation(action)
        if rec is not None:
            yield f"expected {action} not to be recommended; rule {rec.ruleset}/{rec.rule} " \
                  "recommended it"
    for key in expect.fires:
        if key not in decision.fired:
            yield f"expected rule {key} to fire; fired: {', '.join(decision.fired) or '(none)'}"
    for key in expect.silent:
        if key in decision.fired:
            yield f"expected rule {key} to stay silent; it fired"
    for name, expected in expect.profile.items():
        present, actual = _profile_value(decision.profile, name)
        if expected is None:
            if present and actual is not None:
                yield f"profile {name}: expected absent, got {actual!r}"
        elif not present:
            yield f"profile {name}: expected {expected!r}, got nothing (absent)"
        elif not _same(expected, actual):
            yield f"profile {name}: expected {expected!r}, got {actual!r}"
    for action, params in expect.params.items():
        rec = decision.recommendation(action)
        if rec is None:
            yield f"params of {action}: {action} is not recommended"
            continue
        for name, expected in params.items():
            if name not in rec.params:
                yield f"params of {action}: expected {name}={expected!r}, got no {name} " \
                      f"(params: {dict(rec.params)})"
            elif not _same(expected, rec.params[name]):
                yield f"params of {action}: expected {name}={expected!r}, got " \
                      f"{rec.params[name]!r}"
    for action in expect.suppressed:
        if action not in suppressed:
            held = ", ".join(suppressed) or "(none)"
            yield f"expected {action} to be suppressed; suppressed: {held}"
    for action, text in expect.script_contains.items():
        rec = decision.recommendation(action)
        if rec is None:
            yield f"script of {action}: {action} is not recommended"
        elif text not in rec.script:
            yield f"script of {action}: expected it to contain {text!r}, got {rec.script!r}"
    if expect.day is not None:
        yield from day_differences(expect.day, decision)


def summary_lines(report: Report, required: Iterable[str | None] | None = None,
                  scope: Iterable[str | None] | None = None) -> tuple[list[str], list[str]]:
    """(lines to print, rules required but never fired) for the `test` command.

    `scope` limits the coverage listed to the rules of these owners (plugin names, None for
    `--ruleset` files); by default every active rule is listed.
    """
    lines = [result.line() for result in report.failed]
    passed = len(report.results) - len(report.failed)
    lines.append(f"{passed} passed, {len(report.failed)} failed")
    coverage = report.coverage
    owners = None if scope is None else set(scope)
    never_fired = coverage.never_fired(owners)
    never_silenced = coverage.never_silenced(owners)
    total = sum(1 for owner in coverage.owners.values() if owners is None or owner in owners)
    label = "rules" if owners is None else "rules under test"
    lines.append(f"{label} fired: {total - len(never_fired)} of {total}; asserted silent: "
                 f"{total - len(never_silenced)} of {total}")
    for title, keys in (("never fired", never_fired), ("never asserted silent", never_silenced)):
        if keys:
            lines.append(f"{title} ({len(keys)}):")
            lines += [f"  {key}" for key in keys]
    if required is None:
        return lines, []
    wanted = set(required)
    under_test = [key for key, owner in coverage.owners.items() if owner in wanted]
    missing = coverage.never_fired(wanted)
    if owners != wanted:
        lines.append(f"rules under test fired: {len(under_test) - len(missing)} of "
                     f"{len(under_test)}")
    return lines, missing
