"""Derived facts about a customer as of a date: pure functions, no clock, no engine.

`derive_profile(customer, as_of, parameters)` returns a `Profile`: the flat customer facts
rules match (`values`) and one `Item` per open request, recent promise and open complaint.
Every threshold is a parameter (`ProfileParameters`, in `parameters`), overridable as
`profile.<name>`. Each family of facts has its own derivation below, fed by one pass over the
history (`History`).
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
from .parameters import (
    ACTION_RECENCY,
    COMPENSATED_RESPONSIBILITIES,
    INVESTMENT_ACTIONS,
    ITEM_FIELDS,
    LOYALTY_STAGES,
    PROFILE_FIELDS,
    RECOVERY_ORDER,
    REVISIT_DATES,
    SEGMENTS,
    STAGE_PERCENT,
    TIERS,
    ProfileParameters,
)

__all__ = ["ACTION_RECENCY", "ITEM_FIELDS", "LOYALTY_STAGES", "PROFILE_FIELDS", "RECOVERY_ORDER",
           "REVISIT_DATES", "SEGMENTS", "STAGE_PERCENT", "TIERS", "History", "Item", "Profile",
           "ProfileParameters", "derive_profile"]

@attrs.frozen
class Item:
    """One thing a rule can iterate over: an open request, a recent promise, an open complaint.

    `key` names the triggering event stably (its `id`, else its date and place among that
    day's events of its type) and `since` is the date a recommendation about it is counted
    from (the event, or the previous recovery step); neither is a field rules read.
    """

    kind: str
    values: dict[str, Any]
    key: str = ""
    since: dt.date | None = None


def _event_keys(events: list[Any]) -> list[str]:
    """A stable name for each event of one type: its `id` when it has one, else
    `DATE#N` (the N-th event of that type on that date, in input order)."""
    keys: list[str] = []
    per_day: dict[dt.date, int] = {}
    for event in events:
        per_day[event.at] = per_day.get(event.at, 0) + 1
        given = getattr(event, "id", None)
        keys.append(str(given) if given is not None
                    else f"{event.at.isoformat()}#{per_day[event.at]}")
    return keys


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


@attrs.define
class History:
    """A customer's events up to `as_of`, by kind, from one pass over the sorted history."""

    visits: list[Visit] = attrs.field(factory=list)
    purchases: list[Purchase] = attrs.field(factory=list)
    contacts: list[Contact] = attrs.field(factory=list)
    complaints: list[Complaint] = attrs.field(factory=list)
    recoveries: list[Recovery] = attrs.field(factory=list)
    surveys: list[Survey] = attrs.field(factory=list)
    requests: list[Request] = attrs.field(factory=list)
    promises: list[Promise] = attrs.field(factory=list)
    referrals: int = 0
    churn_at: dt.date | None = None
    churn_reason: str | None = None
    churn_note: str | None = None
    #: the latest event the customer made (outbound contacts and recovery steps are ours)
    last_activity: dt.date | None = None

    @classmethod
    def of(cls, customer: Customer, as_of: dt.date) -> History:
        h = cls()
        buckets = {Visit: h.visits, Purchase: h.purchases, Contact: h.contacts,
                   Complaint: h.complaints, Recovery: h.recoveries, Survey: h.surveys,
                   Request: h.requests, Promise: h.promises}
        for event in customer.events:  # sorted by date
            if event.at > as_of:
                break
            kind = type(event)
            if kind is Referral:
                h.referrals += 1
            elif kind is Churn:
                h.churn_at = event.at
                h.churn_reason = event.reason
                h.churn_note = event.note
            else:
                buckets[kind].append(event)  # type: ignore[index]
            if not (kind is Contact and event.direction == "outbound") and kind is not Recovery:
                h.last_activity = event.at
        return h


def derive_profile(customer: Customer, as_of: dt.date,
                   parameters: ProfileParameters | None = None) -> Profile:
    """Every derived fact of `customer` as of `as_of`; events after `as_of` are ignored."""
    p = parameters or ProfileParameters()
    h = History.of(customer, as_of)
    v: dict[str, Any] = {"customer_id": customer.id, "kind": customer.kind}
    for key in ("name", "locale", "personality", "orientation", "preferred_channel"):
        value = getattr(customer, key)
        if value is not None:
            v[key] = value
    items: list[Item] = []
    _activity(h, as_of, p, v)
    items += _open_requests(h, as_of, p, v)
    items += _recent_promises(h, as_of, p, v)
    _survey(h, as_of, v)
    items += _open_complaints(h, as_of, p, v)
    _churn(h, as_of, v)
    _standing(customer, h, as_of, p, v)
    _calendar(as_of, v)
    _recency(h, as_of, v)
    _waiting(h, v, as_of)
    return Profile(customer.id, as_of, v, tuple(items))


def _activity(h: History, as_of: dt.date, p: ProfileParameters, v: dict[str, Any]) -> None:
    """Visits, purchases, spend and profit, rhythm, the last activity and the last contact."""
    purchases = h.purchases
    v["visits"] = len(h.visits)
    v["visit_today"] = any(visit.at == as_of for visit in h.visits)
    v["purchases"] = n_purchases = len(purchases)
    v["spend"] = spend = round(sum(x.amount for x in purchases), 2)
    v["profit"] = round(sum(x.profit_or_amount for x in purchases), 2)
    if n_purchases:
        v["average_order"] = round(spend / n_purchases, 2)
        v["days_since_purchase"] = _days(as_of, purchases[-1].at)
    if n_purchases >= 2:
        v["usual_interval_days"] = round(
            _days(purchases[-1].at, purchases[0].at) / (n_purchases - 1), 1)
    if h.last_activity is not None:
        v["days_since_activity"] = _days(as_of, h.last_activity)
        window_start = h.last_activity - dt.timedelta(days=p.engagement_window_days)
        v["engaged_visits"] = sum(1 for x in h.visits
                                  if window_start <= x.at <= h.last_activity)
    else:
        v["engaged_visits"] = 0
    outbound = [c for c in h.contacts if c.direction == "outbound"]
    if outbound:
        v["days_since_contact"] = _days(as_of, outbound[-1].at)


def _open_requests(h: History, as_of: dt.date, p: ProfileParameters,
                   v: dict[str, Any]) -> list[Item]:
    """Requests: open until a promise on the same dimension follows, or too old."""
    items: list[Item] = []
    # the latest promise on each dimension answers every request on it made that day or before
    last_promise: dict[str | None, dt.date] = {}
    for promise in h.promises:  # sorted by date: the last one written is the latest
        last_promise[promise.dimension] = promise.at
    for request, event_key in zip(h.requests, _event_keys(h.requests)):
        age = _days(as_of, request.at)
        if age > p.request_open_days:
            continue
        answered_at = last_promise.get(request.dimension)
        if answered_at is not None and answered_at >= request.at:
            continue
        values: dict[str, Any] = {"days_ago": age, "lower_is_better": request.lower_is_better}
        for key in ("dimension", "expected", "deliverable", "unit", "industry_norm"):
            if getattr(request, key) is not None:
                values[key] = getattr(request, key)
        values.update(_request_gap(request))
        items.append(Item("request", values, event_key, request.at))
    v["open_requests"] = len(items)
    return items


def _request_gap(request: Request) -> dict[str, float]:
    """How much worse than asked (`shortfall`) and how many times worse (`ratio`), whichever
    way is better: for a lead time (lower is better) 14 days against 7 asked is shortfall 7,
    ratio 2; for a discount (higher is better) 5 % against 10 % asked is shortfall 5, ratio 2."""
    expected, deliverable = request.expected, request.deliverable
    if expected is None or deliverable is None:
        return {}
    if request.lower_is_better:
        gap = {"shortfall": deliverable - expected}
        if expected > 0:
            gap["ratio"] = round(deliverable / expected, 4)
    else:
        gap = {"shortfall": expected - deliverable}
        if deliverable > 0:
            gap["ratio"] = round(expected / deliverable, 4)
    return gap


def _recent_promises(h: History, as_of: dt.date, p: ProfileParameters,
                     v: dict[str, Any]) -> list[Item]:
    """Recent promises with their gap (EXP-01), broken ones counted; the latest gap overall."""
    items: list[Item] = []
    broken = 0
    latest_gap: float | None = None
    # a broken promise is recovered by a recovery contact on or after its day: the latest one
    last_recovery: dt.date | None = None
    for contact in h.contacts:
        if contact.action == "recover_broken_promise":
            last_recovery = contact.at
    for promise, event_key in zip(h.promises, _event_keys(h.promises)):
        gap = _promise_gap(promise)
        at_risk = promise.delivered is None and _beyond_deliverable(promise, h.requests)
        if gap is not None:
            latest_gap = gap
        age = _days(as_of, promise.at)
        if age > p.promise_recent_days:
            continue
        values: dict[str, Any] = {
            "days_ago": age, "lower_is_better": promise.lower_is_better,
            "recovered": last_recovery is not None and last_recovery >= promise.at,
            "at_risk": at_risk}
        days_to_due = _days_to_due(promise, age)
        if days_to_due is not None:
            values["days_to_due"] = days_to_due
        for key in ("dimension", "promised", "delivered", "unit"):
            if getattr(promise, key) is not None:
                values[key] = getattr(promise, key)
        if gap is not None:
            values["gap"] = gap
            broken += gap < 0
        items.append(Item("promise", values, event_key,
                          promise.delivered_at or promise.at))
    v["broken_promises"] = broken
    if latest_gap is not None:
        v["satisfaction_gap"] = latest_gap
    return items


#: units of a lead time a promise's due date is counted in, and their length in days
DAY_UNITS = {"days": 1, "day": 1, "天": 1, "weeks": 7, "week": 7, "周": 7}


def _days_to_due(promise: Promise, age: int) -> int | None:
    """Days left until a lead-time promise falls due (negative past it); None for other
    units (a wait in minutes falls due the same day)."""
    length = DAY_UNITS.get(promise.unit or "")
    if length is None or promise.promised is None:
        return None
    return int(promise.promised * length) - age


def _beyond_deliverable(promise: Promise, requests: list[Request]) -> bool:
    """At risk (seed 004 預見性): the promise is better than what the business said it can
    deliver — the latest request on its dimension, on or before it, with a `deliverable`."""
    said = [r for r in requests if r.dimension == promise.dimension and r.at <= promise.at
            and r.deliverable is not None]
    if not said or promise.promised is None:
        return False
    deliverable = said[-1].deliverable
    assert deliverable is not None
    if promise.lower_is_better:
        return promise.promised < deliverable
    return promise.promised > deliverable


def _survey(h: History, as_of: dt.date, v: dict[str, Any]) -> None:
    """The latest satisfaction score, on a 5-point scale."""
    if h.surveys:
        last = h.surveys[-1]
        v["survey_score"] = round(last.score * 5.0 / last.scale, 2)
        v["days_since_survey"] = _days(as_of, last.at)


def _open_complaints(h: History, as_of: dt.date, p: ProfileParameters,
                     v: dict[str, Any]) -> list[Item]:
    """Complaints: a recovery case stays open until its follow-up is done (CMP-01, CMP-04)."""
    steps: dict[str, set[str]] = {}
    step_dates: dict[tuple[str, str], dt.date] = {}
    for recovery in h.recoveries:
        steps.setdefault(recovery.complaint_id or "", set()).add(recovery.step)
        step_dates.setdefault((recovery.complaint_id or "", recovery.step), recovery.at)
    items: list[Item] = []
    complaints = h.complaints
    topic_since = as_of - dt.timedelta(days=p.complaint_topic_window_days)
    recent_topics: dict[str, int] = {}  # complaints per topic within the window
    for complaint in complaints:
        if complaint.topic is not None and complaint.at >= topic_since:
            recent_topics[complaint.topic] = recent_topics.get(complaint.topic, 0) + 1
    for index, complaint in enumerate(complaints):
        key = complaint.id or ""
        done = set(steps.get(key, set())) if complaint.id is not None else set()
        if "followed_up" in done:
            continue
        if "compensated" in done:
            done.add("agreed")  # compensation implies an agreed proposal (version 1 data)
        required = _required_steps(complaint)
        values: dict[str, Any] = {
            "days_open": _days(as_of, complaint.at),
            "resolved": complaint.resolved_at is not None and complaint.resolved_at <= as_of,
            "id": complaint.id if complaint.id is not None else f"#{index + 1}"}
        for step in RECOVERY_ORDER:
            values[step] = step in done
        values["next_step"] = next(s for s in required if s not in done)
        values["responsibility"] = complaint.responsibility
        if complaint.topic is not None:
            values["topic"] = complaint.topic
            values["topic_count"] = recent_topics.get(complaint.topic, 0)
        if complaint.severity is not None:
            values["severity"] = complaint.severity
        items.append(Item("complaint", values, values["id"],
                          _step_since(complaint, values["next_step"], step_dates)))
    v["open_complaints"] = len(items)
    v["complaints"] = len(complaints)
    return items


def _required_steps(complaint: Complaint) -> tuple[str, ...]:
    """The case's steps (seed 002: 道歉和安抚 → 问题分析 → 提出解决方案,与客户协商并取得共识 →
    实施 → 反馈): compensation only where the business is responsible (ours or shared)."""
    if complaint.responsibility in COMPENSATED_RESPONSIBILITIES:
        return RECOVERY_ORDER
    return tuple(s for s in RECOVERY_ORDER if s != "compensated")


def _step_since(complaint: Complaint, next_step: str,
                step_dates: dict[tuple[str, str], dt.date]) -> dt.date:
    """The date the next recovery step is counted from: the latest step recorded before it,
    else the complaint itself (CMP-07: every step has a deadline)."""
    before = RECOVERY_ORDER[:RECOVERY_ORDER.index(next_step)]
    if complaint.id is not None:
        dates = [step_dates[(complaint.id, s)] for s in before if (complaint.id, s) in step_dates]
        if dates:
            return max(max(dates), complaint.at)
    return complaint.at


def _churn(h: History, as_of: dt.date, v: dict[str, Any]) -> None:
    """Churned: a churn event with no purchase after it."""
    v["referrals"] = h.referrals
    churned = h.churn_at is not None and not any(x.at > h.churn_at for x in h.purchases)
    v["churned"] = churned
    if churned and h.churn_at is not None:
        v["days_since_churn"] = _days(as_of, h.churn_at)
        if h.churn_reason is not None:
            v["churn_reason"] = h.churn_reason
        if h.churn_note is not None:
            v["churn_note"] = h.churn_note


def _standing(customer: Customer, h: History, as_of: dt.date, p: ProfileParameters,
              v: dict[str, Any]) -> None:
    """Loyalty stage (LOY-06), segment (LOY-04), tier (CRM-10), dormancy (CRM-02), birthday."""
    n_purchases, churned = v["purchases"], v["churned"]
    engaged = bool(h.visits or h.requests or h.purchases or h.surveys or h.complaints
                   or any(c.direction == "inbound" for c in h.contacts))
    stage = _loyalty_stage(n_purchases, h.referrals, engaged, p.loyal_purchases)
    v["loyalty_stage"] = stage
    v["loyalty_percent"] = STAGE_PERCENT[stage]
    loyal = stage in ("repeat", "advocate") and not churned
    high_profit = v["profit"] >= p.high_profit
    v["loyalty"] = "high" if loyal else "low"
    v["profit_level"] = "high" if high_profit else "low"
    v["segment"] = ("true_friend" if loyal and high_profit else "butterfly" if high_profit
                    else "barnacle" if loyal else "stranger")
    tier = _tier(v["spend"], p)
    v["tier"] = tier
    v["tier_rank"] = TIERS.index(tier) + 1
    upper = _next_tier(v["spend"], tier, p)
    if upper is not None:
        v["next_tier"], v["spend_to_next_tier"] = upper
    interval = v.get("usual_interval_days") or p.default_interval_days
    v["dormant"] = bool(n_purchases and not churned and h.last_activity is not None
                        and _days(as_of, h.last_activity) > interval * p.dormancy_factor)
    if customer.birthday is not None:
        v["days_to_birthday"] = _days_to_birthday(customer.birthday, as_of)


def _calendar(as_of: dt.date, v: dict[str, Any]) -> None:
    start, end = _quarter_bounds(as_of)
    v["day_of_month"] = as_of.day
    v["day_of_quarter"] = _days(as_of, start) + 1
    v["days_to_quarter_end"] = _days(end, as_of)


def _recency(h: History, as_of: dt.date, v: dict[str, Any]) -> None:
    """When each recommendation was last carried out (a contact naming it), so rules can hold
    back what was done recently; how many investment contacts went unanswered (the retry
    limit); and the 611 contacts still pending since their date."""
    last_done: dict[str, dt.date] = {}
    for contact in h.contacts:
        if contact.action is not None:
            last_done[contact.action] = contact.at
    for action in ACTION_RECENCY:
        if action in last_done:
            v[f"days_since_{action}"] = _days(as_of, last_done[action])
    if h.purchases:  # CMP-08: the latest purchase followed up
        followed = last_done.get("after_sale_follow_up")
        v["after_sale_followed_up"] = followed is not None and followed >= h.purchases[-1].at
    # an attempt is answered by anything the customer does on or after it
    unanswered = [c.action for c in h.contacts if c.direction == "outbound"
                  and (h.last_activity is None or c.at > h.last_activity)]
    for action in INVESTMENT_ACTIONS:
        v[f"{action}_attempts"] = unanswered.count(action)
    for action, scheduled in _latest_revisit_dates(as_of).items():
        if action not in last_done or last_done[action] < scheduled:
            v[f"{action}_pending_days"] = _days(as_of, scheduled)


def _waiting(h: History, v: dict[str, Any], as_of: dt.date) -> None:
    """What the customer is waiting for from us: an inbound contact no outbound one has
    followed (CMP-07)."""
    waiting: dt.date | None = None
    for contact in h.contacts:  # sorted by date
        if contact.direction == "inbound":
            waiting = waiting or contact.at
        elif waiting is not None and contact.at >= waiting:
            waiting = None
    if waiting is not None:
        v["days_since_unanswered_inbound"] = _days(as_of, waiting)
