"""The ruleset language: frozen models of a parsed ruleset, and the vocabulary it checks against.

A ruleset is data. Conditions compare fields with literals or named parameters; values come
from literals, fields, parameters or registered computations — never from evaluated text.
`loyalty_rules.language.validation` turns YAML into these models, reporting every problem it finds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Union

import attrs

from ..facts.models import (
    CHANNELS,
    CHURN_REASONS,
    KINDS,
    LOCALES,
    ORIENTATIONS,
    PERSONALITIES,
    RECOVERY_STEPS,
    RESPONSIBILITIES,
)
from ..facts.queries import EventQuery, event_fields, item_namespace
from ..facts.profile import (
    ITEM_FIELDS,
    LOYALTY_STAGES,
    PROFILE_FIELDS,
    RECOVERY_ORDER,
    SEGMENTS,
    TIERS,
)

# ---------------------------------------------------------------------------------------------
# values


@attrs.frozen
class Literal:
    value: Any


@attrs.frozen
class FieldRef:
    name: str


@attrs.frozen
class ParamRef:
    name: str


@attrs.frozen
class Compute:
    name: str
    args: tuple[tuple[str, Value], ...]


Value = Union[Literal, FieldRef, ParamRef, Compute]

# ---------------------------------------------------------------------------------------------
# conditions

COMPARISONS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "exists")


@attrs.frozen
class Compare:
    field: str
    op: str
    value: Literal | ParamRef


@attrs.frozen
class AllOf:
    conditions: tuple[Condition, ...]


@attrs.frozen
class AnyOf:
    conditions: tuple[Condition, ...]


@attrs.frozen
class Not:
    condition: Condition


Condition = Union[Compare, AllOf, AnyOf, Not]


def condition_fields(condition: Condition) -> list[str]:
    """Every field a condition reads, in order of first appearance (for explanations)."""
    seen: dict[str, None] = {}

    def visit(node: Condition) -> None:
        if isinstance(node, Compare):
            seen.setdefault(node.field)
        elif isinstance(node, Not):
            visit(node.condition)
        else:
            for child in node.conditions:
                visit(child)
    visit(condition)
    return list(seen)


# ---------------------------------------------------------------------------------------------
# rules and rulesets


@attrs.frozen
class Recommend:
    action: str
    priority: int = 50
    channel: str | None = None  # None: the customer's preferred channel, else the action's
    due_in_days: int = 0
    params: tuple[tuple[str, Value], ...] = ()
    script: str | None = None  # None: the action's name

    @property
    def script_key(self) -> str:
        return self.script or self.action


@attrs.frozen
class Derive:
    name: str
    value: Value = Literal(True)


@attrs.frozen
class Rule:
    id: str
    guidance: tuple[str, ...]
    when: Condition
    then: Recommend | Derive
    for_each: str | None = None
    description: str = ""
    line: int = 0


@attrs.frozen
class Parameter:
    name: str
    default: Any
    description: str = ""

    @property
    def type(self) -> str:
        return value_type(self.default)


@attrs.frozen
class Guideline:
    """A guidance ID a ruleset declares for its own practice (`guidelines:`), under its prefix."""

    id: str
    text: str
    source: str = ""
    line: int = 0


@attrs.frozen
class Override:
    """One layering entry of a ruleset: another ruleset's rule disabled or re-prioritised, or
    its parameter given a new default. `target` is `ruleset/rule-id` or `ruleset.parameter`."""

    target: str
    what: str  # "disable", "priority" or "parameter"
    value: Any = None
    line: int = 0
    path: str = ""


@attrs.frozen
class Ruleset:
    name: str
    version: str
    description: str
    guidance: tuple[str, ...]
    parameters: dict[str, Parameter]
    rules: tuple[Rule, ...]
    scripts: dict[str, dict[str, str]] = attrs.field(factory=dict)
    file: str = "<memory>"
    plugin: str | None = None
    #: event queries its rules read as `query.NAME`
    queries: dict[str, EventQuery] = attrs.field(factory=dict)
    #: actions it declares itself (their scripts are in `scripts`, keyed by the action name)
    actions: dict[str, ActionSpec] = attrs.field(factory=dict)
    guidelines: dict[str, Guideline] = attrs.field(factory=dict)
    #: how it layers over other rulesets (`overrides:`)
    overrides: tuple[Override, ...] = ()

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def value_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


# ---------------------------------------------------------------------------------------------
# the vocabulary rules are checked against

#: Closed sets of values, so `segment: true_friends` is caught as a typo.
FIELD_VALUES: dict[str, tuple[str, ...]] = {
    "personality": PERSONALITIES,
    "kind": KINDS,
    "orientation": ORIENTATIONS,
    "preferred_channel": CHANNELS,
    "locale": LOCALES,
    "loyalty_stage": LOYALTY_STAGES,
    "loyalty": ("high", "low"),
    "profit_level": ("high", "low"),
    "segment": SEGMENTS,
    "tier": TIERS,
    "complaint.next_step": RECOVERY_ORDER,
    "complaint.responsibility": RESPONSIBILITIES,
    "churn_reason": CHURN_REASONS,
}


#: EXP-15 (seed 000, 2+1法则: 主机厂(关心区) 经销店(影响区) 销售顾问(控制区)): who controls an
#: action. `manager` is also where an overdue recovery step escalates.
ROLES = ("consultant", "store", "manager", "brand")

#: What a recommendation is for, in the fixed precedence of a day's conversation (highest
#: first; see decisions/conversation.py): `business` actions are not conversations at all.
PURPOSES = ("recovery", "answering", "relationship", "value", "asks", "business")


@attrs.frozen
class ActionSpec:
    """An action a rule may recommend: registered, reviewed Python metadata."""

    name: str
    description: str
    guidance: tuple[str, ...] = ()
    #: an outbound contact with the customer (counts against the contact cap)
    outbound: bool = True
    #: exempt from the contact cap (complaint recovery, broken promises)
    urgent: bool = False
    #: who carries it out: the customer-facing staff, or the business itself (CMP-03)
    audience: str = "customer"
    default_channel: str = "phone"
    #: EXP-06: lower_expectation or raise_experience (or "" when neither)
    lever: str = ""
    #: EXP-15: the role that controls it (one of `ROLES`)
    role: str = "consultant"
    #: its place in the day's conversation (one of `PURPOSES`); "" = derived: `recovery` when
    #: urgent, `business` for the business's own actions, else `relationship`
    purpose: str = ""
    #: profile fields naming the item that triggers it when it is not a `for_each` item, first
    #: present wins (see decisions/identity.py): `days_since_*` and `*_pending_days` count
    #: back from as_of, `days_to_*` forward
    anchor: tuple[str, ...] = ()
    #: the anchor is a date the action is scheduled for (the 611 dates, a birthday): the due
    #: date counts from it
    scheduled: bool = False
    #: where it was declared: None for a plugin's, the ruleset file for one declared in YAML
    declared_in: str | None = attrs.field(default=None, eq=False)
    #: what marks a recommendation of it done, and the history event recording the outcome
    #: appends (docs/service.md): ``contact`` (an outbound contact naming the action),
    #: ``recovery:STEP`` (that recovery step of the complaint named by the recommendation's
    #: ``complaint`` param), or ``record`` (kept in the store only: not a customer contact).
    #: Default: ``contact`` for outbound actions, ``record`` for the others.
    done_by: str = attrs.field(
        default=attrs.Factory(lambda self: "contact" if self.outbound else "record",
                              takes_self=True))

    @done_by.validator
    def _check_done_by(self, _attribute: Any, value: str) -> None:
        kind, _, step = value.partition(":")
        if value in ("contact", "record") or (kind == "recovery" and step in RECOVERY_STEPS):
            return
        raise ValueError(f"action {self.name!r}: done_by must be contact, record or "
                         f"recovery:STEP with STEP one of {', '.join(RECOVERY_STEPS)}; "
                         f"got {value!r}")

    def __attrs_post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"action {self.name!r}: role must be one of {', '.join(ROLES)}, "
                             f"got {self.role!r}")
        if self.purpose and self.purpose not in PURPOSES:
            raise ValueError(f"action {self.name!r}: purpose must be one of "
                             f"{', '.join(PURPOSES)}, got {self.purpose!r}")

    @property
    def group(self) -> str:
        """The purpose group, with the default worked out."""
        if self.purpose:
            return self.purpose
        if self.audience == "business":
            return "business"
        return "recovery" if self.urgent else "relationship"


ATTRIBUTE_TYPES = ("string", "number", "integer", "boolean", "date")


@attrs.frozen
class AttributeSpec:
    """A customer attribute a plugin reads from the record's `attributes` object."""

    name: str
    type: str
    description: str = ""

    def __attrs_post_init__(self) -> None:
        if self.type not in ATTRIBUTE_TYPES:
            raise ValueError(f"attribute type must be one of {', '.join(ATTRIBUTE_TYPES)}")


