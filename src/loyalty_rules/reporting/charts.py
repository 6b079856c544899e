"""The report's charts, as plotly figures: one function per chart, from a `Summary` (the
decisions) or a backtest's JSON. Each returns None when it has nothing to draw."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from ..facts.parameters import STAGE_PERCENT
from .summary import NO_ROLE, P_ACTIVE_BINS, PYRAMID_LEVELS, Summary

#: LOY-04's strategy per segment (GUIDANCE.md), shown in the matrix
STRATEGY = {"true_friend": "reward and nurture", "butterfly": "harvest while active",
            "barnacle": "grow share of wallet", "stranger": "do not invest"}
SEGMENT_LABEL = {"true_friend": "true friends", "butterfly": "butterflies",
                 "barnacle": "barnacles", "stranger": "strangers"}
ROLE_COLOURS = {"consultant": "#1f77b4", "store": "#2ca02c", "manager": "#d62728",
                "brand": "#9467bd", NO_ROLE: "#7f7f7f"}
REASON_COLOURS = {"contact cap": "#ff7f0e", "duplicate action": "#8c564b",
                  "holdout": "#17becf", "displaced": "#e377c2"}


def _layout(figure: go.Figure, title: str, height: int = 380, **more: Any) -> go.Figure:
    figure.update_layout(title={"text": title, "x": 0.01}, height=height,
                         margin={"l": 60, "r": 20, "t": 60, "b": 50},
                         template="plotly_white", **more)
    return figure


def _share(count: float, total: float) -> str:
    return f"{100 * count / total:.1f} %" if total else "–"


def segment_matrix(summary: Summary) -> go.Figure | None:
    """LOY-04: loyalty (x) × profit (y), customers per cell, with the segment's strategy."""
    if not summary.cells:
        return None
    total = sum(summary.cells.values())
    names = {cell: seg for seg, cell in
             (("true_friend", ("high", "high")), ("butterfly", ("low", "high")),
              ("barnacle", ("high", "low")), ("stranger", ("low", "low")))}
    profits, loyalties = ["low", "high"], ["low", "high"]
    z, text, hover = [], [], []
    for profit in profits:
        row_z, row_text, row_hover = [], [], []
        for loyalty in loyalties:
            count = summary.cells[(loyalty, profit)]
            segment = names[(loyalty, profit)]
            row_z.append(count)
            row_text.append(f"<b>{SEGMENT_LABEL[segment]}</b><br>{count:,} "
                            f"customer{'' if count == 1 else 's'} "
                            f"({_share(count, total)})<br><i>{STRATEGY[segment]}</i>")
            spend = summary.cell_spend.get((loyalty, profit))
            row_hover.append(f"{SEGMENT_LABEL[segment]}: {count:,} customers"
                             + (f", spend {spend:,.0f}" if spend is not None else ""))
        z.append(row_z)
        text.append(row_text)
        hover.append(row_hover)
    figure = go.Figure(go.Heatmap(
        z=z, x=[f"{v} loyalty" for v in loyalties], y=[f"{v} profit" for v in profits],
        text=text, texttemplate="%{text}", hovertext=hover, hoverinfo="text",
        colorscale="Blues", showscale=False, textfont={"size": 14}))
    return _layout(figure, "Loyalty × profit segments (LOY-04)", height=420)


def stage_funnel(summary: Summary) -> go.Figure | None:
    """LOY-06: how many customers reached each loyalty stage (or went beyond it)."""
    if not summary.stage:
        return None
    rows = summary.funnel()
    labels = [f"{stage} ({STAGE_PERCENT[stage]} %)" if stage in STAGE_PERCENT else stage
              for stage, _, _ in rows]
    figure = go.Figure(go.Funnel(
        y=labels, x=[beyond for _, _, beyond in rows],
        texttemplate="%{value:,}<br>%{percentInitial:.0%}",
        customdata=[at for _, at, _ in rows],
        hovertemplate="%{y}: %{customdata:,} at this stage, %{x:,} at it or beyond"
                      "<extra></extra>", marker={"color": "#4c78a8"}))
    return _layout(figure, "Loyalty stages: reached at least (LOY-06)")


