"""`build_report`: decisions (and optionally a backtest) in, the manager's HTML page out."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from ..errors import Problem, UsageError
from ..io.reading import Rejected
from . import charts
from .page import Chart, Section, date_range, render, table, tiles
from .summary import NO_ROLE, Summary

BACKTEST_FORMAT = "loyalty-rules/backtest"
BACKTEST_VERSION = 1


@attrs.define
class Built:
    html: str
    summary: Summary
    rejected: list[Rejected]
    charts_drawn: int


def read_backtest(path: str | Path) -> tuple[dict[str, Any], list[str]]:
    """A backtest's JSON (`loyalty-rules backtest`), and notes on what it lacks."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the backtest: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    if not isinstance(data, dict) or data.get("format") != BACKTEST_FORMAT:
        raise UsageError(f"{path}:1: format: not a backtest (expected \"format\": "
                         f"\"{BACKTEST_FORMAT}\", from loyalty-rules backtest)")
    notes = []
    version = data.get("version")
    if not isinstance(version, int) or version > BACKTEST_VERSION:
        notes.append(f"The backtest is format version {version!r}; this report knows version "
                     f"{BACKTEST_VERSION} and shows the fields it knows.")
    for key, what in (("gain", "gain and lift charts"), ("calibration", "calibration chart"),
                      ("metrics", "headline figures")):
        if not data.get(key):
            notes.append(f"The backtest has no `{key}`: no {what}.")
    return data, notes


def _number(value: Any, percent: bool = False) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "–"
    return f"{100 * value:.1f} %" if percent else f"{value:,.3f}".rstrip("0").rstrip(".")


def _backtest_section(backtest: Mapping[str, Any] | None) -> Section:
    if backtest is None:
        return Section("Backtest", "Not given: run <code>loyalty-rules backtest HISTORY "
                       "--cutoff DATE --horizon DAYS -o backtest.json</code> and pass "
                       "<code>--backtest backtest.json</code> for gain, lift and the "
                       "calibration of <code>p_active</code>.")
    metrics = backtest.get("metrics") or {}
    keys = metrics.get("key_accounts") or {}
    outcome = backtest.get("outcome") or {}
    customers = backtest.get("customers") or {}
    rows = [
        ("customers scored", _number(customers.get("scored"))),
        ("came back in the horizon", _number(outcome.get("came_back_rate"), True)),
        ("AUC of p_active (came back or not)", _number(metrics.get("p_active_auc"))),
        ("balanced accuracy of dormant", _number(metrics.get("dormant_balanced_accuracy"))),
        ("key accounts: share of the base", _number(keys.get("share_of_base"), True)),
        ("key accounts: share of horizon revenue", _number(keys.get("share_of_revenue"), True)),
    ]
    text = (f"Evaluated as of {backtest.get('cutoff', '?')} with only the history before it, "
            f"then compared with what customers did in the next "
            f"{backtest.get('horizon_days', '?')} days (to {backtest.get('horizon_end', '?')}).")
    return Section("Backtest: did the decisions match what customers did next?", text, [
        Chart("chart-gain", charts.gain(backtest), "the backtest has no gain curve"),
        Chart("chart-lift", charts.lift(backtest), "the backtest has no gain curve"),
        Chart("chart-calibration", charts.calibration(backtest),
              "the backtest has no calibration"),
        Chart("chart-came-back-anyway", charts.came_back_anyway(backtest),
              "the backtest has no actions"),
    ], html=table(("figure", "value"), rows))


def _workload_table(summary: Summary) -> str:
    work = summary.work()
    as_of = max(summary.as_of) if summary.as_of else ""
    roles = sorted({role for _, role, _ in work}, key=lambda r: (r == NO_ROLE, r))
    rows = []
    for role in roles:
        overdue = sum(n for (day, r, late), n in work.items() if r == role and late)
        today = sum(n for (day, r, late), n in work.items()
                    if r == role and not late and day <= as_of)
        later = sum(n for (day, r, late), n in work.items()
                    if r == role and not late and day > as_of)
        rows.append((role, f"{overdue:,}", f"{today:,}", f"{later:,}"))
    return table(("role", "overdue", f"due by {as_of}", "due later"), rows) if rows else ""


