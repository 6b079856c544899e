"""The baseline: the core rules written by hand as Python functions, no rule engine.

It reads the same derived facts (`loyalty_rules.derive_profile`) and mirrors, rule by rule,
the shipped `rulesets/*.yaml` with their default parameters: conditions (a comparison on an
absent field is false), derived facts, priorities, channels, due dates, params and the script
text (the same templates and their rotating variants, loaded once from the YAML files; a
reply's sentences from the `.in_reply` scripts). What happens after the rules is the
library's own post-processing, called as the engine calls it: stable ids and due dates
(`decisions.identity`), rendering (`language.scripts`) and the arbitration
(`decisions.arbitration.arbitrate`: one recommendation per action, one reply per request,
recovery > answering > relationship > value > asks, one outbound conversation a day, the
contact cap). `bench/check.py` proves it decides what the engine decides before anything is
timed.

This is what a team would write without `loyalty_rules`: the practical speed limit of one
interpreter for these decisions. It covers every core rule (`COVERED`), mirrored from the
rulesets as they stand in this commit; check.py fails when they drift apart.

To mirror a new core rule: add its key to `COVERED` at its place in the engine's order
(files by name, rules in file order), then one `if` in the function of its ruleset and
fact kind (`_request`, `_promise`, `_complaint` for `for_each` rules, `_loyalty`,
`_relationship`, `_answering` for the customer's own) calling `out.rec(KEY, ACTION,
PRIORITY, {params in the rule's order}, …)`, or `out.derive(KEY, NAME)` for a derive rule.
Guidance, scripts and the action's purpose are read from the rulesets and the actions'
specs (`candidates.py` builds each recommendation as the engine does); the arbitration
needs nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from candidates import ACTIONS, Candidates

from loyalty_rules import derive_profile
from loyalty_rules.decisions.arbitration import ContactPolicy, arbitrate, contact_label
from loyalty_rules.facts.queries import item_namespace, query_facts
from loyalty_rules.language.computations import commitment, pad

#: the latest or first events the core rules read (`last_survey.score`)
READ_EVENTS = [item_namespace("last_survey")]
POLICY = ContactPolicy()  # 3 contacts per 7 days, one outbound conversation a day
PRIVATE = ("customer_id", "name")

#: every core rule mirrored here, in the engine's rule order (files by name, rules in order)
COVERED = (
    "expectations/industry-norm", "expectations/industry-norm-unknown",
    "expectations/dominant-under-promise", "expectations/dominant-under-promise-amount",
    "expectations/analytical-honest-reasons", "expectations/analytical-honest-reasons-amount",
    "expectations/social-main-expectation", "expectations/peaceful-guide-decision",
    "expectations/far-beyond-set-expectations", "expectations/far-beyond-set-expectations-plain",
    "expectations/bad-experience-set-expectations",
    "expectations/bad-experience-set-expectations-plain", "expectations/pad-quoted-wait",
    "expectations/pad-quoted-lead-time", "expectations/request-unanswered",
    "expectations/inbound-unanswered", "expectations/broken-promise",
    "expectations/forewarn-delay", "expectations/promise-off-key-content",
    "expectations/over-delivered",
    "loyalty/satisfied-not-delighted", "loyalty/true-friend-recognition",
    "loyalty/true-friend-benefits", "loyalty/butterfly-harvest", "loyalty/barnacle-grow-share",
    "loyalty/surprise-loyal", "loyalty/referral-delighted", "loyalty/referral-advocate",
    "loyalty/referral-over-delivered", "loyalty/ask-true-friend-advice",
    "loyalty/upsell-value", "loyalty/upsell-price",
    "loyalty/programme-repeat-buyer",
    "recovery/acknowledge", "recovery/explain", "recovery/propose-solution",
    "recovery/compensate", "recovery/compensate-minor", "recovery/compensate-serious",
    "recovery/follow-up", "recovery/after-sale-follow-up", "recovery/recurring-topic-review",
    "relationship/key-account-by-value", "relationship/key-account-by-influence",
    "relationship/channel-by-stage.1", "relationship/channel-by-stage.2",
    "relationship/channel-by-stage.3", "relationship/channel-by-stage.4",
    "relationship/wake-dormant", "relationship/stalled-prospect", "relationship/win-back",
    "relationship/win-back-what-changed", "relationship/lower-switching-cost",
    "relationship/keep-in-touch-at-risk", "relationship/keep-in-touch-monthly",
    "relationship/between-first-and-second-visit", "relationship/greet-returning",
    "relationship/greet-returning-vip", "relationship/programme-after-second-visit",
    "relationship/revisit-sms", "relationship/revisit-call-short",
    "relationship/revisit-call-long", "relationship/birthday",
)
ORDER = {key: n for n, key in enumerate(COVERED)}

# the rulesets' default parameters
# expectations.yaml
DOMINANT_MARGIN, ANALYTICAL_MARGIN, FAR_BEYOND_RATIO = 0.2, 0.1, 1.5
WAIT_PADDING_MINUTES, LEAD_TIME_MARGIN, RESPOND_WITHIN_DAYS = 10, 0.1, 1
WAIT_UNITS = ("minutes", "minute", "min", "分钟")
LEAD_TIME_UNITS = ("days", "day", "hours", "hour", "weeks", "week", "天", "小时", "周")
PERSONAL_COMMITMENT_TYPES = ("dominant", "analytical")
KEY_DIMENSIONS = ("reliability", "delivery", "on_time", "wait", "availability", "damage",
                  "可靠性", "交付", "交车", "准时", "等候", "可得性", "配件", "损坏")
# loyalty.yaml
RECOGNITION_TIERS = ("double_VIP", "triple_VIP")
SURPRISE_MIN_SPEND, SURPRISE_MAX_ATTEMPTS, SURPRISE_MAX_QUIET_DAYS = 0.0, 3, 365
# relationship.yaml: the investment actions' value gates and letting go
WAKE_MIN_VALUE_PERCENTILE, WAKE_MIN_SPEND, WAKE_MAX_ATTEMPTS, WAKE_MAX_QUIET_DAYS = 50, 500.0, 3, 730
WIN_BACK_MIN_VALUE_PERCENTILE, WIN_BACK_MIN_SPEND, WIN_BACK_MAX_ATTEMPTS = 50, 500.0, 3
WHAT_CHANGED_REASONS, SWITCHING_COST_REASONS = ("service", "quality"), ("price", "competitor")
GENERAL_WIN_BACK_REASONS = ("other",)
ADVICE_INTERVAL_DAYS = 180
# recovery.yaml
RECURRING_TOPIC_COUNT = 3
MINOR_MAX_SEVERITY, SERIOUS_MIN_SEVERITY = 2, 4
AFTER_SALE_DAYS, AFTER_SALE_WINDOW_DAYS = 3, 7
# relationship.yaml: the channel by loyalty stage (LOY-09), a table of four rows
STAGE_CHANNELS = {"expectation": ("relationship/channel-by-stage.1", "sms"),
                  "purchase": ("relationship/channel-by-stage.2", "phone"),
                  "repeat": ("relationship/channel-by-stage.3", "phone"),
                  "advocate": ("relationship/channel-by-stage.4", "visit")}


def _tidy(value: float) -> float:
    return int(value) if float(value).is_integer() else round(value, 4)


def _num(x: Any) -> bool:
    return x is not None


def _worth(v: dict[str, Any], percentile: float, spend: float) -> bool:
    """The value gate: the value percentile with a population, else the spend."""
    rank = v.get("value_percentile")
    if rank is not None:
        return bool(rank >= percentile)
    return _num(v.get("spend")) and v["spend"] >= spend


def _below(v: dict[str, Any], key: str, limit: int) -> bool:
    return _num(v.get(key)) and v[key] < limit


def _quiet(v: dict[str, Any], key: str, days: int) -> bool:
    """`any: [{KEY: {exists: false}}, {KEY: {gte: days}}]`: never done, or long enough ago."""
    last = v.get(key)
    return last is None or last >= days


# -- expectations.yaml -----------------------------------------------------------------------

def _request(out: Candidates, i: dict[str, Any], v: dict[str, Any]) -> None:
    rec = out.rec
    personality = v.get("personality")
    deliverable, unit, ratio = i.get("deliverable"), i.get("unit"), i.get("ratio")
    lower = i.get("lower_is_better")
    if i.get("industry_norm") is not None and deliverable is not None:
        rec("expectations/industry-norm", "tell_industry_norm", 70,
            {"industry_norm": i["industry_norm"], "deliverable": deliverable, "unit": unit})
    if i.get("industry_norm") is None and deliverable is not None:
        rec("expectations/industry-norm-unknown", "tell_industry_norm", 70,
            {"deliverable": deliverable, "unit": unit}, script="tell_industry_norm_general")
    for kind, margin, key, action in (
            ("dominant", DOMINANT_MARGIN, "expectations/dominant-under-promise", "under_promise"),
            ("analytical", ANALYTICAL_MARGIN, "expectations/analytical-honest-reasons",
             "honest_reasons")):
        if personality == kind and _num(deliverable) and deliverable > 0 and lower is True:
            rec(key, action, 90, {"promise": commitment(deliverable, margin), "unit": unit})
        if personality == kind and _num(deliverable) and deliverable > 0 and lower is False:
            rec(f"{key}-amount", action, 90,  # a discount: lowered, said as an amount
                {"promise": commitment(deliverable, margin, False), "unit": unit},
                script=f"{action}_amount")
    if personality == "social":
        rec("expectations/social-main-expectation", "meet_main_expectation", 90,
            {"deliverable": deliverable, "unit": unit})
    if personality == "peaceful":
        rec("expectations/peaceful-guide-decision", "guide_decision", 90,
            {"deliverable": deliverable, "unit": unit})
    committing = personality is not None and personality in PERSONAL_COMMITMENT_TYPES
    plain = personality is None or not committing
    far = {"expected": i.get("expected"), "deliverable": deliverable, "unit": unit}
    if _num(ratio) and ratio >= FAR_BEYOND_RATIO and committing:
        rec("expectations/far-beyond-set-expectations", "set_expectations", 80, far)
    if _num(ratio) and ratio >= FAR_BEYOND_RATIO and plain:
        rec("expectations/far-beyond-set-expectations-plain", "set_expectations", 80, far,
            script="set_expectations_plain")
    complaints, broken = v.get("complaints"), v.get("broken_promises")
    bad = deliverable is not None and (
        (_num(complaints) and complaints >= 1)
        or (complaints == 0 and _num(broken) and broken >= 1))
    if bad and committing:
        rec("expectations/bad-experience-set-expectations", "set_expectations", 80,
            {"deliverable": deliverable, "unit": unit},
            script="set_expectations_after_experience")
    if bad and plain:
        rec("expectations/bad-experience-set-expectations-plain", "set_expectations", 80,
            {"deliverable": deliverable, "unit": unit},
            script="set_expectations_after_experience_plain")
    quotable = (_num(deliverable) and deliverable > 0 and lower is True
                and (personality is None or personality not in PERSONAL_COMMITMENT_TYPES)
                and (ratio is None or ratio < FAR_BEYOND_RATIO)
                and complaints == 0 and broken == 0)
    if quotable and unit is not None and unit in WAIT_UNITS:
        rec("expectations/pad-quoted-wait", "pad_promise", 75,
            {"quote": pad(deliverable, add=WAIT_PADDING_MINUTES), "unit": unit})
    if quotable and unit is not None and unit in LEAD_TIME_UNITS:
        rec("expectations/pad-quoted-lead-time", "pad_promise", 75,
            {"quote": pad(deliverable, margin=LEAD_TIME_MARGIN), "unit": unit},
            script="pad_promise_lead_time")
    days_ago = i.get("days_ago")
    if _num(days_ago) and days_ago > RESPOND_WITHIN_DAYS:
        rec("expectations/request-unanswered", "respond_now", 88, {"days_waiting": days_ago})


def _answering(out: Candidates, v: dict[str, Any]) -> None:
    waiting = v.get("days_since_unanswered_inbound")
    if _num(waiting) and waiting >= RESPOND_WITHIN_DAYS:
        out.rec("expectations/inbound-unanswered", "respond_now", 88,
                {"days_waiting": waiting}, script="respond_now_inbound")


def _promise(out: Candidates, i: dict[str, Any], v: dict[str, Any]) -> None:
    gap = i.get("gap")
    if _num(gap) and gap < 0 and i.get("recovered") is False:
        out.rec("expectations/broken-promise", "recover_broken_promise", 100,
                {"promised": i.get("promised"), "delivered": i.get("delivered"),
                 "unit": i.get("unit"), "shortfall": _tidy(gap * -1)})
    due_in = i.get("days_to_due")
    if i.get("at_risk") is True and _num(due_in) and due_in >= 0:
        out.rec("expectations/forewarn-delay", "forewarn_delay", 92,
                {"promised": i.get("promised"), "unit": i.get("unit"), "days_to_due": due_in},
                due_in_days=1)
    dimension = i.get("dimension")
    if dimension is not None and dimension not in KEY_DIMENSIONS:
        out.derive("expectations/promise-off-key-content", "off_key_promise")
    if _num(gap) and gap > 0:
        out.derive("expectations/over-delivered", "over_delivered")


# -- relationship.yaml: the derived key account (stratum 0) ---------------------------------

def _key_account(out: Candidates, v: dict[str, Any]) -> None:
    churned, tier_rank = v.get("churned"), v.get("tier_rank")
    if _num(tier_rank) and tier_rank >= 3 and churned is False:
        out.derive("relationship/key-account-by-value", "key_account")
    if churned is False and ((_num(v.get("referrals")) and v["referrals"] >= 2)
                             or v.get("kind") in ("channel",)):
        out.derive("relationship/key-account-by-influence", "key_account")


# -- loyalty.yaml ----------------------------------------------------------------------------

def _loyalty(out: Candidates, v: dict[str, Any]) -> None:
    rec, derived = out.rec, out.derived
    churned = v.get("churned")
    segment, tier, loyalty = v.get("segment"), v.get("tier"), v.get("loyalty")
    calm = v.get("open_complaints") == 0 and v.get("dormant") is False
    score, survey_days = v.get("survey_score"), v.get("days_since_survey")
    recent_survey = _num(survey_days) and survey_days <= 90
    if (_num(score) and 4.0 <= score < 5.0 and recent_survey and churned is False
            and _quiet(v, "days_since_at_risk_satisfied", 90)):
        last = v.get("last_survey") or {}
        rec("loyalty/satisfied-not-delighted", "at_risk_satisfied", 70,
            {"score": score, "given": last.get("score"), "scale": last.get("scale")})
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
    activity = v.get("days_since_activity")
    if (loyalty == "high" and calm and v.get("broken_promises") == 0
            and _num(v.get("spend")) and v["spend"] >= SURPRISE_MIN_SPEND
            and _num(activity) and activity <= SURPRISE_MAX_QUIET_DAYS
            and _below(v, "surprise_attempts", SURPRISE_MAX_ATTEMPTS)
            and _quiet(v, "days_since_surprise", 90)):
        average = v.get("average_order")
        cap = None if average is None else _tidy(round(_tidy(average * 0.05), 0))
        rec("loyalty/surprise-loyal", "surprise", 45, {"cost_cap": cap})
    may_ask = calm and _quiet(v, "days_since_ask_referral", 90)
    if _num(score) and score >= 5.0 and recent_survey and churned is False and may_ask:
        rec("loyalty/referral-delighted", "ask_referral", 45, {"score": score})
    if v.get("loyalty_stage") == "advocate" and churned is False and may_ask:
        rec("loyalty/referral-advocate", "ask_referral", 45, {"referrals": v.get("referrals")})
    if (derived.get("over_delivered") is True and v.get("broken_promises") == 0
            and _num(v.get("purchases")) and v["purchases"] >= 1 and may_ask):
        rec("loyalty/referral-over-delivered", "ask_referral", 45, {})
    if (segment == "true_friend" and calm and v.get("broken_promises") == 0
            and _quiet(v, "days_since_ask_advice", ADVICE_INTERVAL_DAYS)):
        rec("loyalty/ask-true-friend-advice", "ask_advice", 42, {})
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


# -- recovery.yaml: per open complaint -------------------------------------------------------

def _complaint(out: Candidates, i: dict[str, Any], v: dict[str, Any]) -> None:
    rec = out.rec
    step, cid, topic = i.get("next_step"), i.get("id"), i.get("topic")
    if step == "acknowledged":
        rec("recovery/acknowledge", "acknowledge_and_apologize", 95,
            {"complaint": cid, "topic": topic, "severity": i.get("severity")}, due_in_days=1)
    if step == "explained":
        rec("recovery/explain", "explain", 90, {"complaint": cid, "topic": topic},
            due_in_days=1)
    if step == "agreed":
        rec("recovery/propose-solution", "explain", 88, {"complaint": cid, "topic": topic},
            due_in_days=1, script="propose_solution")
    severity = i.get("severity")
    if step == "compensated":
        scale = ("standard" if severity is None
                 or MINOR_MAX_SEVERITY < severity < SERIOUS_MIN_SEVERITY
                 else "minor" if severity <= MINOR_MAX_SEVERITY else "serious")
        rec(f"recovery/compensate{'' if scale == 'standard' else '-' + scale}", "compensate",
            85, {"complaint": cid, "topic": topic, "severity": severity, "scale": scale},
            due_in_days=3, script=None if scale == "standard" else f"compensate_{scale}")
    if step == "followed_up":
        rec("recovery/follow-up", "follow_up", 80, {"complaint": cid, "topic": topic},
            due_in_days=7)
    count = i.get("topic_count")
    if _num(count) and count >= RECURRING_TOPIC_COUNT:
        rec("recovery/recurring-topic-review", "prevention_review", 70,
            {"topic": topic, "count": count}, due_in_days=7)


def _after_sale(out: Candidates, v: dict[str, Any]) -> None:
    since = v.get("days_since_purchase")
    if (_num(since) and AFTER_SALE_DAYS <= since <= AFTER_SALE_WINDOW_DAYS
            and v.get("after_sale_followed_up") is False and v.get("open_complaints") == 0
            and v.get("churned") is False):
        out.rec("recovery/after-sale-follow-up", "after_sale_follow_up", 55,
                {"days_since_purchase": since}, due_in_days=3)


# -- relationship.yaml -----------------------------------------------------------------------

def _channel_by_stage(out: Candidates, v: dict[str, Any]) -> None:
    """LOY-09: derived first, as the engine's stratum 0 does, since every channel reads it."""
    row = STAGE_CHANNELS.get(v.get("loyalty_stage"))  # type: ignore[arg-type]
    if row is not None:
        out.derive(row[0], "channel", row[1])


