"""The event store, the same suite on SQLite and on PostgreSQL: ingestion (idempotent,
conflicts quarantined, bad events located), flat history, the recommendation lifecycle."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
import sqlalchemy as sa
from conftest import ROOT
from store_fixtures import store_url  # noqa: F401 (the fixture)

from loyalty_rules import Engine
from loyalty_rules.errors import NotFoundError, RecordError
from loyalty_rules.store import Store
from loyalty_rules.store.schema import events, metadata, quarantine

SAMPLES = ROOT / "samples" / "customers.jsonl"
DAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


@pytest.fixture
def store(store_url, engine):  # noqa: F811
    with Store(store_url, engine=engine) as opened:
        yield opened


def rows(store: Store, table: sa.Table) -> int:
    with store.database.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_migrations_create_exactly_the_schema(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with store.database.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
    Store(store.url, engine=store.engine).close()  # opening again migrates nothing, fails nothing


def test_ingesting_twice_stores_once(store):
    first = store.ingest(SAMPLES)
    assert first.customers == {"added": 66, "updated": 0, "unchanged": 0}
    stored = rows(store, events)
    assert first.events["added"] == stored > 150
    again = store.ingest(SAMPLES)
    assert again.customers == {"added": 0, "updated": 0, "unchanged": 66}
    assert again.events == {"added": 0, "duplicate": stored, "conflict": 0}
    assert rows(store, events) == stored


def test_identical_events_sent_together_stay_two(store):
    purchase = {"type": "purchase", "at": "2026-11-01", "amount": 50}
    store.put_customer({"id": "P1", "events": [purchase, purchase]})
    store.put_customer({"id": "P1", "events": [purchase, purchase]})
    with store.database.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(events).where(
            events.c.customer_id == "P1")).scalar_one() == 2


def test_a_resent_id_is_a_no_op_and_a_changed_payload_is_quarantined(store):
    store.put_customer({"id": "Q1"})
    visit = {"customer_id": "Q1", "event": {"id": "e-1", "type": "visit", "at": "2026-11-20"}}
    changed = {"customer_id": "Q1", "event": {"id": "e-1", "type": "visit", "at": "2026-11-21"}}
    assert [r.status for r in store.add_events([visit])] == ["added"]
    assert [r.status for r in store.add_events([visit, changed, changed])] == [
        "duplicate", "conflict", "conflict"]
    (conflict,) = store.quarantined()  # reported each time, quarantined once
    assert conflict == {"id": "e-1", "customer_id": "Q1",
                        "event": {"id": "e-1", "type": "visit", "at": "2026-11-21"},
                        "kept": {"customer_id": "Q1",
                                 "event": {"id": "e-1", "type": "visit", "at": "2026-11-20"}}}
    history = store.decision("Q1", DAY).profile
    assert history["visits"] == 1  # the stored event stays as it was


def test_bad_events_are_rejected_with_located_problems_and_the_rest_goes_in(store, tmp_path):
    source = tmp_path / "mixed.jsonl"
    source.write_text("\n".join(json.dumps(c) for c in (
        {"id": "G1", "events": [{"type": "visit", "at": "2026-11-20"}]},
        {"id": "B1", "events": [{"type": "visit", "at": "2026-11-20"},
                                {"type": "purchase", "at": "someday"}]},
        {"id": "G2"})) + "\n", encoding="utf-8")
    report = store.ingest(source)
    assert report.customers["added"] == 2
    assert [str(p) for r in report.rejected for p in r.problems] == [
        f"{source}:2: events[1].at: expected an ISO 8601 date (YYYY-MM-DD), got 'someday'",
        f"{source}:2: events[1].amount: missing required field"]
    assert store.customer_ids() == ["G1", "G2"]
    results = store.add_events([
        {"customer_id": "G1", "event": {"type": "survey", "at": "2026-11-21", "score": 9}},
        {"customer_id": "G1", "event": {"type": "visit", "at": "2026-11-21"}},
        {"customer_id": "G9", "event": {"type": "visit", "at": "2026-11-21"}}])
    assert [r.status for r in results] == ["rejected", "added", "rejected"]
    assert [str(p) for p in results[0].problems] == [
        "$[0].event.score: score must lie between 0 and the scale (5)"]
    assert str(results[2].problems[0]).startswith("$[2].customer_id: unknown customer 'G9'")
    with pytest.raises(RecordError) as caught:
        store.put_customer({"id": "B2", "events": [{"type": "visit"}]})
    assert [str(p) for p in caught.value.problems] == ["events[0].at: missing required field"]


def test_concurrent_ingestion_of_the_same_events_stores_them_once(store):
    store.put_customer({"id": "R1"})
    batch = [{"customer_id": "R1", "event": {"id": f"r-{n}", "type": "visit",
                                             "at": f"2026-11-{1 + n % 28:02d}"}}
             for n in range(40)]
    failures: list[BaseException] = []

    def send() -> None:
        try:
            store.add_events(batch)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            failures.append(exc)
    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert rows(store, events) == 40 and rows(store, quarantine) == 0


def recommendation(store: Store, customer: str, action: str, day: dt.date = DAY):
    decision = store.decision(customer, day)
    found = decision.recommendation(action)
    assert found is not None, (action, decision.actions)
    return found


def test_done_appends_a_contact_naming_the_action(store):
    store.ingest(SAMPLES)
    rec = recommendation(store, "C045", "wake_dormant")
    assert rec.status == "open"
    result = store.record_outcome(rec.id, {"status": "done", "at": "2026-11-22",
                                           "channel": "phone", "outcome": "accepted"})
    assert result["event"] == {"type": "contact", "at": "2026-11-22", "direction": "outbound",
                               "action": "wake_dormant", "channel": "phone",
                               "id": f"outcome:{rec.id}:2026-11-22"}
    after = store.decision("C045", DAY)
    assert "wake_dormant" not in [r.action for r in after.recommendations
                                  if r.status == "open"]
    assert store.states("C045")[rec.id] == {"status": "done", "at": "2026-11-22",
                                            "channel": "phone", "outcome": "accepted"}
    again = store.record_outcome(rec.id, {"status": "done", "at": "2026-11-22",
                                          "channel": "phone", "outcome": "accepted"})
    assert again["recorded"] is False  # the same outcome twice: one event, one state


def test_done_on_a_complaint_step_appends_that_recovery_step(store):
    """A generic `done` left complaint steps open: the step's recovery event is appended."""
    store.ingest(SAMPLES)
    complaint = next(cid for cid in store.customer_ids()
                     if store.decision(cid, DAY).recommendation("acknowledge_and_apologize"))
    rec = recommendation(store, complaint, "acknowledge_and_apologize")
    result = store.record_outcome(rec.id, {"status": "done", "at": "2026-11-22"})
    assert result["event"]["type"] == "recovery"
    assert result["event"]["step"] == "acknowledged"
    assert result["event"]["complaint_id"] == str(rec.params["complaint"])
    nxt = store.decision(complaint, dt.date(2026, 11, 23))
    assert nxt.recommendation("acknowledge_and_apologize") is None
    assert nxt.recommendation("explain") is not None