def pyramid(summary: Summary) -> go.Figure | None:
    """LOY-05: customers per pyramid level, the top first."""
    if not summary.pyramid:
        return None
    levels = list(PYRAMID_LEVELS) + sorted(set(summary.pyramid) - set(PYRAMID_LEVELS))
    total = sum(summary.pyramid.values())
    counts = [summary.pyramid[level] for level in levels]
    figure = go.Figure(go.Funnel(
        y=levels, x=counts, text=[f"{c:,} ({_share(c, total)})" for c in counts],
        textinfo="text", connector={"visible": False},
        hovertemplate="%{y}: %{x:,} customers<extra></extra>",
        marker={"color": ["#08306b", "#2171b5", "#4292c6", "#6baed6", "#bdbdbd",
                          "#d9d9d9"][:len(levels)] + ["#d9d9d9"] * max(0, len(levels) - 6)}))
    return _layout(figure, "Customer pyramid (LOY-05)")


def action_mix(summary: Summary) -> go.Figure | None:
    """Recommendations per action, the most frequent on top."""
    if not summary.actions:
        return None
    ranked = sorted(summary.actions.items(), key=lambda kv: (kv[1], kv[0]))
    figure = go.Figure(go.Bar(
        y=[a for a, _ in ranked], x=[n for _, n in ranked], orientation="h",
        text=[f"{n:,}" for _, n in ranked], textposition="auto", marker={"color": "#4c78a8"},
        hovertemplate="%{y}: %{x:,} recommendations<extra></extra>"))
    return _layout(figure, "Action mix: recommendations per action",
                   height=max(300, 60 + 24 * len(ranked)))


def suppressions(summary: Summary) -> go.Figure | None:
    """What was held back, per action, stacked by reason."""
    if not summary.suppressed:
        return None
    totals: dict[str, int] = {}
    for (action, _), count in summary.suppressed.items():
        totals[action] = totals.get(action, 0) + count
    actions = sorted(totals, key=lambda a: (totals[a], a))
    reasons = sorted({reason for _, reason in summary.suppressed})
    figure = go.Figure([go.Bar(
        name=reason, y=actions, x=[summary.suppressed[(a, reason)] for a in actions],
        orientation="h", marker={"color": REASON_COLOURS.get(reason)},
        hovertemplate=f"%{{y}}: %{{x:,}} held back ({reason})<extra></extra>")
        for reason in reasons])
    return _layout(figure, "Suppressions by action and reason", barmode="stack",
                   height=max(300, 80 + 24 * len(actions)),
                   legend={"title": {"text": "reason"}})


def workload(summary: Summary) -> go.Figure | None:
    """Recommendations by due day and role; overdue ones hatched."""
    work = summary.work()
    if not work:
        return None
    days = sorted({day for day, _, _ in work})
    roles = sorted({role for _, role, _ in work}, key=lambda r: (r == NO_ROLE, r))
    traces = []
    for role in roles:
        colour = ROLE_COLOURS.get(role, "#bcbd22")
        for overdue in (True, False):
            counts = [work[(day, role, overdue)] for day in days]
            if not any(counts):
                continue
            traces.append(go.Bar(
                name=f"{role} (overdue)" if overdue else role, x=days, y=counts,
                legendgroup=role, marker={"color": colour,
                                          "pattern": {"shape": "/" if overdue else ""}},
                hovertemplate=f"%{{x}}: %{{y:,}} {'overdue ' if overdue else ''}"
                              f"for {role}<extra></extra>"))
    figure = go.Figure(traces)
    return _layout(figure, "Workload: recommendations due per day and role (hatched: overdue)",
                   barmode="stack", xaxis={"type": "category", "title": {"text": "due"}},
                   yaxis={"title": {"text": "recommendations"}})


def p_active_distribution(summary: Summary) -> go.Figure | None:
    if not summary.p_active:
        return None
    width = 1 / P_ACTIVE_BINS
    labels = [f"{i * width:.1f}–{(i + 1) * width:.1f}" for i in range(P_ACTIVE_BINS)]
    figure = go.Figure(go.Bar(x=labels, y=[summary.p_active[i] for i in range(P_ACTIVE_BINS)],
                              marker={"color": "#72b7b2"},
                              hovertemplate="p_active %{x}: %{y:,} customers<extra></extra>"))
    return _layout(figure, "p_active: the probability each customer is still active",
                   xaxis={"title": {"text": "p_active"}},
                   yaxis={"title": {"text": "customers"}})


