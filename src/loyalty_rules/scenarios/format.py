"""The scenario file format: YAML in, checked `Case` models out, every problem with its line.

A file is checked against the engine it will run on, so an unknown action, rule id, profile
field or parameter is an error before anything runs; see docs/testing.md for the format.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
import pluggy

from ..decisions.arbitration import ContactPolicy
from ..engine.building import resolve_parameters
from ..engine.engine import Engine, as_date
from ..engine.evaluation import PRIVATE_PROFILE_KEYS
from ..errors import Problem, RecordError, ScenarioError, UsageError
from ..facts.models import LOCALES, Customer
from ..facts.profile import ProfileParameters
from ..io.reading import parse_customer
from .day import Day, parse_day
from ..language.model import FIELD_VALUES
from ..language.source import Lines, load_yaml

TOP_KEYS = ("as_of", "plugins", "parameters", "description", "cases")
CASE_KEYS = ("name", "description", "as_of", "parameters", "customer", "locale", "expect")
LIST_EXPECTATIONS = ("actions", "absent", "fires", "silent", "suppressed")
EXPECT_KEYS = (*LIST_EXPECTATIONS[:4], "profile", "params", "suppressed", "script_contains",
               "day")


@attrs.frozen
class Expectation:
    actions: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    fires: tuple[str, ...] = ()
    silent: tuple[str, ...] = ()
    profile: Mapping[str, Any] = attrs.field(factory=dict)  # dotted key -> value
    params: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    suppressed: tuple[str, ...] = ()
    script_contains: Mapping[str, str] = attrs.field(factory=dict)
    day: Day | None = None  # the whole day's decision (scenarios/day.py)


@attrs.frozen
class Case:
    name: str
    file: str
    line: int
    as_of: dt.date
    customer: Customer
    expect: Expectation
    plugins: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = attrs.field(factory=dict)
    locale: str | None = None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@attrs.frozen
class Scenario:
    file: str
    cases: tuple[Case, ...]


def _freeze(value: Any) -> Any:
    """YAML dates as ISO text, so a customer reads exactly as its JSON would."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_freeze(v) for v in value]
    return value


