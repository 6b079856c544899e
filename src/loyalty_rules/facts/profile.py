"""Derived facts about a customer as of a date: pure functions, no clock, no engine.

`derive_profile(customer, as_of, parameters)` returns a `Profile`: the flat customer facts
rules match (`values`) and one `Item` per open request, recent promise and open complaint.
Every threshold is a parameter (`ProfileParameters`), overridable as `profile.<name>`.
Field names and types are listed in `PROFILE_FIELDS` and `ITEM_FIELDS`; the ruleset
validator checks every condition against them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from .models import (
    Churn,
    Complaint,
    Contact,
    Customer,
    Promise,
    Purchase,
    Recovery,
    Referral,
    Request,
    Survey,
    Visit,
)

LOYALTY_STAGES = ("stranger", "expectation", "purchase", "repeat", "advocate")
#: LOY-06: the share of loyalty each stage stands for.
STAGE_PERCENT = {"stranger": 0, "expectation": 10, "purchase": 50, "repeat": 70, "advocate": 99}
SEGMENTS = ("true_friend", "butterfly", "barnacle", "stranger")
TIERS = ("P", "IP", "VIP", "double_VIP", "triple_VIP")
RECOVERY_ORDER = ("acknowledged", "explained", "compensated", "followed_up")
#: Actions whose last execution (a contact event naming it in `action`) is a derived fact,
#: `days_since_<action>`: rules use it so a recommendation carried out is not repeated daily.
ACTION_RECENCY = (
    "at_risk_satisfied", "reward_and_nurture", "harvest_while_active", "grow_share_of_wallet",
    "surprise", "ask_referral", "upsell", "invite_loyalty_programme", "wake_dormant",
    "activate_stalled_prospect", "win_back", "keep_in_touch", "birthday_greeting",
)
#: CRM-04, the "611" programme: action -> what its scheduled date is.
REVISIT_DATES = {
    "revisit_sms": "the latest 1st or 15th of a month",
    "revisit_call_short": "the latest 45th day after a quarter began (15 February in Q1)",
    "revisit_call_long": "the latest last day of a quarter",
}


@attrs.frozen
class ProfileParameters:
    """Thresholds of the derived facts. Override any of them as ``profile.<name>``.

    Where the course material gives a number it is the default; elsewhere the default is a
    documented choice (see docs/profile.md).
    """

    #: CRM-02: dormant when quiet for longer than the usual interval × this factor.
    dormancy_factor: float = 2.0
    #: CRM-07: every three months "they leave without guilt": the interval assumed for a
    #: customer with fewer than two purchases.
    default_interval_days: int = 90
    #: LOY-04: profit at or above this is "high profit" (currency units; choose per business).
    high_profit: float = 1000.0
    #: LOY-04: a customer is "high loyalty" from this many purchases (LOY-06's repeat stage).
    loyal_purchases: int = 2
    #: CRM-10 tiers by total spend (currency units; the material gives no amounts).
    tier_ip_spend: float = 500.0
    tier_vip_spend: float = 2000.0
    tier_double_vip_spend: float = 10000.0
    tier_triple_vip_spend: float = 50000.0
    #: CRM-01: "came three times in two months": the engagement window in days.
    engagement_window_days: int = 60
    #: A request with no promise after it stays open this many days.
    request_open_days: int = 30
    #: Promises made within this many days are examined for a broken promise.
    promise_recent_days: int = 30
    #: CMP-03: complaints on one topic are counted over this many days.
    complaint_topic_window_days: int = 365

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> ProfileParameters:
        fields = attrs.fields_dict(cls)
        converted = {}
        for key, value in values.items():
            default = fields[key].default
            converted[key] = type(default)(value)
        return cls(**converted)


# name -> (type, description). Types: number, integer, string, boolean, date.
PROFILE_FIELDS: dict[str, tuple[str, str]] = {
    "customer_id": ("string", "the customer's id"),
    "name": ("string", "the customer's name"),
    "locale": ("string", "en or zh"),
    "personality": ("string", "dominant, analytical or social (normalised); absent if unknown"),
    "kind": ("string", "individual, corporate or channel"),
    "orientation": ("string", "price, value, added_value or composite"),
    "preferred_channel": ("string", "phone, sms, email, letter, wechat or visit"),
    "visits": ("integer", "visits (and enquiries) up to as_of"),
    "visit_today": ("boolean", "the customer visits on the as_of date (a return visit)"),
    "purchases": ("integer", "purchases up to as_of (frequency)"),
    "spend": ("number", "total amount spent"),
    "profit": ("number", "total profit (amount where profit is absent)"),
    "average_order": ("number", "spend / purchases"),
    "days_since_purchase": ("integer", "recency: days since the last purchase"),
    "usual_interval_days": ("number", "mean days between purchases (two purchases or more)"),
    "days_since_activity": ("integer", "days since the customer last did anything"),
    "days_since_contact": ("integer", "days since our last outbound contact"),
    "engaged_visits": ("integer", "visits in the engagement window before the last activity"),
    "open_requests": ("integer", "requests not yet answered by a promise"),
    "broken_promises": ("integer", "recent promises delivered worse than promised"),
    "satisfaction_gap": ("number", "experience − expectation of the latest delivered promise"),
    "survey_score": ("number", "latest survey score on a 5-point scale"),
    "open_complaints": ("integer", "complaints whose recovery is not finished"),
    "complaints": ("integer", "complaints ever"),
    "referrals": ("integer", "customers this one brought"),
    "churned": ("boolean", "the customer has left (a churn event, no purchase since)"),
    "loyalty_stage": ("string", "stranger, expectation, purchase, repeat or advocate (LOY-06)"),
    "loyalty_percent": ("integer", "0, 10, 50, 70 or 99 (LOY-06)"),
    "loyalty": ("string", "high or low (LOY-04)"),
    "profit_level": ("string", "high or low (LOY-04)"),
    "segment": ("string", "true_friend, butterfly, barnacle or stranger (LOY-04)"),
    "tier": ("string", "P, IP, VIP, double_VIP or triple_VIP (CRM-10)"),
    "tier_rank": ("integer", "1 (P) to 5 (triple_VIP)"),
    "dormant": ("boolean", "quiet for longer than the usual interval × dormancy_factor"),
    "days_to_birthday": ("integer", "days until the next birthday (0 = today)"),
    "day_of_month": ("integer", "as_of's day of the month"),
    "day_of_quarter": ("integer", "as_of's day of the quarter (1-92)"),
    "days_to_quarter_end": ("integer", "days from as_of to the quarter's last day (0 = last day)"),
    "days_since_survey": ("integer", "days since the latest survey"),
    "churn_reason": ("string", "the reason given when the customer left (churned only)"),
    "days_since_churn": ("integer", "days since the customer left (churned only)"),
    "next_tier": ("string", "the tier above the current one (absent at triple_VIP)"),
    "spend_to_next_tier": ("number", "spend still needed to reach next_tier"),
}
PROFILE_FIELDS.update({
    f"days_since_{action}": ("integer", f"days since a contact carrying {action} (absent: never)")
    for action in ACTION_RECENCY
})
PROFILE_FIELDS.update({
    f"{action}_pending_days": (
        "integer", f"days since {when} (0 = today) when no {action} contact was made on or "
        "after it; absent once done")
    for action, when in REVISIT_DATES.items()
})

ITEM_FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    "request": {
        "dimension": ("string", "what is asked for: delivery, price, quality…"),
        "expected": ("number", "what the customer expects"),
        "deliverable": ("number", "what the business can deliver"),
        "unit": ("string", "days, minutes, …"),
        "shortfall": ("number", "deliverable − expected (how much worse than asked)"),
        "ratio": ("number", "deliverable / expected"),
        "days_ago": ("integer", "days since the request"),
    },
    "promise": {
        "dimension": ("string", "what was promised"),
        "promised": ("number", "the commitment"),
        "delivered": ("number", "what was delivered (absent until known)"),
        "unit": ("string", "days, minutes, …"),
        "lower_is_better": ("boolean", "true for waits and lead times"),
        "gap": ("number", "experience − expectation: positive delighted, negative broken"),
        "days_ago": ("integer", "days since the promise"),
        "recovered": ("boolean", "a contact carrying recover_broken_promise was made on or "
                      "after the promise"),
    },
    "complaint": {
        "id": ("string", "the complaint's id"),
        "topic": ("string", "what it is about"),
        "severity": ("integer", "1-5"),
        "days_open": ("integer", "days since the complaint"),
        "acknowledged": ("boolean", "recovery step done"),
        "explained": ("boolean", "recovery step done"),
        "compensated": ("boolean", "recovery step done"),
        "followed_up": ("boolean", "recovery step done"),
        "next_step": ("string", "the first recovery step not yet done"),
        "resolved": ("boolean", "the complaint has a resolved_at date"),
        "topic_count": ("integer", "complaints on this topic within the topic window"),
    },
}


@attrs.frozen
class Item:
    """One thing a rule can iterate over: an open request, a recent promise, an open complaint."""

    kind: str
    values: dict[str, Any]


@attrs.frozen
class Profile:
    """A customer's derived facts as of a date."""

    customer_id: str
    as_of: dt.date
    values: dict[str, Any]
    items: tuple[Item, ...] = ()

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


