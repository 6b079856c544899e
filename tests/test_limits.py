"""One oversized customer is rejected with the reason; the rest of the batch is evaluated; each
durable_rules call holds a bounded number of facts, whatever the customers look like."""

from __future__ import annotations

import datetime as dt
import json
import sys

import pytest
from click.testing import CliRunner
from conftest import ROOT

from loyalty_rules import Engine, Rejected, parse_customer
from loyalty_rules.cli import main
from loyalty_rules.engine.host import RuleHost
from loyalty_rules.errors import UsageError

sys.path.insert(0, str(ROOT / "bench"))

from realistic import AS_OF, customers, item_heavy  # noqa: E402


def busy(cid: str, events: int) -> dict:
    return {"id": cid, "events": [{"type": "visit", "at": "2026-11-01"}] * events}


def test_a_history_past_the_bound_is_rejected_and_the_batch_goes_on():
    engine = Engine(parameters={"limits.max_events": 50})
    batch = [busy("A", 10), busy("HUGE", 51), busy("C", 50)]
    results = list(engine.evaluate_many(batch, AS_OF))
    assert [type(r).__name__ for r in results] == ["Decision", "Rejected", "Decision"]
    assert results[1].customer_id == "HUGE"
    assert "51 events, more than limits.max_events=50" in str(results[1])
    assert results[1].problems[0].path == "events"


def test_too_many_open_items_are_rejected_with_the_reason():
    engine = Engine(parameters={"limits.max_items": 30})
    results = list(engine.evaluate_many([item_heavy(1, 30), item_heavy(2, 31),
                                         item_heavy(3, 3)], AS_OF))
    assert [isinstance(r, Rejected) for r in results] == [False, True, False]
    assert "31 open requests, recent promises and open complaints" in str(results[1])
    assert "limits.max_items=30" in str(results[1])


def test_the_cli_names_the_line_and_writes_the_others(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in (busy("A", 3), busy("HUGE", 9),
                                                         busy("C", 2))) + "\n")
    result = CliRunner().invoke(main, ["evaluate", str(path), "--as-of", "2026-11-15",
                                       "--format", "jsonl", "--workers", "1",
                                       "--param", "limits.max_events=8"])
    assert result.exit_code == 1
    assert [json.loads(x)["customer_id"] for x in result.stdout.splitlines()] == ["A", "C"]
    assert f"{path}:2: events: history too large to evaluate: 9 events" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("value", [0, -3, "many", True])
def test_a_bad_limit_is_a_usage_error(value):
    with pytest.raises(UsageError, match="limits.max_events"):
        Engine(parameters={"limits.max_events": value})
    with pytest.raises(UsageError, match="known limits"):
        Engine(parameters={"limits.max_event": 3})


def test_each_call_into_durable_rules_is_bounded_by_facts(monkeypatch):
    sizes: list[int] = []
    original = RuleHost.fire

    def counting(self, part, facts):
        sizes.append(len(facts))
        return original(self, part, facts)

    heavy = [item_heavy(n, 40) for n in range(30)]  # 41 facts each, 1,230 in all
    reference = [d.to_dict() for d in Engine().evaluate_many(heavy, AS_OF)]
    monkeypatch.setattr(RuleHost, "fire", counting)
    engine = Engine(parameters={"limits.facts_per_call": 100})
    bounded = [d.to_dict() for d in engine.evaluate_many(heavy, AS_OF)]
    assert bounded == reference  # same decisions, in the same order
    assert sizes and max(sizes) <= 100 + 40  # a group closes once it reaches the bound
    assert sum(sizes) >= 1230  # every fact still went in (some parts see several kinds)


def test_grouping_by_facts_changes_no_decision():
    records = [parse_customer(raw) for raw in customers(400)]
    by_default = [d.to_dict() for d in Engine().evaluate_many(records, AS_OF)]
    one_each = Engine(parameters={"limits.facts_per_call": 1})
    assert [d.to_dict() for d in one_each.evaluate_many(records, AS_OF)] == by_default
    assert [d.to_dict() for d in
            Engine().evaluate_many(records, dt.date(2026, 12, 31))] != by_default
