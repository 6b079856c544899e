"""The declaring sections of a ruleset: `queries`, `actions`, `guidelines` and `overrides`.

One reader per section, each reporting through a `Checker` with line and `$`-path:

* `queries:` event queries answered in the profile pass (`loyalty_rules.facts.queries`);
* `actions:` actions a ruleset declares itself, with their scripts in zh and en;
* `guidelines:` its own guidance IDs (text and source), under a prefix not the course's;
* `overrides:` how it layers over other rulesets (disable a rule, change its priority, give a
  parameter a new default); the targets are checked once every ruleset is read
  (`engine.building`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from ..facts.models import CHANNELS, EVENT_TYPES, LOCALES, RECOVERY_STEPS
from ..facts.queries import FILTER_OPS, ITEMS, QUERY_KINDS, EventFilter, \
    EventQuery, event_fields
from .checker import NAME, Checker, a, hint, kind
from .model import PURPOSES, ROLES, ActionSpec, Guideline, Override, value_type

QUERY_KEYS = ("event", "within_days", "where", "field")
ACTION_KEYS = ("description", "guidance", "lever", "channel", "urgent", "outbound", "role",
               "purpose", "done_by", "scripts")
#: what marks a declared action done (`ActionSpec.done_by`, docs/service.md)
DONE_BY = ("contact", "record", *(f"recovery:{step}" for step in RECOVERY_STEPS))
LEVERS = ("", "lower_expectation", "raise_experience")
GUIDELINE_ID = re.compile(r"^([A-Z][A-Z0-9]{1,7})-([A-Z0-9-]*[0-9]{2,3})$")
CORE_PREFIXES = ("EXP", "LOY", "CRM", "CMP", "IND")
OVERRIDE_KEYS = ("rules", "parameters")
RULE_OVERRIDE_KEYS = ("disable", "priority")


# -- queries ------------------------------------------------------------------------------------

def parse_queries(check: Checker, data: Any) -> dict[str, EventQuery]:
    if data is None:
        return {}
    raw = check.mapping(data, "$.queries")
    if raw is None:
        return {}
    queries: dict[str, EventQuery] = {}
    for name, spec in raw.items():
        path = f"$.queries.{name}"
        if not isinstance(name, str) or not NAME.match(name) or "." in name:
            check.error(path, "a query name is lower_case_with_underscores")
            continue
        query = _query(check, name, spec, path, top=True)
        if query is not None:
            queries[name] = query
    return queries


def _query(check: Checker, name: str, spec: Any, path: str, top: bool) -> EventQuery | None:
    kinds = QUERY_KINDS if top else ITEMS
    spec = check.mapping(spec, path)
    if spec is None:
        return None
    if len(spec) != 1 or next(iter(spec)) not in kinds:
        first = str(next(iter(spec), ""))
        check.error(path, f"a query is one of {', '.join(f'{{{k}: ...}}' for k in kinds)}"
                    f"{hint(first, kinds)}")
        return None
    kind_, body = next(iter(spec.items()))
    sub = f"{path}.{kind_}"
    if kind_ == "days_between":
        return _days_between(check, name, body, sub)
    body = check.mapping(body, sub)
    if body is None:
        return None
    ok = check.keys(body, QUERY_KEYS, sub)
    event = body.get("event")
    if event not in EVENT_TYPES:
        check.error(f"{sub}.event", f"unknown event type {event!r}"
                    f"{hint(str(event), EVENT_TYPES)}; expected one of "
                    f"{', '.join(EVENT_TYPES)}")
        return None
    fields = event_fields(event)
    within = None
    if "within_days" in body:
        within = check.integer(body, "within_days", sub, 1, 1, 36500)
        ok = ok and within is not None
    field = body.get("field")
    if field is not None and field not in fields:
        check.error(f"{sub}.field", f"a {event} has no field {field!r}{hint(str(field), fields)}; "
                    f"it has {', '.join(fields)}")
        return None
    if kind_ in ("sum", "average") and (field is None or fields[field] not in
                                         ("integer", "number")):
        numeric = [f for f, t in fields.items() if t in ("integer", "number")]
        check.error(f"{sub}.field" if field else sub,
                    f"{kind_} needs a numeric `field` of {event}: one of {', '.join(numeric)}")
        return None
    if kind_ in ("min", "max") and field is None:
        check.error(sub, f"{kind_} needs a `field` of {event}: one of {', '.join(fields)}")
        return None
    if kind_ == "count" and field is not None:
        check.error(f"{sub}.field", "count takes no `field` (filter with `where:`)")
        return None
    if kind_ in ITEMS and field is None:
        field = "days_ago" if top else "at"
    where = _where(check, event, fields, body.get("where"), f"{sub}.where")
    if where is None or not ok:
        return None
    return EventQuery(name, kind_, event, field, within, where)


def _days_between(check: Checker, name: str, body: Any, path: str) -> EventQuery | None:
    body = check.mapping(body, path)
    if body is None:
        return None
    ok = check.keys(body, ("from", "to"), path)
    ends = []
    for end in ("from", "to"):
        if end not in body:
            check.error(path, f"days_between needs `{end}: {{latest|first: {{event: ...}}}}`")
            ok = False
            continue
        item = _query(check, f"{name}.{end}", body[end], f"{path}.{end}", top=False)
        ok = ok and item is not None
        if item is not None:
            ends.append(EventQuery(item.name, item.kind, item.event, "at", item.within_days,
                                   item.where))
    return EventQuery(name, "days_between", between=tuple(ends)) if ok else None


def _where(check: Checker, event: str, fields: Mapping[str, str], data: Any,
           path: str) -> tuple[EventFilter, ...] | None:
    if data is None:
        return ()
    data = check.mapping(data, path)
    if data is None:
        return None
    tests: list[EventFilter] = []
    ok = True
    for field, raw in data.items():
        sub = f"{path}.{field}"
        if field not in fields:
            check.error(sub, f"a {event} has no field {field!r}{hint(str(field), fields)}; it "
                        f"has {', '.join(fields)}")
            ok = False
            continue
        if not isinstance(raw, Mapping):
            raw = {"eq": raw}
        for op, value in raw.items():
            if op not in FILTER_OPS:
                check.error(f"{sub}.{op}", f"unknown operator {op!r}{hint(str(op), FILTER_OPS)}; "
                            f"expected one of {', '.join(FILTER_OPS)}")
                ok = False
                continue
            typed = _filter_value(check, field, fields[field], op, value, f"{sub}.{op}")
            if typed is None:
                ok = False
            else:
                tests.append(EventFilter(field, op, typed[0]))
    return tuple(tests) if ok else None


def _filter_value(check: Checker, field: str, ftype: str, op: str, value: Any,
                  path: str) -> tuple[Any] | None:
    if op == "exists":
        if not isinstance(value, bool):
            check.error(path, "exists takes true or false")
            return None
        return (value,)
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            check.error(path, f"{op} takes a non-empty list")
            return None
        items = [_typed(check, field, ftype, item, f"{path}[{i}]") for i, item in enumerate(value)]
        return None if any(i is None for i in items) else ([i[0] for i in items],)  # type: ignore
    if op in ("lt", "lte", "gt", "gte") and ftype not in ("integer", "number", "date"):
        check.error(path, f"{op} compares numbers or dates; {field!r} is {a(ftype)}")
        return None
    return _typed(check, field, ftype, value, path)


def _typed(check: Checker, field: str, ftype: str, value: Any, path: str) -> tuple[Any] | None:
    if ftype == "date":
        if isinstance(value, dt.date):
            return (value,)
        try:
            return (dt.date.fromisoformat(str(value)),)
        except ValueError:
            check.error(path, f"{field!r} is a date (YYYY-MM-DD); {value!r} is not")
            return None
    actual = value_type(value)
    if actual == ftype or (ftype == "number" and actual == "integer"):
        return (value,)
    check.error(path, f"{field!r} is {a(ftype)}; {value!r} is {a(kind(value))}")
    return None


# -- actions ------------------------------------------------------------------------------------

def parse_actions(check: Checker, data: Any, scripts: dict[str, dict[str, str]]
                  ) -> dict[str, ActionSpec]:
    """Actions a ruleset declares, each with its script (added to `scripts` by its name)."""
    if data is None:
        return {}
    raw = check.mapping(data, "$.actions")
    if raw is None:
        return {}
    actions: dict[str, ActionSpec] = {}
    for name, spec in raw.items():
        path = f"$.actions.{name}"
        if not isinstance(name, str) or not NAME.match(name) or "." not in name:
            check.error(path, "a declared action's name carries your prefix: "
                        "prefix.lower_case_name (e.g. fitco.vip_thanks)")
            continue
        spec = check.mapping(spec, path)
        if spec is None:
            continue
        before = len(check.problems)
        check.keys(spec, ACTION_KEYS, path)
        description = check.text(spec, "description", path, required=True)
        guidance = check.guidance(spec, path, required=True)
        lever = check.choice(spec, "lever", path, LEVERS, "")
        channel = check.choice(spec, "channel", path, CHANNELS, "phone")
        urgent = check.flag(spec, "urgent", path, False)
        outbound = check.flag(spec, "outbound", path, True)
        role = check.choice(spec, "role", path, ROLES, "consultant")
        purpose = check.choice(spec, "purpose", path, ("", *PURPOSES), "")
        done_by = check.choice(spec, "done_by", path, DONE_BY, "contact" if outbound else "record")
        texts = check.mapping(spec.get("scripts"), f"{path}.scripts") \
            if "scripts" in spec else None
        if "scripts" not in spec:
            check.error(path, "missing required key: scripts (what staff say, in zh and en)")
        elif texts is not None:
            check.keys(texts, LOCALES, f"{path}.scripts")
            for locale in LOCALES:
                if not isinstance(texts.get(locale), str):
                    check.error(f"{path}.scripts", f"missing the {locale!r} text (scripts "
                                "exist in zh and en)")
            scripts[name] = {k: v for k, v in texts.items() if k in LOCALES and isinstance(v, str)}
        if len(check.problems) == before:
            actions[name] = ActionSpec(
                name, description, guidance, outbound=outbound, urgent=urgent,
                default_channel=channel, lever=lever, role=role, purpose=purpose,
                done_by=done_by,
                declared_in=check.file)
    return actions


# -- guidelines -----------------------------------------------------------------------------------

def parse_guidelines(check: Checker, data: Any) -> dict[str, Guideline]:
    if data is None:
        return {}
    raw = check.mapping(data, "$.guidelines")
    if raw is None:
        return {}
    found: dict[str, Guideline] = {}
    prefixes: dict[str, str] = {}
    for gid, spec in raw.items():
        path = f"$.guidelines.{gid}"
        match = GUIDELINE_ID.match(str(gid))
        if match is None:
            check.error(path, f"a guidance ID is PREFIX-NN in capitals (e.g. FIT-01), got {gid!r}")
            continue
        prefix = match.group(1)
        if prefix in CORE_PREFIXES:
            check.error(path, f"the prefix {prefix!r} belongs to the course's guidance; declare "
                        "yours under your own prefix (e.g. FIT-01)")
            continue
        if prefixes and prefix not in prefixes:
            check.error(path, f"one ruleset declares guidance under one prefix: {gid!r} is not "
                        f"under {next(iter(prefixes))!r}")
            continue
        prefixes[prefix] = gid
        if isinstance(spec, str):
            spec = {"text": spec}
        spec = check.mapping(spec, path)
        if spec is None:
            continue
        check.keys(spec, ("text", "source"), path)
        text = check.text(spec, "text", path, required=True)
        if text:
            found[str(gid)] = Guideline(str(gid), text, check.text(spec, "source", path),
                                        check.lines(path))
    return found


# -- overrides ------------------------------------------------------------------------------------

def parse_overrides(check: Checker, data: Any) -> tuple[Override, ...]:
    """`overrides: {rules: {RULESET/ID: {disable|priority}}, parameters: {RULESET.NAME: v}}`."""
    if data is None:
        return ()
    raw = check.mapping(data, "$.overrides")
    if raw is None:
        return ()
    check.keys(raw, OVERRIDE_KEYS, "$.overrides")
    found: list[Override] = []
    rules = check.mapping(raw.get("rules", {}), "$.overrides.rules") or {}
    for target, spec in rules.items():
        path = f"$.overrides.rules.{target}"
        if not isinstance(target, str) or target.count("/") != 1:
            check.error(path, "a rule is named RULESET/RULE-ID (see `loyalty-rules rules`)")
            continue
        if spec == "disable":
            spec = {"disable": True}
        spec = check.mapping(spec, path)
        if spec is None:
            continue
        if not spec or not check.keys(spec, RULE_OVERRIDE_KEYS, path):
            if not spec:
                check.error(path, "expected `disable: true` or `priority: N`")
            continue
        if spec.get("disable") is True:
            found.append(Override(target, "disable", True, check.lines(path), path))
        elif "disable" in spec and spec["disable"] is not False:
            check.error(f"{path}.disable", "expected true or false")
        if "priority" in spec:
            priority = check.integer(spec, "priority", path, 50, 0, 100)
            if priority is not None:
                found.append(Override(target, "priority", priority, check.lines(path), path))
    parameters = check.mapping(raw.get("parameters", {}), "$.overrides.parameters") or {}
    for target, value in parameters.items():
        path = f"$.overrides.parameters.{target}"
        if not isinstance(target, str) or target.count(".") != 1:
            check.error(path, "a parameter is named RULESET.NAME")
            continue
        if value is None or isinstance(value, Mapping):
            check.error(path, f"expected a literal value, got {kind(value)}")
            continue
        found.append(Override(target, "parameter", value, check.lines(path), path))
    return tuple(found)
