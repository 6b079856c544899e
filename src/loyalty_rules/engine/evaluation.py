"""From customers to decisions: facts in, firings out, recommendations built in Python.

durable_rules only matches; everything it cannot do deterministically (dates, computed
values, scripts, arbitration) happens here, from the input and `as_of` alone.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ..decisions.arbitration import arbitrate, contact_label
from ..decisions.identity import customer_trigger, item_trigger, last_done, recommendation_id
from ..decisions.model import Decision, Recommendation
from ..errors import EngineError, Interrupted, Problem, RecordError, one_line
from ..facts.models import Customer
from ..facts.profile import Item, derive_profile
from ..facts.queries import query_facts
from ..io.reading import Rejected, attribute_date
from ..language.actions import channel_for
from ..language.checker import a
from ..language.compiler import CUSTOMER, CompiledRule, Program
from ..language.model import (
    AttributeSpec,
    Compute,
    Derive,
    FieldRef,
    Literal,
    ParamRef,
    Value,
)
from ..language.scripts import (
    IN_REPLY,
    addressed,
    localise_unit,
    pick_variant,
    render_script,
    template_names,
)
from ..plugins.registry import Registry
from ..population import Population, standing
from .building import Setup
from .host import SESSION, RuleHost

PRIVATE_PROFILE_KEYS = ("customer_id", "name")


@attrs.define
class Prepared:
    """One customer's facts for one evaluation."""

    customer: Customer
    profile: dict[str, Any]  # values + plugin namespaces + derived
    facts: list[dict[str, Any]]  # [customer fact, item facts...]
    derived: dict[str, Any]
    firings: list[tuple[CompiledRule, int]] = attrs.field(factory=list)
    items: tuple[Item, ...] = ()  # the profile's items; facts[n] is items[n - 1]


def _check_attributes(customer: Customer, specs: Mapping[str, AttributeSpec]) -> list[Problem]:
    problems = []
    for name, spec in specs.items():
        if name not in customer.attributes or customer.attributes[name] is None:
            continue
        value = customer.attributes[name]
        ok = {"string": isinstance(value, str),
              "number": isinstance(value, (int, float)) and not isinstance(value, bool),
              "integer": isinstance(value, int) and not isinstance(value, bool),
              "boolean": isinstance(value, bool)}.get(spec.type)
        if spec.type == "date":
            try:
                attribute_date(customer.attributes, name)
                ok = True
            except RecordError:
                ok = False
        if not ok:
            problems.append(Problem(f"expected {a(spec.type)}, got {value!r}",
                                    path=f"attributes.{name}"))
    return problems


def prepare(customer: Customer, as_of: dt.date, setup: Setup, registry: Registry,
            index: int, population: Population | None = None) -> Prepared:
    """Derive the profile and plugin facts; raise RecordError naming the field or plugin."""
    too_long = setup.limits.events_problem(len(customer.events))
    if too_long is not None:
        raise RecordError([too_long])
    problems = _check_attributes(customer, registry.attributes)
    if problems:
        raise RecordError(problems)
    profile = derive_profile(customer, as_of, setup.profile)
    too_many = setup.limits.items_problem(len(profile.items))
    if too_many is not None:
        raise RecordError([too_many])
    values = dict(profile.values)
    if setup.queries or setup.items:
        values.update(query_facts(customer, as_of, setup.queries, setup.items))
    if population is not None:  # the customer's standing in the base (docs/population.md)
        values.update(standing(customer, as_of, values, population))
    for name, space in setup.vocabulary.namespaces.items():
        try:
            computed = space.calculate(customer, as_of, profile)
        except BaseException as exc:  # sys.exit or KeyboardInterrupt in a plugin: its failure
            if isinstance(exc, Interrupted):
                raise
            raise RecordError([Problem(f"plugin {space.plugin!r} could not derive its facts: "
                                       f"{type(exc).__name__}: {one_line(exc)}", path=name)]
                              ) from None
        if computed is None:
            continue
        unknown = set(computed) - set(space.fields)
        if unknown:
            raise RecordError([Problem(f"plugin {space.plugin!r} returned undeclared fields "
                                       f"{sorted(unknown)}", path=name)])
        values[name] = {k: v for k, v in computed.items() if v is not None}
    derived: dict[str, Any] = {}
    base = dict(values, fact=CUSTOMER, id=f"{index}:0")
    facts = [base]
    for number, item in enumerate(profile.items, start=1):
        facts.append(dict(values, fact=item.kind, id=f"{index}:{number}",
                          **{item.kind: item.values}))
    return Prepared(customer, values, facts, derived, items=profile.items)


