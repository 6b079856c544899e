"""Derived facts cost time linear in the history: every derivation walks each list of events a
bounded number of times, and gives what the direct (quadratic) formulas gave."""

from __future__ import annotations

import datetime as dt
import random
import sys

import pytest
from conftest import ROOT

from loyalty_rules import derive_profile, parse_customer
from loyalty_rules.facts import profile as profile_module

sys.path.insert(0, str(ROOT / "bench"))

from realistic import customer as realistic_customer  # noqa: E402

AS_OF = dt.date(2026, 11, 15)


class CountingList(list):
    """A list that counts the elements every iteration over it hands out."""

    handed_out = 0

    def __iter__(self):
        for element in super().__iter__():
            CountingList.handed_out += 1
            yield element


def heavy(n: int) -> dict:
    """n open complaints on one topic, n requests and n promises on one dimension, n contacts."""
    day = lambda back: (AS_OF - dt.timedelta(days=back)).isoformat()  # noqa: E731
    events = []
    for k in range(n):
        events += [
            {"type": "complaint", "at": day(k % 300), "id": f"K{k}", "topic": "late"},
            {"type": "request", "at": day(k % 25), "dimension": "delivery", "expected": 3},
            {"type": "promise", "at": day(k % 25 + 26), "dimension": "delivery",
             "promised": 3, "delivered": 2},
            {"type": "contact", "at": day(k % 200), "direction": "outbound",
             "action": "revisit_sms"}]
    return {"id": "H", "events": events}


ORIGINAL_OF = profile_module.History.of.__func__


def elements_walked(n: int, monkeypatch) -> int:
    original = ORIGINAL_OF

    def counting(cls, customer, as_of):
        history = original(cls, customer, as_of)
        for name in ("visits", "purchases", "contacts", "complaints", "recoveries", "surveys",
                     "requests", "promises"):
            setattr(history, name, CountingList(getattr(history, name)))
        return history

    monkeypatch.setattr(profile_module.History, "of", classmethod(counting))
    customer = parse_customer(heavy(n))
    CountingList.handed_out = 0
    derived = derive_profile(customer, AS_OF)
    assert derived.get("open_complaints") == n  # the items really are there
    return CountingList.handed_out


def test_each_derivation_walks_the_history_a_bounded_number_of_times(monkeypatch):
    # before: every open complaint counted its topic over all complaints (n²), every request
    # looked at every promise (n²), every promise at every contact (n²)
    small, large = elements_walked(100, monkeypatch), elements_walked(400, monkeypatch)
    assert large <= 4.5 * small
    assert large <= 4 * 4 * 400  # a few passes over 4 lists of 400 events


def direct(customer, as_of: dt.date, window: int = 365, open_days: int = 30,
           recent_days: int = 30) -> dict:
    """The derivations as first written: each item compared with every other event."""
    events = [e for e in customer.events if e.at <= as_of]
    of = lambda kind: [e for e in events if e.type == kind]  # noqa: E731
    complaints, requests, promises, contacts = (of("complaint"), of("request"), of("promise"),
                                                of("contact"))
    since = as_of - dt.timedelta(days=window)
    return {
        "topic_counts": [sum(1 for c in complaints if c.topic == k.topic and c.at >= since)
                         for k in complaints if k.topic is not None],
        "open_requests": [r.at for r in requests
                          if not any(p.at >= r.at and p.dimension == r.dimension
                                     for p in promises) and (as_of - r.at).days <= open_days],
        "recovered": [any(c.action == "recover_broken_promise" and c.at >= p.at
                          for c in contacts)
                      for p in promises if (as_of - p.at).days <= recent_days],
        "pending": {a: not any(c.action == a and c.at >= day for c in contacts)
                    for a, day in profile_module._latest_revisit_dates(as_of).items()},
    }


def derived(customer, as_of: dt.date) -> dict:
    p = derive_profile(customer, as_of)
    counts = [i.values["topic_count"] for i in p.items if i.kind == "complaint"
              and "topic_count" in i.values]
    return {
        "topic_counts": counts,
        "open_requests": [as_of - dt.timedelta(days=i.values["days_ago"])
                          for i in p.items if i.kind == "request"],
        "recovered": [i.values["recovered"] for i in p.items if i.kind == "promise"],
        "pending": {a: f"{a}_pending_days" in p.values
                    for a in profile_module._latest_revisit_dates(as_of)},
    }


def dense(seed: int) -> dict:
    """A crowded random history: many events of each kind on few dimensions and topics."""
    rng = random.Random(seed)
    day = lambda: (AS_OF - dt.timedelta(days=rng.randint(0, 400))).isoformat()  # noqa: E731
    events = []
    for _ in range(rng.randint(0, 40)):
        kind = rng.choice(("complaint", "request", "promise", "contact", "recovery"))
        if kind == "complaint":
            events.append({"type": kind, "at": day(), "id": f"K{rng.randint(0, 9)}",
                           "topic": rng.choice(("a", "b", None))})
        elif kind == "recovery":
            events.append({"type": kind, "at": day(), "complaint_id": f"K{rng.randint(0, 9)}",
                           "step": rng.choice(("acknowledged", "followed_up"))})
        elif kind in ("request", "promise"):
            events.append({"type": kind, "at": day(), "dimension": rng.choice(("x", "y", None))})
        else:
            events.append({"type": kind, "at": day(), "direction": "outbound",
                           "action": rng.choice(("recover_broken_promise", "revisit_sms",
                                                 "revisit_call_short", None))})
    return {"id": f"D{seed}", "events": events}


@pytest.mark.parametrize("source", ["realistic", "dense"])
def test_linear_derivations_equal_the_direct_formulas(source):
    make = realistic_customer if source == "realistic" else dense
    for n in range(300):
        customer = parse_customer(make(n))
        for as_of in (AS_OF, AS_OF - dt.timedelta(days=20), dt.date(2026, 12, 31)):
            want, got = direct(customer, as_of), derived(customer, as_of)
            # the open complaints (items) carry the count; followed-up ones are no item
            topical = [k for k in customer.events if k.type == "complaint" and k.at <= as_of
                       and k.topic is not None]
            open_counts = [count for count, k in zip(want["topic_counts"], topical)
                           if _is_open(customer, k, as_of)]
            assert got["topic_counts"] == open_counts, (customer.id, as_of)
            assert sorted(got["open_requests"]) == sorted(want["open_requests"])
            assert got["recovered"] == want["recovered"]
            assert got["pending"] == want["pending"]


def _is_open(customer, complaint, as_of) -> bool:
    if complaint.id is None:
        return True
    return not any(r.type == "recovery" and r.complaint_id == complaint.id
                   and r.step == "followed_up" and r.at <= as_of for r in customer.events)

