"""The auto pack's own tests: its facts and attributes. Its rules: scenarios/auto_rules.yaml."""

from __future__ import annotations

import datetime as dt

import pytest

import loyalty_rules_auto
from loyalty_rules import Customer, Rejected, derive_profile
from loyalty_rules_auto.facts import calculate, whole_months

AS_OF = dt.date(2026, 11, 22)


def facts(**attributes):
    customer = Customer("C1", attributes=attributes)
    return calculate(customer, AS_OF, derive_profile(customer, AS_OF))


@pytest.fixture(scope="module")
def engine():
    from loyalty_rules import Engine, get_plugin_manager

    manager = get_plugin_manager(load_entrypoints=False)  # this module, not what is installed
    manager.register(loyalty_rules_auto, name="auto")
    return Engine(plugins=["auto"], plugin_manager=manager)


def test_a_customer_without_car_attributes_is_not_the_packs():
    assert facts() is None
    assert facts(room_preference="high floor") is None
    assert facts(vehicle_model=None) is None


@pytest.mark.parametrize(("since", "months"), [
    ("2026-05-22", 6), ("2026-05-23", 5), ("2026-11-22", 0), ("2025-11-30", 11),
])
def test_whole_months_count_only_completed_months(since, months):
    assert whole_months(dt.date.fromisoformat(since), AS_OF) == months


def test_owner_facts_from_delivery_service_and_odometer():
    found = facts(vehicle_model="Regal", vehicle_bought_on="2021-05-22",
                  last_service_on="2026-02-01", odometer_km=70000,
                  odometer_at_last_service_km=64500)
    assert found["owner"] is True and found["prospect"] is False
    assert found["car_age_years"] == 5.5
    assert found["months_since_service"] == 9
    assert found["km_since_service"] == 5500
    assert found["repair_open"] is False and "repair_days" not in found


def test_a_repair_time_is_known_only_once_the_parts_are():
    unchecked = facts(repair_estimate_days=2)
    assert unchecked["repair_open"] and not unchecked["parts_checked"]
    assert "repair_days" not in unchecked
    ordered = facts(repair_estimate_days=2, parts_in_stock=False, parts_lead_days=5)
    assert ordered["parts_checked"] and ordered["repair_days"] == 7
    assert facts(repair_estimate_days=2, parts_in_stock=True, parts_lead_days=5)[
        "repair_days"] == 2


def test_future_dates_do_not_count_yet():
    found = facts(test_drive_on="2026-12-01", vehicle_bought_on="2027-01-01")
    assert "days_since_test_drive" not in found and "car_age_years" not in found
    assert found["prospect"] is False


def test_a_wrongly_typed_attribute_rejects_only_that_record(engine):
    results = list(engine.evaluate_many([
        {"id": "bad", "attributes": {"odometer_km": "a lot"}},
        {"id": "good", "attributes": {"odometer_km": 1200, "last_service_on": "2026-01-01"}},
    ], AS_OF))
    assert isinstance(results[0], Rejected)
    assert [p.path for p in results[0].problems] == ["attributes.odometer_km"]
    assert "auto.service_reminder" in results[1].actions


def test_the_pack_registers_through_every_hook(engine):
    added = engine.registry.added_by("auto")
    assert added["fact namespace"] == ["auto"]
    assert "auto.service_reminder" in added["action"] and "vehicle_model" in added["attribute"]
    assert [rs.name for rs in engine.rulesets if rs.plugin == "auto"] == ["auto"]
