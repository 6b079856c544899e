"""Compile rulesets to durable_rules definitions: a pure function, fresh JSON every call.

Design, from what durable_rules does (shared/notes/durable_rules.md and measurements here):

* Every rule matches **one fact** (no joins), so many customers can share one session and one
  engine call. A customer is one `customer` fact plus one fact per open item (`request`,
  `promise`, `complaint`); each carries the customer's profile.
* Rules that **derive** facts run in an earlier *stratum* than the rules that read them; the
  engine merges derived values into the facts between strata. No state rules, no loops.
* durable_rules fails a fact that matches more than ~64 rules (error 303), so each stratum is
  split per fact kind into **parts** of at most `MAX_RULES_PER_PART` rules; each part is its
  own durable_rules ruleset and only sees facts of its kind.
* Every part has a catch-all **sentinel** rule: a fact that matches nothing would otherwise
  raise and poison the rest of its batch.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from .errors import Problem, RulesetError
from .language import (
    AllOf, AnyOf, Compare, Compute, Condition, Derive, FieldRef, Literal, Not, ParamRef, Rule,
    Ruleset, Value, condition_fields,
)

#: durable_rules errors (303) when one fact matches 64 rules; the sentinel takes one.
MAX_RULES_PER_PART = 60
#: durable_rules hangs creating a ruleset with more than 512 tests under one node.
MAX_TESTS_PER_PART = 400
#: a fact has at most ~252 properties (error 302); the engine checks facts against this.
MAX_FACT_PROPERTIES = 240
SENTINEL = "_seen"
CUSTOMER = "customer"

_NEGATE = {"eq": "ne", "ne": "eq", "lt": "gte", "gte": "lt", "gt": "lte", "lte": "gt",
           "in": "not_in", "not_in": "in"}
_DURABLE_OP = {"ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


@attrs.frozen
class CompiledRule:
    key: str  # the durable_rules rule name: "ruleset/rule-id"
    ruleset: Ruleset
    rule: Rule
    stratum: int
    reads: tuple[str, ...]  # fields the conditions read, for explanations
    parameters: Mapping[str, Any]  # the ruleset's resolved parameter values


@attrs.frozen
class Part:
    name: str  # the durable_rules ruleset name
    kind: str  # the fact kind it receives
    stratum: int
    definition: dict[str, Any]  # durable_rules JSON; rule names are "ruleset/rule-id"
    #: the top-level fact keys its conditions read: facts are cut down to these before they
    #: cross into durable_rules, which JSON-encodes every fact and decodes it at every firing
    reads: tuple[str, ...] = ()


@attrs.frozen
class Program:
    """Everything the engine needs: durable_rules parts by stratum, and rule metadata."""

    parts: tuple[Part, ...]
    rules: Mapping[str, CompiledRule]
    strata: int

    def fresh_definitions(self) -> dict[str, dict[str, Any]]:
        """Deep copies, so nothing downstream can change the program."""
        return {part.name: copy.deepcopy(part.definition) for part in self.parts}


def _resolve(value: Literal | ParamRef, parameters: Mapping[str, Any]) -> Any:
    return parameters[value.name] if isinstance(value, ParamRef) else value.value


def _negate(node: Condition, parameters: Mapping[str, Any]) -> Condition:
    """Push `not` down to comparisons (durable_rules has no `not`)."""
    if isinstance(node, Not):
        return node.condition
    if isinstance(node, AllOf):
        return AnyOf(tuple(_negate(c, parameters) for c in node.conditions))
    if isinstance(node, AnyOf):
        return AllOf(tuple(_negate(c, parameters) for c in node.conditions))
    if node.op == "exists":
        return Compare(node.field, "exists", Literal(not _resolve(node.value, parameters)))
    return Compare(node.field, _NEGATE[node.op], node.value)


def condition_json(node: Condition, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """One condition as a durable_rules expression, parameters substituted."""
    if isinstance(node, Not):
        return condition_json(_negate(node.condition, parameters), parameters)
    if isinstance(node, AllOf):
        return {"$and": [condition_json(c, parameters) for c in node.conditions]}
    if isinstance(node, AnyOf):
        return {"$or": [condition_json(c, parameters) for c in node.conditions]}
    value = _resolve(node.value, parameters)
    if node.op == "exists":
        return {"$ex" if value else "$nex": {node.field: 1}}
    if node.op == "eq":
        return {node.field: value}
    if node.op == "in":
        return {"$or": [{node.field: item} for item in value]}
    if node.op == "not_in":
        return {"$and": [{"$neq": {node.field: item}} for item in value]}
    return {_DURABLE_OP[node.op]: {node.field: value}}


def _count_tests(expression: Any) -> int:
    if isinstance(expression, dict):
        if set(expression) & {"$and", "$or"}:
            return sum(_count_tests(x) for v in expression.values() for x in v)
        return 1
    return 0


def _value_reads(value: Value) -> Iterable[str]:
    if isinstance(value, FieldRef):
        yield value.name
    elif isinstance(value, Compute):
        for _, arg in value.args:
            yield from _value_reads(arg)


def rule_reads(rule: Rule) -> set[str]:
    """Every field a rule reads, in its conditions and in its values."""
    reads = set(condition_fields(rule.when))
    values: list[Value] = [rule.then.value] if isinstance(rule.then, Derive) \
        else [v for _, v in rule.then.params]
    for value in values:
        reads.update(_value_reads(value))
    return reads


def _strata(entries: list[tuple[Ruleset, Rule]]) -> dict[tuple[str, str], int]:
    """Stratum of every rule: derive rules run before the rules that read what they derive."""
    derivers: dict[str, list[tuple[str, str]]] = {}
    for ruleset, rule in entries:
        if isinstance(rule.then, Derive):
            derivers.setdefault(rule.then.name, []).append((ruleset.name, rule.id))
    reads = {(rs.name, r.id): {f.partition(".")[2] for f in rule_reads(r)
                               if f.startswith("derived.")} for rs, r in entries}
    level: dict[tuple[str, str], int] = {}
    visiting: set[tuple[str, str]] = set()
    problems: list[Problem] = []
    where = {(rs.name, r.id): (rs, r) for rs, r in entries}

    def visit(key: tuple[str, str]) -> int:
        if key in level:
            return level[key]
        if key in visiting:
            rs, r = where[key]
            problems.append(Problem(f"rule {r.id!r}: derived facts depend on each other in a "
                                    "cycle", file=rs.file, line=r.line,
                                    path=f"$.rules[{rs.rules.index(r)}]"))
            return 0
        visiting.add(key)
        depth = 0
        for name in reads[key]:
            for source in derivers.get(name, []):
                depth = max(depth, visit(source) + 1)
        visiting.discard(key)
        level[key] = depth
        return depth

    for key in where:
        visit(key)
    if problems:
        raise RulesetError(problems)
    return level


def compile_rulesets(rulesets: Iterable[Ruleset],
                     parameters: Mapping[str, Mapping[str, Any]]) -> Program:
    """Rulesets + resolved parameters (per ruleset name) → a `Program` of durable_rules parts.

    Pure: the same input always gives an equal program, and nothing is shared between calls.
    """
    rulesets = list(rulesets)
    entries = [(rs, rule) for rs in rulesets for rule in rs.rules]
    levels = _strata(entries)
    compiled: dict[str, CompiledRule] = {}
    grouped: dict[tuple[int, str], list[tuple[str, dict[str, Any]]]] = {}
    problems: list[Problem] = []
    for ruleset, rule in entries:
        key = f"{ruleset.name}/{rule.id}"
        values = parameters.get(ruleset.name, {})
        stratum = levels[(ruleset.name, rule.id)]
        kind = rule.for_each or CUSTOMER
        expression = {"$and": [{"fact": kind}, condition_json(rule.when, values)]}
        tests = _count_tests(expression)
        if tests > MAX_TESTS_PER_PART // 4:
            problems.append(Problem(
                f"the conditions compile to {tests} tests; at most {MAX_TESTS_PER_PART // 4} "
                "fit durable_rules (split long `in` lists or the rule)",
                file=ruleset.file, line=rule.line,
                path=f"$.rules[{ruleset.rules.index(rule)}]"))
            continue
        reads = tuple(condition_fields(rule.when))
        compiled[key] = CompiledRule(key, ruleset, rule, stratum, reads, dict(values))
        grouped.setdefault((stratum, kind), []).append(
            (key, {"all": [{"m": expression}]}))
    if problems:
        raise RulesetError(problems)
    parts: list[Part] = []
    for (stratum, kind), rules in sorted(grouped.items()):
        chunk: list[tuple[str, dict[str, Any]]] = []
        tests = 0
        for key, definition in rules:
            cost = _count_tests(definition["all"][0]["m"])
            if chunk and (len(chunk) >= MAX_RULES_PER_PART or tests + cost > MAX_TESTS_PER_PART):
                parts.append(_part(stratum, kind, len(parts), chunk))
                chunk, tests = [], 0
            chunk.append((key, definition))
            tests += cost
        if chunk:
            parts.append(_part(stratum, kind, len(parts), chunk))
    strata = 1 + max(levels.values(), default=0)
    return Program(tuple(parts), compiled, strata)


def _top_keys(expression: Any, found: dict[str, None]) -> None:
    if isinstance(expression, dict):
        for key, value in expression.items():
            if key in ("$and", "$or"):
                for item in value:
                    _top_keys(item, found)
            elif key.startswith("$"):
                _top_keys(value, found)
            else:
                found.setdefault(key.partition(".")[0])


def _part(stratum: int, kind: str, index: int,
          rules: list[tuple[str, dict[str, Any]]]) -> Part:
    definition: dict[str, Any] = {SENTINEL: {"all": [{"m": {"$ex": {"fact": 1}}}]}}
    definition.update(rules)
    reads: dict[str, None] = {}
    for _, rule in rules:
        _top_keys(rule["all"][0]["m"], reads)
    return Part(f"part{index}_s{stratum}_{kind}", kind, stratum, definition,
                tuple(k for k in reads if k != "fact"))
