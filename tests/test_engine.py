"""The engine: deterministic, explained, arbitrated decisions; failures never leak raw."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from conftest import AS_OF, bare_manager, make_engine

from loyalty_rules import Computation, Decision, Engine, EngineError, RecordError, Rejected, \
    UsageError, hookimpl, parse_customer
from loyalty_rules.engine.host import RuleHost

DOMINANT = {"id": "D1", "name": "Mr Huang", "personality": "dominant", "locale": "en",
            "events": [{"type": "request", "at": "2026-11-20", "dimension": "delivery",
                        "expected": 7, "deliverable": 14, "unit": "days"}]}


def valued(cid: str = "V1", contacts: int = 0, **fields: Any) -> dict[str, Any]:
    events: list[dict[str, Any]] = [{"type": "purchase", "at": "2026-11-01", "amount": 6000}]
    events += [{"type": "contact", "at": f"2026-11-{20 + i}", "direction": "outbound"}
               for i in range(contacts)]
    return {"id": cid, "name": "Ann", **fields, "events": events}


def test_decision_follows_the_contract(basic_engine):
    decision = basic_engine.evaluate(DOMINANT, as_of=AS_OF)
    data = decision.to_dict()
    assert set(data) == {"customer_id", "as_of", "profile", "recommendations", "suppressed"}
    assert data["as_of"] == "2026-11-22" and data["customer_id"] == "D1"
    first = data["recommendations"][0]
    assert first == {
        "id": first["id"], "action": "set_expectations", "ruleset": "basic",
        "rule": "far-beyond", "guidance": ["EXP-05"], "priority": 85, "role": "consultant",
        "channel": "phone", "due": "2026-11-20", "overdue": True,
        "trigger": "request:2026-11-20#1", "params": {"expected": 7, "deliverable": 14},
        "script": "Mr Huang, you asked for 7; honestly we can do 14.",
        "explanation": {"request.ratio": 2.0}}
    under = decision.recommendation("under_promise")
    assert under.params == {"promise": 17, "unit": "days"}
    assert under.explanation == {"personality": "dominant", "request.deliverable": 14}
    assert [r.priority for r in decision.recommendations] == [85, 80]


def test_same_customer_and_date_always_give_the_same_decision(basic_engine):
    first = basic_engine.evaluate(DOMINANT, as_of="2026-11-22").to_dict()
    again = [basic_engine.evaluate(DOMINANT, as_of=AS_OF).to_dict() for _ in range(3)]
    other = make_engine().evaluate(DOMINANT, as_of=AS_OF).to_dict()
    assert all(d == first for d in again) and other == first


def test_as_of_not_the_clock_drives_time():
    engine = make_engine(parameters={"policy.conversations_per_day": 0})
    early = engine.evaluate(valued(birthday="1980-11-25"), as_of="2026-11-22")
    late = engine.evaluate(valued(birthday="1980-11-25"), as_of="2026-12-22")
    assert "birthday_greeting" in early.actions and "birthday_greeting" not in late.actions
    assert early.recommendation("birthday_greeting").channel == "wechat"


def test_derived_facts_reach_later_rules(basic_engine):
    decision = basic_engine.evaluate(valued(), as_of=AS_OF)
    assert decision.profile["derived"] == {"valued": True}
    assert decision.recommendation("keep_in_touch").rule == "never-contacted"
    assert "basic/valued" in decision.fired


def test_one_recommendation_per_action_the_highest_priority_wins(tmp_path):
    path = tmp_path / "rivals.yaml"
    path.write_text("""\
ruleset: rivals
rules:
  - id: low
    guidance: [CRM-07]
    when: {visits: {gte: 1}}
    then: {recommend: keep_in_touch, priority: 10, params: {why: low}}
  - id: high
    guidance: [CRM-07]
    when: {visits: {gte: 1}}
    then: {recommend: keep_in_touch, priority: 90, params: {why: high}}
scripts:
  keep_in_touch: {en: "{why}", zh: "{why}"}
