"""A `for_each` rule matching several items of one kind recommends from the first of them;
answers are the exception: every open request gets its own reply (issue 9)."""

from __future__ import annotations

import datetime as dt

from loyalty_rules import Engine

AS_OF = dt.date(2026, 11, 15)


def request(at: str, deliverable: int) -> dict:
    return {"type": "request", "at": at, "dimension": "delivery", "expected": 3,
            "deliverable": deliverable, "unit": "days"}


def test_every_open_request_gets_its_own_reply_in_history_order():
    engine = Engine()
    for events in ([request("2026-11-01", 4), request("2026-11-10", 9)],
                   [request("2026-11-10", 9), request("2026-11-01", 4)]):  # input order aside
        decision = engine.evaluate({"id": "F", "events": events}, AS_OF)
        replies = [r for r in decision.recommendations if r.trigger.startswith("request:")]
        # the earliest: the padded quote (5 = 4 + 10 %, rounded up) with the norm inside;
        # the later one, 9 against 3 asked, is far beyond: expectations set plainly
        by_action = {r.action: r for r in replies}
        assert sorted(by_action) == ["pad_promise", "set_expectations"]
        padded, plain = by_action["pad_promise"], by_action["set_expectations"]
        assert dict(padded.params) == {"quote": 5, "unit": "days"}
        assert padded.explanation["request.deliverable"] == 4
        assert "tell_industry_norm" in padded.includes  # after "sorry to keep you waiting"
        assert plain.params["deliverable"] == 9
        assert "tell_industry_norm" in plain.includes
        assert len({r.id for r in replies}) == 2
        assert not any(s.rule.startswith("industry-norm") for s in decision.suppressed)


def test_same_day_items_keep_their_input_order():
    engine = Engine()
    decision = engine.evaluate(
        {"id": "G", "events": [request("2026-11-05", 7), request("2026-11-05", 5)]}, AS_OF)
    # two replies (7 and 5 against 3 asked: both far beyond), in input order
    assert [r.params["deliverable"] for r in decision.recommendations] == [7, 5]
