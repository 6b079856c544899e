from __future__ import annotations

import datetime as dt
import json

import pytest

from loyalty_rules import Customer, RecordError, Rejected, UsageError, load_customers, \
    normalise_personality, parse_customer, read_customers
from loyalty_rules.facts.models import Purchase, Recovery


def write_jsonl(path, records):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)
                              for r in records) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("label, expected", [
    ("dominant", "dominant"), ("Analytical", "analytical"), ("social", "social"),
    ("powerful", "dominant"), ("perfect", "analytical"), ("popular", "social"),
    ("peaceful", "peaceful"), ("主导型", "dominant"), ("分析型", "analytical"), ("社交型", "social"),
    ("力量型", "dominant"), ("完美型", "analytical"), ("活泼型", "social"), ("和平型", "peaceful"),
    ("choleric", None), (None, None),
])
def test_personality_labels_normalise(label, expected):
    assert normalise_personality(label) == expected


def test_parse_customer_builds_typed_events_in_date_order():
    customer = parse_customer({
        "id": 42, "name": "Mr Huang", "personality": "完美型", "birthday": "1980-02-29",
        "events": [
            {"type": "purchase", "at": "2026-03-01T10:00:00Z", "amount": "120.5", "profit": 30},
            {"type": "purchase", "at": "2026-01-01", "amount": 100},
            {"type": "recovery", "at": "2026-02-01", "complaint_id": "K1", "step": "explained"},
        ]})
    assert customer.id == "42"
    assert customer.personality == "analytical" and customer.personality_label == "完美型"
    assert [type(e) for e in customer.events] == [Purchase, Recovery, Purchase]
    assert customer.events[0].at == dt.date(2026, 1, 1)
    assert customer.events[2].amount == 120.5 and customer.events[2].profit == 30


def test_parse_customer_reports_every_problem_with_its_field():
    with pytest.raises(RecordError) as caught:
        parse_customer({"name": 3.5, "locale": "fr", "colour": "red", "events": [
            {"type": "purchase", "at": "yesterday"},
            {"type": "complaint", "at": "2026-01-01", "severity": 9},
            {"type": "teleport", "at": "2026-01-01"},
        ]})
    paths = {p.path for p in caught.value.problems}
    assert paths == {"id", "locale", "colour", "events[0].at", "events[0].amount",
                     "events[1].severity", "events[2].type"}


def test_survey_score_must_fit_its_scale():
    with pytest.raises(RecordError, match="between 0 and the scale"):
        parse_customer({"id": "A", "events": [{"type": "survey", "at": "2026-01-01",
                                               "score": 9, "scale": 5}]})


def test_jsonl_bad_lines_are_reported_and_the_rest_is_read(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "A"}, "{not json", {"id": "B", "birthday": "1990-02-30"}, {"id": "A"},
        {"id": "C", "events": [{"type": "visit", "at": "2026-01-01"}]},
    ])
    records = list(read_customers(path))
    assert [type(r) for r in records] == [Customer, Rejected, Rejected, Rejected, Customer]
    assert str(records[1]).startswith(f"{path}:2: invalid JSON")
    assert str(records[2]) == (f"{path}:3: birthday: expected an ISO 8601 date (YYYY-MM-DD), "
                               "got '1990-02-30'")
    assert "duplicate customer id 'A'" in str(records[3]) and f"{path}:4:" in str(records[3])
    assert records[4].source == (str(path), 5)


def test_json_array_errors_name_the_line_of_the_element(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('[\n  {"id": "A"},\n  {"id": "B",\n   "kind": "alien"}\n]\n')
    records = list(read_customers(path))
    assert isinstance(records[0], Customer)
    assert str(records[1]) == f"{path}:3: kind: expected one of individual, corporate, channel; "\
        "got 'alien'"


def test_csv_pair_joins_events_and_names_rows(tmp_path):
    (tmp_path / "customers.csv").write_text(
        "id,name,personality,attributes\nA,Ann,social,\nB,Bob,,\"{\"\"car\"\": \"\"X5\"\"}\"\n",
        encoding="utf-8")
    (tmp_path / "events.csv").write_text(
        "customer_id,type,at,amount,profit,channel\n"
        "A,purchase,2026-01-01,100,,\nA,visit,2026-02-01,,,visit\n"
        "B,purchase,2026-01-01,abc,,\nZ,visit,2026-01-01,,,\n", encoding="utf-8")
    records = list(read_customers(tmp_path))
    a, b, orphan = records
    assert isinstance(a, Customer) and len(a.events) == 2 and a.events[0].profit is None
    assert isinstance(b, Rejected)
    assert str(b) == f"{tmp_path / 'events.csv'}:4: event.amount: expected a number, got 'abc'"
    assert isinstance(orphan, Rejected) and "unknown customer 'Z'" in str(orphan)


def test_unknown_format_and_missing_file_are_usage_errors(tmp_path):
    (tmp_path / "c.txt").write_text("x")
    with pytest.raises(UsageError, match="unknown input format"):
        list(read_customers(tmp_path / "c.txt"))
    with pytest.raises(UsageError, match="no such file"):
        list(read_customers(tmp_path / "missing.jsonl"))


def test_load_customers_raises_with_every_bad_record(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "A"}, {"kind": "x"}, "[]"])
    with pytest.raises(RecordError) as caught:
        load_customers(path)
    lines = [(p.line, p.path) for p in caught.value.problems]
    assert lines == [(2, "id"), (2, "kind"), (3, None)]


def test_attribute_date_reads_what_a_date_attribute_accepts():
    from loyalty_rules import attribute_date

    attributes = {"on": "2026-11-20", "at": "2026-11-20T10:30:00+08:00", "empty": "",
                  "bad": "soon"}
    assert attribute_date(attributes, "on") == dt.date(2026, 11, 20)
    assert attribute_date(attributes, "at") == dt.date(2026, 11, 20)
    assert attribute_date(attributes, "empty") is None
    assert attribute_date(attributes, "missing") is None
    with pytest.raises(RecordError, match="attributes.bad: expected an ISO 8601 date"):
        attribute_date(attributes, "bad")
