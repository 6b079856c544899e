"""Every problem in a ruleset is reported, each with file, line and `$`-path."""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner
from conftest import BASIC, TESTS, bare_manager, make_engine

from loyalty_rules import RulesetError
from loyalty_rules.cli import main
from loyalty_rules.plugins.registry import collect
from loyalty_rules.engine.building import vocabulary_of
from loyalty_rules.language.validation import load_ruleset_text


def vocabulary():
    return vocabulary_of(collect(bare_manager(), ["core"]))


def problems_of(text: str) -> list[str]:
    with pytest.raises(RulesetError) as caught:
        load_ruleset_text(textwrap.dedent(text), "r.yaml", vocabulary())
    return [str(p) for p in caught.value.problems]


def test_three_mistakes_give_three_file_line_errors():
    path = TESTS / "rulesets" / "three_mistakes.yaml"
    with pytest.raises(RulesetError) as caught:
        make_engine(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:8: $.rules[0].when.segmant: unknown field 'segmant' (did you mean 'segment'?)",
        f"{path}:16: $.rules[1].then.priority: expected an integer from 0 to 100, got 'high'",
        f"{path}:17: $.rules[2].id: duplicate rule id 'wake' (first at line 11)",
    ]


def test_cli_validate_prints_three_lines_and_exits_2():
    path = TESTS / "rulesets" / "three_mistakes.yaml"
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith(f"{path}:") for line in lines)
    assert "Traceback" not in result.output + result.stderr


def test_cli_validate_accepts_a_good_file():
    result = CliRunner().invoke(main, ["validate", str(BASIC)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok: 1 ruleset(s), 9 rule(s)")


def test_yaml_syntax_errors_name_the_line():
    assert problems_of("""\
        ruleset: x
        rules:
          - id: a
            when: {dormant: true
        """) == ["r.yaml:5: $: invalid YAML: while parsing a flow mapping: "
                 "expected ',' or '}', but got '<stream end>'"]


def test_yaml_python_tags_are_refused():
    (problem,) = problems_of("ruleset: !!python/object/apply:os.system ['true']\nrules: []\n")
    assert "invalid YAML" in problem and "python/object" in problem


def test_unknown_keys_actions_params_types_and_guidance():
    found = problems_of("""\
        ruleset: demo
        colour: blue
        parameters:
          days: {default: 30}
        rules:
          - id: a
            guidance: [XYZ-1]
            when:
              days_since_contact: {gte: {param: dayz}}
              tier: {in: [VIP, GOLD]}
              personality: {gt: 3}
            then:
              recommend: wake_dormnat
              channel: pigeon
              params: {x: {field: request.deliverable}}
              prority: 3
          - id: b
            guidance: [CRM-02]
            when: {request.ratio: {gt: 1}}
            then: {recommend: set_expectations}
          - id: c
            guidance: [CRM-02]
            when: {derived.nothing: true}
            then: {derive: thing, value: {compute: eval, code: "1+1"}}
        """)
    assert found == [
        "r.yaml:2: $.colour: unknown key; expected one of ruleset, version, description, "
        "guidance, parameters, queries, guidelines, actions, overrides, rules, scripts",
        "r.yaml:7: $.rules[0].guidance[0]: not a guidance ID: 'XYZ-1' (expected e.g. EXP-08, "
        "IND-AUTO-03, or one of your own declared under `guidelines:`)",
        "r.yaml:9: $.rules[0].when.days_since_contact.gte.param: unknown parameter 'dayz' "
        "(did you mean 'days'?); declare it under `parameters`",
        "r.yaml:10: $.rules[0].when.tier.in[1]: 'GOLD' is not a value of 'tier'; expected one "
        "of P, IP, VIP, double_VIP, triple_VIP",
        "r.yaml:11: $.rules[0].when.personality.gt: gt compares numbers; 'personality' is a "
        "string",
        "r.yaml:16: $.rules[0].then.prority: unknown key (did you mean 'priority'?); expected "
        "one of recommend, priority, channel, due_in_days, params, script",
        "r.yaml:13: $.rules[0].then.recommend: unknown action 'wake_dormnat' (did you mean "
        "'wake_dormant'?)",
        "r.yaml:14: $.rules[0].then.channel: unknown channel 'pigeon'; expected one of phone, "
        "sms, email, letter, wechat, visit",
        "r.yaml:15: $.rules[0].then.params.x.field: 'request.deliverable' is only readable in a "
        "rule with `for_each: request`",
        "r.yaml:19: $.rules[1].when.request.ratio: 'request.ratio' is only readable in a rule "
        "with `for_each: request`",
        "r.yaml:23: $.rules[2].when.derived.nothing: no rule derives 'nothing'",
        "r.yaml:24: $.rules[2].then.value.compute: unknown computation 'eval'; known: add, "
        "commitment, first, max, min, multiply, pad, round, subtract",
    ]


def test_missing_pieces_are_reported():
    found = problems_of("""\
        ruleset: demo
        rules:
          - id: a
            when: {dormant: true}
          - guidance: [CRM-02]
            then: {recommend: wake_dormant}
        """)
    assert found == [
        "r.yaml:3: $.rules[0].guidance: missing required key: every rule cites the guidance "
        "it implements",
        "r.yaml:3: $.rules[0]: missing required key: then",
        "r.yaml:5: $.rules[1].id: missing required key",
        "r.yaml:5: $.rules[1]: missing required key: when",
    ]


def test_scripts_need_both_languages_and_only_known_placeholders(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent("""\
        ruleset: scripted
        rules:
          - id: a
            guidance: [CRM-02]
            when: {dormant: true}
            then: {recommend: wake_dormant, params: {weeks: 3}}
          - id: b
            guidance: [CRM-17]
            when: {days_to_birthday: 0}
            then: {recommend: birthday_greeting}
        scripts:
          wake_dormant:
            en: "{name}, it has been {weeks} weeks, {age}."
            zh: "{name}，好久不见。"
        """), encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        make_engine(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:3: $.rules[0].then: script 'wake_dormant' (en) uses {{age}}, which this rule "
        "does not provide; it provides channel, due, name, weeks",
        f"{path}:7: $.rules[1].then: no script 'birthday_greeting' (in en and zh) for this "
        "recommendation",
    ]


def test_every_file_is_reported_not_only_the_first(tmp_path):
    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(f"ruleset: {name}\nrules: 3\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == [
        str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]


def test_duplicate_ruleset_names_across_files(tmp_path):
    text = BASIC.read_text(encoding="utf-8")
    (tmp_path / "copy.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RulesetError, match="ruleset 'basic' is also defined in"):
        make_engine(BASIC, tmp_path / "copy.yaml")