def _days(later: dt.date, earlier: dt.date) -> int:
    return (later - earlier).days


def _quarter_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    end_month = first_month + 2
    next_month = dt.date(day.year + (end_month // 12), end_month % 12 + 1, 1)
    return start, next_month - dt.timedelta(days=1)


def _days_to_birthday(birthday: dt.date, as_of: dt.date) -> int:
    def on(year: int) -> dt.date:
        try:
            return birthday.replace(year=year)
        except ValueError:  # 29 February in a common year
            return dt.date(year, 3, 1)
    next_one = on(as_of.year)
    if next_one < as_of:
        next_one = on(as_of.year + 1)
    return _days(next_one, as_of)


def _latest_revisit_dates(as_of: dt.date) -> dict[str, dt.date]:
    """CRM-04: the latest scheduled date, on or before `as_of`, of each 611 contact.

    The short call falls 45 days after the quarter begins: the material's own example is
    "the 45th day of the first quarter, that is 15 February" (1 January + 45 days).
    """
    sms = as_of.replace(day=15) if as_of.day >= 15 else as_of.replace(day=1)
    start, end = _quarter_bounds(as_of)
    day_45 = start + dt.timedelta(days=45)
    if day_45 > as_of:
        previous_start, _ = _quarter_bounds(start - dt.timedelta(days=1))
        day_45 = previous_start + dt.timedelta(days=45)
    quarter_end = end if end == as_of else start - dt.timedelta(days=1)
    return {"revisit_sms": sms, "revisit_call_short": day_45, "revisit_call_long": quarter_end}


def _next_tier(spend: float, tier: str, p: ProfileParameters) -> tuple[str, float] | None:
    thresholds = {"IP": p.tier_ip_spend, "VIP": p.tier_vip_spend,
                  "double_VIP": p.tier_double_vip_spend,
                  "triple_VIP": p.tier_triple_vip_spend}
    rank = TIERS.index(tier)
    if rank + 1 >= len(TIERS):
        return None
    upper = TIERS[rank + 1]
    return upper, round(max(thresholds[upper] - spend, 0.0), 2)


def _promise_gap(promise: Promise) -> float | None:
    """EXP-01: experience − expectation, sign-correct whether lower or higher is better."""
    if promise.promised is None or promise.delivered is None:
        return None
    if promise.lower_is_better:
        return promise.promised - promise.delivered
    return promise.delivered - promise.promised


def _loyalty_stage(purchases: int, referrals: int, engaged: bool, loyal_purchases: int) -> str:
    if purchases and referrals:
        return "advocate"
    if purchases >= loyal_purchases:
        return "repeat"
    if purchases:
        return "purchase"
    if engaged:
        return "expectation"
    return "stranger"


def _tier(spend: float, p: ProfileParameters) -> str:
    if spend >= p.tier_triple_vip_spend:
        return "triple_VIP"
    if spend >= p.tier_double_vip_spend:
        return "double_VIP"
    if spend >= p.tier_vip_spend:
        return "VIP"
    if spend >= p.tier_ip_spend:
        return "IP"
    return "P"


def derive_profile(customer: Customer, as_of: dt.date,
                   parameters: ProfileParameters | None = None) -> Profile:
    """Every derived fact of `customer` as of `as_of`; events after `as_of` are ignored."""
    p = parameters or ProfileParameters()
    visits: list[Visit] = []
    purchases: list[Purchase] = []
    contacts: list[Contact] = []
    complaints: list[Complaint] = []
    recoveries: list[Recovery] = []
    surveys: list[Survey] = []
    requests: list[Request] = []
    promises: list[Promise] = []
    referrals = 0
    churn_at: dt.date | None = None
    churn_reason: str | None = None
    last_activity: dt.date | None = None
    buckets = {Visit: visits, Purchase: purchases, Contact: contacts, Complaint: complaints,
               Recovery: recoveries, Survey: surveys, Request: requests, Promise: promises}
    for event in customer.events:  # sorted by date
        if event.at > as_of:
            break
        cls = type(event)
        if cls is Referral:
            referrals += 1
        elif cls is Churn:
            churn_at = event.at
            churn_reason = event.reason
        else:
            buckets[cls].append(event)  # type: ignore[attr-defined]
        if not (cls is Contact and event.direction == "outbound") and cls is not Recovery:
            last_activity = event.at

    v: dict[str, Any] = {"customer_id": customer.id, "kind": customer.kind}
    for key in ("name", "locale", "personality", "orientation", "preferred_channel"):
        value = getattr(customer, key)
        if value is not None:
            v[key] = value

    v["visits"] = len(visits)
    v["visit_today"] = any(visit.at == as_of for visit in visits)
    v["purchases"] = n_purchases = len(purchases)
    v["spend"] = spend = round(sum(x.amount for x in purchases), 2)
    v["profit"] = profit = round(sum(x.profit_or_amount for x in purchases), 2)
    if n_purchases:
        v["average_order"] = round(spend / n_purchases, 2)
        v["days_since_purchase"] = _days(as_of, purchases[-1].at)
    if n_purchases >= 2:
        v["usual_interval_days"] = round(
            _days(purchases[-1].at, purchases[0].at) / (n_purchases - 1), 1)
    if last_activity is not None:
        v["days_since_activity"] = _days(as_of, last_activity)
        window_start = last_activity - dt.timedelta(days=p.engagement_window_days)
        v["engaged_visits"] = sum(1 for x in visits if window_start <= x.at <= last_activity)
    else:
        v["engaged_visits"] = 0
    outbound = [c for c in contacts if c.direction == "outbound"]
    if outbound:
        v["days_since_contact"] = _days(as_of, outbound[-1].at)

    items: list[Item] = []
    # Requests: open until a promise on the same dimension follows, or too old.
    open_requests = 0
    for request in requests:
        answered = any(pr.at >= request.at and pr.dimension == request.dimension
                       for pr in promises)
        age = _days(as_of, request.at)
        if answered or age > p.request_open_days:
            continue
        open_requests += 1
        values: dict[str, Any] = {"days_ago": age}
        for key in ("dimension", "expected", "deliverable", "unit"):
            if getattr(request, key) is not None:
                values[key] = getattr(request, key)
        if request.expected is not None and request.deliverable is not None:
            values["shortfall"] = request.deliverable - request.expected
            if request.expected > 0:
                values["ratio"] = round(request.deliverable / request.expected, 4)
        items.append(Item("request", values))
    v["open_requests"] = open_requests

    broken = 0
    latest_gap: float | None = None
    for promise in promises:
        gap = _promise_gap(promise)
        if gap is not None:
            latest_gap = gap
        age = _days(as_of, promise.at)
        if age > p.promise_recent_days:
            continue
        values = {"days_ago": age, "lower_is_better": promise.lower_is_better,
                  "recovered": any(c.action == "recover_broken_promise" and c.at >= promise.at
                                   for c in contacts)}
        for key in ("dimension", "promised", "delivered", "unit"):
            if getattr(promise, key) is not None:
                values[key] = getattr(promise, key)
        if gap is not None:
            values["gap"] = gap
            broken += gap < 0
        items.append(Item("promise", values))
    v["broken_promises"] = broken
    if latest_gap is not None:
        v["satisfaction_gap"] = latest_gap

    if surveys:
        last = surveys[-1]
        v["survey_score"] = round(last.score * 5.0 / last.scale, 2)
        v["days_since_survey"] = _days(as_of, last.at)

    # Complaints: a recovery case stays open until its follow-up is done (CMP-01, CMP-04).
    steps: dict[str, set[str]] = {}
    for recovery in recoveries:
        steps.setdefault(recovery.complaint_id or "", set()).add(recovery.step)
    open_complaints = 0
    topic_since = as_of - dt.timedelta(days=p.complaint_topic_window_days)
    for index, complaint in enumerate(complaints):
        key = complaint.id or ""
        done = steps.get(key, set()) if complaint.id is not None else set()
        if "followed_up" in done:
            continue
        open_complaints += 1
        values = {"days_open": _days(as_of, complaint.at),
                  "resolved": complaint.resolved_at is not None
                  and complaint.resolved_at <= as_of,
                  "id": complaint.id if complaint.id is not None else f"#{index + 1}"}
        for step in RECOVERY_ORDER:
            values[step] = step in done
        values["next_step"] = next(s for s in RECOVERY_ORDER if s not in done)
        if complaint.topic is not None:
            values["topic"] = complaint.topic
            values["topic_count"] = sum(1 for c in complaints
                                        if c.topic == complaint.topic and c.at >= topic_since)
        if complaint.severity is not None:
            values["severity"] = complaint.severity
        items.append(Item("complaint", values))
    v["open_complaints"] = open_complaints
    v["complaints"] = len(complaints)
    v["referrals"] = referrals
    churned = churn_at is not None and not any(x.at > churn_at for x in purchases)
    v["churned"] = churned
    if churned and churn_at is not None:
        v["days_since_churn"] = _days(as_of, churn_at)
        if churn_reason is not None:
            v["churn_reason"] = churn_reason

    engaged = bool(visits or requests or purchases or surveys or complaints
                   or any(c.direction == "inbound" for c in contacts))
    stage = _loyalty_stage(n_purchases, referrals, engaged, p.loyal_purchases)
    v["loyalty_stage"] = stage
    v["loyalty_percent"] = STAGE_PERCENT[stage]
    loyal = stage in ("repeat", "advocate") and not churned
    high_profit = profit >= p.high_profit
    v["loyalty"] = "high" if loyal else "low"
    v["profit_level"] = "high" if high_profit else "low"
    v["segment"] = ("true_friend" if loyal and high_profit else "butterfly" if high_profit
                    else "barnacle" if loyal else "stranger")
    tier = _tier(spend, p)
    v["tier"] = tier
    v["tier_rank"] = TIERS.index(tier) + 1
    upper = _next_tier(spend, tier, p)
    if upper is not None:
        v["next_tier"], v["spend_to_next_tier"] = upper
    interval = v.get("usual_interval_days") or p.default_interval_days
    v["dormant"] = bool(n_purchases and not churned and last_activity is not None
                        and _days(as_of, last_activity) > interval * p.dormancy_factor)
    if customer.birthday is not None:
        v["days_to_birthday"] = _days_to_birthday(customer.birthday, as_of)
    start, end = _quarter_bounds(as_of)
    v["day_of_month"] = as_of.day
    v["day_of_quarter"] = _days(as_of, start) + 1
    v["days_to_quarter_end"] = _days(end, as_of)
    # When each recommendation was last carried out (a contact naming it), so that rules
    # can hold back what was done recently instead of repeating it every day.
    last_done: dict[str, dt.date] = {}
    for contact in contacts:
        if contact.action is not None:
            last_done[contact.action] = contact.at
    for action in ACTION_RECENCY:
        if action in last_done:
            v[f"days_since_{action}"] = _days(as_of, last_done[action])
    for action, scheduled in _latest_revisit_dates(as_of).items():
        if not any(c.action == action and c.at >= scheduled for c in contacts):
            v[f"{action}_pending_days"] = _days(as_of, scheduled)
    return Profile(customer.id, as_of, v, tuple(items))


__all__ = ["ACTION_RECENCY", "ITEM_FIELDS", "PROFILE_FIELDS", "REVISIT_DATES", "Item", "Profile", "ProfileParameters",
           "derive_profile"]
