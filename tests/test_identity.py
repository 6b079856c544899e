"""Stable recommendation ids, due dates counted from the trigger, overdue and escalation
(issue 9, item 3), on the shipped core rulesets."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from loyalty_rules import ActionSpec
from loyalty_rules.decisions.identity import (
    Trigger,
    anchor_date,
    customer_trigger,
    recommendation_id,
)

#: the sample's C021: acknowledged on 19 November, the explanation still owed
C021 = {"id": "C021", "name": "马女士", "personality": "分析型", "locale": "zh", "events": [
    {"type": "purchase", "at": "2026-10-12", "amount": 500},
    {"type": "complaint", "at": "2026-11-19", "id": "K2", "topic": "服务态度", "severity": 3},
    {"type": "recovery", "at": "2026-11-19", "complaint_id": "K2", "step": "acknowledged"}]}


def rec(engine: Any, customer: dict[str, Any], as_of: str, action: str) -> Any:
    found = engine.evaluate(customer, as_of=as_of).recommendation(action)
    assert found is not None, f"{action} not recommended on {as_of}"
    return found


def test_a_complaint_step_keeps_its_id_and_due_date_and_escalates_when_late(core_engine):
    days = ("2026-11-19", "2026-11-20", "2026-11-23", "2026-12-11", "2027-01-21")
    steps = [rec(core_engine, C021, day, "explain") for day in days]
    assert len({s.id for s in steps}) == 1 and steps[0].id.startswith("rec-")
    # due the day after the apology was recorded, on every day (it used to be as_of + 1)
    assert {s.due for s in steps} == {dt.date(2026, 11, 20)}
    assert [s.overdue for s in steps] == [False, False, True, True, True]
    assert [s.role for s in steps] == ["consultant", "consultant", "manager", "manager",
                                       "manager"]
    assert steps[0].trigger == "complaint:K2"


def test_the_follow_up_is_due_a_week_after_the_compensation_not_after_the_run(core_engine):
    customer = {"id": "F", "events": [
        {"type": "complaint", "at": "2026-10-20", "id": "K9", "topic": "billing"},
        {"type": "recovery", "at": "2026-10-20", "complaint_id": "K9", "step": "acknowledged"},
        {"type": "recovery", "at": "2026-10-21", "complaint_id": "K9", "step": "explained"},
        {"type": "recovery", "at": "2026-10-24", "complaint_id": "K9", "step": "compensated"}]}
    follow = rec(core_engine, customer, "2026-11-12", "follow_up")
    assert follow.due == dt.date(2026, 10, 31) and follow.overdue is True
    assert follow.role == "manager"


def test_two_complaints_two_ids_and_the_next_step_a_new_one(core_engine):
    two = {"id": "T", "events": [
        {"type": "complaint", "at": "2026-11-21", "id": "A", "topic": "x"},
        {"type": "complaint", "at": "2026-11-21", "id": "B", "topic": "y"}]}
    decision = core_engine.evaluate(two, as_of="2026-11-22")
    # one recommendation per action today, but the id names complaint A
    apology = decision.recommendation("acknowledge_and_apologize")
    assert apology.trigger == "complaint:A"
    other = recommendation_id("T", "recovery", "acknowledge", "complaint:B")
    assert apology.id != other
    assert apology.id == recommendation_id("T", "recovery", "acknowledge", "complaint:A")
    explain = rec(core_engine, C021, "2026-11-20", "explain")
    acknowledged = dict(C021, events=C021["events"][:2])
    apology = rec(core_engine, acknowledged, "2026-11-20", "acknowledge_and_apologize")
    assert apology.id != explain.id


def test_a_request_reply_is_identified_by_its_request(core_engine):
    customer = {"id": "Q", "personality": "dominant", "events": [
        {"type": "request", "at": "2026-11-20", "dimension": "delivery", "expected": 7,
         "deliverable": 14, "unit": "days"}]}
    first = rec(core_engine, customer, "2026-11-20", "under_promise")
    later = rec(core_engine, customer, "2026-11-25", "under_promise")
    assert first.id == later.id and first.trigger == "request:2026-11-20#1"
    assert (first.due, first.overdue, later.overdue) == (dt.date(2026, 11, 20), False, True)
    assert later.role == "consultant"  # only recovery escalates
    again = dict(customer, events=customer["events"] + [dict(customer["events"][0],
                                                             at="2026-11-24")])
    newer = core_engine.evaluate(again, as_of="2026-11-25").recommendations
    assert {r.trigger for r in newer if r.action == "under_promise"} <= {
        "request:2026-11-20#1", "request:2026-11-24#1"}


def test_an_open_ended_state_keeps_its_id_until_carried_out(core_engine):
    dormant = {"id": "W", "events": [{"type": "purchase", "at": "2026-01-10", "amount": 300},
                                     {"type": "purchase", "at": "2026-03-10", "amount": 300}]}
    first = rec(core_engine, dormant, "2026-11-22", "wake_dormant")
    later = rec(core_engine, dormant, "2026-12-05", "wake_dormant")
    assert first.id == later.id and first.trigger == "days_since_activity:2026-03-10"
    assert first.overdue is None and "overdue" not in first.to_dict()
    assert first.due == dt.date(2026, 11, 22)  # no trigger date: due on the day it is given
    called = dict(dormant, events=dormant["events"] + [
        {"type": "contact", "at": "2026-11-23", "direction": "outbound",
         "action": "wake_dormant"}])
    retry = rec(core_engine, called, "2027-01-05", "wake_dormant")
    assert retry.id != first.id and retry.trigger.endswith("done:2026-11-23")


def test_the_611_contacts_are_due_on_their_date(core_engine):
    key_account = {"id": "K", "events": [{"type": "purchase", "at": "2026-09-01",
                                          "amount": 3000},
                                         {"type": "contact", "at": "2026-11-10",
                                          "direction": "outbound"}]}
    sms = rec(core_engine, key_account, "2026-12-01", "revisit_sms")
    assert (sms.due, sms.overdue, sms.trigger) == (
        dt.date(2026, 12, 1), False, "revisit_sms_pending_days:2026-12-01")
    december = rec(core_engine, key_account, "2026-12-15", "revisit_sms")
    assert december.id != sms.id


def test_every_recommendation_in_the_json_has_an_id_and_a_role(core_engine):
    decision = core_engine.evaluate(C021, as_of="2026-11-23").to_dict()
    for item in decision["recommendations"]:
        assert item["id"].startswith("rec-") and item["role"] in (
            "consultant", "store", "manager", "brand")
    json.dumps(decision, ensure_ascii=False)
    assert all(s["id"].startswith("rec-") for s in decision["suppressed"])


def test_identity_helpers():
    as_of = dt.date(2026, 11, 22)
    assert anchor_date("days_since_activity", 2, as_of) == dt.date(2026, 11, 20)
    assert anchor_date("revisit_sms_pending_days", 0, as_of) == as_of
    assert anchor_date("days_to_birthday", 3, as_of) == dt.date(2026, 11, 25)
    assert anchor_date("visits", 3, as_of) is None
    spec = ActionSpec("x.greet", "d", anchor=("visits",))
    assert customer_trigger(spec, "x.greet", {"visits": 3}, {}, as_of) == Trigger("visits:3")
    assert customer_trigger(None, "x.other", {}, {}, as_of) == Trigger("standing")
    assert recommendation_id("a", "b", "c", "d") != recommendation_id("a", "b", "c", "e")
    assert Trigger("k", as_of).due(as_of, 2) == dt.date(2026, 11, 24)


def test_an_action_declares_a_known_role_and_purpose():
    with pytest.raises(ValueError, match="role must be one of"):
        ActionSpec("x.y", "d", role="director")
    with pytest.raises(ValueError, match="purpose must be one of"):
        ActionSpec("x.y", "d", purpose="selling")
    assert ActionSpec("x.y", "d", urgent=True).group == "recovery"
    assert ActionSpec("x.y", "d", audience="business").group == "business"


def test_a_broken_promise_is_due_from_its_delivery(core_engine):
    events = [{"type": "promise", "at": "2026-11-01", "dimension": "delivery", "promised": 14,
               "delivered": 17, "unit": "days", "delivered_at": "2026-11-18"}]
    recovery = rec(core_engine, {"id": "P", "events": events}, "2026-11-20",
                   "recover_broken_promise")
    assert (recovery.due, recovery.overdue, recovery.role) == (
        dt.date(2026, 11, 18), True, "manager")
    undated = [dict(events[0], delivered_at=None)]
    undated[0].pop("delivered_at")
    recovery = rec(core_engine, {"id": "P", "events": undated}, "2026-11-20",
                   "recover_broken_promise")
    assert recovery.due == dt.date(2026, 11, 1) and recovery.trigger == "promise:2026-11-01#1"