def _relationship(out: Candidates, v: dict[str, Any]) -> None:
    rec, derived = out.rec, out.derived
    churned, tier_rank, loyalty = v.get("churned"), v.get("tier_rank"), v.get("loyalty")
    calm = v.get("open_complaints") == 0 and v.get("dormant") is False
    activity, contact = v.get("days_since_activity"), v.get("days_since_contact")
    if (v.get("dormant") is True and _num(activity) and activity <= WAKE_MAX_QUIET_DAYS
            and _below(v, "wake_dormant_attempts", WAKE_MAX_ATTEMPTS)
            and _quiet(v, "days_since_wake_dormant", 30)
            and _worth(v, WAKE_MIN_VALUE_PERCENTILE, WAKE_MIN_SPEND)):
        rec("relationship/wake-dormant", "wake_dormant", 82,
            {"days_quiet": activity, "usual_interval": v.get("usual_interval_days")})
    engaged = v.get("engaged_visits")
    if (v.get("purchases") == 0 and _num(engaged) and engaged >= 3 and _num(activity)
            and 14 <= activity <= 90 and v.get("days_since_activate_stalled_prospect") is None):
        rec("relationship/stalled-prospect", "activate_stalled_prospect", 65,
            {"visits": engaged}, channel="letter")
    since_churn, reason = v.get("days_since_churn"), v.get("churn_reason")
    leaver = (churned is True and _num(since_churn) and since_churn <= 365
              and _worth(v, WIN_BACK_MIN_VALUE_PERCENTILE, WIN_BACK_MIN_SPEND))
    trying = (_quiet(v, "days_since_win_back", 30)
              and _below(v, "win_back_attempts", WIN_BACK_MAX_ATTEMPTS))
    why = {"reason": reason, "note": v.get("churn_note"), "days_since_churn": since_churn}
    if leaver and trying and (reason is None or reason in GENERAL_WIN_BACK_REASONS):
        rec("relationship/win-back", "win_back", 70, why)
    if leaver and trying and reason is not None and reason in WHAT_CHANGED_REASONS:
        rec("relationship/win-back-what-changed", "win_back", 70, why,
            script="win_back_what_changed")
    if (leaver and reason is not None and reason in SWITCHING_COST_REASONS
            and _below(v, "win_back_attempts", WIN_BACK_MAX_ATTEMPTS)
            and _below(v, "lower_switching_cost_attempts", WIN_BACK_MAX_ATTEMPTS)
            and _quiet(v, "days_since_lower_switching_cost", 30)):
        rec("relationship/lower-switching-cost", "lower_switching_cost", 70,
            {"reason": reason, "note": v.get("churn_note"), "tier": v.get("tier"),
             "days_since_churn": since_churn})
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
                {"visits": visits, "tier": v.get("tier")}, script="greet_by_name_vip")
    if (_num(visits) and visits >= 2 and _num(v.get("spend")) and v["spend"] >= 500.0
            and churned is False and calm and v.get("days_since_invite_loyalty_programme") is None):
        rec("relationship/programme-after-second-visit", "invite_loyalty_programme", 40,
            {"visits": visits}, script="invite_after_second_visit")
    if derived.get("key_account") is True:
        for key, action, priority, field, params in (
                ("relationship/revisit-sms", "revisit_sms", 55, "revisit_sms_pending_days",
                 {"send_at": "15:00"}),
                ("relationship/revisit-call-short", "revisit_call_short", 78,
                 "revisit_call_short_pending_days", {"minutes": "2-3"}),
                ("relationship/revisit-call-long", "revisit_call_long", 80,
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


#: the `for_each` rules of each kind of open item
ITEM_RULES = {"request": _request, "promise": _promise, "complaint": _complaint}


def decide_customer(customer: Any, as_of: dt.date, with_profile: bool = False) -> Any:
    """The decision for one customer: a dict with the `Decision`'s parts (`recommendations`
    and `suppressed` as the library's objects) and `items`, recommendation id -> the open
    item it is about (None for the customer's own); with `with_profile`, also the derived
    facts, as (decision, facts)."""
    profile = derive_profile(customer, as_of)
    v = profile.values
    v.update(query_facts(customer, as_of, {}, READ_EVENTS))  # as the engine: what rules read
    out = Candidates(customer, as_of, v, ORDER)
    _channel_by_stage(out, v)
    _answering(out, v)
    for item in profile.items:  # in history order: a rule over several items keeps the first
        out.item = item
        ITEM_RULES[item.kind](out, item.values, v)
    out.item = None
    _key_account(out, v)  # the derived facts first (stratum 0), then what reads them
    _loyalty(out, v)
    _after_sale(out, v)
    _relationship(out, v)

    made = [contact_label(c) for c in POLICY.recent(customer, as_of)]
    kept, suppressed = arbitrate(out.recs, ACTIONS, POLICY, made, out.compose,
                                 POLICY.done_today(customer, as_of))
    shown = {k: x for k, x in v.items() if k not in PRIVATE}
    if out.derived:
        shown["derived"] = dict(sorted(out.derived.items()))
    decision = {"customer_id": customer.id, "as_of": as_of.isoformat(), "profile": shown,
                "recommendations": kept, "suppressed": suppressed,
                "fired": list(dict.fromkeys(out.fired)), "items": out.items}
    return (decision, v) if with_profile else decision
