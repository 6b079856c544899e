"""A `for_each` rule matching several items of one kind recommends from the first of them."""

from __future__ import annotations

import datetime as dt

from loyalty_rules import Engine

AS_OF = dt.date(2026, 11, 15)


def request(at: str, deliverable: int) -> dict:
    return {"type": "request", "at": at, "dimension": "delivery", "expected": 3,
            "deliverable": deliverable, "unit": "days"}


def test_two_open_requests_one_recommendation_from_the_earliest():
    engine = Engine()
    for events in ([request("2026-11-01", 4), request("2026-11-10", 9)],
                   [request("2026-11-10", 9), request("2026-11-01", 4)]):  # input order aside
        decision = engine.evaluate({"id": "F", "events": events}, AS_OF)
        # one reply per request, for the earliest request: the padded quote (5 = 4 + 10 %,
        # rounded up) with the industry norm said inside it
        replies = [r for r in decision.recommendations if r.rule == "pad-quoted-lead-time"]
        assert len(replies) == 1
        assert dict(replies[0].params) == {"quote": 5, "unit": "days"}
        assert replies[0].explanation["request.deliverable"] == 4
        assert "tell_industry_norm" in replies[0].includes
        assert not any(s.rule.startswith("industry-norm") for s in decision.suppressed)


def test_same_day_items_keep_their_input_order():
    engine = Engine()
    decision = engine.evaluate(
        {"id": "G", "events": [request("2026-11-05", 7), request("2026-11-05", 5)]}, AS_OF)
    (reply,) = decision.recommendations  # one reply (7 against 3 asked: far beyond)
    assert reply.params["deliverable"] == 7
