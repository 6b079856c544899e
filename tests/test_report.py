"""`loyalty-rules report`: counting decisions, degrading without contract 2.0 fields, and
the page itself, rendered offline in headless Chromium."""

from __future__ import annotations

import json
import re

import pytest
from browser import dom_and_console, png_size, screenshot
from click.testing import CliRunner
from conftest import ROOT

from loyalty_rules.cli import main
from loyalty_rules.errors import UsageError
from loyalty_rules.reporting.report import build_report, read_backtest
from loyalty_rules.reporting.summary import NO_ROLE, Summary, reason_kind

AS_OF = "2026-11-22"
SAMPLES = ROOT / "samples" / "customers.jsonl"
LEVELS = ("top", "large", "medium", "small", "inactive", "prospect")
STAGES = ("stranger", "expectation", "purchase", "repeat", "advocate")
SEGMENTS = {"true_friend": ("high", "high"), "butterfly": ("low", "high"),
            "barnacle": ("high", "low"), "stranger": ("low", "low")}


def full_decision(n: int) -> dict:
    """A contract 2.0 decision: pyramid, key_account, p_active, role, overdue, displaced_by."""
    segment = list(SEGMENTS)[n % 4]
    return {
        "customer_id": f"F{n:03d}", "as_of": AS_OF,
        "profile": {"segment": segment, "loyalty": SEGMENTS[segment][0],
                    "profit_level": SEGMENTS[segment][1], "loyalty_stage": STAGES[n % 5],
                    "tier": "P", "spend": 100 + n, "pyramid": LEVELS[n % 6],
                    "key_account": n % 5 == 0, "value_percentile": n % 100,
                    "p_active": (n % 10) / 10 + 0.05},
        "recommendations": [
            {"id": f"r{n}", "action": "wake_dormant" if n % 2 else "surprise", "priority": 50,
             "role": ["consultant", "store", "manager"][n % 3],
             "due": f"2026-11-{20 + n % 5:02d}",
             **({"overdue": 20 + n % 5 < 22} if n % 4 else {})}],
        "suppressed": [{"action": "upsell", "rule": "x", "ruleset": "y",
                        "reason": "displaced by wake_dormant", "displaced_by": "wake_dormant"}]
        if n % 3 == 0 else [],
    }


def backtest_json(**changes) -> dict:
    """A backtest in the format docs/backtest.md documents (version 1)."""
    data = {
        "format": "loyalty-rules/backtest", "version": 1, "cutoff": "1997-09-30",
        "horizon_days": 273, "horizon_end": "1998-06-30",
        "customers": {"read": 100, "rejected": 0, "scored": 100},
        "outcome": {"came_back": 30, "came_back_rate": 0.3, "revenue": 1000.0},
        "metrics": {"p_active_auc": 0.7617, "dormant_balanced_accuracy": 0.717,
                    "key_accounts": {"customers": 20, "share_of_base": 0.2,
                                     "share_of_revenue": 0.66}},
        "actions": {"wake_dormant": {"customers": 50, "came_back": 10,
                                     "came_back_anyway": 0.2, "lift": 0.67}},
        "calibration": [{"from": i / 10, "to": (i + 1) / 10, "customers": 10,
                         "mean_p_active": i / 10 + 0.05, "mean_predicted": i / 10 + 0.05,
                         "came_back_rate": min(1, i / 10 + 0.02)} for i in range(10)],
        "gain": [{"share_of_customers": k / 20, "share_of_came_back": min(1, 1.6 * k / 20),
                  "share_of_revenue": min(1, 1.8 * k / 20), "lift": 1.6} for k in range(1, 21)],
    }
    data.update(changes)
    return data


def test_counts_of_a_contract_2_decision_set():
    summary = Summary()
    for n in range(60):
        summary.add(full_decision(n))
    assert summary.decisions == 60 and sum(summary.cells.values()) == 60
    assert summary.cells[("high", "high")] == 15  # true friends
    assert summary.pyramid == {level: 10 for level in LEVELS}
    assert summary.key_account[True] == 12
    assert sum(summary.p_active.values()) == 60 and summary.p_active[9] == 6
    assert [row[2] for row in summary.funnel()] == [60, 48, 36, 24, 12]  # at or beyond
    assert summary.suppressed == {("upsell", "displaced"): 20}
    work = summary.work()
    assert sum(work.values()) == 60
    # overdue as the decisions say: where the field is absent it means open-ended
    assert work[("2026-11-20", "consultant", True)] == sum(
        1 for n in range(60) if n % 5 == 0 and n % 4 and n % 3 == 0)
    assert summary.notes() == []


def test_without_2_0_fields_the_report_says_what_it_derived():
    summary = Summary()
    summary.add({"customer_id": "A", "as_of": AS_OF, "profile": {"segment": "butterfly"},
                 "recommendations": [{"action": "upsell", "due": "2026-11-20"},
                                     {"action": "surprise", "due": AS_OF}],
                 "suppressed": [{"action": "x", "reason": "contact cap: 3 per 7 days"}]})
    assert summary.cells == {("low", "high"): 1}  # from the segment alone
    assert summary.work() == {("2026-11-20", NO_ROLE, True): 1, (AS_OF, NO_ROLE, False): 1}
    notes = " ".join(summary.notes())
    for field in ("`pyramid`", "`key_account`", "`p_active`", "`role`", "`overdue`"):
        assert field in notes


