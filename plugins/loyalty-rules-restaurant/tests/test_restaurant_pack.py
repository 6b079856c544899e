"""The restaurant pack's own tests: facts and attributes. Rules: scenarios/restaurant_rules.yaml."""

from __future__ import annotations

import datetime as dt

from loyalty_rules import Customer, derive_profile, parse_customer
from loyalty_rules_restaurant.facts import calculate

AS_OF = dt.date(2026, 11, 22)


def facts(attributes, dates=()):
    customer = parse_customer({"id": "D1", "attributes": attributes, "events": [
        {"type": "purchase", "at": day, "amount": 100} for day in dates]})
    return calculate(customer, AS_OF, derive_profile(customer, AS_OF))


def test_a_customer_without_restaurant_attributes_is_not_the_packs():
    customer = Customer("D1", attributes={"arrival_on": "2026-11-23"})
    assert calculate(customer, AS_OF, derive_profile(customer, AS_OF)) is None


def test_meals_are_the_purchases_of_the_last_365_days():
    found = facts({"member": True}, ["2025-11-22", "2025-11-23", "2026-11-22", "2026-11-30"])
    assert found["meals_last_year"] == 2  # a year ago to the day is out, the future too


def test_only_todays_queue_is_a_wait():
    today = facts({"queued_on": "2026-11-22", "wait_estimate_minutes": 25, "party_size": 4})
    assert today["waiting"] and today["wait_estimate"] == 25 and today["party_size"] == 4
    yesterday = facts({"queued_on": "2026-11-21", "wait_estimate_minutes": 25})
    assert not yesterday["waiting"] and "wait_estimate" not in yesterday


def test_emotional_loyalty_is_attachment_to_a_person():
    assert facts({"favourite_staff": "Xiao Li"})["emotional_loyalty"] == "high"
    assert facts({"favourite_dish": "dumplings"})["emotional_loyalty"] == "low"


def test_booking_and_treat_dates():
    found = facts({"booking_on": "2026-11-23", "booking_guests": 5, "last_treat_on": "2026-08-24"})
    assert found["days_to_booking"] == 1 and found["booking_guests"] == 5
    assert found["days_since_treat"] == 90
    assert found["member"] is False