""", encoding="utf-8")
    decision = make_engine(path).evaluate(
        {"id": "R", "events": [{"type": "visit", "at": "2026-11-01"}]}, as_of=AS_OF)
    assert decision.actions == ["keep_in_touch"]
    assert decision.recommendation("keep_in_touch").params == {"why": "high"}
    (dropped,) = decision.suppressed
    assert (dropped.rule, dropped.reason) == (
        "low", "duplicate action: rule 'high' (priority 90) chosen")


#: valued, birthday in 3 days, contacted on 16 November, complained on 21 November
CONTACTED_COMPLAINING = {"id": "K", "birthday": "1980-11-25", "events": [
    {"type": "purchase", "at": "2026-11-01", "amount": 6000},
    {"type": "contact", "at": "2026-11-16", "direction": "outbound"},
    {"type": "complaint", "at": "2026-11-21", "id": "K1"}]}


#: the same customer without the complaint
CONTACTED = dict(CONTACTED_COMPLAINING, events=CONTACTED_COMPLAINING["events"][:2])


def test_contact_cap_counts_history_and_spares_urgent_actions():
    engine = make_engine(parameters={"policy.max_contacts": 1, "basic.quiet_days": 3,
                                     "policy.conversations_per_day": 0})
    decision = engine.evaluate(CONTACTED_COMPLAINING, as_of=AS_OF)
    assert decision.actions == ["acknowledge_and_apologize"]  # urgent: kept over the cap
    apology = decision.recommendation("acknowledge_and_apologize")
    # due a day after the complaint of 21 November, not a day after as_of
    assert (apology.due, apology.overdue) == (dt.date(2026, 11, 22), False)
    reasons = {s.action: s.reason for s in decision.suppressed}
    # recovery first: nothing else is said while the complaint is open
    assert reasons == {
        "keep_in_touch": "recovery first: no relationship while acknowledge_and_apologize is "
                         "open",
        "birthday_greeting": "recovery first: no value while acknowledge_and_apologize is open"}
    quiet = engine.evaluate(CONTACTED, as_of=AS_OF)  # the 16 November contact fills the cap
    assert quiet.actions == []
    filled = "contact cap: 1 per 7 days, filled by a contact on 2026-11-16"
    assert {s.action: s.reason for s in quiet.suppressed} == {
        "keep_in_touch": filled, "birthday_greeting": filled}


def test_contact_cap_window_rolls_and_higher_priority_goes_first():
    engine = make_engine(parameters={"policy.max_contacts": 2, "basic.quiet_days": 3,
                                     "policy.conversations_per_day": 0})
    # 22 Nov: the contact of 16 Nov and keep-in-touch (40) fill both places
    today = engine.evaluate(CONTACTED, as_of=AS_OF)
    assert today.actions == ["keep_in_touch"]
    assert [s.action for s in today.suppressed] == ["birthday_greeting"]
    # 23 Nov: 16 Nov has left the 7-day window
    later = engine.evaluate(CONTACTED, as_of=dt.date(2026, 11, 23))
    assert later.actions == ["keep_in_touch", "birthday_greeting"]


def test_scripts_follow_the_customer_locale_unless_overridden(basic_engine):
    zh = dict(DOMINANT, id="Z", name="黄先生", locale="zh")
    assert basic_engine.evaluate(zh, as_of=AS_OF).recommendation("under_promise").script == \
        "黄先生，我们会在17天内为您办好。"  # the unit in the script's language (issue 8)
    forced = basic_engine.evaluate(zh, as_of=AS_OF, locale="en")
    assert forced.recommendation("under_promise").script.startswith("黄先生, we will")
    anonymous = basic_engine.evaluate({"id": "A", "birthday": "1980-11-22"}, as_of=AS_OF,
                                      locale="zh")
    # no name on file: the greeting leaves the name out instead of "您，生日快乐！"
    assert anonymous.recommendation("birthday_greeting").script == "生日快乐！"


def test_parameters_override_defaults_and_bad_ones_are_usage_errors():
    engine = make_engine(parameters={"basic.dominant_margin": 0.5,
                                     "profile.dormancy_factor": 10})
    assert engine.evaluate(DOMINANT, as_of=AS_OF).recommendation("under_promise") \
        .params["promise"] == 21
    with pytest.raises(UsageError, match="unknown parameter 'basic.dominant_margn'"):
        make_engine(parameters={"basic.dominant_margn": 0.5})
    with pytest.raises(UsageError, match="expected a number"):
        make_engine(parameters={"basic.dominant_margin": "lots"})


def test_evaluate_many_keeps_order_and_passes_rejections_through(basic_engine):
    bad = Rejected(())
    records = [DOMINANT, {"id": "X", "kind": "alien"}, bad, valued()] * 3
    results = list(make_engine(batch_size=2).evaluate_many(records, AS_OF))
    assert [type(r).__name__ for r in results] == ["Decision", "Rejected", "Rejected",
                                                   "Decision"] * 3
    assert results[2] is bad
    assert "kind: expected one of" in str(results[1])


def test_bad_record_raises_a_record_error_from_evaluate(basic_engine):
    with pytest.raises(RecordError, match="events\\[0\\].amount: missing required field"):
        basic_engine.evaluate({"id": "B", "events": [{"type": "purchase", "at": "2026-01-01"}]},
                              as_of=AS_OF)
    with pytest.raises(UsageError, match="as_of"):
        basic_engine.evaluate(DOMINANT, as_of="22/11/2026")


class Exploding:
    @staticmethod
    @hookimpl
    def register_computations(register: Callable[[Any], None]) -> None:
        def explode(value: float) -> float:
            raise ZeroDivisionError("boom")
        register(Computation("explode", explode, ("value",)))


def test_a_failing_computation_rejects_that_customer_only(tmp_path):
    path = tmp_path / "explode.yaml"
    path.write_text("""\
