"""Parallel evaluation: the same decisions as one process, in input order, nothing lost."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import AS_OF, BASIC, bare_manager, make_engine

from loyalty_rules import Decision, Engine, EngineError, Problem, Rejected, parse_customer
from loyalty_rules.engine import parallel
from loyalty_rules.engine.parallel import EngineRecipe, evaluate_parallel

import crashing_plugin


def customer(n: int) -> dict[str, Any]:
    """Varied customers: requests, promises, complaints, purchases, contacts, birthdays."""
    events: list[dict[str, Any]] = []
    if n % 3 == 0:
        events.append({"type": "request", "at": "2026-11-20", "dimension": "delivery",
                       "expected": 5 + n % 7, "deliverable": 10 + n % 11, "unit": "days"})
    if n % 4 == 1:
        events.append({"type": "promise", "at": "2026-11-10", "promised": 3,
                       "delivered": 2 + n % 4})
    if n % 5 == 2:
        events.append({"type": "complaint", "at": "2026-11-19", "id": f"K{n}",
                       "topic": "late"})
    for k in range(n % 6):
        events.append({"type": "purchase", "at": f"2026-{1 + (n + k) % 11:02d}-0{1 + k}",
                       "amount": 400 * (1 + (n * k) % 9)})
    if n % 7 == 3:
        events.append({"type": "contact", "at": "2026-11-21", "direction": "outbound"})
    return {"id": f"P{n:04d}", "name": f"Customer {n}",
            "personality": ("dominant", "analytical", "social", None)[n % 4],
            "locale": ("en", "zh")[n % 2], "birthday": f"1980-11-{23 + n % 5}",
            "events": events}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return make_engine(batch_size=16)


def dicts(results: list[Any]) -> list[Any]:
    return [r.to_dict() if isinstance(r, Decision) else r for r in results]


def test_two_workers_give_the_same_decisions_in_the_same_order(engine):
    records = [customer(n) for n in range(150)]
    one = list(engine.evaluate_many(records, AS_OF))
    two = list(engine.evaluate_many(records, AS_OF, workers=2))
    assert [r.customer_id for r in two] == [f"P{n:04d}" for n in range(150)]
    assert dicts(two) == dicts(one)
    assert two == one  # as objects too: what to_dict leaves out (fired, rule order) included
    assert [d.fired for d in two] == [d.fired for d in one]
    assert [[r.order for r in d.recommendations] for d in two] == \
        [[r.order for r in d.recommendations] for d in one]
    assert sum(bool(d.recommendations) for d in two) > 50  # the rules did fire


def test_rejected_records_pass_through_in_place(engine):
    early = Rejected((Problem("invalid JSON", file="in.jsonl", line=3),))
    records: list[Any] = [customer(n) for n in range(60)]
    records.insert(5, early)
    records.insert(40, {"id": "B1", "events": [{"type": "purchase", "at": "2026-01-01"}]})
    records.insert(41, parse_customer(customer(999)))
    results = list(engine.evaluate_many(records, AS_OF, workers=2))
    assert len(results) == len(records)
    assert results[5] is early
    assert isinstance(results[40], Rejected) and results[40].customer_id == "B1"
    assert "amount" in str(results[40])
    assert isinstance(results[41], Decision) and results[41].customer_id == "P0999"
    others = [r for i, r in enumerate(results) if i not in (5, 40)]
    assert all(isinstance(r, Decision) for r in others)


def test_memory_is_bounded_by_the_batches_in_flight(engine):
    pulled = itertools.count()
    seen_at_first_result: list[int] = []

    def source() -> Iterator[dict[str, Any]]:
        for n in range(400):
            next(pulled)
            yield customer(n)

    for result in evaluate_parallel(engine, source(), AS_OF, None, workers=2, in_flight=3):
        if not seen_at_first_result:
            seen_at_first_result.append(next(pulled))
    # 3 batches in flight + the one being cut: never the whole input
    assert seen_at_first_result[0] <= 4 * engine.batch_size + 1 < 400


def test_small_inputs_stay_in_process(engine, monkeypatch):
    def no_pool(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a process pool was started for one batch")

    monkeypatch.setattr(parallel, "_Pool", no_pool)
    records = [customer(n) for n in range(engine.batch_size)]
    assert dicts(list(engine.evaluate_many(records, AS_OF, workers=2))) == \
        dicts(list(engine.evaluate_many(records, AS_OF)))


def test_a_worker_that_dies_costs_only_the_customer_that_killed_it():
    manager = bare_manager()
    manager.register(crashing_plugin, name="crashing")
    engine = Engine(plugins=["crashing"], rulesets=[BASIC], plugin_manager=manager,
                    batch_size=8)
    records = [customer(n) for n in range(40)]
    records[13] = {"id": crashing_plugin.KILLER}
    results = list(engine.evaluate_many(records, AS_OF, workers=2))
    assert [r.customer_id for r in results] == [r["id"] for r in records]
    assert isinstance(results[13], Rejected)
    assert "the process died" in str(results[13])
    assert all(isinstance(r, Decision) for i, r in enumerate(results) if i != 13)


def test_the_recipe_builds_an_equal_engine(engine):
    rebuilt = EngineRecipe.of(engine).build()
    assert list(rebuilt.program.rules) == list(engine.program.rules)
    assert rebuilt.batch_size == engine.batch_size
    record = customer(3)
    assert rebuilt.evaluate(record, AS_OF) == engine.evaluate(record, AS_OF)


def test_an_engine_that_cannot_start_in_a_worker_is_an_engine_error(engine, monkeypatch):
    monkeypatch.setattr(EngineRecipe, "of", classmethod(
        lambda cls, e: EngineRecipe(("core", "missing-plugin"), (), {}, None, 16,
                                    (("core", "loyalty_rules.plugins.core"),))))
    with pytest.raises(EngineError, match="could not start"):
        list(engine.evaluate_many([customer(n) for n in range(40)], AS_OF, workers=2))


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])  # json/jsonl: encoded by workers
def test_cli_workers_give_the_same_output_and_stay_quiet_off_a_terminal(tmp_path, fmt):
    import json

    from click.testing import CliRunner

    from loyalty_rules.cli import main

    path = tmp_path / "customers.jsonl"
    path.write_text("".join(json.dumps(customer(n)) + "\n" for n in range(450)),
                    encoding="utf-8")
    runner = CliRunner(mix_stderr=False) if "mix_stderr" in \
        CliRunner.__init__.__code__.co_varnames else CliRunner()
    args = ["evaluate", str(path), "--as-of", AS_OF.isoformat(), "--format", fmt]
    one = runner.invoke(main, [*args, "--workers", "1"])
    two = runner.invoke(main, [*args, "--workers", "2"])
    assert one.exit_code == two.exit_code == 0, two.stderr
    assert two.stdout == one.stdout and len(two.stdout.splitlines()) >= 450
    assert two.stderr == ""  # no progress bar when standard error is not a terminal


def test_the_progress_bar_shows_count_rate_and_eta_when_enabled(tmp_path, capsys):
    from loyalty_rules.io.progress import Progress, count_records

    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "1"}\n\n{"id": "2"}\n{"id": "3"}\n', encoding="utf-8")
    assert count_records([path]) == 3
    assert count_records([tmp_path / "c.json"]) is None
    with Progress([path], enabled=True) as progress:
        for _ in range(3):
            progress.advance()
        progress.echo("in.jsonl:2: id: missing required field")
    err = capsys.readouterr().err
    assert "3/3" in err and "customers/s" in err and "ETA" in err
    assert "in.jsonl:2: id: missing required field" in err


def _messy_file(tmp_path, count: int):
    import json

    lines = [json.dumps(customer(n)) for n in range(count)]
    lines[7] = '{"id": "broken", "events": ['  # invalid JSON
    if count > 40:
        lines[20] = json.dumps(customer(3))  # duplicate of line 4's id
        lines[33] = json.dumps({"id": "B2", "kind": "alien"})  # a bad field
        lines.insert(50, "")  # blank lines are skipped
    path = tmp_path / "messy.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("count", [10, 120])  # in-process (one batch) and over processes
def test_raw_lines_parsed_by_workers_match_read_customers(engine, tmp_path, count):
    from loyalty_rules import read_customers
    from loyalty_rules.engine.parallel import read_records

    path = _messy_file(tmp_path, count)
    expected = list(engine.evaluate_many(read_customers(path), AS_OF))
    found = list(engine.evaluate_many(read_records(path), AS_OF, workers=2))
    assert dicts(found) == dicts(expected)
    rejected = [r for r in found if isinstance(r, Rejected)]
    assert [r.problems[0].line for r in rejected] == ([8, 21, 34] if count > 40 else [8])
    if count > 40:
        assert "duplicate customer id 'P0003'" in str(rejected[1])


def test_encoded_results_are_the_contract_json_of_the_same_decisions(engine, tmp_path):
    import json

    from loyalty_rules import read_customers
    from loyalty_rules.engine.parallel import Encoded, read_records

    path = _messy_file(tmp_path, 120)
    expected = list(engine.evaluate_many(read_customers(path), AS_OF))
    found = list(evaluate_parallel(engine, read_records(path), AS_OF, None, 2, encode=True))
    assert len(found) == len(expected)
    for mine, theirs in zip(found, expected):
        if isinstance(theirs, Rejected):
            assert mine == theirs
        else:
            assert isinstance(mine, Encoded) and mine.customer_id == theirs.customer_id
            assert json.loads(mine.json_text) == theirs.to_dict()