def _hint(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


class _Parser:
    engine: Engine  # the engine of the file's plugins, set before anything is checked

    def __init__(self, file: str, lines: Lines, manager: pluggy.PluginManager,
                 engine_for: Callable[[tuple[str, ...]], Engine]):
        self.file, self.lines = file, lines
        self.manager, self.engine_for = manager, engine_for
        self.problems: list[Problem] = []
        self.case_names: dict[str, int] = {}
        self.default_as_of_given = False

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(message, file=self.file, line=self.lines(path), path=path))

    def keys(self, data: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
        for key in data:
            if key not in allowed:
                self.error(f"{path}.{key}", f"unknown key{_hint(str(key), allowed)}; "
                           f"expected one of {', '.join(allowed)}")

    def mapping(self, data: Any, path: str) -> Mapping[str, Any]:
        if data is None:
            return {}
        if not isinstance(data, Mapping):
            self.error(path, f"expected a mapping, got {_kind(data)}")
            return {}
        return data

    def names(self, data: Any, path: str) -> list[tuple[str, str]]:
        """A list of names (a single name is accepted), each with its own path."""
        if data is None:
            return []
        if isinstance(data, str):
            return [(data, path)]
        if not isinstance(data, list):
            self.error(path, f"expected a list of names, got {_kind(data)}")
            return []
        found = []
        for index, item in enumerate(data):
            if not isinstance(item, str) or not item:
                self.error(f"{path}[{index}]", f"expected a name, got {_kind(item)}")
            else:
                found.append((item, f"{path}[{index}]"))
        return found

    def date(self, value: Any, path: str) -> dt.date | None:
        try:
            return as_date(value)
        except UsageError:
            self.error(path, f"expected a date YYYY-MM-DD, got {value!r}")
            return None

    # -- the file -------------------------------------------------------------------------------

    def scenario(self, data: Any) -> Scenario:
        if not isinstance(data, Mapping):
            self.error("$", f"expected a mapping with `cases`, got {_kind(data)}")
            return Scenario(self.file, ())
        self.keys(data, TOP_KEYS, "$")
        plugins = self.plugin_names(data.get("plugins"))
        self.engine = self.engine_for(plugins)
        self.default_as_of_given = data.get("as_of") is not None
        as_of = self.date(data["as_of"], "$.as_of") if self.default_as_of_given else None
        parameters = self.parameters(data.get("parameters"), "$.parameters")
        cases = data.get("cases")
        if not isinstance(cases, list) or not cases:
            self.error("$.cases" if "cases" in data else "$",
                       "missing required key: cases (a non-empty list)" if cases is None
                       else f"cases: expected a non-empty list, got {_kind(cases)}")
            return Scenario(self.file, ())
        parsed = [self.case(raw, f"$.cases[{index}]", plugins, as_of, parameters)
                  for index, raw in enumerate(cases)]
        return Scenario(self.file, tuple(case for case in parsed if case is not None))

    def plugin_names(self, data: Any) -> tuple[str, ...]:
        manager = self.manager
        plugins = []
        for name, path in self.names(data, "$.plugins"):
            if manager.get_plugin(name) is None:
                installed = sorted(n for n, _ in manager.list_name_plugin() if n)
                self.error(path, f"plugin {name!r} is not installed{_hint(name, installed)} "
                           f"(installed: {', '.join(installed)})")
            else:
                plugins.append(name)
        return tuple(plugins)

    def parameters(self, data: Any, path: str) -> dict[str, Any]:
        rulesets = list(self.engine.rulesets)
        known = {f"{rs.name}.{p}" for rs in rulesets for p in rs.parameters}
        known |= {f"profile.{n}" for n in attrs.fields_dict(ProfileParameters)}
        known |= {f"policy.{n}" for n in attrs.fields_dict(ContactPolicy)}
        values = {}
        for key, value in self.mapping(data, path).items():
            where = f"{path}.{key}"
            if key not in known:
                self.error(where, f"unknown parameter {key!r}{_hint(str(key), known)}")
                continue
            try:
                resolve_parameters(rulesets, {key: value})
            except UsageError as err:
                self.error(where, str(err))
                continue
            values[key] = value
        return values

    # -- a case ---------------------------------------------------------------------------------

    def case(self, raw: Any, path: str, plugins: tuple[str, ...], as_of: dt.date | None,
             parameters: dict[str, Any]) -> Case | None:
        if not isinstance(raw, Mapping):
            self.error(path, f"expected a case (a mapping), got {_kind(raw)}")
            return None
        before = len(self.problems)
        self.keys(raw, CASE_KEYS, path)
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            self.error(f"{path}.name" if "name" in raw else path,
                       "missing required key: name" if name is None else
                       f"name: expected text, got {_kind(name)}")
            name = f"case {path}"
        elif name in self.case_names:
            self.error(f"{path}.name", f"duplicate case name (also on line "
                       f"{self.case_names[name]})")
        else:
            self.case_names[name] = self.lines(path)
        if raw.get("as_of") is not None:
            as_of = self.date(raw["as_of"], f"{path}.as_of")
        elif as_of is None and not self.default_as_of_given:
            self.error(path, "missing as_of (and the file sets no default as_of)")
        merged = {**parameters, **self.parameters(raw.get("parameters"), f"{path}.parameters")}
        locale = raw.get("locale")
        if locale is not None and locale not in LOCALES:
            self.error(f"{path}.locale", f"expected one of {', '.join(LOCALES)}, got {locale!r}")
        customer = self.customer(raw.get("customer"), f"{path}.customer", path)
        expect = self.expectation(raw.get("expect"), f"{path}.expect", path)
        if len(self.problems) > before or customer is None or as_of is None:
            return None
        return Case(name, self.file, self.lines(path), as_of, customer, expect, plugins,
                    merged, locale)

    def customer(self, raw: Any, path: str, case_path: str) -> Customer | None:
        if raw is None:
            self.error(case_path, "missing required key: customer")
            return None
        try:
            return parse_customer(_freeze(raw))
        except RecordError as err:
            for problem in err.problems:
                self.error(f"{path}.{problem.path}" if problem.path else path, problem.message)
            return None

    def expectation(self, raw: Any, path: str, case_path: str) -> Expectation:
        if raw is None:
            self.error(case_path, "missing required key: expect")
            return Expectation()
        data = self.mapping(raw, path)
        self.keys(data, EXPECT_KEYS, path)
        if isinstance(raw, Mapping) and not any(data.get(k) for k in EXPECT_KEYS):
            self.error(path, "expects nothing: give at least one of " + ", ".join(EXPECT_KEYS))
        lists = {key: self.names(data.get(key), f"{path}.{key}") for key in LIST_EXPECTATIONS}
        for key in ("actions", "absent", "suppressed"):
            for name, where in lists[key]:
                self.action(name, where)
        for key in ("fires", "silent"):
            for name, where in lists[key]:
                self.rule(name, where)
        self.conflicts(lists, "actions", "absent", path, "action")
        self.conflicts(lists, "fires", "silent", path, "rule")
        params: dict[str, dict[str, Any]] = {}
        for action, values in self.mapping(data.get("params"), f"{path}.params").items():
            where = f"{path}.params.{action}"
            if self.action(str(action), where):
                params[str(action)] = dict(self.mapping(values, where))
        scripts: dict[str, str] = {}
        for action, text in self.mapping(data.get("script_contains"),
                                         f"{path}.script_contains").items():
            where = f"{path}.script_contains.{action}"
            if not isinstance(text, (str, int, float)) or isinstance(text, bool) or text == "":
                self.error(where, f"expected text to look for, got {_kind(text)}")
            elif self.action(str(action), where):
                scripts[str(action)] = str(text)
        names = {key: tuple(name for name, _ in found) for key, found in lists.items()}
        return Expectation(
            actions=names["actions"], absent=names["absent"], fires=names["fires"],
            silent=names["silent"], profile=self.profile(data.get("profile"), f"{path}.profile"),
            params=params, suppressed=names["suppressed"], script_contains=scripts,
            day=parse_day(self, data.get("day"), f"{path}.day"))

    def conflicts(self, lists: dict[str, list[tuple[str, str]]], yes: str, no: str,
                  path: str, what: str) -> None:
        wanted = {name for name, _ in lists[yes]}
        for name, where in lists[no]:
            if name in wanted:
                self.error(where, f"{what} {name!r} is in both {yes} and {no}")

    def action(self, name: str, path: str) -> bool:
        actions = self.engine.setup.vocabulary.actions
        if name not in actions:
            self.error(path, f"unknown action {name!r}{_hint(name, actions)}")
            return False
        return True

    def rule(self, key: str, path: str) -> None:
        rules = self.engine.program.rules
        if key in rules:
            return
        notes = self.engine.setup.layering.notes.get(key)
        if key in self.engine.setup.layering.disabled and notes:
            self.error(path, f"rule {key!r} is {notes[0]}: it never runs")
            return
        same_id = [k for k in rules if k.partition("/")[2] == key]
        hint = f" (did you mean {same_id[0]!r}?)" if same_id else _hint(key, rules)
        self.error(path, f"unknown rule {key!r}{hint}; rules are named ruleset/rule-id")

    def profile(self, raw: Any, path: str) -> dict[str, Any]:
        flat: dict[str, Any] = {}
        vocabulary = self.engine.setup.vocabulary
        for key, value in self.mapping(raw, path).items():
            key = str(key)
            items = [(f"{key}.{k}", v) for k, v in value.items()] \
                if isinstance(value, Mapping) else [(key, value)]
            for name, expected in items:
                known = vocabulary.field(name, None)
                if known is None or name in PRIVATE_PROFILE_KEYS:
                    self.error(f"{path}.{key}", f"no profile field {name!r}"
                               f"{_hint(name, vocabulary.field_names(None))}")
                    continue
                choices = FIELD_VALUES.get(name) or known[1]
                if choices and expected is not None and expected not in choices:
                    self.error(f"{path}.{key}", f"{name}: {expected!r} is not one of "
                               f"{', '.join(choices)}")
                    continue
                flat[name] = expected
        return flat


def parse_scenario(text: str, file: str, manager: pluggy.PluginManager,
                   engine_for: Callable[[tuple[str, ...]], Engine]) -> Scenario:
    """Parse and check one scenario file's text; raise `ScenarioError` with every problem.

    :param manager: the plugin manager, to check the file's ``plugins``.
    :param engine_for: the engine for a tuple of plugin names (no parameter overrides): its
        actions, rules, fields and parameters are what the file may name.
    """
    data, lines = load_yaml(text, file, ScenarioError)
    parser = _Parser(file, lines, manager, engine_for)
    scenario = parser.scenario(data)
    if parser.problems:
        raise ScenarioError(sorted(parser.problems, key=lambda p: p.line or 0))
    return scenario