@pytest.mark.parametrize("entry, kind", [
    ({"reason": "contact cap: 3 per 7 days"}, "contact cap"),
    ({"reason": "holdout: withheld for experiment x"}, "holdout"),
    ({"reason": "duplicate action: rule 'a' (priority 3) chosen"}, "duplicate action"),
    ({"reason": "displaced by ask_referral"}, "displaced"),
    ({"reason": "whatever", "displaced_by": "upsell"}, "displaced"), ({}, "(no reason)")])
def test_suppression_reasons_are_grouped(entry, kind):
    assert reason_kind(entry) == kind


CHARTS = ("chart-segments", "chart-funnel", "chart-pyramid", "chart-p-active",
          "chart-actions", "chart-suppressed", "chart-workload")
BACKTEST_CHARTS = ("chart-gain", "chart-lift", "chart-calibration", "chart-came-back-anyway")


def test_the_page_holds_every_chart_and_the_library_itself():
    built = build_report([full_decision(n) for n in range(40)], backtest=backtest_json())
    assert built.charts_drawn == len(CHARTS) + len(BACKTEST_CHARTS)
    for chart in CHARTS + BACKTEST_CHARTS:
        assert f'id="{chart}" class="chart"' in built.html
    assert "0.762" in built.html and "66.0 %" in built.html  # AUC, key accounts' revenue
    # self-contained: plotly.js is inlined, nothing is loaded from elsewhere
    assert re.search(r"<script[^>]+src=", built.html) is None
    assert "<link" not in built.html and "plotly.js v" in built.html


def test_without_a_backtest_or_2_0_fields_the_page_says_so():
    old = {"customer_id": "A", "as_of": AS_OF, "profile": {"segment": "butterfly",
                                                           "loyalty_stage": "purchase"},
           "recommendations": [{"action": "upsell", "due": AS_OF}], "suppressed": []}
    built = build_report([old])
    assert 'id="chart-pyramid-missing"' in built.html and "chart-gain" not in built.html
    assert "<code>pyramid</code>" in built.html and "loyalty-rules backtest" in built.html


def test_a_backtest_file_is_checked(tmp_path):
    path = tmp_path / "b.json"
    path.write_text(json.dumps({"format": "something else"}), encoding="utf-8")
    with pytest.raises(UsageError, match="not a backtest"):
        read_backtest(path)
    path.write_text(json.dumps(backtest_json(version=2, gain=[])), encoding="utf-8")
    _, notes = read_backtest(path)
    assert any("version 2" in n for n in notes) and any("`gain`" in n for n in notes)


def test_report_command_on_evaluate_output_with_bad_lines(tmp_path):
    decisions = tmp_path / "decisions.json"
    result = CliRunner().invoke(main, ["evaluate", str(SAMPLES), "--as-of", AS_OF,
                                       "--format", "json", "-o", str(decisions),
                                       "--workers", "1"])
    assert result.exit_code == 0
    page = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", str(decisions), "-o", str(page)])
    assert result.exit_code == 0, result.stderr
    count = sum(1 for line in SAMPLES.read_text(encoding="utf-8").splitlines() if line.strip())
    assert f"{count} decisions" in result.stderr and page.stat().st_size > 1_000_000
    lines = decisions.read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "broken.json"
    broken.write_text("\n".join(lines[:2] + ['{"as_of": "2026-11-22"},'] + lines[2:]) + "\n",
                      encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(broken), "-o", str(page)])
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert f"{broken}:3: customer_id: missing or not a string" in result.stderr
    assert f"{count} decisions" in result.stderr  # the rest is still reported


def test_the_page_renders_offline_in_headless_chromium(tmp_path):
    built = build_report([full_decision(n) for n in range(80)], backtest=backtest_json())
    page = tmp_path / "report.html"
    page.write_text(built.html, encoding="utf-8")
    dom, console = dom_and_console(page)
    assert console == []  # no error, no warning, not even a log line
    expected = len(CHARTS) + len(BACKTEST_CHARTS)
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert f'data-charts-expected="{expected}"' in body
    assert f'data-charts-drawn="{expected}"' in body and "data-chart-errors" not in body
    for chart in CHARTS + BACKTEST_CHARTS:  # plotly drew an SVG into every chart's div
        start = dom.index(f'id="{chart}"')
        assert 'class="main-svg"' in dom[start:start + 3000], chart
    assert dom.count('class="main-svg"') >= expected
    png = screenshot(page, tmp_path / "report.png")
    assert png_size(png) == (1300, 3000)
    assert png.stat().st_size > 100_000  # a blank page of this size is a few kilobytes


def test_a_chart_that_fails_is_visible_on_the_page(tmp_path):
    built = build_report([full_decision(1)])
    page = tmp_path / "report.html"
    # break the library: the page must say a chart failed, not stay silently blank
    page.write_text(built.html.replace("newPlot(chart.id", "newPlotMissing(chart.id"),
                    encoding="utf-8")
    dom, console = dom_and_console(page)
    assert any("newPlotMissing" in line for line in console)
    assert "A chart failed to draw" in dom and "data-chart-errors" in dom
