"""The compiler is pure: same rulesets and parameters in, an equal, fresh definition out."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from conftest import BASIC, TESTS, bare_manager, make_engine

from loyalty_rules import RulesetError
from loyalty_rules.engine.building import build_setup, vocabulary_of
from loyalty_rules.language.compiler import MAX_FAN_OUT, compile_rulesets
from loyalty_rules.plugins.registry import collect
from loyalty_rules.language.validation import load_ruleset_text

GOLDEN = TESTS / "data" / "basic.compiled.json"


def setup_for(*paths: Path, overrides=None):
    return build_setup(collect(bare_manager(), ["core"]), list(paths), overrides or {})


def compiled_json(program) -> dict:
    return {part.name: part.definition for part in program.parts}


def test_basic_ruleset_compiles_to_the_golden_definition():
    setup = setup_for(BASIC)
    program = compile_rulesets(setup.rulesets, setup.parameters)
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert compiled_json(program) == expected
    assert program.strata == 2  # keep-in-touch reads what `valued` derives


def test_compiling_is_pure_and_fresh():
    setup = setup_for(BASIC)
    first = compile_rulesets(setup.rulesets, setup.parameters)
    second = compile_rulesets(setup.rulesets, setup.parameters)
    assert compiled_json(first) == compiled_json(second)
    fresh = first.fresh_definitions()
    for rules in fresh.values():
        for definition in rules.values():
            definition.clear()  # whatever a consumer does to its copy
    assert compiled_json(first) == compiled_json(second)


def test_parameters_are_substituted_at_compile_time():
    setup = setup_for(BASIC, overrides={"basic.far_ratio": 3})
    program = compile_rulesets(setup.rulesets, setup.parameters)
    text = json.dumps(compiled_json(program))
    assert '{"$gte": {"request.ratio": 3.0}}' in text


def test_not_is_pushed_down_to_comparisons():
    vocabulary = vocabulary_of(collect(bare_manager(), ["core"]))
    ruleset = load_ruleset_text(textwrap.dedent("""\
        ruleset: negation
        rules:
          - id: a
            guidance: [CRM-07]
            when:
              not:
                any:
                  - tier: {in: [VIP, IP]}
                  - days_since_contact: {exists: true}
                  - visits: {gt: 3}
            then: {recommend: keep_in_touch}
        """), "n.yaml", vocabulary)
    (part,) = compile_rulesets([ruleset], {"negation": {}}).parts
    # `not` holds when its condition does not, absent fields included (docs/rulesets.md)
    assert part.definition["negation/a"]["all"][0]["m"] == {"$and": [
        {"fact": "customer"},
        {"$and": [{"$or": [{"$and": [{"$neq": {"tier": "VIP"}}, {"$neq": {"tier": "IP"}}]},
                           {"$nex": {"tier": 1}}]},
                  {"$nex": {"days_since_contact": 1}},
                  {"$or": [{"$lte": {"visits": 3}}, {"$nex": {"visits": 1}}]}]}]}


def test_large_rulesets_are_split_into_parts_below_durable_rules_limits(tmp_path):
    rules = "\n".join(textwrap.dedent(f"""\
          - id: r{i}
            guidance: [CRM-07]
            when: {{visits: {{gte: {i}}}}}
            then: {{recommend: keep_in_touch, priority: {i % 100}}}""") for i in range(130))
    path = tmp_path / "many.yaml"
    path.write_text(f"ruleset: many\nrules:\n{textwrap.indent(rules, '  ')}\n"
                    "scripts:\n  keep_in_touch: {en: hi, zh: 你好}\n", encoding="utf-8")
    setup = setup_for(path)
    program = compile_rulesets(setup.rulesets, setup.parameters)
    sizes = [len(p.definition) - 1 for p in program.parts]  # minus the sentinel
    assert sizes == [MAX_FAN_OUT, MAX_FAN_OUT, 10]


def test_a_customer_meeting_every_threshold_at_once_never_hits_error_303(tmp_path):
    # 30 rules (well under the rule cap) whose `any` puts 90 tests side by side under one
    # node, all satisfied by one customer: in one part, durable_rules fails with error 303
    rules = "\n".join(f"""\
  - id: r{i}
    guidance: [CRM-07]
    when: {{any: [{{visits: {{gte: {i}}}}}, {{purchases: {{gte: {i}}}}}, {{spend: {{gte: {i}}}}}]}}
    then: {{derive: d{i}}}""" for i in range(30))
    path = tmp_path / "thresholds.yaml"
    path.write_text(f"ruleset: thresholds\nrules:\n{rules}\n", encoding="utf-8")
    engine = make_engine(path)
    assert len(engine.program.parts) >= 2
    events = [{"type": "purchase", "at": "2026-11-01", "amount": 1000},
              {"type": "visit", "at": "2026-11-01"}] * 40
    decision = engine.evaluate({"id": "big", "events": events}, as_of="2026-11-22")
    assert decision.profile["visits"] == decision.profile["purchases"] == 40
    assert len(decision.profile["derived"]) == 30 and len(decision.fired) == 30