ruleset: explode
rules:
  - id: boom
    guidance: [CRM-07]
    when: {visits: {gt: 1}}
    then: {recommend: keep_in_touch, params: {x: {compute: explode, value: {field: visits}}}}
scripts:
  keep_in_touch: {en: "{x}", zh: "{x}"}
""", encoding="utf-8")
    manager = bare_manager()
    manager.register(Exploding(), name="exploding")
    engine = Engine(plugins=["exploding"], rulesets=[path], plugin_manager=manager)
    visits = [{"type": "visit", "at": "2026-11-01"}] * 2
    results = list(engine.evaluate_many([{"id": "ok"}, {"id": "bad", "events": visits}],
                                        AS_OF))
    assert isinstance(results[0], Decision)
    assert str(results[1]) == ("rule 'explode/boom': computation 'explode' failed: "
                               "ZeroDivisionError: boom")


def test_an_engine_failure_costs_only_the_customer_that_caused_it(basic_engine, monkeypatch):
    original = RuleHost.fire

    def fire(self, part, facts):
        if any(f["id"].startswith("1:") for f in facts):  # the 2nd customer of the batch
            raise EngineError("durable_rules error 303: a fact matched too many rules at once")
        return original(self, part, facts)

    monkeypatch.setattr(RuleHost, "fire", fire)
    records = [DOMINANT, {"id": "poison"}, valued()]
    results = list(basic_engine.evaluate_many(records, AS_OF))
    assert [type(r).__name__ for r in results] == ["Decision", "Rejected", "Decision"]
    assert "error 303" in str(results[1]) and results[1].customer_id == "poison"
    assert results[0].actions == ["set_expectations", "under_promise"]


def test_several_engines_live_side_by_side_without_threads():
    before = threading.active_count()
    engines = [make_engine(parameters={"basic.dominant_margin": m}) for m in (0.1, 0.2, 0.5)]
    promises = [e.evaluate(DOMINANT, as_of=AS_OF).recommendation("under_promise")
                .params["promise"] for e in engines]
    assert promises == [16, 17, 21]
    assert threading.active_count() == before


def _rss_kb() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4


def test_memory_stays_flat_across_100k_customers(basic_engine):
    customer = parse_customer(dict(DOMINANT, events=DOMINANT["events"] + [
        {"type": "complaint", "at": "2026-11-21", "id": "K"},
        {"type": "promise", "at": "2026-11-10", "promised": 3, "delivered": 5}]))

    def run(count: int) -> None:
        for decision in basic_engine.evaluate_many((customer for _ in range(count)), AS_OF):
            assert isinstance(decision, Decision)

    run(20_000)  # warm up: allocator pools, caches
    start = _rss_kb()
    run(100_000)
    grown_mb = (_rss_kb() - start) / 1024
    assert grown_mb < 16, f"RSS grew {grown_mb:.1f} MB over 100k customers"


def test_a_rule_matching_several_items_gives_one_recommendation(basic_engine):
    customer = {"id": "P", "events": [
        {"type": "promise", "at": "2026-11-10", "promised": 3, "delivered": 5},
        {"type": "promise", "at": "2026-11-11", "promised": 3, "delivered": 4}]}
    decision = basic_engine.evaluate(customer, as_of=AS_OF)
    assert decision.actions == ["recover_broken_promise"]
    assert decision.suppressed == ()


def test_a_rule_whose_any_branches_all_match_fires_once(tmp_path):
    path = tmp_path / "branches.yaml"
    path.write_text("""\
ruleset: branches
rules:
  - id: either
    guidance: [CRM-07]
    when:
      any:
        - visits: {gte: 1}
        - purchases: {gte: 1}
        - spend: {gt: 0}
    then: {recommend: keep_in_touch, priority: 100}
scripts:
  keep_in_touch: {en: "hi {name}", zh: "{name}你好"}
""", encoding="utf-8")
    engine = make_engine(path)
    customer = {"id": "B", "events": [{"type": "visit", "at": "2026-11-01"},
                                      {"type": "purchase", "at": "2026-11-02", "amount": 5}]}
    decision = engine.evaluate(customer, as_of=AS_OF)
    assert decision.actions == ["keep_in_touch"]
    assert decision.suppressed == ()
    assert decision.fired == ("branches/either",)
