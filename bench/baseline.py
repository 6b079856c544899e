"""The baseline: the core rules written by hand as one Python function, no rule engine.

It reads the same derived facts (`loyalty_rules.derive_profile`) and mirrors, rule by rule,
the shipped `rulesets/*.yaml` with their default parameters: conditions, priorities,
channels, due dates, params, then the same arbitration (one recommendation per action, the
contact cap of 3 per 7 days with urgent actions exempt). Script text is not rendered.
`bench/check.py` proves it decides what the engine decides before anything is timed.

This is what a team would write without `loyalty_rules`: the practical speed limit of one
interpreter for these decisions. Rules covered: see `COVERED`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from loyalty_rules import derive_profile
from loyalty_rules.actions import CORE_ACTIONS
from loyalty_rules.computations import commitment

ACTIONS = {spec.name: spec for spec in CORE_ACTIONS}
MAX_CONTACTS, WINDOW_DAYS = 3, 7

#: every core rule mirrored here, in the engine's rule order (files by name, rules in order)
COVERED = (
    "expectations/industry-norm",
    "expectations/dominant-under-promise",
)
ORDER = {key: n for n, key in enumerate(COVERED)}


def _rec(recs: list[dict[str, Any]], key: str, action: str, priority: int,
         customer: Any, as_of: dt.date, params: dict[str, Any], channel: str | None = None,
         due_in_days: int = 0) -> None:
    spec = ACTIONS[action]
    ruleset, _, rule = key.partition("/")
    recs.append({
        "action": action, "ruleset": ruleset, "rule": rule, "priority": priority,
        "channel": channel or (customer.preferred_channel if spec.outbound else None)
        or spec.default_channel,
        "due": (as_of + dt.timedelta(days=due_in_days)).isoformat(),
        "params": {k: v for k, v in params.items() if v is not None},
        "order": ORDER[key]})


def decide_customer(customer: Any, as_of: dt.date) -> dict[str, Any]:
    profile = derive_profile(customer, as_of)
    v = profile.values
    recs: list[dict[str, Any]] = []
    personality = v.get("personality")

    for item in profile.items:
        i = item.values
        if item.kind == "request":
            deliverable = i.get("deliverable")
            # expectations.yaml
            if deliverable is not None:
                _rec(recs, "expectations/industry-norm", "tell_industry_norm", 60, customer,
                     as_of, {"deliverable": deliverable, "unit": i.get("unit")})
            if personality == "dominant" and deliverable is not None and deliverable > 0:
                _rec(recs, "expectations/dominant-under-promise", "under_promise", 80,
                     customer, as_of,
                     {"promise": commitment(deliverable, 0.2), "unit": i.get("unit")})

    return arbitrate(recs, customer, as_of)


def arbitrate(recs: list[dict[str, Any]], customer: Any, as_of: dt.date) -> dict[str, Any]:
    suppressed = []
    best: dict[str, dict[str, Any]] = {}
    for rec in sorted(recs, key=lambda r: (-r["priority"], r["order"])):
        winner = best.get(rec["action"])
        if winner is None:
            best[rec["action"]] = rec
        else:
            suppressed.append({"action": rec["action"], "rule": rec["rule"],
                               "reason": f"duplicate action: rule {winner['rule']!r} "
                                         f"(priority {winner['priority']}) chosen"})
    since = as_of - dt.timedelta(days=WINDOW_DAYS - 1)
    used = sum(1 for e in customer.events if e.type == "contact"
               and e.direction == "outbound" and since <= e.at <= as_of)
    kept = []
    for rec in sorted(best.values(), key=lambda r: (-r["priority"], r["order"], r["action"])):
        spec = ACTIONS[rec["action"]]
        if spec.outbound:
            if used >= MAX_CONTACTS and not spec.urgent:
                suppressed.append({"action": rec["action"], "rule": rec["rule"],
                                   "reason": f"contact cap: {MAX_CONTACTS} per "
                                             f"{WINDOW_DAYS} days"})
                continue
            used += 1
        kept.append(rec)
    return {"customer_id": customer.id, "recommendations": kept, "suppressed": suppressed}
