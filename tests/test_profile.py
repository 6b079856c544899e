"""Derived facts are pure functions of the customer, `as_of` and the parameters."""

from __future__ import annotations

import datetime as dt

import pytest

from loyalty_rules import ProfileParameters, derive_profile, parse_customer

AS_OF = dt.date(2026, 11, 22)


def profile(events, as_of=AS_OF, params=None, **fields):
    customer = parse_customer({"id": "C", **fields, "events": events})
    return derive_profile(customer, as_of, params)


def purchase(at, amount, profit=None):
    event = {"type": "purchase", "at": at, "amount": amount}
    if profit is not None:
        event["profit"] = profit
    return event


def test_recency_frequency_spend_profit_and_usual_interval():
    p = profile([purchase("2026-01-01", 100), purchase("2026-03-02", 300, 50),
                 purchase("2026-05-01", 200)])
    assert p.get("purchases") == 3
    assert p.get("spend") == 600 and p.get("profit") == 350  # profit defaults to amount
    assert p.get("average_order") == 200
    assert p.get("days_since_purchase") == (AS_OF - dt.date(2026, 5, 1)).days
    assert p.get("usual_interval_days") == 60.0


def test_events_after_as_of_are_ignored():
    p = profile([purchase("2026-01-01", 100), purchase("2027-01-01", 999)])
    assert p.get("purchases") == 1 and p.get("spend") == 100


def test_days_since_activity_ignores_our_own_outbound_contacts():
    p = profile([{"type": "visit", "at": "2026-11-01"},
                 {"type": "contact", "at": "2026-11-20", "direction": "outbound"}])
    assert p.get("days_since_activity") == 21
    assert p.get("days_since_contact") == 2


@pytest.mark.parametrize("lower_is_better, promised, delivered, gap", [
    (True, 10, 12, -2),   # two days late: disappointed
    (True, 10, 8, 2),     # two days early: delighted
    (False, 100, 90, -10),  # fewer units than promised
    (False, 100, 110, 10),
])
def test_satisfaction_gap_is_experience_minus_expectation(lower_is_better, promised,
                                                          delivered, gap):
    p = profile([{"type": "promise", "at": "2026-11-10", "promised": promised,
                  "delivered": delivered, "lower_is_better": lower_is_better}])
    assert p.get("satisfaction_gap") == gap
    assert p.get("broken_promises") == (1 if gap < 0 else 0)
    (item,) = p.items
    assert item.kind == "promise" and item.values["gap"] == gap


def test_open_requests_close_when_a_promise_answers_them():
    events = [{"type": "request", "at": "2026-11-20", "dimension": "delivery",
               "expected": 7, "deliverable": 14, "unit": "days"}]
    p = profile(events)
    assert p.get("open_requests") == 1
    (item,) = p.items
    assert item.values["shortfall"] == 7 and item.values["ratio"] == 2.0
    answered = profile(events + [{"type": "promise", "at": "2026-11-21",
                                  "dimension": "delivery", "promised": 17}])
    assert answered.get("open_requests") == 0
    old = profile(events, as_of=dt.date(2027, 1, 30))
    assert old.get("open_requests") == 0  # older than request_open_days


def test_complaint_state_walks_the_recovery_steps():
    events = [{"type": "complaint", "at": "2026-11-18", "id": "K1", "topic": "parking"},
              {"type": "recovery", "at": "2026-11-18", "complaint_id": "K1",
               "step": "acknowledged"},
              {"type": "complaint", "at": "2026-06-01", "id": "K0", "topic": "parking"}]
    p = profile(events)
    items = {i.values["id"]: i.values for i in p.items}
    assert items["K1"]["acknowledged"] and not items["K1"]["explained"]
    assert items["K1"]["next_step"] == "explained"
    assert items["K0"]["next_step"] == "acknowledged"
    assert items["K1"]["topic_count"] == 2 and items["K1"]["days_open"] == 4
    done = profile(events + [{"type": "recovery", "at": "2026-11-20", "complaint_id": "K1",
                              "step": "followed_up"}])
    assert done.get("open_complaints") == 1  # K0 still open