def held_ask(store: Store) -> tuple[str, str, str]:
    """A sample customer with an ask held back by the day's gift: (customer, ask, gift)."""
    for cid in store.customer_ids():
        for held in store.decision(cid, DAY).suppressed:
            if held.reason.startswith("give before you ask"):
                return cid, held.action, held.displaced_by
    raise AssertionError("no sample customer has an ask held back by a gift")


def test_dismissing_the_gift_lifts_the_hold_on_the_ask(store):
    store.ingest(SAMPLES)
    cid, ask, gift = held_ask(store)
    gifts = [r for r in store.decision(cid, DAY).recommendations
             if r.action in ("surprise", "reward_and_nurture")]
    assert gift in [r.action for r in gifts]
    for rec in gifts:
        store.record_outcome(rec.id, {"status": "dismissed", "at": "2026-11-22"})
    after = store.decision(cid, DAY)
    assert after.recommendation(ask) is not None
    assert after.recommendation(ask).status == "open"
    assert {r.id: r.status for r in after.recommendations if r in gifts or r.id in
            {g.id for g in gifts}} == {g.id: "dismissed" for g in gifts}
    assert not any(s.action == ask for s in after.suppressed)


def test_marking_the_gift_done_keeps_the_ask_held_that_day(store):
    store.ingest(SAMPLES)
    cid, ask, gift = held_ask(store)
    for rec in store.decision(cid, DAY).recommendations:
        if rec.action in ("surprise", "reward_and_nurture", "birthday_greeting"):
            store.record_outcome(rec.id, {"status": "done", "at": "2026-11-22",
                                          "channel": "phone"})
    after = store.decision(cid, DAY)  # the appended contacts: the gifts were given today
    assert after.recommendation(ask) is None
    reason = next(s.reason for s in after.suppressed if s.action == ask)
    assert reason.startswith("give before you ask")


