"""The baseline: the core rules written by hand as one Python function, no rule engine.

It reads the same derived facts (`loyalty_rules.derive_profile`) and mirrors, rule by rule,
the shipped `rulesets/*.yaml` with their default parameters: conditions (a comparison on an
absent field is false), derived facts, priorities, channels, due dates, params, the script
text (the same templates, loaded once from the YAML files), then the same arbitration (one
recommendation per action, the contact cap of 3 per 7 days with urgent actions exempt).
`bench/check.py` proves it decides what the engine decides before anything is timed.

This is what a team would write without `loyalty_rules`: the practical speed limit of one
interpreter for these decisions. It covers every core rule (`COVERED`), mirrored from the
rulesets as they stand in this commit; check.py fails when they drift apart.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from loyalty_rules import derive_profile
from loyalty_rules.decisions.identity import (
    customer_trigger,
    item_trigger,
    last_done,
    recommendation_id,
)
from loyalty_rules.language.actions import CORE_ACTIONS
from loyalty_rules.language.computations import commitment, pad
from loyalty_rules.language.scripts import ANONYMOUS, render

ROOT = Path(__file__).resolve().parents[1]
ACTIONS = {spec.name: spec for spec in CORE_ACTIONS}
MAX_CONTACTS, WINDOW_DAYS = 3, 7
PRIVATE = ("customer_id", "name")


def _scripts() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for path in sorted((ROOT / "rulesets").glob("*.yaml")):
        found.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("scripts") or {})
    return found


SCRIPTS = _scripts()

#: every core rule mirrored here, in the engine's rule order (files by name, rules in order)
COVERED = (
    "expectations/industry-norm", "expectations/dominant-under-promise",
    "expectations/analytical-honest-reasons", "expectations/social-main-expectation",
    "expectations/far-beyond-set-expectations",
    "expectations/bad-experience-set-expectations", "expectations/pad-quoted-wait",
    "expectations/pad-quoted-lead-time", "expectations/broken-promise",
    "expectations/over-delivered",
    "loyalty/satisfied-not-delighted", "loyalty/true-friend-recognition",
    "loyalty/true-friend-benefits", "loyalty/butterfly-harvest", "loyalty/barnacle-grow-share",
    "loyalty/surprise-loyal", "loyalty/referral-delighted", "loyalty/referral-advocate",
    "loyalty/referral-over-delivered", "loyalty/upsell-value", "loyalty/upsell-price",
    "loyalty/programme-repeat-buyer",
    "recovery/acknowledge", "recovery/explain", "recovery/compensate", "recovery/follow-up",
    "recovery/recurring-topic-review",
    "relationship/key-account-by-value", "relationship/key-account-by-influence",
    "relationship/wake-dormant", "relationship/stalled-prospect", "relationship/win-back",
    "relationship/keep-in-touch-at-risk", "relationship/keep-in-touch-monthly",
    "relationship/between-first-and-second-visit", "relationship/greet-returning",
    "relationship/greet-returning-vip", "relationship/programme-after-second-visit",
    "relationship/revisit-sms", "relationship/revisit-call-short",
    "relationship/revisit-call-long", "relationship/birthday",
)
ORDER = {key: n for n, key in enumerate(COVERED)}

WAIT_UNITS = ("minutes", "minute", "min", "分钟")
LEAD_TIME_UNITS = ("days", "day", "hours", "hour", "weeks", "week", "天", "小时", "周")
RECOGNITION_TIERS = ("double_VIP", "triple_VIP")


def _tidy(value: float) -> float:
    return int(value) if float(value).is_integer() else round(value, 4)


def _num(x: Any) -> bool:
    return x is not None


def _quiet(v: dict[str, Any], key: str, days: int) -> bool:
    """`any: [{KEY: {exists: false}}, {KEY: {gte: days}}]`: never done, or long enough ago."""
    last = v.get(key)
    return last is None or last >= days


class _Out:
    def __init__(self, customer: Any, as_of: dt.date, values: dict[str, Any]):
        self.customer, self.as_of, self.values = customer, as_of, values
        self.done = last_done(customer, as_of)
        self.language = customer.locale or "en"
        self.recs: list[dict[str, Any]] = []
        self.fired: list[str] = []
        self.item: Any = None  # the open item the rules in hand are about

    def rec(self, key: str, action: str, priority: int, params: dict[str, Any],
            channel: str | None = None, due_in_days: int = 0, script: str | None = None) -> None:
        spec = ACTIONS[action]
        customer = self.customer
        channel = channel or (customer.preferred_channel if spec.outbound else None) \
            or spec.default_channel
        item = self.item
        if item is not None:  # what the recommendation is about, and when that started
            trigger = item_trigger(item.kind, item.key, item.since)
        else:
            trigger = customer_trigger(spec, action, self.values, self.done, self.as_of)
        due = trigger.due(self.as_of, due_in_days)
        overdue = trigger.overdue(self.as_of, due)
        params = {k: p for k, p in params.items() if p is not None}
        template = SCRIPTS[script or action][self.language]
        text = render(template, {**params, "name": customer.name or ANONYMOUS[self.language],
                                 "due": due.isoformat(), "channel": channel})
        ruleset, _, rule = key.partition("/")
        self.recs.append({
            "id": recommendation_id(customer.id, ruleset, rule, trigger.key),
            "action": action, "ruleset": ruleset, "rule": rule, "priority": priority,
            "role": "manager" if overdue and spec.group == "recovery" else spec.role,
            "channel": channel, "due": due.isoformat(), "overdue": overdue,
            "trigger": trigger.key, "params": params, "script": text, "order": ORDER[key],
            "item": item})
        self.fired.append(key)


def decide_customer(customer: Any, as_of: dt.date, with_profile: bool = False) -> Any:
    """The decision for one customer, as a dict shaped like `Decision.to_dict()` (each
    recommendation also names its rule's `order` and the open `item` it is about); with
    `with_profile`, also the derived facts, as (decision, facts)."""
    profile = derive_profile(customer, as_of)
    v = profile.values
    out = _Out(customer, as_of, v)
    rec = out.rec
    personality = v.get("personality")
    derived: dict[str, Any] = {}

    # -- expectations.yaml: per request, per promise ---------------------------------------
    for item in profile.items:
        out.item = item
        i = item.values
        if item.kind == "request":
            deliverable, unit, ratio = i.get("deliverable"), i.get("unit"), i.get("ratio")
            if deliverable is not None:
                rec("expectations/industry-norm", "tell_industry_norm", 60,
                    {"deliverable": deliverable, "unit": unit})
            if personality == "dominant" and _num(deliverable) and deliverable > 0:
                rec("expectations/dominant-under-promise", "under_promise", 80,
                    {"promise": commitment(deliverable, 0.2), "deliverable": deliverable,
                     "unit": unit})
            if personality == "analytical" and _num(deliverable) and deliverable > 0:
                rec("expectations/analytical-honest-reasons", "honest_reasons", 80,
                    {"promise": commitment(deliverable, 0.1), "deliverable": deliverable,
                     "unit": unit})
            if personality == "social":
                rec("expectations/social-main-expectation", "meet_main_expectation", 80,
                    {"deliverable": deliverable, "unit": unit})
            if _num(ratio) and ratio >= 1.5:
                rec("expectations/far-beyond-set-expectations", "set_expectations", 85,
                    {"expected": i.get("expected"), "deliverable": deliverable, "unit": unit})
            complaints, broken = v.get("complaints"), v.get("broken_promises")
            if deliverable is not None and (
                    (_num(complaints) and complaints >= 1)
                    or (complaints == 0 and _num(broken) and broken >= 1)):
                rec("expectations/bad-experience-set-expectations", "set_expectations", 85,
                    {"deliverable": deliverable, "unit": unit},
                    script="set_expectations_after_experience")
            quotable = (_num(deliverable) and deliverable > 0
                        and (personality is None or personality not in ("dominant", "analytical"))
                        and (ratio is None or ratio < 1.5)
                        and complaints == 0 and broken == 0)
            if quotable and unit is not None and unit in WAIT_UNITS:
                rec("expectations/pad-quoted-wait", "pad_promise", 65,
                    {"quote": pad(deliverable, add=10), "estimate": deliverable, "unit": unit})
            if quotable and unit is not None and unit in LEAD_TIME_UNITS:
                rec("expectations/pad-quoted-lead-time", "pad_promise", 65,
                    {"quote": pad(deliverable, margin=0.1), "estimate": deliverable,
                     "unit": unit})
        elif item.kind == "promise":
            gap = i.get("gap")
            if _num(gap) and gap < 0 and i.get("recovered") is False:
                rec("expectations/broken-promise", "recover_broken_promise", 100,
                    {"promised": i.get("promised"), "delivered": i.get("delivered"),
                     "unit": i.get("unit"), "shortfall": _tidy(gap * -1)})
            if _num(gap) and gap > 0:
                derived["over_delivered"] = True
                out.fired.append("expectations/over-delivered")

    out.item = None
    # -- relationship.yaml: the derived key account (stratum 0) -----------------------------
    churned = v.get("churned")
    tier_rank = v.get("tier_rank")
    if _num(tier_rank) and tier_rank >= 3 and churned is False:
        derived["key_account"] = True
        out.fired.append("relationship/key-account-by-value")
    if churned is False and ((_num(v.get("referrals")) and v["referrals"] >= 2)
                             or v.get("kind") in ("channel",)):
        derived["key_account"] = True
        out.fired.append("relationship/key-account-by-influence")

    # -- loyalty.yaml ------------------------------------------------------------------------
    segment, tier, loyalty = v.get("segment"), v.get("tier"), v.get("loyalty")
    calm = v.get("open_complaints") == 0 and v.get("dormant") is False
    score, survey_days = v.get("survey_score"), v.get("days_since_survey")
    recent_survey = _num(survey_days) and survey_days <= 90
    if (_num(score) and 4.0 <= score < 5.0 and recent_survey and churned is False
            and _quiet(v, "days_since_at_risk_satisfied", 90)):
        rec("loyalty/satisfied-not-delighted", "at_risk_satisfied", 70, {"score": score})
    if segment == "true_friend" and calm and _quiet(v, "days_since_reward_and_nurture", 30):
        if tier is not None and tier in RECOGNITION_TIERS:
            rec("loyalty/true-friend-recognition", "reward_and_nurture", 50,
                {"tier": tier, "style": "recognition"}, script="reward_and_nurture_recognition")
        elif tier is not None:
            rec("loyalty/true-friend-benefits", "reward_and_nurture", 50,
                {"tier": tier, "style": "benefits"})
    recency = v.get("days_since_purchase")
    if (segment == "butterfly" and _num(recency) and recency <= 90 and calm
            and _quiet(v, "days_since_harvest_while_active", 30)):
        rec("loyalty/butterfly-harvest", "harvest_while_active", 50,
            {"days_since_purchase": recency})
    if (segment == "barnacle" and churned is False and calm
            and _quiet(v, "days_since_grow_share_of_wallet", 30)):
        rec("loyalty/barnacle-grow-share", "grow_share_of_wallet", 45,
            {"average_order": v.get("average_order")})
    if (loyalty == "high" and calm and v.get("broken_promises") == 0
            and _quiet(v, "days_since_surprise", 90)):
        average = v.get("average_order")
        cap = None if average is None else _tidy(round(_tidy(average * 0.05), 0))
        rec("loyalty/surprise-loyal", "surprise", 45, {"cost_cap": cap})
    may_ask = calm and _quiet(v, "days_since_ask_referral", 90)
    if _num(score) and score >= 5.0 and recent_survey and churned is False and may_ask:
        rec("loyalty/referral-delighted", "ask_referral", 45, {"score": score})
    if v.get("loyalty_stage") == "advocate" and churned is False and may_ask:
        rec("loyalty/referral-advocate", "ask_referral", 45, {"referrals": v.get("referrals")})
    if (derived.get("over_delivered") is True and _num(v.get("purchases"))
            and v["purchases"] >= 1 and may_ask):
        rec("loyalty/referral-over-delivered", "ask_referral", 45, {})
    if (segment == "true_friend" and v.get("next_tier") is not None and calm
            and v.get("broken_promises") == 0 and _quiet(v, "days_since_upsell", 60)):
        orientation = v.get("orientation")
        upsell = {"tier": tier, "next_tier": v.get("next_tier"),
                  "spend_to_next_tier": v.get("spend_to_next_tier")}
        if orientation is None or orientation != "price":
            rec("loyalty/upsell-value", "upsell", 40, {**upsell, "offer": "quality"})
        if orientation == "price":
            rec("loyalty/upsell-price", "upsell", 40, {**upsell, "offer": "deal"},
                script="upsell_deal")
    if loyalty == "high" and calm and v.get("days_since_invite_loyalty_programme") is None:
        rec("loyalty/programme-repeat-buyer", "invite_loyalty_programme", 40,
            {"purchases": v.get("purchases")})

    # -- recovery.yaml: per open complaint ---------------------------------------------------
    for item in profile.items:
        if item.kind != "complaint":
            continue
        out.item = item
        i = item.values
        step, cid, topic = i.get("next_step"), i.get("id"), i.get("topic")
        if step == "acknowledged":
            rec("recovery/acknowledge", "acknowledge_and_apologize", 95,
                {"complaint": cid, "topic": topic, "severity": i.get("severity")},
                due_in_days=1)
        if step == "explained":
            rec("recovery/explain", "explain", 90, {"complaint": cid, "topic": topic},
                due_in_days=1)
        if step == "compensated":
            rec("recovery/compensate", "compensate", 85,
                {"complaint": cid, "topic": topic, "severity": i.get("severity")},
                due_in_days=3)
        if step == "followed_up":
            rec("recovery/follow-up", "follow_up", 80, {"complaint": cid, "topic": topic},
                due_in_days=7)
        count = i.get("topic_count")
        if _num(count) and count >= 3:
            rec("recovery/recurring-topic-review", "prevention_review", 70,
                {"topic": topic, "count": count}, due_in_days=7)

    out.item = None
    # -- relationship.yaml -------------------------------------------------------------------
    activity, contact = v.get("days_since_activity"), v.get("days_since_contact")
    if v.get("dormant") is True and _quiet(v, "days_since_wake_dormant", 30):
        rec("relationship/wake-dormant", "wake_dormant", 75,
            {"days_quiet": activity, "usual_interval": v.get("usual_interval_days")})
    engaged = v.get("engaged_visits")
    if (v.get("purchases") == 0 and _num(engaged) and engaged >= 3 and _num(activity)
            and 14 <= activity <= 90 and v.get("days_since_activate_stalled_prospect") is None):
        rec("relationship/stalled-prospect", "activate_stalled_prospect", 65,
            {"visits": engaged}, channel="letter")
    since_churn = v.get("days_since_churn")
    if (churned is True and _num(since_churn) and since_churn <= 365
            and _quiet(v, "days_since_win_back", 30)):
        rec("relationship/win-back", "win_back", 70,
            {"reason": v.get("churn_reason"), "days_since_churn": since_churn})
    valued = loyalty == "high" or (loyalty == "low" and derived.get("key_account") is True)
    steady = churned is False and calm
    if steady and valued and ((_num(contact) and contact > 90)
                              or (contact is None and _num(activity) and activity > 90)):
        rec("relationship/keep-in-touch-at-risk", "keep_in_touch", 75,
            {"days_since_contact": contact, "urgency": "at_risk"})
    if steady and valued and ((_num(contact) and 30 < contact <= 90)
                              or (contact is None and _num(activity) and 30 < activity <= 90)):
        rec("relationship/keep-in-touch-monthly", "keep_in_touch", 50,
            {"days_since_contact": contact, "urgency": "routine"})
    if (v.get("visits") == 1 and churned is False and _num(activity) and 3 <= activity <= 90
            and (contact is None or contact > 30)):
        rec("relationship/between-first-and-second-visit", "keep_in_touch", 50,
            {"urgency": "first_visit"}, script="keep_in_touch_first_visit")
    visits = v.get("visits")
    if v.get("visit_today") is True and _num(visits) and visits >= 2 and _num(tier_rank):
        if tier_rank < 3:
            rec("relationship/greet-returning", "greet_by_name", 60, {"visits": visits})
        else:
            rec("relationship/greet-returning-vip", "greet_by_name", 60,
                {"visits": visits, "tier": tier}, script="greet_by_name_vip")
    if (_num(visits) and visits >= 2 and _num(v.get("spend")) and v["spend"] >= 500.0
            and churned is False and calm and v.get("days_since_invite_loyalty_programme") is None):
        rec("relationship/programme-after-second-visit", "invite_loyalty_programme", 40,
            {"visits": visits}, script="invite_after_second_visit")
    if derived.get("key_account") is True:
        for key, action, priority, field, params in (
                ("relationship/revisit-sms", "revisit_sms", 55, "revisit_sms_pending_days",
                 {"send_at": "15:00"}),
                ("relationship/revisit-call-short", "revisit_call_short", 60,
                 "revisit_call_short_pending_days", {"minutes": "2-3"}),
                ("relationship/revisit-call-long", "revisit_call_long", 65,
                 "revisit_call_long_pending_days", {"minutes": 10})):
            pending = v.get(field)
            if _num(pending) and pending <= 0:
                rec(key, action, priority, params,
                    channel="sms" if action == "revisit_sms" else "phone")
    birthday = v.get("days_to_birthday")
    if (_num(birthday) and birthday <= 7 and churned is False
            and (v.get("days_since_birthday_greeting") is None
                 or v["days_since_birthday_greeting"] > 7)):
        rec("relationship/birthday", "birthday_greeting", 60, {"days_to_birthday": birthday})

    kept, suppressed = arbitrate(out.recs, customer, as_of)
    shown = {k: x for k, x in v.items() if k not in PRIVATE}
    if derived:
        shown["derived"] = dict(sorted(derived.items()))
    decision = {"customer_id": customer.id, "as_of": as_of.isoformat(), "profile": shown,
                "recommendations": kept, "suppressed": suppressed,
                "fired": list(dict.fromkeys(out.fired))}
    return (decision, v) if with_profile else decision


def arbitrate(recs: list[dict[str, Any]], customer: Any, as_of: dt.date
              ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    suppressed = []
    best: dict[str, dict[str, Any]] = {}
    for rec in sorted(recs, key=lambda r: (-r["priority"], r["order"])):
        winner = best.get(rec["action"])
        if winner is None:
            best[rec["action"]] = rec
        elif winner["rule"] == rec["rule"] and winner["ruleset"] == rec["ruleset"]:
            continue  # one rule over several items: the first item's, nothing withheld
        else:
            suppressed.append({"id": rec["id"], "action": rec["action"], "rule": rec["rule"],
                               "ruleset": rec["ruleset"],
                               "reason": f"duplicate action: rule {winner['rule']!r} "
                                         f"(priority {winner['priority']}) chosen",
                               "displaced_by": winner["action"]})
    since = as_of - dt.timedelta(days=WINDOW_DAYS - 1)
    filled = [f"{e.action or 'a contact'}{f' ({e.channel})' if e.channel else ''} on "
              f"{e.at.isoformat()}" for e in customer.events if e.type == "contact"
              and e.direction == "outbound" and since <= e.at <= as_of]
    kept = []
    for rec in sorted(best.values(), key=lambda r: (-r["priority"], r["order"], r["action"])):
        spec = ACTIONS[rec["action"]]
        if spec.outbound:
            if len(filled) >= MAX_CONTACTS and not spec.urgent:
                suppressed.append({"id": rec["id"], "action": rec["action"], "rule": rec["rule"],
                                   "ruleset": rec["ruleset"],
                                   "reason": f"contact cap: {MAX_CONTACTS} per "
                                             f"{WINDOW_DAYS} days, filled by "
                                             f"{', '.join(filled)}"})
                continue
            filled.append(f"{rec['action']} today")
        kept.append(rec)
    return kept, suppressed
