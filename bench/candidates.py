"""The baseline's candidates: a hand-written rule that matched becomes a `Recommendation`
exactly as the engine builds one from a firing (`engine/evaluation.py`, `decide`).

`Candidates.rec(KEY, ACTION, PRIORITY, PARAMS, …)` takes what the rule writes (its key,
action, priority, params in order, fixed channel, `due_in_days`, script) and adds what the
library works out: the channel, the stable id and trigger (`decisions.identity`), the due
date and overdue, the role, the script text (its rotating variant, units in the customer's
language, graceful without a name) and, for an answer to a request, its body and its
`.in_reply` sentence for one reply per request. `Candidates.compose` merges a reply as the
engine does. Scripts and guidance ids are read from the core rulesets once, as data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import attrs
import yaml

from loyalty_rules.decisions.identity import (
    customer_trigger,
    item_trigger,
    last_done,
    recommendation_id,
)
from loyalty_rules.decisions.model import Recommendation
from loyalty_rules.language.actions import CORE_ACTIONS, channel_for
from loyalty_rules.language.scripts import (
    IN_REPLY,
    addressed,
    localise_unit,
    render_script,
    rotating_variant,
    template_names,
)

ROOT = Path(__file__).resolve().parents[1]
ACTIONS = {spec.name: spec for spec in CORE_ACTIONS}


def _rulesets() -> tuple[dict[str, dict[str, str]], dict[str, tuple[str, ...]]]:
    """The scripts of the core rulesets, and each rule's guidance ids (data, not logic)."""
    scripts: dict[str, dict[str, str]] = {}
    guidance: dict[str, tuple[str, ...]] = {}
    for path in sorted((ROOT / "rulesets").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        scripts.update(data.get("scripts") or {})
        for rule in data.get("rules") or ():
            guidance[f"{data['ruleset']}/{rule['id']}"] = tuple(rule.get("guidance") or ())
    return scripts, guidance


SCRIPTS, GUIDANCE = _rulesets()


class Candidates:
    """One customer's candidates, built as the engine builds them from its firings."""

    def __init__(self, customer: Any, as_of: dt.date, values: dict[str, Any],
                 order: dict[str, int]):
        self.customer, self.as_of, self.values, self.order = customer, as_of, values, order
        self.done = last_done(customer, as_of)
        self.language = customer.locale or "en"
        self.recs: list[Recommendation] = []
        self.fired: list[str] = []
        self.derived: dict[str, Any] = {}
        self.items: dict[str, Any] = {}  # recommendation id -> the open item it is about
        self.item: Any = None  # the open item the rules in hand are about

    def derive(self, key: str, name: str, value: Any = True) -> None:
        self.derived[name] = value
        self.fired.append(key)

    def rec(self, key: str, action: str, priority: int, params: dict[str, Any],
            channel: str | None = None, due_in_days: int = 0, script: str | None = None) -> None:
        spec = ACTIONS[action]
        customer, as_of, language = self.customer, self.as_of, self.language
        fixed = channel is not None
        channel = channel_for(spec, channel, customer.preferred_channel,
                              self.derived.get("channel"))
        item = self.item
        if item is not None:  # what the recommendation is about, and when that started
            trigger = item_trigger(item.kind, item.key, item.since)
        else:
            trigger = customer_trigger(spec, action, self.values, self.done, as_of)
        due = trigger.due(as_of, due_in_days)
        overdue = trigger.overdue(as_of, due)
        params = {k: p for k, p in params.items() if p is not None}
        script_key = script or action
        variant = rotating_variant(SCRIPTS, script_key, customer.id,
                                   self.done.get(action, (as_of, 0))[1])
        values = {**params, "due": due.isoformat(), "channel": channel}
        if "unit" in values:
            values["unit"] = localise_unit(values["unit"], language)
        template = SCRIPTS[variant][language]
        sentence = body = ""
        if item is not None and spec.group == "answering":  # material for one reply
            body = render_script(template, values, language, None)
            in_reply = SCRIPTS.get(script_key + IN_REPLY)
            if in_reply is not None and set(template_names(in_reply[language])) <= {
                    *values, "name"}:
                sentence = render_script(in_reply[language], values, language, None)
        ruleset, _, rule = key.partition("/")
        rid = recommendation_id(customer.id, ruleset, rule, trigger.key)
        self.recs.append(Recommendation(
            action, ruleset, rule, GUIDANCE[key], priority, channel, due, params,
            render_script(template, values, language, customer.name), {}, self.order[key], rid,
            "manager" if overdue and spec.group == "recovery" else spec.role, overdue,
            trigger.key, sentence=sentence, body=body, fixed_channel=fixed))
        self.items[rid] = item
        self.fired.append(key)

    def compose(self, reply: Recommendation, said: list[Recommendation]) -> Recommendation:
        """One reply per request: the others' sentences, then the reply, named once."""
        text = addressed(self.customer.name, self.language,
                         [r.sentence for r in said] + [reply.body])
        return attrs.evolve(reply, script=text, includes=tuple(r.action for r in said))
