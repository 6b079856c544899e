"""The salon pack's tests, with the fixtures loyalty_rules ships for plugin authors."""

import loyalty_rules_salon
from loyalty_rules import Customer, derive_profile
from loyalty_rules_salon.facts import calculate

LI = {"id": "C1", "name": "Ms Li", "attributes": {"stylist": "Amy", "cycle_weeks": 6},
      "events": [{"type": "purchase", "at": "2026-09-26", "amount": 95}]}


def test_an_overdue_client_is_offered_a_slot_by_their_stylist(loyalty_engine_factory,
                                                               loyalty_as_of):
    engine = loyalty_engine_factory(("salon", loyalty_rules_salon))
    rebook = engine.evaluate(LI, loyalty_as_of).recommendation("salon.rebook")
    assert rebook.rule == "rebook-with-stylist"
    assert rebook.params == {"weeks": 8, "stylist": "Amy"}
    assert rebook.script == ("Ms Li, it has been 8 weeks since your last visit. "
                             "Shall Amy keep a slot for you this week?")


def test_a_booked_client_is_not_chased(loyalty_engine_factory, loyalty_as_of):
    engine = loyalty_engine_factory(("salon", loyalty_rules_salon))
    booked = dict(LI, attributes=dict(LI["attributes"], next_appointment_on="2026-12-01"))
    assert "salon.rebook" not in engine.evaluate(booked, loyalty_as_of).actions


def test_the_grace_period_is_a_parameter(loyalty_engine_factory, loyalty_as_of):
    engine = loyalty_engine_factory(("salon", loyalty_rules_salon),
                                    parameters={"salon.grace_days": 30})
    assert "salon.rebook" not in engine.evaluate(LI, loyalty_as_of).actions


def test_a_customer_without_salon_attributes_is_not_the_salons(loyalty_as_of):
    customer = Customer("X", attributes={"vehicle_model": "Regal"})
    assert calculate(customer, loyalty_as_of, derive_profile(customer, loyalty_as_of)) is None