def test_survey_score_is_normalised_to_five():
    assert profile([{"type": "survey", "at": "2026-11-01", "score": 8, "scale": 10}]) \
        .get("survey_score") == 4.0


@pytest.mark.parametrize("events, stage", [
    ([], "stranger"),
    ([{"type": "visit", "at": "2026-11-01"}], "expectation"),
    ([purchase("2026-11-01", 10)], "purchase"),
    ([purchase("2026-10-01", 10), purchase("2026-11-01", 10)], "repeat"),
    ([purchase("2026-10-01", 10), {"type": "referral", "at": "2026-11-01"}], "advocate"),
])
def test_loyalty_stages(events, stage):
    p = profile(events)
    assert p.get("loyalty_stage") == stage
    assert p.get("loyalty_percent") == {"stranger": 0, "expectation": 10, "purchase": 50,
                                        "repeat": 70, "advocate": 99}[stage]


@pytest.mark.parametrize("amounts, segment", [
    ([600, 600], "true_friend"),    # loyal and profitable
    ([1200], "butterfly"),          # profitable, one purchase
    ([100, 100], "barnacle"),       # loyal, little profit
    ([100], "stranger"),
])
def test_loyalty_by_profit_segments(amounts, segment):
    events = [purchase(f"2026-{m + 9:02d}-01", a) for m, a in enumerate(amounts)]
    assert profile(events).get("segment") == segment


def test_thresholds_are_parameters():
    events = [purchase("2026-10-01", 600), purchase("2026-11-01", 600)]
    assert profile(events).get("tier") == "IP"
    params = ProfileParameters(tier_vip_spend=1000, high_profit=5000)
    p = profile(events, params=params)
    assert p.get("tier") == "VIP" and p.get("segment") == "barnacle"
    assert ProfileParameters.from_mapping({"dormancy_factor": "3"}).dormancy_factor == 3.0


def test_dormancy_uses_the_customers_own_rhythm():
    # buys every 30 days; last purchase 70 days ago: 70 > 30 × 2
    events = [purchase("2026-07-15", 10), purchase("2026-08-14", 10), purchase("2026-09-13", 10)]
    assert profile(events).get("dormant") is True
    assert profile(events, params=ProfileParameters(dormancy_factor=3)).get("dormant") is False
    # one purchase 100 days ago: the default interval (90) × 2 is not yet passed
    assert profile([purchase("2026-08-14", 10)]).get("dormant") is False


def test_churned_customers_are_not_dormant_and_buying_again_unchurns():
    left = [purchase("2026-01-01", 10), {"type": "churn", "at": "2026-02-01"}]
    p = profile(left)
    assert p.get("churned") is True and p.get("dormant") is False
    assert profile(left + [purchase("2026-03-01", 10)]).get("churned") is False


def test_birthday_and_calendar_facts():
    p = profile([], birthday="1980-11-25")
    assert p.get("days_to_birthday") == 3
    assert p.get("day_of_month") == 22 and p.get("day_of_quarter") == 53
    assert p.get("days_to_quarter_end") == 39
    leap = profile([], as_of=dt.date(2027, 2, 27), birthday="1980-02-29")
    assert leap.get("days_to_birthday") == 2  # 1 March in a common year
    end = profile([], as_of=dt.date(2026, 12, 31))
    assert end.get("days_to_quarter_end") == 0 and end.get("day_of_quarter") == 92


def test_engaged_visits_count_the_window_before_the_last_activity():
    visits = [{"type": "visit", "at": d} for d in ("2026-05-01", "2026-08-01", "2026-08-20",
                                                   "2026-09-10")]
    assert profile(visits).get("engaged_visits") == 3  # two months before 10 September
