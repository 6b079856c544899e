"""Property-based tests (Hypothesis) that keep the class of bugs of issue 8 gone: any JSON
value is a decision or a located rejection, any YAML document a ruleset or located errors in
bounded time, and every decision is strict JSON. Examples are kept small: the suite stays fast.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty_rules import Decision, RulesetError
from loyalty_rules.engine.building import vocabulary_of
from loyalty_rules.io.reading import CUSTOMER_FIELDS, EVENT_FIELDS, Rejected, parse_line
from loyalty_rules.language.validation import load_ruleset_text

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=10**300)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
           | st.sampled_from(["2026-01-01", "0001-01-01", "2026-02-30", "2026-03-01T05:00+08:00",
                              "9999-12-31T23:59:59Z", "-5", "1e400", "", " ", "7"]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                           max_leaves=12)
event_keys = sorted({"type", "at", *(k for fields in EVENT_FIELDS.values() for k in fields)})
events = st.dictionaries(st.sampled_from(event_keys), scalars, max_size=6) | st.fixed_dictionaries(
    {"type": st.sampled_from(sorted(EVENT_FIELDS)), "at": scalars},
    optional={key: scalars for key in event_keys if key not in ("type", "at")})
customers = st.fixed_dictionaries(
    {"id": scalars},
    optional={**{key: scalars for key in CUSTOMER_FIELDS if key not in ("id", "events")},
              "events": st.lists(events, max_size=4) | json_values,
              "attributes": json_values})

numbers = (st.integers(min_value=-10, max_value=10**6) | st.integers()
           | st.floats(allow_nan=False, allow_infinity=False))
moments = (st.dates().map(dt.date.isoformat)
           | st.datetimes(timezones=st.timezones() | st.none()).map(dt.datetime.isoformat))
plausible_events = st.sampled_from(sorted(EVENT_FIELDS)).flatmap(lambda kind: st.fixed_dictionaries(
    {"type": st.just(kind), "at": moments},
    optional={key: numbers if parser in ("number", "non_negative", "severity")
              else moments if parser == "date" else scalars
              for key, (parser, _) in EVENT_FIELDS[kind].items()}))
plausible_customers = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=6), "events": st.lists(plausible_events, max_size=6)},
    optional={"birthday": moments, "personality": st.sampled_from(["dominant", "和平型", "x"])})


def _located(rejected: Rejected) -> bool:
    return all(p.file == "in.jsonl" and p.line == 3 for p in rejected.problems)


def _decide(core_engine, record) -> None:
    text = json.dumps(record, allow_nan=False)
    parsed = parse_line(text, "in.jsonl", 3)
    if isinstance(parsed, Rejected):
        assert _located(parsed), str(parsed)
        return
    for result in core_engine.evaluate_many([parsed], "2026-11-22"):
        if isinstance(result, Rejected):
            assert _located(result), str(result)
        else:
            assert isinstance(result, Decision)
            strict = json.dumps(result.to_dict(), allow_nan=False, ensure_ascii=False)
            assert json.loads(strict, parse_constant=_refuse) == json.loads(strict)


def _refuse(name: str) -> None:
    raise AssertionError(f"not strict JSON: {name}")


@FUZZ
@given(record=json_values)
def test_any_json_value_is_a_decision_or_a_located_rejection(core_engine, record):
    _decide(core_engine, record)


@FUZZ
@given(record=customers)
def test_any_customer_shaped_record_is_a_decision_or_a_located_rejection(core_engine, record):
    _decide(core_engine, record)


@FUZZ
@given(record=plausible_customers)
def test_any_plausible_customer_is_a_decision_or_a_located_rejection(core_engine, record):
    _decide(core_engine, record)


@FUZZ
@given(text=st.text(max_size=40))
def test_any_line_of_text_is_a_customer_or_a_located_rejection(text):
    parsed = parse_line(text.replace("\n", " ") + "\n", "in.jsonl", 3)
    assert not isinstance(parsed, Rejected) or _located(parsed)


rule_keys = ["id", "guidance", "when", "then", "for_each", "description", "recommend",
             "priority", "derive", "value", "any", "all", "not", "param", "field", "compute",
             "gt", "in", "visits", "tier", "request.deliverable", "script"]
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(st.sampled_from(rule_keys) | st.text(max_size=6),
                                           inner, max_size=4), max_leaves=16)
rulesets = st.fixed_dictionaries(
    {"ruleset": st.sampled_from(["fuzz", "Fuzz", ""]) | scalars,
     "rules": st.lists(st.fixed_dictionaries(
         {"id": st.sampled_from(["r1", "r2", "Bad id"]), "guidance": st.just(["EXP-08"]),
          "when": documents, "then": documents | st.fixed_dictionaries(
              {"recommend": st.sampled_from(["keep_in_touch", "nope"]),
               "priority": scalars})}), max_size=3) | documents},
    optional={"parameters": documents, "scripts": documents, "version": scalars})


def _load(vocabulary, text: str) -> None:
    start = time.perf_counter()
    try:
        load_ruleset_text(text, "fuzz.yaml", vocabulary)
    except RulesetError as err:
        assert err.problems
        for problem in err.problems:
            assert problem.file == "fuzz.yaml" and isinstance(problem.line, int), str(problem)
    assert time.perf_counter() - start < 5  # a hang guard, not a speed claim


@FUZZ
@given(document=rulesets | documents)
def test_any_yaml_document_is_a_ruleset_or_located_errors(core_engine, document):
    _load(vocabulary_of(core_engine.registry), yaml.safe_dump(document, allow_unicode=True))


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#\n ,.?0123")), max_size=80))
def test_any_yaml_text_is_a_ruleset_or_located_errors(core_engine, text):
    _load(vocabulary_of(core_engine.registry), text)