def test_a_snooze_holds_until_its_date_then_reopens(store):
    store.ingest(SAMPLES)
    cid, ask, gift = held_ask(store)
    victim = store.decision(cid, DAY).recommendation(gift)
    store.record_outcome(victim.id, {"status": "snoozed", "at": "2026-11-22",
                                     "until": "2026-11-24"})
    statuses = {r.id: r.status for r in store.decision(cid, DAY).recommendations}
    assert statuses[victim.id] == "snoozed"
    later = {r.id: r.status for r in store.decision(cid, dt.date(2026, 11, 24)).recommendations}
    assert later.get(victim.id) in ("open", None)


def _two_recent_calls(store: Store, cid: str) -> None:
    results = store.add_events([
        {"customer_id": cid, "event": {"type": "contact", "at": at, "direction": "outbound",
                                       "channel": "phone", "id": f"call-{at}"}}
        for at in ("2026-11-18", "2026-11-20")])
    assert [r.status for r in results] == ["added", "added"]


@pytest.mark.parametrize("status", ["done", "dismissed"])
def test_only_a_conversation_held_takes_a_contact_cap_slot_the_next_day(store, status):
    """Two calls this week and today's conversation fill the cap of 3 per 7 days. Done, the
    conversation is a contact: tomorrow's items wait for the cap, naming the three. Dismissed,
    nothing was sent: tomorrow's items go out."""
    store.ingest(SAMPLES)
    cid = "C051"
    _two_recent_calls(store, cid)
    today = store.decision(cid, DAY)
    assert not any(s.reason.startswith("contact cap") for s in today.suppressed)
    lead = next(r for r in today.recommendations if r.conversation == r.id)
    rest = {r.action for r in today.recommendations
            if r.conversation == lead.id and r.id != lead.id}
    assert rest, "the conversation carries more than its lead"
    store.record_outcome(lead.id, {"status": status, "at": "2026-11-22", "channel": "phone"}
                         if status == "done" else {"status": status, "at": "2026-11-22"})
    tomorrow = store.decision(cid, DAY + dt.timedelta(days=1))
    capped = {s.action: s.reason for s in tomorrow.suppressed
              if s.reason.startswith("contact cap")}
    if status == "done":
        assert rest <= set(capped)
        assert all(f"{lead.action} (phone) on 2026-11-22" in reason and
                   "a contact (phone) on 2026-11-18" in reason for reason in capped.values())
    else:
        assert not capped
        assert rest <= {r.action for r in tomorrow.recommendations if r.status == "open"}


def test_bad_or_unknown_outcomes_are_refused(store):
    store.ingest(SAMPLES)
    with pytest.raises(NotFoundError):
        store.record_outcome("rec-nothing", {"status": "done", "at": "2026-11-22"})
    rec = recommendation(store, "C045", "wake_dormant")
    with pytest.raises(RecordError) as caught:
        store.record_outcome(rec.id, {"status": "snoozed", "at": "2026-11-22",
                                      "outcome": "maybe", "channel": "fax"})
    assert sorted(str(p) for p in caught.value.problems) == [
        "$.channel: expected one of phone, sms, email, letter, wechat, visit; got 'fax'",
        "$.outcome: expected one of accepted, rejected, ignored; got 'maybe'",
        "$.until: a snooze needs the date it ends"]


def test_a_store_url_has_one_spelling(tmp_path):
    from loyalty_rules.errors import UsageError
    for url in ("mysql://x/y", "sqlite://", "crm.db", f"sqlite:///{tmp_path}/no/such/crm.db"):
        with pytest.raises(UsageError):
            Store(url)


def test_what_marks_an_action_done_is_declared_with_it():
    from loyalty_rules import ActionSpec
    from loyalty_rules.language.actions import CORE_ACTIONS

    declared = {a.name: a.done_by for a in CORE_ACTIONS}
    assert declared["acknowledge_and_apologize"] == "recovery:acknowledged"
    assert declared["follow_up"] == "recovery:followed_up"
    assert declared["wake_dormant"] == "contact"
    assert declared["prevention_review"] == "record"  # for the business: no contact
    assert ActionSpec("x.note", "d", outbound=False).done_by == "record"
    with pytest.raises(ValueError, match="done_by must be"):
        ActionSpec("x.bad", "d", done_by="recovery:forgiven")
    table = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")
    for name, done_by in declared.items():  # the one table names every non-default
        if done_by.startswith("recovery:"):
            assert f"| `{done_by}` | `{name}` |" in table