# -- from a backtest -------------------------------------------------------------------------

def gain(backtest: Mapping[str, Any]) -> go.Figure | None:
    rows = backtest.get("gain") or []
    if not rows:
        return None
    x = [0.0] + [r["share_of_customers"] for r in rows]
    figure = go.Figure([
        go.Scatter(x=x, y=[0.0] + [r["share_of_came_back"] for r in rows], mode="lines+markers",
                   name="customers who came back"),
        go.Scatter(x=x, y=[0.0] + [r.get("share_of_revenue") for r in rows],
                   mode="lines+markers", name="horizon revenue"),
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="random",
                   line={"dash": "dot", "color": "#999999"})])
    return _layout(figure, "Gain: customers ranked by p_active, highest first",
                   xaxis={"title": {"text": "share of customers targeted"},
                          "tickformat": ".0%"},
                   yaxis={"title": {"text": "share found"}, "tickformat": ".0%"})


def lift(backtest: Mapping[str, Any]) -> go.Figure | None:
    rows = [r for r in backtest.get("gain") or [] if r.get("lift") is not None]
    if not rows:
        return None
    figure = go.Figure([
        go.Scatter(x=[r["share_of_customers"] for r in rows], y=[r["lift"] for r in rows],
                   mode="lines+markers", name="lift"),
        go.Scatter(x=[0, 1], y=[1, 1], mode="lines", name="random",
                   line={"dash": "dot", "color": "#999999"})])
    return _layout(figure, "Lift: came-back rate of the top share ÷ the base's",
                   xaxis={"title": {"text": "share of customers targeted"},
                          "tickformat": ".0%"},
                   yaxis={"title": {"text": "lift"}})


def calibration(backtest: Mapping[str, Any]) -> go.Figure | None:
    rows = [r for r in backtest.get("calibration") or [] if r.get("customers")]
    if not rows:
        return None
    figure = go.Figure([
        go.Scatter(x=[r["mean_predicted"] for r in rows], y=[r["came_back_rate"] for r in rows],
                   mode="lines+markers", name="observed",
                   marker={"size": [max(6, min(30, 6 + r["customers"] ** 0.5 / 4))
                                    for r in rows]},
                   customdata=[r["customers"] for r in rows],
                   hovertemplate="predicted %{x:.2f}, came back %{y:.2f} "
                                 "(%{customdata:,} customers)<extra></extra>"),
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfectly calibrated",
                   line={"dash": "dot", "color": "#999999"})])
    return _layout(figure, "Calibration of p_active: predicted against observed",
                   xaxis={"title": {"text": "predicted probability of coming back"},
                          "range": [0, 1]},
                   yaxis={"title": {"text": "share who came back"}, "range": [0, 1]})


def came_back_anyway(backtest: Mapping[str, Any]) -> go.Figure | None:
    actions = backtest.get("actions") or {}
    rows = sorted(((a, v) for a, v in actions.items()
                   if isinstance(v, Mapping) and v.get("came_back_anyway") is not None),
                  key=lambda kv: kv[1]["came_back_anyway"])
    if not rows:
        return None
    base = (backtest.get("outcome") or {}).get("came_back_rate")
    figure = go.Figure(go.Bar(
        y=[a for a, _ in rows], x=[v["came_back_anyway"] for _, v in rows], orientation="h",
        customdata=[v.get("customers") for _, v in rows], marker={"color": "#f58518"},
        hovertemplate="%{y}: %{x:.1%} of %{customdata:,} came back anyway<extra></extra>"))
    if base is not None:
        figure.add_vline(x=base, line_dash="dot", annotation_text=f"base {base:.1%}")
    return _layout(figure, "Came back anyway: each action's customers, with no action taken",
                   height=max(300, 80 + 24 * len(rows)), xaxis={"tickformat": ".0%"})
