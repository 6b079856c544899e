"""The hotel pack's own tests: its facts and attributes. Its rules: scenarios/hotel_rules.yaml."""

from __future__ import annotations

import datetime as dt

import pytest

import loyalty_rules_hotel
from loyalty_rules import Customer, Rejected, derive_profile
from loyalty_rules_hotel.facts import calculate

AS_OF = dt.date(2026, 11, 22)


def facts(attributes, events=()):
    customer = Customer("G1", attributes=attributes, events=events)
    return calculate(customer, AS_OF, derive_profile(customer, AS_OF))


@pytest.fixture(scope="module")
def engine(request):
    from loyalty_rules import Engine, get_plugin_manager

    manager = get_plugin_manager(load_entrypoints=False)  # this module, not what is installed
    manager.register(loyalty_rules_hotel, name="hotel")
    return Engine(plugins=["hotel"], plugin_manager=manager)


def test_a_customer_without_hotel_attributes_is_not_the_packs():
    assert facts({}) is None
    assert facts({"vehicle_model": "Passat", "favourite_dish": "noodles"}) is None


def test_arrival_preferences_and_vip_flag():
    found = facts({"arrival_on": "2026-11-25T15:00:00", "previous_stays": 2, "vip_guest": True,
                   "room_preference": "twin beds"})
    assert found["days_to_arrival"] == 3
    assert found["returning"] and found["vip"] and found["room_preference"] == "twin beds"
    assert found["incident_open"] is False and "incident" not in found


def test_an_incident_stays_open_until_recovered_and_not_before_it_happens():
    assert facts({"incident": "overbooking", "incident_on": "2026-11-20"})["incident_open"]
    assert not facts({"incident": "overbooking", "incident_recovered": True})["incident_open"]
    assert "incident" not in facts({"incident": "overbooking", "incident_on": "2026-12-01"})


def test_an_unknown_incident_rejects_the_record_naming_the_plugin(engine):
    results = list(engine.evaluate_many([
        {"id": "bad", "attributes": {"incident": "noisy neighbours"}},
        {"id": "good", "attributes": {"incident": "overbooking"}},
    ], AS_OF))
    assert isinstance(results[0], Rejected)
    message = str(results[0].problems[0])
    assert "plugin 'hotel'" in message and "attributes.incident" in message
    assert "room_access_dispute or overbooking" in message
    assert results[1].actions == ["hotel.overbooking_recovery"]


def test_a_wrongly_typed_attribute_is_rejected_before_the_calculator_runs(engine):
    result = next(engine.evaluate_many([{"id": "x", "attributes": {"previous_stays": "3"}}],
                                       AS_OF))
    assert isinstance(result, Rejected)
    assert [p.path for p in result.problems] == ["attributes.previous_stays"]


def test_a_guest_both_returning_and_vip_is_recognised_once(engine):
    decision = engine.evaluate({"id": "x", "attributes": {
        "arrival_on": "2026-11-23", "previous_stays": 3, "vip_guest": True}}, AS_OF)
    assert decision.actions.count("hotel.pre_arrival_recognition") == 1
    assert decision.suppressed == ()
