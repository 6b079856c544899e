"""The smaller reliability fixes of issue 8: parameters, calendar edges, time zones, a blocked
core, units in Chinese scripts."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from loyalty_rules import UsageError, parse_customer
from loyalty_rules.cli import main

from conftest import BASIC, make_engine

CUSTOMER = '{"id": "A", "events": [{"type": "visit", "at": "2026-11-01"}]}\n'


@pytest.fixture
def customers(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(CUSTOMER)
    return path


def _run(*args: str, **kwargs):
    return CliRunner().invoke(main, list(args), **kwargs)


@pytest.mark.parametrize("param, message", [
    ("x=[", "error: --param 'x=[': not valid YAML: expected the node content"),
    ("profile.dormancy_factor=.nan", "error: --param 'profile.dormancy_factor=.nan': expected a "
                                     "finite number"),
    ("profile.dormancy_factor=.inf", "error: --param 'profile.dormancy_factor=.inf': expected"),
    ("profile.dormancy_facto=3", "error: unknown parameter 'profile.dormancy_facto' (did you "
                                 "mean 'profile.dormancy_factor'?)"),
])
def test_param_errors_are_one_line(customers, param, message):
    result = _run("evaluate", str(customers), "--as-of", "2026-11-22", "--param", param)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("text, value", [("3e-1", 0.3), ("1e308", 1e308), ("2", 2),
                                         ("-1.5E2", -150.0)])
def test_param_numbers_in_any_notation_are_numbers(text, value):
    from loyalty_rules.cli.common import param_value

    assert param_value("p", text) == value


def test_param_3e_minus_1_is_accepted_as_a_number(customers):
    result = _run("evaluate", str(customers), "--as-of", "2026-11-22",
                  "--param", "profile.dormancy_factor=3e-1", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr


def test_non_finite_parameters_are_refused_in_the_api():
    with pytest.raises(UsageError, match="expected a finite number"):
        make_engine(parameters={"basic.dominant_margin": float("nan")})


def test_non_finite_thresholds_in_a_ruleset_are_refused(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(BASIC.read_text().replace("{gte: {param: far_ratio}}", "{gte: .inf}")
                    .replace("default: 0.2", "default: .nan"))
    result = _run("validate", str(path))
    assert result.exit_code == 2
    assert "$.parameters.dominant_margin.default: not a finite number" in result.stderr
    assert "$.rules[1].when.request.ratio.gte: not a finite number" in result.stderr


@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-02", "9999-12-31", "3000-01-01"])
def test_as_of_at_the_edges_of_the_calendar_is_a_usage_error(customers, day):
    result = _run("evaluate", str(customers), "--as-of", day)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: as_of: {day} is outside")


def test_a_blocked_core_warns(customers, monkeypatch):
    monkeypatch.setenv("LOYALTY_RULES_BLOCK_PLUGINS", "core")
    result = _run("evaluate", str(customers), "--as-of", "2026-11-22", "--format", "jsonl")
    assert result.exit_code == 0
    assert "warning: the core plugin is blocked" in result.stderr
    assert "warning: no rules are active" in result.stderr


def test_chinese_scripts_write_units_in_chinese(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"id": "A", "name": "黄先生", "personality": "dominant",
                                "events": [{"type": "request", "at": "2026-11-20",
                                            "expected": 10, "deliverable": 17,
                                            "unit": "days"}]}) + "\n")
    result = _run("evaluate", str(path), "--as-of", "2026-11-22", "--locale", "zh",
                  "--format", "jsonl")
    scripts = [r["script"] for r in json.loads(result.stdout)["recommendations"]]
    # one reply, one figure: the dominant customer's under-promise (17 days padded to 21)
    assert scripts and any("21天" in s for s in scripts)
    assert not any("days" in s for s in scripts)


def test_english_scripts_write_chinese_units_in_english():
    from loyalty_rules.language.scripts import render

    assert render("within {promise} {unit}", {"promise": 3, "unit": "天"}, "en") == \
        "within 3 days"
    assert render("{promise}{unit}内", {"promise": 3, "unit": "parsecs"}, "zh") == "3parsecs内"


def test_one_of_an_english_unit_is_singular():
    from loyalty_rules import Engine

    assert render_en("{expected} {unit} is not possible; {deliverable} {unit} is", 1, 2) == \
        "1 day is not possible; 2 days is"
    decision = Engine().evaluate(
        {"id": "S", "personality": "dominant", "events": [
            {"type": "request", "at": "2026-11-22", "expected": 1, "deliverable": 2,
             "unit": "天"}]}, "2026-11-22", locale="en")
    (reply,) = decision.recommendations
    assert "1 day is not possible for us" in reply.script
    assert "1 days" not in reply.script


def render_en(template, expected, deliverable):
    from loyalty_rules.language.scripts import render

    return render(template, {"expected": expected, "deliverable": deliverable,
                             "unit": "days"}, "en")


SAME_INSTANT = ['{"id": "A", "events": [{"type": "visit", "at": "2026-03-01T05:00+08:00"}]}',
                '{"id": "B", "events": [{"type": "visit", "at": "2026-02-28T21:00Z"}]}']


@pytest.mark.parametrize("zone, day", [(None, "2026-02-28"), ("UTC", "2026-02-28"),
                                       ("Asia/Shanghai", "2026-03-01"),
                                       ("+08:00", "2026-03-01"), ("-05:00", "2026-02-28")])
def test_the_same_instant_is_the_same_day_in_the_business_time_zone(tmp_path, zone, day):
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(SAME_INSTANT) + "\n")
    args = ["evaluate", str(path), "--as-of", "2026-03-05", "--format", "jsonl"]
    if zone:
        args += ["--param", f"profile.timezone={zone}"]
    result = _run(*args)
    assert result.exit_code == 0, result.stderr
    days = [json.loads(line)["profile"]["days_since_activity"]
            for line in result.stdout.splitlines()]
    expected = (5 - int(day[-2:])) if day.startswith("2026-03") else 5
    assert days == [expected, expected]


def test_a_date_time_without_offset_is_taken_as_written():
    customer = parse_customer({"id": "A", "events": [{"type": "visit",
                                                      "at": "2026-03-01T23:30"}]})
    assert str(customer.events[0].at) == "2026-03-01"


def test_an_unknown_time_zone_is_a_usage_error(customers):
    result = _run("evaluate", str(customers), "--as-of", "2026-11-22",
                  "--param", "profile.timezone=Mars/Olympus")
    assert result.exit_code == 2
    assert "parameter 'profile.timezone': unknown time zone 'Mars/Olympus'" in result.stderr
