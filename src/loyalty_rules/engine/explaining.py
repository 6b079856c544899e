"""Why and why not: each rule that could have produced an action, fired or not, and why.

`explain(engine, customer, as_of, action)` takes the engine's decision (durable_rules decides,
as always) and, for every rule (or every rule recommending `action`), re-reads its conditions
in Python against the same facts the engine matched: for a rule that did not fire, the first
condition that failed and the values it read; for one that fired but whose recommendation
was held back, what displaced it; for one disabled by an override, by whom.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from ..decisions.model import Decision
from ..facts.models import Customer
from ..language.compiler import CompiledRule
from ..language.model import AllOf, AnyOf, Compare, Condition, Derive, Literal, Not, ParamRef
from .evaluation import Prepared, prepare, read_field

_SAY = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥", "in": "in",
        "not_in": "not in"}


@attrs.frozen
class RuleTrace:
    """One rule's part in a decision."""

    rule: str  # ruleset/rule-id
    action: str | None  # None for a rule that derives a fact
    priority: int | None
    fired: bool
    #: "recommended", "suppressed", "derived", "not matched" or "disabled"
    outcome: str
    #: why: the failing condition, what displaced it, what it derived, who disabled it
    reason: str = ""
    #: the values the failing condition read (field → value, None when absent)
    values: Mapping[str, Any] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = {"rule": self.rule, "action": self.action, "priority": self.priority,
                "fired": self.fired, "outcome": self.outcome, "reason": self.reason}
        if self.values:
            data["values"] = dict(self.values)
        return data

    def line(self) -> str:
        what = self.action or "(derives a fact)"
        head = f"{self.rule}  {what}" + (f" p{self.priority}" if self.priority is not None
                                         else "")
        text = f"{head}: {self.outcome}"
        if self.reason:
            text += f" — {self.reason}"
        if self.values:
            text += " (read: " + ", ".join(f"{k}={_show(v)}" for k, v in self.values.items()) \
                + ")"
        return text


@attrs.frozen
class Explanation:
    customer_id: str
    as_of: dt.date
    action: str | None
    rules: tuple[RuleTrace, ...]
    decision: Decision

    def to_dict(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "as_of": self.as_of.isoformat(),
                "action": self.action, "recommended": list(self.decision.actions),
                "rules": [trace.to_dict() for trace in self.rules]}

    def lines(self) -> list[str]:
        what = f"for {self.action}" if self.action else "every rule"
        head = [f"customer {self.customer_id} as of {self.as_of.isoformat()}, {what}:",
                f"recommended: {', '.join(self.decision.actions) or '(none)'}"]
        return head + [trace.line() for trace in self.rules]


def _show(value: Any) -> str:
    return "absent" if value is None else repr(value)


def _operand(node: Compare, parameters: Mapping[str, Any]) -> Any:
    if isinstance(node.value, ParamRef):
        return parameters[node.value.name]
    assert isinstance(node.value, Literal)
    return node.value.value


def _compare(node: Compare, fact: Mapping[str, Any], parameters: Mapping[str, Any]) -> bool:
    actual = read_field(fact, node.field)
    expected = _operand(node, parameters)
    if node.op == "exists":
        return (actual is not None) == expected
    if actual is None:
        return False  # a comparison on an absent field is false (docs/rulesets.md)
    try:
        return {"eq": lambda: actual == expected, "ne": lambda: actual != expected,
                "lt": lambda: actual < expected, "lte": lambda: actual <= expected,
                "gt": lambda: actual > expected, "gte": lambda: actual >= expected,
                "in": lambda: actual in expected,
                "not_in": lambda: actual not in expected}[node.op]()
    except TypeError:
        return False


def describe(node: Condition, parameters: Mapping[str, Any]) -> str:
    """A condition as a person reads it: `last_visit.days_ago ≥ 21 (quiet_visit_days)`."""
    if isinstance(node, Compare):
        value = _operand(node, parameters)
        named = f" ({node.value.name})" if isinstance(node.value, ParamRef) else ""
        if node.op == "exists":
            return f"{node.field} {'exists' if value else 'is absent'}"
        return f"{node.field} {_SAY[node.op]} {value!r}{named}"
    if isinstance(node, Not):
        return f"not ({describe(node.condition, parameters)})"
    joiner = " and " if isinstance(node, AllOf) else " or "
    return "(" + joiner.join(describe(c, parameters) for c in node.conditions) + ")"


