"""The compiler is pure: same rulesets and parameters in, an equal, fresh definition out."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from conftest import BASIC, TESTS, bare_manager

from loyalty_rules import RulesetError
from loyalty_rules.building import build_setup, vocabulary_of
from loyalty_rules.compiler import MAX_RULES_PER_PART, compile_rulesets
from loyalty_rules.registry import collect
from loyalty_rules.validation import load_ruleset_text

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
    assert part.definition["negation/a"]["all"][0]["m"] == {"$and": [
        {"fact": "customer"},
        {"$and": [{"$and": [{"$neq": {"tier": "VIP"}}, {"$neq": {"tier": "IP"}}]},
                  {"$nex": {"days_since_contact": 1}},
                  {"$lte": {"visits": 3}}]}]}


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
    assert sizes == [MAX_RULES_PER_PART, MAX_RULES_PER_PART, 10]


def test_a_rule_too_big_for_durable_rules_is_refused(tmp_path):
    values = ", ".join(f"v{i}" for i in range(150))
    path = tmp_path / "big.yaml"
    path.write_text(textwrap.dedent(f"""\
        ruleset: big
        rules:
          - id: huge
            guidance: [CRM-07]
            for_each: complaint
            when: {{complaint.topic: {{in: [{values}]}}}}
            then: {{recommend: keep_in_touch}}
        scripts:
          keep_in_touch: {{en: hi, zh: 你好}}
        """), encoding="utf-8")
    setup = setup_for(path)
    with pytest.raises(RulesetError, match=r"big.yaml:3: \$.rules\[0\]: the conditions compile to 151 tests"):
        compile_rulesets(setup.rulesets, setup.parameters)


def test_derivation_cycles_are_refused(tmp_path):
    path = tmp_path / "cycle.yaml"
    path.write_text(textwrap.dedent("""\
        ruleset: cycle
        rules:
          - id: a
            guidance: [LOY-03]
            when: {derived.b: true}
            then: {derive: a}
          - id: b
            guidance: [LOY-03]
            when: {derived.a: true}
            then: {derive: b}
        """), encoding="utf-8")
    setup = setup_for(path)
    with pytest.raises(RulesetError, match="cycle"):
        compile_rulesets(setup.rulesets, setup.parameters)
