"""The vocabulary and thresholds of derived facts: stages, segments, tiers, the profile's
parameters (`ProfileParameters`, overridable as ``profile.<name>``) and the fields rules may
read (`PROFILE_FIELDS`, `ITEM_FIELDS`), each with its type and meaning.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

import attrs

LOYALTY_STAGES = ("stranger", "expectation", "purchase", "repeat", "advocate")
#: LOY-06: the share of loyalty each stage stands for.
STAGE_PERCENT = {"stranger": 0, "expectation": 10, "purchase": 50, "repeat": 70, "advocate": 99}
SEGMENTS = ("true_friend", "butterfly", "barnacle", "stranger")
TIERS = ("P", "IP", "VIP", "double_VIP", "triple_VIP")
RECOVERY_ORDER = ("acknowledged", "explained", "agreed", "compensated", "followed_up")
#: complaint.responsibility values for which the business compensates (seed 003: 合适的补偿)
COMPENSATED_RESPONSIBILITIES = ("ours", "shared")
#: Actions whose last execution (a contact event naming it in `action`) is a derived fact,
#: `days_since_<action>`: rules use it so a recommendation carried out is not repeated daily.
ACTION_RECENCY = (
    "at_risk_satisfied", "reward_and_nurture", "harvest_while_active", "grow_share_of_wallet",
    "surprise", "ask_referral", "upsell", "invite_loyalty_programme", "wake_dormant",
    "activate_stalled_prospect", "win_back", "keep_in_touch", "birthday_greeting",
    "lower_switching_cost", "after_sale_follow_up", "ask_advice",
)
#: Investment actions (seed 001: 选择就意味着放弃。学会放弃某些客户): each has a retry limit,
#: read as `<action>_attempts`, the outbound contacts carrying it that the customer has not
#: answered (no activity of theirs on or after the contact).
INVESTMENT_ACTIONS = ("wake_dormant", "win_back", "lower_switching_cost", "surprise")
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
    #: The business's time zone (an IANA name such as ``Asia/Shanghai``, or ``+08:00``): a
    #: date-time with a UTC offset counts on its date in this zone (docs/contract.md).
    timezone: str = "UTC"

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> ProfileParameters:
        fields = attrs.fields_dict(cls)
        converted = {}
        for key, value in values.items():
            default = fields[key].default
            converted[key] = type(default)(value)
        return cls(**converted)


def business_zone(name: str) -> dt.tzinfo:
    """The `tzinfo` of a `timezone` parameter: ``UTC``, an IANA name, or an offset ``±HH:MM``;
    raises ValueError naming what is accepted."""
    text = name.strip()
    if text.upper() in ("UTC", "Z"):
        return dt.timezone.utc
    offset = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", text)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        delta = dt.timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3)))
        if delta < dt.timedelta(hours=24):
            return dt.timezone(sign * delta)
    try:
        return zoneinfo.ZoneInfo(text)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise ValueError(f"unknown time zone {name!r}: expected UTC, an IANA name such as "
                         "Asia/Shanghai, or an offset such as +08:00") from None


# name -> (type, description). Types: number, integer, string, boolean, date.
PROFILE_FIELDS: dict[str, tuple[str, str]] = {
    "customer_id": ("string", "the customer's id"),
    "name": ("string", "the customer's name"),
    "locale": ("string", "en or zh"),
    "personality": ("string", "dominant, analytical, social or peaceful (normalised); absent "
                    "if unknown"),
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
    "churn_reason": ("string", "why the customer left (churned only): price, competitor, "
                     "service, quality, moved, no_need or other"),
    "churn_note": ("string", "the reason in the customer's words (churned only)"),
    "days_since_churn": ("integer", "days since the customer left (churned only)"),
    "next_tier": ("string", "the tier above the current one (absent at triple_VIP)"),
    "days_since_unanswered_inbound": (
        "integer", "days since the earliest inbound contact no outbound contact has followed "
        "(absent: none waiting)"),

    "spend_to_next_tier": ("number", "spend still needed to reach next_tier"),
    "after_sale_followed_up": ("boolean", "CMP-08: an after_sale_follow_up contact was made on "
                               "or after the latest purchase (absent: no purchase)"),
}
PROFILE_FIELDS.update({
    f"days_since_{action}": ("integer", f"days since a contact carrying {action} (absent: never)")
    for action in ACTION_RECENCY
})
PROFILE_FIELDS.update({
    f"{action}_attempts": (
        "integer", f"outbound contacts carrying {action} since the customer last did anything "
        "(0: none unanswered)")
    for action in INVESTMENT_ACTIONS
})
PROFILE_FIELDS.update({
    f"{action}_pending_days": (
        "integer", f"days since {when} (0 = today) when no {action} contact was made on or "
        "after it; absent once done")
    for action, when in REVISIT_DATES.items()
})
#: Added by a population (loyalty_rules.population; docs/population.md): absent without one.
PROFILE_FIELDS.update({
    "key_account": ("boolean", "CRM-11: top key_share of the base by value, or key by "
                    "influence (referrals, channel customers); not churned"),
    "pyramid": ("string", "LOY-05: top, large, medium, small, inactive or prospect"),
    "value_percentile": ("number", "0-100: the customer's value (spend) rank among the base's "
                         "buyers; 0 for one who has not bought"),
    "p_active": ("number", "0-1: the probability of a purchase within the population's "
                 "activity horizon (90 days), from a model fitted on the base; buyers only"),
})

ITEM_FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    "request": {
        "dimension": ("string", "what is asked for: delivery, price, quality…"),
        "expected": ("number", "what the customer expects"),
        "deliverable": ("number", "what the business can deliver"),
        "unit": ("string", "days, minutes, …"),
        "shortfall": ("number", "how much worse than asked (deliverable − expected when lower "
                      "is better)"),
        "ratio": ("number", "how many times worse than asked (deliverable / expected when "
                  "lower is better, expected / deliverable otherwise)"),
        "industry_norm": ("number", "the trade's usual figure (absent: not known)"),
        "lower_is_better": ("boolean", "true for waits and lead times, false for a discount"),
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
        "at_risk": ("boolean", "not yet delivered, and better than what the business said it "
                    "can deliver (the latest request on its dimension, on or before it)"),
        "days_to_due": ("integer", "days left until a lead-time promise (days, weeks) falls "
                        "due; negative past it; absent for other units"),
    },
    "complaint": {
        "id": ("string", "the complaint's id"),
        "topic": ("string", "what it is about"),
        "severity": ("integer", "1-5"),
        "days_open": ("integer", "days since the complaint"),
        "acknowledged": ("boolean", "recovery step done"),
        "explained": ("boolean", "recovery step done"),
        "agreed": ("boolean", "recovery step done: the customer agreed to a proposed solution"),
        "compensated": ("boolean", "recovery step done"),
        "responsibility": ("string", "ours, shared, theirs or unknown"),
        "followed_up": ("boolean", "recovery step done"),
        "next_step": ("string", "the first recovery step not yet done"),
        "resolved": ("boolean", "the complaint has a resolved_at date"),
        "topic_count": ("integer", "complaints on this topic within the topic window"),
    },
}
