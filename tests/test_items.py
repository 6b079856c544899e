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
        norm = [r for r in decision.recommendations if r.rule == "industry-norm"]
        assert len(norm) == 1
        assert dict(norm[0].params) == {"deliverable": 4, "unit": "days"}
        assert norm[0].explanation["request.deliverable"] == 4
        assert not any(s.rule == "industry-norm" for s in decision.suppressed)


def test_same_day_items_keep_their_input_order():
    engine = Engine()
    decision = engine.evaluate(
        {"id": "G", "events": [request("2026-11-05", 7), request("2026-11-05", 5)]}, AS_OF)
    norm = [r for r in decision.recommendations if r.rule == "industry-norm"]
    assert dict(norm[0].params)["deliverable"] == 7