def read_field(fact: Mapping[str, Any], name: str) -> Any:
    head, _, tail = name.partition(".")
    if not tail:
        return fact.get(name)
    inner = fact.get(head)
    return inner.get(tail) if isinstance(inner, Mapping) else None


def evaluate_value(value: Value, fact: Mapping[str, Any], rule: CompiledRule,
                   setup: Setup) -> Any:
    if isinstance(value, Literal):
        return value.value
    if isinstance(value, FieldRef):
        return read_field(fact, value.name)
    if isinstance(value, ParamRef):
        return rule.parameters[value.name]
    assert isinstance(value, Compute)
    args = {k: evaluate_value(v, fact, rule, setup) for k, v in value.args}
    spec = setup.vocabulary.computations[value.name]
    if value.name != "first" and any(v is None for v in args.values()):
        return None  # a computation over an absent value is absent
    try:
        return spec.function(**args)
    except BaseException as exc:  # sys.exit or KeyboardInterrupt in a plugin: its failure
        if isinstance(exc, Interrupted):
            raise
        raise EngineError(f"rule {rule.key!r}: computation {value.name!r} failed: "
                          f"{type(exc).__name__}: {exc}") from None


def run_strata(host: RuleHost, program: Program, batch: Sequence[Prepared | None],
               setup: Setup) -> dict[int, Problem]:
    """Fire every part over the batch; derived values flow between strata.

    A failing call is retried one customer at a time, so one bad customer never costs the
    others their decisions. Returns the problems of the customers that failed.
    """
    failed: dict[int, Problem] = {}
    for stratum in range(program.strata):
        for part in (p for p in program.parts if p.stratum == stratum):
            owners: dict[str, int] = {}
            facts = []
            reads = part.reads
            for index, prepared in enumerate(batch):
                if prepared is None or index in failed:
                    continue
                for fact in prepared.facts:
                    if fact["fact"] == part.kind:
                        # only what the part's conditions read crosses into durable_rules
                        sent = {k: fact[k] for k in reads if k in fact}
                        sent["fact"], sent["id"], sent["sid"] = fact["fact"], fact["id"], SESSION
                        facts.append(sent)
                        owners[fact["id"]] = index
            if not facts:
                continue
            try:
                fired = host.fire(part.name, facts)
            except EngineError:
                fired = []
                for index in sorted(set(owners.values())):
                    own = [f for f in facts if owners[f["id"]] == index]
                    try:
                        fired += host.fire(part.name, own)
                    except EngineError as err:
                        failed[index] = Problem(str(err), path=f"ruleset part {part.name}")
            for key, fact_id in fired:
                index = owners[fact_id]
                if index in failed:
                    continue
                prepared = batch[index]
                assert prepared is not None
                number = int(fact_id.partition(":")[2])
                rule = program.rules[key]
                prepared.firings.append((rule, number))
                if isinstance(rule.rule.then, Derive):
                    try:
                        value = evaluate_value(rule.rule.then.value, prepared.facts[number],
                                               rule, setup)
                    except EngineError as err:
                        failed[index] = Problem(str(err))
                        continue
                    prepared.derived[rule.rule.then.name] = value
        for prepared in batch:  # derived values become readable by the next stratum
            if prepared is not None and prepared.derived:
                for fact in prepared.facts:
                    fact["derived"] = dict(prepared.derived)
    return failed


def _item_number(firing: tuple[CompiledRule, int]) -> int:
    return firing[1]


