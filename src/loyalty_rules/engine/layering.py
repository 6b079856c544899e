"""Layering: rulesets that declare actions, guidance and queries, and rulesets over others.

Once every ruleset is read, `check_declarations` refuses two owners for one name (an action a
plugin registered, a query declared twice differently, a guidance prefix used by two
rulesets), and `apply_overrides` applies every ruleset's `overrides:` — a rule disabled, a
rule's priority changed, a parameter's default changed — after checking that each target
exists (an unknown one is an error with a "did you mean"). What was changed, and by whom, is
kept (`Layering`) for `loyalty-rules rules` and `explain`.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..errors import Problem, RulesetError
from ..facts.queries import EventQuery, item_namespace
from ..language.compiler import rule_reads
from ..language.model import Recommend, Rule, Ruleset, value_type


@attrs.frozen
class Layering:
    """What the overrides changed: notes by rule key (or `ruleset.parameter`), and the rules
    they disabled, by key, with the ruleset they came from."""

    notes: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    disabled: Mapping[str, tuple[Ruleset, Rule]] = attrs.field(factory=dict)


def _hint(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_declarations(rulesets: list[Ruleset], plugin_actions: Mapping[str, str]) -> None:
    """One owner per declared action (`plugin_actions`: action → plugin), query name and
    guidance prefix."""
    problems: list[Problem] = []
    actions: dict[str, str] = {}
    queries: dict[str, tuple[EventQuery, str]] = {}
    prefixes: dict[str, str] = {}
    for rs in rulesets:
        for name in rs.actions:
            owner = f"plugin {plugin_actions[name]!r}" if name in plugin_actions \
                else actions.get(name)
            if owner is not None:
                problems.append(Problem(f"action {name!r} is already declared by {owner}",
                                        file=rs.file, line=1, path=f"$.actions.{name}"))
            actions.setdefault(name, rs.file)
        for name, query in rs.queries.items():
            other = queries.get(name)
            if other is not None and other[0] != query:
                problems.append(Problem(f"query {name!r} is declared differently in {other[1]}; "
                                        "give one of them another name", file=rs.file, line=1,
                                        path=f"$.queries.{name}"))
            queries.setdefault(name, (query, rs.file))
        for gid, guideline in rs.guidelines.items():
            prefix = gid.partition("-")[0]
            if prefixes.setdefault(prefix, rs.file) != rs.file:
                problems.append(Problem(f"guidance prefix {prefix!r} is already used by "
                                        f"{prefixes[prefix]}", file=rs.file,
                                        line=guideline.line, path=f"$.guidelines.{gid}"))
    if problems:
        raise RulesetError(problems)


def apply_overrides(rulesets: list[Ruleset]) -> tuple[list[Ruleset], Layering]:
    """Every ruleset's `overrides:` applied to the others; raise with every bad target."""
    rules = {f"{rs.name}/{rule.id}": (rs, rule) for rs in rulesets for rule in rs.rules}
    parameters = {f"{rs.name}.{p}": (rs, param) for rs in rulesets
                  for p, param in rs.parameters.items()}
    problems: list[Problem] = []
    notes: dict[str, list[str]] = {}
    disabled: dict[str, tuple[Ruleset, Rule]] = {}
    priority: dict[str, int] = {}
    defaults: dict[str, Any] = {}
    for rs in rulesets:
        for override in rs.overrides:
            where = f"{rs.file}:{override.line}"
            if override.what == "parameter":
                found = parameters.get(override.target)
                if found is None:
                    problems.append(Problem(
                        f"unknown parameter {override.target!r}"
                        f"{_hint(override.target, parameters)}", file=rs.file,
                        line=override.line, path=override.path))
                    continue
                param = found[1]
                value = override.value
                expected, actual = param.type, value_type(value)
                if not (expected == actual or (expected == "number" and actual == "integer")):
                    problems.append(Problem(
                        f"{override.target!r} is {_a(expected)} (default {param.default!r}); "
                        f"{value!r} is {_a(actual)}", file=rs.file, line=override.line,
                        path=override.path))
                    continue
                defaults[override.target] = value
                notes.setdefault(override.target, []).append(
                    f"default {param.default!r} → {value!r} by {where}")
                continue
            target = rules.get(override.target)
            if target is None:
                problems.append(Problem(f"unknown rule {override.target!r}"
                                        f"{_hint(override.target, rules)}", file=rs.file,
                                        line=override.line, path=override.path))
                continue
            if target[0] is rs:
                problems.append(Problem("a ruleset overrides other rulesets' rules; change "
                                        "this rule itself", file=rs.file, line=override.line,
                                        path=override.path))
                continue
            if override.what == "disable":
                disabled[override.target] = target
                notes.setdefault(override.target, []).append(f"disabled by {where}")
            else:
                rule = target[1]
                if not isinstance(rule.then, Recommend):
                    problems.append(Problem(f"rule {override.target!r} derives a fact; it has "
                                            "no priority", file=rs.file, line=override.line,
                                            path=override.path))
                    continue
                priority[override.target] = override.value
                notes.setdefault(override.target, []).append(
                    f"priority {rule.then.priority} → {override.value} by {where}")
    if problems:
        raise RulesetError(problems)
    layered = []
    for rs in rulesets:
        kept = []
        for rule in rs.rules:
            key = f"{rs.name}/{rule.id}"
            if key in disabled:
                continue
            if key in priority and isinstance(rule.then, Recommend):
                rule = attrs.evolve(rule, then=attrs.evolve(rule.then, priority=priority[key]))
            kept.append(rule)
        params = {name: attrs.evolve(p, default=defaults[f"{rs.name}.{name}"])
                  if f"{rs.name}.{name}" in defaults else p for name, p in rs.parameters.items()}
        layered.append(attrs.evolve(rs, rules=tuple(kept), parameters=params))
    return layered, Layering({k: tuple(v) for k, v in notes.items()}, disabled)


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def queries_read(rulesets: Iterable[Ruleset]) -> tuple[dict[str, EventQuery],
                                                        tuple[EventQuery, ...]]:
    """The named queries of the rulesets, and the `last_TYPE`/`first_TYPE` records rules read:
    what the profile pass must answer for this setup."""
    named: dict[str, EventQuery] = {}
    items: dict[str, EventQuery] = {}
    for rs in rulesets:
        named.update(rs.queries)
        for rule in rs.rules:
            for field in rule_reads(rule):
                item = item_namespace(field.partition(".")[0])
                if item is not None:
                    items.setdefault(item.name, item)
    return named, tuple(items.values())


