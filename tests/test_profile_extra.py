"""The derived facts the core rulesets added: action recency, the 611 dates, churn, next tier."""

from __future__ import annotations

import datetime as dt

import pytest

from loyalty_rules import ProfileParameters, derive_profile, parse_customer
from loyalty_rules.facts.profile import ACTION_RECENCY, ITEM_FIELDS, PROFILE_FIELDS, REVISIT_DATES

AS_OF = dt.date(2026, 11, 22)


def profile(events, as_of=AS_OF, params=None, **fields):
    customer = parse_customer({"id": "C", **fields, "events": events})
    return derive_profile(customer, as_of, params)


def contact(at, action, direction="outbound"):
    return {"type": "contact", "at": at, "action": action, "direction": direction}


def test_every_new_field_is_declared():
    for action in ACTION_RECENCY:
        assert PROFILE_FIELDS[f"days_since_{action}"][0] == "integer"
    for action in REVISIT_DATES:
        assert PROFILE_FIELDS[f"{action}_pending_days"][0] == "integer"
    for name in ("days_since_survey", "churn_reason", "days_since_churn", "next_tier",
                 "spend_to_next_tier"):
        assert name in PROFILE_FIELDS
    assert ITEM_FIELDS["promise"]["recovered"][0] == "boolean"


def test_days_since_an_action_counts_from_its_latest_contact():
    p = profile([contact("2026-10-01", "surprise"), contact("2026-11-02", "surprise"),
                 contact("2026-11-20", "upsell", direction="inbound"),
                 contact("2026-11-21", None)])
    assert p.get("days_since_surprise") == 20
    assert p.get("days_since_upsell") == 2  # whoever made it, the action was carried out
    assert p.get("days_since_ask_referral") is None  # never: absent, not 0
    assert p.get("days_since_contact") == 1


def test_a_contact_after_as_of_does_not_count():
    p = profile([contact("2026-11-25", "surprise")])
    assert p.get("days_since_surprise") is None


@pytest.mark.parametrize(("as_of", "sms", "short", "long"), [
    ("2026-11-22", 7, 7, 53),    # 15 Nov; 1 Oct + 45 days = 15 Nov; 30 Sep
    ("2026-11-15", 0, 0, 46),
    ("2026-11-14", 13, 91, 45),  # 1 Nov; the previous quarter's 15 Aug; 30 Sep
    ("2026-12-31", 16, 46, 0),   # the quarter's last day
    ("2026-02-15", 0, 0, 46),    # CRM-04's own example: day 45 of Q1 "即2月15日"
    ("2026-01-01", 0, 47, 1),    # a new quarter: the short call of 15 Nov 2025
])
def test_the_611_dates_are_pending_until_done(as_of, sms, short, long):
    p = profile([], as_of=dt.date.fromisoformat(as_of))
    assert p.get("revisit_sms_pending_days") == sms
    assert p.get("revisit_call_short_pending_days") == short
    assert p.get("revisit_call_long_pending_days") == long


def test_a_611_contact_made_on_or_after_its_date_clears_it():
    p = profile([contact("2026-11-15", "revisit_sms"), contact("2026-11-14", "revisit_call_short"),
                 contact("2026-10-02", "revisit_call_long")])
    assert p.get("revisit_sms_pending_days") is None
    assert p.get("revisit_call_short_pending_days") == 7  # made the day before: not this one
    assert p.get("revisit_call_long_pending_days") is None


def test_survey_age_and_churn_details():
    p = profile([{"type": "purchase", "at": "2026-01-10", "amount": 100},
                 {"type": "survey", "at": "2026-11-02", "score": 8, "scale": 10},
                 {"type": "churn", "at": "2026-11-12", "reason": "moved away"}])
    assert p.get("days_since_survey") == 20 and p.get("survey_score") == 4.0
    assert p.get("churned") is True
    # free text (version 1) is kept as the note of an `other` reason
    assert p.get("days_since_churn") == 10 and p.get("churn_reason") == "other"
    assert p.get("churn_note") == "moved away"


def test_churn_details_disappear_when_the_customer_comes_back():
    p = profile([{"type": "churn", "at": "2026-06-01", "reason": "price"},
                 {"type": "purchase", "at": "2026-09-10", "amount": 100}])
    assert p.get("churned") is False
    assert p.get("days_since_churn") is None and p.get("churn_reason") is None


@pytest.mark.parametrize(("spend", "tier", "upper", "gap"), [
    (0, "P", "IP", 500.0),
    (1800, "IP", "VIP", 200.0),
    (2000, "VIP", "double_VIP", 8000.0),
    (49999.5, "double_VIP", "triple_VIP", 0.5),
    (50000, "triple_VIP", None, None),
])
def test_next_tier_and_the_spend_to_reach_it(spend, tier, upper, gap):
    events = [{"type": "purchase", "at": "2026-05-01", "amount": spend}] if spend else []
    p = profile(events)
    assert p.get("tier") == tier
    assert p.get("next_tier") == upper
    assert p.get("spend_to_next_tier") == gap


def test_next_tier_follows_the_tier_parameters():
    p = profile([{"type": "purchase", "at": "2026-05-01", "amount": 300}],
                params=ProfileParameters(tier_ip_spend=200.0, tier_vip_spend=400.0))
    assert (p.get("tier"), p.get("next_tier"), p.get("spend_to_next_tier")) == ("IP", "VIP", 100.0)


def test_a_broken_promise_is_recovered_by_a_contact_naming_the_action():
    broken = {"type": "promise", "at": "2026-11-10", "promised": 5, "delivered": 8,
              "unit": "days"}
    before = profile([contact("2026-11-09", "recover_broken_promise"), broken])
    after = profile([broken, contact("2026-11-12", "recover_broken_promise")])
    (item,) = [i for i in before.items if i.kind == "promise"]
    assert item.values["gap"] == -3 and item.values["recovered"] is False
    (item,) = [i for i in after.items if i.kind == "promise"]
    assert item.values["recovered"] is True
