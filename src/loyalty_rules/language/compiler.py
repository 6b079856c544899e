"""Compile rulesets to durable_rules definitions: a pure function, fresh JSON every call.

Design, from what durable_rules does (shared/notes/durable_rules.md and measurements here):

* Every rule matches **one fact** (no joins), so many customers can share one session and one
  engine call. A customer is one `customer` fact plus one fact per open item (`request`,
  `promise`, `complaint`); each carries the customer's profile.
* Rules that **derive** facts run in an earlier *stratum* than the rules that read them; the
  engine merges derived values into the facts between strata. No state rules, no loops.
* durable_rules fails a fact that satisfies 64 sibling tests under one node of its test
  network (error 303; measured: 63 pass, 64 fail, while a chain of 70 tests is fine). Tests
  of a rule form a path in the order written; an `any`/`in` is one path per alternative. So
  each stratum is split per fact kind into **parts** whose test tree has at most
  `MAX_FAN_OUT` children under any node (and at most `MAX_RULES_PER_PART` rules); each part
  is its own durable_rules ruleset and only sees facts of its kind.
* Every part has a catch-all **sentinel** rule: a fact that matches nothing would otherwise
  raise and poison the rest of its batch.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..errors import Problem, RulesetError
from .model import (
    AllOf,
    AnyOf,
    Compare,
    Compute,
    Condition,
    Derive,
    FieldRef,
    Literal,
    Not,
    ParamRef,
    Rule,
    Ruleset,
    Value,
    condition_fields,
)

#: durable_rules errors (303) when a fact satisfies 64 sibling tests under one node.
MAX_FAN_OUT = 60
#: and (108) when more than 256 rules share one condition path.
MAX_RULES_PER_PART = 60
#: alternatives (paths) one rule may expand into
MAX_PATHS_PER_RULE = 100
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
    """Push `not` down to comparisons (durable_rules has no `not`).

    `not: C` holds exactly when C does not, so a comparison on an absent field, which is
    false, makes its `not` true: `not: {x: {gt: 3}}` becomes `x <= 3 or x absent`.
    """
    if isinstance(node, Not):
        return node.condition
    if isinstance(node, AllOf):
        return AnyOf(tuple(_negate(c, parameters) for c in node.conditions))
    if isinstance(node, AnyOf):
        return AllOf(tuple(_negate(c, parameters) for c in node.conditions))
    if node.op == "exists":
        return Compare(node.field, "exists", Literal(not _resolve(node.value, parameters)))
    return AnyOf((Compare(node.field, _NEGATE[node.op], node.value),
                  Compare(node.field, "exists", Literal(False))))


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


def _paths(expression: Any, limit: int = 10_000) -> list[tuple[str, ...]]:
    """The test sequences an expression stands for: `$and` chains, `$or` alternatives."""
    if "$and" in expression:
        result: list[tuple[str, ...]] = [()]
        for part in expression["$and"]:
            result = [p + q for p in result for q in _paths(part, limit)][:limit]
        return result
    if "$or" in expression:
        return [p for part in expression["$or"] for p in _paths(part, limit)][:limit]
    return [(json.dumps(expression, sort_keys=True),)]


class _TestTree:
    """The tree durable_rules builds from a part's test paths, to bound its fan-out."""

    def __init__(self) -> None:
        self.root: dict[str, dict] = {}

    def _grown(self, paths: list[tuple[str, ...]]) -> dict[int, int]:
        """New children per node (by id) if `paths` were added, plus the nodes' own sizes."""
        added: dict[int, set[str]] = {}
        sizes: dict[int, int] = {}
        for path in paths:
            node: dict[str, dict] | None = self.root
            for test in path:
                if node is None:  # below a node that does not exist yet: all new
                    break
                if test not in node:
                    added.setdefault(id(node), set()).add(test)
                    sizes[id(node)] = len(node)
                node = node.get(test)
        return {n: sizes[n] + len(tests) for n, tests in added.items()}

    def fits(self, paths: list[tuple[str, ...]]) -> bool:
        return self.fan_out(paths) <= MAX_FAN_OUT

    def fan_out(self, paths: list[tuple[str, ...]]) -> int:
        """The largest number of children any node would have with `paths` added: existing
        nodes gaining children, or nodes the paths create (counted in a tree of their own)."""
        grown = max(self._grown(paths).values(), default=0)
        fresh = _TestTree()
        fresh.add(paths)
        return max(grown, _widest(fresh.root))

    def add(self, paths: list[tuple[str, ...]]) -> None:
        for path in paths:
            node = self.root
            for test in path:
                node = node.setdefault(test, {})


def _widest(node: dict[str, dict]) -> int:
    return max([len(node), *(_widest(child) for child in node.values())])


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
        alternatives = _paths(expression, limit=MAX_PATHS_PER_RULE + 1)
        if len(alternatives) > MAX_PATHS_PER_RULE or _TestTree().fan_out(alternatives) > \
                MAX_FAN_OUT:
            problems.append(Problem(
                f"the conditions expand into more than {MAX_PATHS_PER_RULE} alternatives or "
                f"{MAX_FAN_OUT} alternatives side by side, more than durable_rules can match "
                "(split the rule or its `any`/`in` lists)",
                file=ruleset.file, line=rule.line,
                path=f"$.rules[{ruleset.rules.index(rule)}]"))
            continue
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
        tree = _TestTree()
        for key, definition in rules:
            expression = definition["all"][0]["m"]
            cost = _count_tests(expression)
            paths = _paths(expression)
            full = len(chunk) >= MAX_RULES_PER_PART or tests + cost > MAX_TESTS_PER_PART
            if chunk and (full or not tree.fits(paths)):
                parts.append(_part(stratum, kind, len(parts), chunk))
                chunk, tests, tree = [], 0, _TestTree()
            tree.add(paths)
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
