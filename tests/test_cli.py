"""The command line: the contract's exit codes, one line per error, never a traceback."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from conftest import BASIC, TESTS

from loyalty_rules.cli import main

GOOD = {"id": "D1", "name": "Mr Huang", "personality": "dominant", "locale": "en",
        "events": [{"type": "request", "at": "2026-11-20", "expected": 7, "deliverable": 14,
                    "unit": "days"}]}


@pytest.fixture
def customers(tmp_path):
    path = tmp_path / "customers.jsonl"
    path.write_text("\n".join([json.dumps(GOOD), json.dumps(dict(GOOD, id="D2", locale="zh",
                                                                 name="黄先生"))]) + "\n",
                    encoding="utf-8")
    return path


def run(*args: str):
    # Only the basic test ruleset on top of the core: the output does not depend on how the
    # shipped rulesets evolve, as long as they run.
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output + result.stderr
    return result


def test_json_output_is_one_array_in_input_order(customers):
    result = run("evaluate", str(customers), "--as-of", "2026-11-22", "--ruleset", str(BASIC),
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    decisions = json.loads(result.stdout)
    assert [d["customer_id"] for d in decisions] == ["D1", "D2"]
    assert "under_promise" in [r["action"] for r in decisions[0]["recommendations"]]


def test_jsonl_csv_and_table_formats(customers, tmp_path):
    jsonl = run("evaluate", str(customers), "--as-of", "2026-11-22", "--format", "jsonl")
    assert [json.loads(line)["customer_id"] for line in jsonl.stdout.splitlines()] == \
        ["D1", "D2"]
    out = tmp_path / "out.csv"
    assert run("evaluate", str(customers), "--as-of", "2026-11-22", "--ruleset", str(BASIC),
               "--format", "csv", "--output", str(out)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {"customer_id", "action", "guidance", "script"} <= set(rows[0])
    assert any(r["action"] == "under_promise" and r["customer_id"] == "D2" for r in rows)
    table = run("evaluate", str(customers), "--as-of", "2026-11-22", "--ruleset", str(BASIC),
                "--format", "table", "--locale", "zh")
    assert table.exit_code == 0 and "D1" in table.stdout and "黄先生" in table.stdout


def test_rejected_records_exit_1_and_the_rest_is_written(customers):
    with customers.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "B", "events": [{"type": "purchase", "at": "2026-13-01", '
                     '"amount": 5}]}\n{oops\n')
    result = run("evaluate", str(customers), "--as-of", "2026-11-22", "--format", "jsonl")
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr.splitlines() == [
        f"{customers}:3: events[0].at: expected an ISO 8601 date (YYYY-MM-DD), got "
        "'2026-13-01'",
        f"{customers}:4: invalid JSON: Expecting property name enclosed in double quotes "
        "(column 2)",
        "4 read, 2 evaluated, 2 rejected",
    ]


@pytest.mark.parametrize("args, message", [
    (["--as-of", "tomorrow"], "error: as_of: expected a date YYYY-MM-DD, got 'tomorrow'"),
    (["--as-of", "2026-11-22", "--plugin", "nope"], "error: plugin 'nope': not installed"),
    (["--as-of", "2026-11-22", "--param", "profile.dormancy_factr=2"],
     "error: unknown parameter 'profile.dormancy_factr'"),
    (["--as-of", "2026-11-22", "--ruleset", "missing.yaml"],
     "error: missing.yaml: no such ruleset file or folder"),
])
def test_usage_errors_exit_2_with_one_line(customers, args, message):
    result = run("evaluate", str(customers), *args)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(message)


def test_a_bad_custom_ruleset_exits_2_naming_file_and_line(customers):
    bad = TESTS / "rulesets" / "three_mistakes.yaml"
    result = run("evaluate", str(customers), "--as-of", "2026-11-22", "--ruleset", str(bad))
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 3
    assert all(line.startswith(f"{bad}:") for line in result.stderr.splitlines())


def test_missing_input_and_missing_as_of(tmp_path):
    result = run("evaluate", str(tmp_path / "none.jsonl"), "--as-of", "2026-11-22")
    assert result.exit_code == 2 and "no such file" in result.stderr
    assert run("evaluate", str(tmp_path)).exit_code == 2  # --as-of is required


def test_parameters_from_the_command_line(customers, tmp_path):
    ruleset = tmp_path / "marker.yaml"
    ruleset.write_text("""\
ruleset: marker
parameters: {level: 1}
rules:
  - id: mark
    guidance: [CRM-16]
    when: {visits: {gte: 0}}
    then: {derive: level, value: {param: level}}
""", encoding="utf-8")
    levels = []
    for value in ("1", "7"):
        result = run("evaluate", str(customers), "--as-of", "2026-11-22", "--ruleset",
                     str(ruleset), "--param", f"marker.level={value}", "--format", "json")
        assert result.exit_code == 0, result.stderr
        levels.append(json.loads(result.stdout)[0]["profile"]["derived"]["level"])
    assert levels == [1, 7]


def test_guidance_lists_every_guideline_and_coverage():
    result = run("guidance", "--format", "json")
    rows = json.loads(result.stdout)
    assert len(rows) == 71 and rows[0]["id"] == "EXP-01"
    text = run("guidance", "--coverage").stdout
    assert "guidelines implemented by at least one rule" in text


def test_plugins_lists_the_core_and_what_it_adds():
    result = run("plugins")
    assert result.exit_code == 0
    assert result.stdout.startswith("core  (built in)")
    assert "under_promise" in result.stdout


def test_help_and_version():
    assert "evaluate" in run("--help").stdout
    assert run("--version").exit_code == 0