def decide(prepared: Prepared, as_of: dt.date, setup: Setup, registry: Registry,
           order: Mapping[str, int], locale: str | None,
           held: Mapping[str, str] | None = None) -> Decision:
    """The customer's decision from its firings. `held` (from a store: recommendation id →
    done, dismissed or snoozed) sets those recommendations aside before arbitration: they
    come back with their status and take no contact-cap slot; the others get ``open``."""
    customer = prepared.customer
    language = locale or customer.locale or "en"
    candidates: list[Recommendation] = []
    done = last_done(customer, as_of)
    # items in history order (durable_rules fires them in its own order): when a `for_each`
    # rule matches several items, arbitration keeps the recommendation of the first one
    for rule, number in sorted(prepared.firings, key=_item_number):
        then = rule.rule.then
        if isinstance(then, Derive):
            continue
        fact = prepared.facts[number]
        params = {}
        for name, value in then.params:
            result = evaluate_value(value, fact, rule, setup)
            if result is not None:
                params[name] = result
        spec = setup.vocabulary.actions[then.action]
        channel = channel_for(spec, then.channel, customer.preferred_channel,
                              prepared.derived.get("channel"))
        if number:
            item = prepared.items[number - 1]
            trigger = item_trigger(item.kind, item.key, item.since)
        else:
            trigger = customer_trigger(spec, then.action, prepared.profile, done, as_of)
        due = trigger.due(as_of, then.due_in_days)
        overdue = trigger.overdue(as_of, due)
        # an overdue recovery step escalates to the manager (CMP-07: timeliness)
        role = "manager" if overdue and spec.group == "recovery" else spec.role
        key = pick_variant(setup.variants(then.script_key), customer.id,
                           done.get(then.action, (as_of, 0))[1])
        values = {**params, "due": due.isoformat(), "channel": channel}
        if "unit" in values:
            values["unit"] = localise_unit(values["unit"], language)
        template = setup.scripts[key][language]
        script = render_script(template, values, language, customer.name)
        sentence = body = ""
        if number and spec.group == "answering":  # material for one reply per request
            body = render_script(template, values, language, None)
            in_reply = setup.scripts.get(then.script_key + IN_REPLY)
            if in_reply is not None and set(template_names(in_reply[language])) <= {
                    *values, "name"}:
                sentence = render_script(in_reply[language], values, language, None)
        explanation = {name: read_field(fact, name) for name in rule.reads}
        candidates.append(Recommendation(
            then.action, rule.ruleset.name, rule.rule.id, rule.rule.guidance, then.priority,
            channel, due, params, script, explanation, order[rule.key],
            recommendation_id(customer.id, rule.ruleset.name, rule.rule.id, trigger.key),
            role, overdue, trigger.key, sentence=sentence, body=body,
            fixed_channel=then.channel is not None))

    def compose(reply: Recommendation, said: list[Recommendation]) -> Recommendation:
        text = addressed(customer.name, language, [r.sentence for r in said] + [reply.body])
        return attrs.evolve(reply, script=text, includes=tuple(r.action for r in said))

    aside: dict[str, Recommendation] = {}
    for rec in candidates:
        if held and rec.id in held and rec.id not in aside:
            aside[rec.id] = attrs.evolve(rec, status=held[rec.id])
    if aside:  # done, dismissed or snoozed in the store: shown with its state, takes no slot
        candidates = [rec for rec in candidates if rec.id not in aside]
    made = [contact_label(c) for c in setup.policy.recent(customer, as_of)]
    kept, suppressed = arbitrate(candidates, setup.vocabulary.actions, setup.policy, made,
                                 compose, setup.policy.done_today(customer, as_of))
    if held is not None:
        kept = tuple(attrs.evolve(rec, status="open") for rec in kept)
    if aside:
        kept = tuple(sorted((*kept, *aside.values()),
                            key=lambda r: (-r.priority, r.order, r.action)))
    profile = dict(prepared.profile)  # a copy in C, then the private keys out: same order
    for private in PRIVATE_PROFILE_KEYS:
        profile.pop(private, None)
    if prepared.derived:
        profile["derived"] = dict(sorted(prepared.derived.items()))  # by name, not firing order
    fired = tuple(dict.fromkeys(rule.key for rule, _ in prepared.firings))
    return Decision(customer.id, as_of, profile, kept, suppressed, fired)


def _unexpected(what: str, exc: BaseException) -> Problem:
    if isinstance(exc, RecursionError):
        return Problem(f"{what}: the record is nested too deeply")
    return Problem(f"{what}: {type(exc).__name__}: {one_line(exc)[:200]}")


def _non_finite(value: Any, path: str) -> str | None:
    if isinstance(value, float):
        return None if math.isfinite(value) else path
    if isinstance(value, Mapping):
        for key, inner in value.items():
            found = _non_finite(inner, f"{path}.{key}")
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for index, inner in enumerate(value):
            found = _non_finite(inner, f"{path}[{index}]")
            if found:
                return found
    return None


_LEAVES = frozenset((str, int, bool, type(None), dt.date))