def _fields(node: Condition) -> list[str]:
    if isinstance(node, Compare):
        return [node.field]
    if isinstance(node, Not):
        return _fields(node.condition)
    return [f for child in node.conditions for f in _fields(child)]


def first_failure(node: Condition, fact: Mapping[str, Any], parameters: Mapping[str, Any]
                  ) -> Condition | None:
    """The first condition that fails, in the order written; None when the whole holds."""
    if isinstance(node, Compare):
        return None if _compare(node, fact, parameters) else node
    if isinstance(node, AllOf):
        for child in node.conditions:
            failed = first_failure(child, fact, parameters)
            if failed is not None:
                return failed
        return None
    if isinstance(node, AnyOf):
        held = any(first_failure(c, fact, parameters) is None for c in node.conditions)
        return None if held else node
    assert isinstance(node, Not)
    return node if first_failure(node.condition, fact, parameters) is None else None


def _facts(prepared: Prepared, decision: Decision) -> list[dict[str, Any]]:
    derived = decision.profile.get("derived", {})
    return [dict(fact, derived=dict(derived)) if derived else fact for fact in prepared.facts]


def explain(engine: Any, customer: Customer, as_of: dt.date, action: str | None = None
            ) -> Explanation:
    """The engine's decision for `customer`, and every rule's part in it (or, with `action`,
    every rule recommending that action)."""
    decision = engine.evaluate(customer, as_of)
    prepared = prepare(customer, as_of, engine.setup, engine.registry, 0, engine.population)
    facts = _facts(prepared, decision)
    kept = {(r.ruleset, r.rule) for r in decision.recommendations}
    held = {(s.ruleset, s.rule): s for s in decision.suppressed}
    traces: list[RuleTrace] = []
    for key, compiled in engine.program.rules.items():
        then = compiled.rule.then
        name = None if isinstance(then, Derive) else then.action
        if action is not None and name != action:
            continue
        traces.append(_trace(key, compiled, name, facts, decision, kept, held))
    for key, (ruleset, rule) in engine.setup.layering.disabled.items():
        then = rule.then
        name = None if isinstance(then, Derive) else then.action
        if action is None or name == action:
            priority = None if isinstance(then, Derive) else then.priority
            traces.append(RuleTrace(key, name, priority, False, "disabled",
                                    "; ".join(engine.setup.layering.notes.get(key, ()))))
    return Explanation(customer.id, as_of, action, tuple(traces), decision)


def _trace(key: str, compiled: CompiledRule, action: str | None,
           facts: list[dict[str, Any]], decision: Decision, kept: set[tuple[str, str]],
           held: Mapping[tuple[str, str], Any]) -> RuleTrace:
    rule, then = compiled.rule, compiled.rule.then
    priority = None if isinstance(then, Derive) else then.priority
    kind = rule.for_each or "customer"
    candidates = [f for f in facts if f["fact"] == kind]
    if key in decision.fired:
        ident = (compiled.ruleset.name, rule.id)
        if isinstance(then, Derive):
            value = decision.profile.get("derived", {}).get(then.name)
            return RuleTrace(key, None, None, True, "derived",
                             f"derived.{then.name} = {value!r}")
        if ident in kept:
            return RuleTrace(key, action, priority, True, "recommended")
        if ident in held:
            return RuleTrace(key, action, priority, True, "suppressed", held[ident].reason)
        return RuleTrace(key, action, priority, True, "recommended")
    if not candidates:
        return RuleTrace(key, action, priority, False, "not matched",
                         f"no {kind} item (for_each: {kind})")
    failures = [first_failure(rule.when, fact, compiled.parameters) for fact in candidates]
    if any(failed is None for failed in failures):  # Python and durable_rules disagree: say so
        return RuleTrace(key, action, priority, False, "not matched",
                         "the engine did not fire it although its conditions read true")
    failed, fact = failures[0], candidates[0]
    assert failed is not None
    values = {field: read_field(fact, field) for field in dict.fromkeys(_fields(failed))}
    where = f" (the first of {len(candidates)} {kind} items)" if len(candidates) > 1 else ""
    return RuleTrace(key, action, priority, False, "not matched",
                     f"failed: {describe(failed, compiled.parameters)}{where}", values)