def _near(file: str) -> str:
    """A file relative to the working folder when it is under it."""
    try:
        return str(Path(file).resolve().relative_to(Path.cwd()))
    except ValueError:
        return file


def effective_rules(engine: Any) -> list[dict[str, Any]]:
    """Every rule of an engine, active ones in evaluation order then the disabled ones: its
    action (or the fact it derives), priority, source (plugin or file) and what overrides it."""
    from ..language.model import Derive

    def row(key: str, ruleset: Ruleset, rule: Rule, active: bool) -> dict[str, Any]:
        then = rule.then
        derives = then.name if isinstance(then, Derive) else None
        where = f"{_near(ruleset.file)}:{rule.line}"
        source = f"plugin {ruleset.plugin}, {where}" if ruleset.plugin is not None else where
        return {"rule": key, "action": None if derives else then.action,  # type: ignore
                "derives": derives,
                "priority": None if derives else then.priority,  # type: ignore[union-attr]
                "source": source, "active": active,
                "overridden": list(engine.setup.layering.notes.get(key, ()))}

    rows = [row(key, c.ruleset, c.rule, True) for key, c in engine.program.rules.items()]
    rows += [row(key, rs, rule, False)
             for key, (rs, rule) in engine.setup.layering.disabled.items()]
    return rows