def _segment_table(summary: Summary) -> str:
    total = sum(summary.segment.values())
    rows = [(charts.SEGMENT_LABEL.get(s, s), f"{summary.segment[s]:,}",
             charts._share(summary.segment[s], total), charts.STRATEGY.get(s, ""))
            for s in summary.segments() if summary.segment[s]]
    return table(("segment", "customers", "share", "strategy (LOY-04)"), rows) if rows else ""


def build_report(decisions: Iterable[Mapping[str, Any] | Rejected], *,
                 backtest: Mapping[str, Any] | None = None, backtest_notes: Iterable[str] = (),
                 sources: Iterable[str] = (), version: str = "") -> Built:
    """Count the decisions in one pass, then draw the page."""
    from plotly import __version__ as plotly_version
    from plotly.offline import get_plotlyjs

    summary = Summary()
    rejected: list[Rejected] = []
    for decision in decisions:
        if isinstance(decision, Rejected):
            rejected.append(decision)
        else:
            summary.add(decision)
    if not summary.decisions:
        raise UsageError("no decision to report on" + (
            f" ({len(rejected)} record(s) rejected)" if rejected else ""))
    recommended = summary.recommendations
    overdue = sum(n for (_, _, late), n in summary.work().items() if late)
    kpis = [(f"{summary.decisions:,}", "customers"),
            (f"{summary.with_recommendation:,}", "with something to do"),
            (f"{recommended:,}", "recommendations"), (f"{overdue:,}", "overdue"),
            (f"{sum(summary.suppressed.values()):,}", "held back")]
    if summary.key_account:
        kpis.append((charts._share(summary.key_account[True], summary.decisions),
                     "key accounts"))
    for arm, count in sorted(summary.arms.items()):
        kpis.append((f"{count:,}", f"in arm {arm}"))
    notes = summary.notes() + list(backtest_notes)
    if rejected:
        notes.append(f"{len(rejected)} record(s) of the decisions file were rejected "
                     "(see the command's standard error).")
    sections = [
        Section("Who the customers are",
                "Segments by loyalty and profit (LOY-04), how far each customer has come on "
                "the loyalty ladder (LOY-06) and the customer pyramid (LOY-05).", [
                    Chart("chart-segments", charts.segment_matrix(summary),
                          "no segment in the profiles"),
                    Chart("chart-funnel", charts.stage_funnel(summary),
                          "no loyalty_stage in the profiles"),
                    Chart("chart-pyramid", charts.pyramid(summary),
                          "no pyramid in the profiles (contract 2.0's population pass)"),
                    Chart("chart-p-active", charts.p_active_distribution(summary),
                          "no p_active in the profiles (contract 2.0)"),
                ], html=_segment_table(summary)),
        Section("What to do, and what was held back",
                "Recommendations per action; suppressions by action and reason (the contact "
                "cap, one recommendation per action, an experiment's holdout, displaced by "
                "another action).", [
                    Chart("chart-actions", charts.action_mix(summary), "no recommendation"),
                    Chart("chart-suppressed", charts.suppressions(summary),
                          "nothing was held back"),
                ]),
        Section("Workload", "Recommendations by due day and by who carries them out; "
                "overdue ones are hatched.",
                [Chart("chart-workload", charts.workload(summary), "no recommendation")],
                html=_workload_table(summary)),
        _backtest_section(backtest),
    ]
    drawn = sum(1 for s in sections for c in s.charts if c.figure is not None)
    page = render(
        title="Customer report",
        subtitle=f"Decisions as of {date_range(list(summary.as_of))} · "
                 + ", ".join(sources),
        summary_tiles=kpis, notes=notes, sections=sections, plotly_js=get_plotlyjs(),
        footer=f"loyalty-rules {version} · charts: plotly.js (plotly {plotly_version}), "
               "embedded: this page needs no network.")
    return Built(page, summary, rejected, drawn)


__all__ = ["BACKTEST_FORMAT", "Built", "Problem", "build_report", "read_backtest"]