def _all_finite(*values: Any) -> bool:
    """Whether every float in `values` (nested in mappings, lists, tuples) is finite: the
    cheap test every decision takes (type checks, no paths built); `_non_finite` then names
    the culprit of the rare decision that fails it."""
    stack = list(values)
    pop, push, push_all = stack.pop, stack.append, stack.extend
    while stack:
        value = pop()
        kind = type(value)
        if kind in _LEAVES:
            continue
        if kind is float:
            if not math.isfinite(value):
                return False
        elif kind is dict:
            push_all(value.values())
        elif kind is list or kind is tuple:
            push_all(value)
        elif isinstance(value, float):  # subclasses: whatever `_non_finite` would look into
            push(float(value))
        elif isinstance(value, Mapping):
            push_all(value.values())
        elif isinstance(value, (list, tuple)):
            push_all(value)
    return True


def finite(decision: Decision) -> Decision:
    """The decision, if every number in it is finite (JSON has no Infinity or NaN); else
    `RecordError` naming the first that is not (two purchases of 1e308 sum to infinity)."""
    recs = decision.recommendations
    if _all_finite(decision.profile, *(r.params for r in recs),
                   *(r.explanation for r in recs)):
        return decision
    found = _non_finite(decision.profile, "profile")
    for rec in decision.recommendations:
        found = found or _non_finite(rec.params, f"recommendations.{rec.rule}.params") \
            or _non_finite(rec.explanation, f"recommendations.{rec.rule}.explanation")
    if found:
        raise RecordError([Problem("not a finite number: the figures are too large to add up",
                                   path=found)])
    return decision


def rejected(customer: Customer, problems: Sequence[Problem]) -> Rejected:
    """A rejection located at the customer's record (file and line) when it has one."""
    if customer.source is not None:
        file, line = customer.source
        problems = [attrs.evolve(p, file=file, line=line) for p in problems]
    return Rejected(tuple(problems), customer.id)


def evaluate_batch(host: RuleHost, program: Program, setup: Setup, registry: Registry,
                   customers: Sequence[Customer], as_of: dt.date, locale: str | None,
                   order: Mapping[str, int], population: Population | None = None,
                   held: Mapping[str, Mapping[str, str]] | None = None
                   ) -> list[Decision | Rejected]:
    """Decisions (or `Rejected`) in input order.

    Customers go to durable_rules in groups of at most `limits.facts_per_call` facts (a
    customer's facts are never split), so memory is bounded by facts, not by customers.
    """
    results: list[Decision | Rejected | None] = [None] * len(customers)
    group: list[tuple[int, Prepared]] = []
    facts = 0
    for position, customer in enumerate(customers):
        try:
            prepared = prepare(customer, as_of, setup, registry, len(group), population)
        except RecordError as err:
            results[position] = rejected(customer, err.problems)
            continue
        except Exception as exc:  # noqa: BLE001 - a customer the profile cannot take
            results[position] = rejected(customer, (_unexpected("could not derive the profile",
                                                                exc),))
            continue
        group.append((position, prepared))
        facts += len(prepared.facts)
        if facts >= setup.limits.facts_per_call:
            _evaluate_group(host, program, setup, registry, group, as_of, locale, order, results,
                            held)
            group, facts = [], 0
    if group:
        _evaluate_group(host, program, setup, registry, group, as_of, locale, order, results,
                        held)
    return [r for r in results if r is not None]


def _evaluate_group(host: RuleHost, program: Program, setup: Setup, registry: Registry,
                    group: Sequence[tuple[int, Prepared]], as_of: dt.date, locale: str | None,
                    order: Mapping[str, int], results: list[Decision | Rejected | None],
                    held: Mapping[str, Mapping[str, str]] | None = None) -> None:
    failed = run_strata(host, program, [prepared for _, prepared in group], setup)
    for index, (position, item) in enumerate(group):
        if index in failed:
            results[position] = rejected(item.customer, (failed[index],))
            continue
        try:
            results[position] = finite(decide(
                item, as_of, setup, registry, order, locale,
                None if held is None else held.get(item.customer.id, {})))
        except EngineError as err:
            results[position] = rejected(item.customer, (Problem(str(err)),))
        except RecordError as err:
            results[position] = rejected(item.customer, err.problems)
        except Exception as exc:  # noqa: BLE001 - a customer the decision cannot take
            results[position] = rejected(item.customer, (_unexpected("could not decide", exc),))