@attrs.frozen
class Computation:
    """A named computed value rules may use: `{compute: NAME, arg: value, ...}`."""

    name: str
    function: Callable[..., Any]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    description: str = ""
    #: what each argument means (shown by `loyalty-rules computations` and docs/rulesets.md)
    arguments: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class FactNamespace:
    """Fields a plugin's calculator adds to every customer fact, read as `NAMESPACE.field`."""

    namespace: str
    fields: dict[str, tuple[str, str]]  # name -> (type, description)
    calculate: Callable[..., Mapping[str, Any] | None]
    values: dict[str, tuple[str, ...]] = attrs.field(factory=dict)  # closed value sets
    plugin: str | None = None


@attrs.define
class Vocabulary:
    """What a ruleset may name: actions, fields, item kinds, computations."""

    actions: dict[str, ActionSpec] = attrs.field(factory=dict)
    computations: dict[str, Computation] = attrs.field(factory=dict)
    namespaces: dict[str, FactNamespace] = attrs.field(factory=dict)
    derived: set[str] = attrs.field(factory=set)  # names some rule derives (derived.NAME)
    queries: dict[str, EventQuery] = attrs.field(factory=dict)  # query.NAME, all rulesets
    guidelines: dict[str, Guideline] = attrs.field(factory=dict)  # declared in YAML

    def field(self, name: str, for_each: str | None) -> tuple[str, tuple[str, ...]] | None:
        """(type, closed values) of a field a rule may read, or None if it does not exist."""
        if name in PROFILE_FIELDS:
            return PROFILE_FIELDS[name][0], FIELD_VALUES.get(name, ())
        head, _, tail = name.partition(".")
        if not tail:
            return None
        if head in ITEM_FIELDS:
            if head != for_each or tail not in ITEM_FIELDS[head]:
                return None
            return ITEM_FIELDS[head][tail][0], FIELD_VALUES.get(name, ())
        if head == "derived":
            return ("any", ()) if tail in self.derived else None
        if head == "query":
            query = self.queries.get(tail)
            return (query.type, ()) if query is not None else None
        item = item_namespace(head)
        if item is not None:
            assert item.event is not None
            kind = event_fields(item.event).get(tail)
            return (kind, ()) if kind is not None else None
        space = self.namespaces.get(head)
        if space is not None and tail in space.fields:
            return space.fields[tail][0], space.values.get(tail, ())
        return None

    def field_names(self, for_each: str | None) -> list[str]:
        names = list(PROFILE_FIELDS)
        if for_each in ITEM_FIELDS:
            names += [f"{for_each}.{k}" for k in ITEM_FIELDS[for_each]]
        names += [f"derived.{k}" for k in sorted(self.derived)]
        names += [f"query.{k}" for k in self.queries]
        for space in self.namespaces.values():
            names += [f"{space.namespace}.{k}" for k in space.fields]
        return names
