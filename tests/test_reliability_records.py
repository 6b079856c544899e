"""No record can abort a batch: each hostile record is that record's located rejection, and
every other record is evaluated — in the command line, `test`, and the Python API, for any
number of workers and any input size (issue 8)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from loyalty_rules import (
    Customer,
    Decision,
    LoyaltyRulesError,

    RecordError,
    Rejected,
    parse_customer,
    read_customers,
)
from loyalty_rules.cli import main
from loyalty_rules.facts.models import Purchase
from loyalty_rules.engine.parallel import evaluate_parallel, read_records

from conftest import AS_OF, make_engine

GOOD = [{"id": f"G{i}", "events": [{"type": "purchase", "at": f"2026-0{1 + i % 9}-02",
                                    "amount": 10 + i}]} for i in range(10)]

#: each a line of JSON Lines that once stopped the whole batch, and what its rejection says
HOSTILE_LINES = {
    "null-date placeholder": (
        b'{"id": "B", "events": [{"type": "purchase", "at": "0001-01-01", "amount": 5}]}',
        "events[0].at: date '0001-01-01' is outside"),
    "date near the start of the calendar": (
        b'{"id": "B", "events": [{"type": "visit", "at": "0001-02-15"}]}',
        "events[0].at: date"),
    "an amount of 401 digits": (
        b'{"id": "B", "events": [{"type": "purchase", "at": "2026-01-01", "amount": '
        + b"9" * 401 + b"}]}",
        "events[0].amount: number too large"),
    "an id of 4,400 digits": (b'{"id": ' + b"1" * 4400 + b"}", "id: expected a string"),
    "an amount of 4,400 digits": (
        b'{"id": "B", "events": [{"type": "purchase", "at": "2026-01-01", "amount": '
        + b"9" * 4400 + b"}]}",
        "events[0].amount: expected a finite number"),
    "JSON nested 100,000 deep": (b"[" * 100_000, "invalid JSON: nested too deeply"),
    "attributes nested 500 deep": (
        b'{"id": "B", "attributes": {"a": ' + b"[" * 500 + b"]" * 500 + b"}}",
        "attributes: nested more than"),
    "a Latin-1 byte": (b'{"id": "M\xfcller"}', "not valid UTF-8: byte 0xfc at column 10"),
}


def _write_lines(path: Path, bad: bytes) -> Path:
    lines = [json.dumps(r).encode() for r in GOOD]
    path.write_bytes(b"\n".join([*lines[:5], bad, *lines[5:]]) + b"\n")
    return path


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("case", sorted(HOSTILE_LINES))
def test_cli_rejects_only_the_hostile_record(tmp_path, case, workers):
    bad, message = HOSTILE_LINES[case]
    path = _write_lines(tmp_path / "in.jsonl", bad)
    result = _run("evaluate", str(path), "--as-of", "2026-11-22", "--format", "jsonl",
                  "--workers", workers)
    assert result.exit_code == 1, result.output
    ids = [json.loads(line)["customer_id"] for line in result.stdout.splitlines()]
    assert ids == [r["id"] for r in GOOD]
    assert f"{path}:6: {message}" in result.stderr
    assert "internal error" not in result.stderr
    assert "11 read, 10 evaluated, 1 rejected" in result.stderr


def test_non_utf8_byte_in_csv_rejects_that_row_only(tmp_path):
    (tmp_path / "customers.csv").write_bytes(b"id,name\nA,Ann\nB,M\xfcller\nC,Cy\n")
    (tmp_path / "events.csv").write_bytes(
        b"customer_id,type,at,amount\nA,purchase,2026-01-01,5\nC,purchase,2026-01-0\xff,5\n")
    records = list(read_customers(tmp_path))
    assert [r.id for r in records if isinstance(r, Customer)] == ["A"]
    problems = [str(p) for r in records if isinstance(r, Rejected) for p in r.problems]
    assert problems == [
        f"{tmp_path / 'customers.csv'}:3: not valid UTF-8: byte 0xfc at column 2 "
        "(save the file as UTF-8)",
        f"{tmp_path / 'events.csv'}:3: not valid UTF-8: byte 0xff at column 10 "
        "(save the file as UTF-8)"]


def test_a_utf16_file_with_a_bom_is_read(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in
                              [*GOOD[:2], {"id": "黄"}]) + "\n", encoding="utf-16")
    assert [r.id for r in read_customers(path)] == ["G0", "G1", "黄"]


def test_a_latin1_file_rejects_the_lines_it_cannot_read_and_keeps_the_rest(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes('{"id": "A"}\n{"id": "Bjørn"}\n{"id": "C"}\n'.encode("latin-1"))
    records = list(read_customers(path))
    assert [type(r).__name__ for r in records] == ["Customer", "Rejected", "Customer"]
    assert str(records[1]).startswith(f"{path}:2: not valid UTF-8: byte 0xf8")


def test_workers_and_batch_sizes_reject_identically(tmp_path):
    path = tmp_path / "in.jsonl"
    lines = [json.dumps(r).encode() for r in GOOD] * 1
    hostile = [bad for bad, _ in HOSTILE_LINES.values()]
    mixed = [line for pair in zip(lines, hostile) for line in pair] + lines[len(hostile):]
    path.write_bytes(b"\n".join(mixed) + b"\n")
    engine = make_engine(batch_size=3)

    def shape(results):
        return [(r.customer_id, str(r)) if isinstance(r, Rejected) else r.to_dict()
                for r in results]

    serial = shape(engine.evaluate_many(read_customers(path), AS_OF))
    parallel = shape(evaluate_parallel(engine, read_records(path), AS_OF, None, 2))
    assert serial == parallel
    assert sum(isinstance(r, tuple) for r in serial) == len(hostile)
    assert len(serial) == len(mixed)


def test_engine_evaluate_raises_record_error_for_a_date_the_profile_cannot_take():
    engine = make_engine()
    customer = Customer("X", events=(Purchase(dt.date(1, 1, 3), 5),))
    with pytest.raises(RecordError) as caught:
        engine.evaluate(customer, AS_OF)
    assert "could not derive the profile" in str(caught.value)


def test_evaluate_many_loses_only_the_customer_that_cannot_be_evaluated():
    engine = make_engine()
    good = [parse_customer(r) for r in GOOD]
    bad = Customer("X", events=(Purchase(dt.date(1, 1, 3), 5),))
    results = list(engine.evaluate_many([*good[:5], bad, *good[5:]], AS_OF))
    assert [type(r).__name__ for r in results] == ["Decision"] * 5 + ["Rejected"] + \
        ["Decision"] * 5
    assert results[5].customer_id == "X"


@pytest.mark.parametrize("events", [
    [{"type": "visit", "at": "2026-01-01"}],
    ["2026-01-01"],
    [Purchase("2026-01-01", 5)],
])
def test_customer_with_events_that_are_not_event_models_is_a_record_error(events):
    with pytest.raises(LoyaltyRulesError) as caught:
        Customer("X", events=events)
    assert isinstance(caught.value, RecordError)
    assert caught.value.problems[0].path.startswith("events[0]")


def test_two_purchases_of_1e308_are_a_rejection_not_infinity():
    engine = make_engine()
    raw = {"id": "X", "events": [{"type": "purchase", "at": "2026-01-01", "amount": 1e308}]}
    with pytest.raises(RecordError, match="events\\[0\\].amount: number too large"):
        engine.evaluate(raw, AS_OF)
    built = Customer("Y", events=(Purchase(dt.date(2026, 1, 1), 1e308),
                                  Purchase(dt.date(2026, 1, 2), 1e308)))
    with pytest.raises(RecordError, match="profile.spend: not a finite number"):
        engine.evaluate(built, AS_OF)


def test_every_decision_is_strict_json():
    engine = make_engine()
    for result in engine.evaluate_many(GOOD, AS_OF):
        assert isinstance(result, Decision)
        json.loads(json.dumps(result.to_dict(), allow_nan=False))


@pytest.mark.parametrize("field, value, message", [
    ("amount", -5, "must not be negative"),
    ("amount", "1e400", "expected a finite number"),
])
def test_negative_and_absurd_amounts_are_refused(field, value, message):
    with pytest.raises(RecordError, match=message):
        parse_customer({"id": "X", "events": [{"type": "purchase", "at": "2026-01-01",
                                                field: value}]})


def test_negative_durations_are_refused():
    with pytest.raises(RecordError) as caught:
        parse_customer({"id": "X", "events": [
            {"type": "request", "at": "2026-01-01", "expected": -3, "deliverable": 2},
            {"type": "promise", "at": "2026-01-01", "promised": 2, "delivered": -1}]})
    assert [p.path for p in caught.value.problems] == ["events[0].expected",
                                                       "events[1].delivered"]


def test_numeric_id_is_its_decimal_text_and_a_fraction_is_refused(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 7}\n{"id": "7"}\n{"id": 7.5}\n')
    records = list(read_customers(path))
    assert records[0].id == "7"
    assert "duplicate customer id '7'" in str(records[1])
    assert f"{path}:3: id: expected a string (or an integer)" in str(records[2])


def test_extra_csv_cells_are_reported_not_dropped(tmp_path):
    (tmp_path / "customers.csv").write_text("id,name\nA,Ann\nB,Smith, Bob\n")
    records = list(read_customers(tmp_path))
    assert isinstance(records[0], Customer)
    assert str(records[1]) == (f"{tmp_path / 'customers.csv'}:3: 1 cell(s) more than the "
                               "header's columns: [' Bob'] (quote a value that holds a comma)")


def test_scenario_with_a_placeholder_date_is_a_located_scenario_error(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("as_of: 2026-11-22\ncases:\n  - name: placeholder\n    customer:\n"
                        "      id: A\n      events:\n"
                        "        - {type: visit, at: 0001-01-01}\n"
                        "    expect: {absent: [win_back]}\n")
    result = _run("test", str(scenario))
    assert result.exit_code == 2, result.output
    assert f"{scenario}:7: $.cases[0].customer.events[0].at: date" in result.stderr


def test_cli_output_is_the_same_for_any_worker_count_past_one_batch(tmp_path):
    """Over 400 records (several batches, so `--workers 2` really uses processes), with every
    hostile line among them: the same decisions and the same rejections either way."""
    lines = [json.dumps({"id": f"N{i}"}).encode() for i in range(420)]
    for offset, (bad, _) in enumerate(HOSTILE_LINES.values()):
        lines.insert(37 * offset + 5, bad)
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    runs = [_run("evaluate", str(path), "--as-of", "2026-11-22", "--format", "jsonl",
                 "--workers", workers) for workers in ("1", "2")]
    assert [r.exit_code for r in runs] == [1, 1]
    assert runs[0].stdout == runs[1].stdout
    assert runs[0].stderr == runs[1].stderr
    assert f"{len(lines)} read, 420 evaluated, {len(HOSTILE_LINES)} rejected" in runs[0].stderr
