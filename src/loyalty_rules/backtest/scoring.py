"""Scoring decisions made at a cutoff against what each customer did in the horizon after it.

`Scorecard.add(profile, actions, came_back, revenue, predicted)` takes one customer at a time
and keeps only counters and fixed-size histograms, so memory does not grow with the base;
`Scorecard.result()` gives the figures of docs/backtest.md: rates and revenue by group and by
action, the AUC of `p_active`, the balanced accuracy of `dormant`, the key accounts' share,
the calibration and the gain curve.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

#: `p_active` histogram bins: p_active is rounded to 4 decimals, so one bin per value
BINS = 10_000
DIMENSIONS = ("segment", "loyalty_stage", "tier", "pyramid", "dormant", "key_account")
NONE = "(none)"
GAIN_STEP = 0.05
CALIBRATION_BINS = 10


@attrs.define
class Group:
    customers: int = 0
    came_back: int = 0
    revenue: float = 0.0

    def add(self, came_back: bool, revenue: float) -> None:
        self.customers += 1
        self.came_back += came_back
        self.revenue += revenue


def _rate(part: float, whole: float, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def _key(value: Any) -> str:
    if value is None:
        return NONE
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


@attrs.define
class Scorecard:
    """Counters over (decision, outcome) pairs."""

    total: Group = attrs.field(factory=Group)
    groups: dict[str, dict[str, Group]] = attrs.field(
        factory=lambda: {d: {} for d in DIMENSIONS})
    actions: dict[str, Group] = attrs.field(factory=dict)
    buyers: int = 0
    # p_active histogram: customers who came back / did not, and revenue, per bin
    positive: list[int] = attrs.field(factory=lambda: [0] * BINS)
    negative: list[int] = attrs.field(factory=lambda: [0] * BINS)
    binned_revenue: list[float] = attrs.field(factory=lambda: [0.0] * BINS)
    # dormant confusion matrix over buyers: (dormant, came_back) -> count
    confusion: dict[tuple[bool, bool], int] = attrs.field(
        factory=lambda: {(d, c): 0 for d in (True, False) for c in (True, False)})
    # calibration bins by the predicted probability within the horizon
    calibration: list[list[float]] = attrs.field(
        factory=lambda: [[0, 0.0, 0.0, 0] for _ in range(CALIBRATION_BINS)])

    def add(self, profile: Mapping[str, Any], actions: Iterable[str], came_back: bool,
            revenue: float, predicted: float | None) -> None:
        self.total.add(came_back, revenue)
        for dimension in DIMENSIONS:
            key = _key(profile.get(dimension))
            self.groups[dimension].setdefault(key, Group()).add(came_back, revenue)
        for action in set(actions):
            self.actions.setdefault(action, Group()).add(came_back, revenue)
        if profile.get("purchases"):
            self.buyers += 1
            self.confusion[(bool(profile.get("dormant")), came_back)] += 1
        p_active = profile.get("p_active")
        if p_active is not None:
            index = min(int(round(float(p_active) * BINS)), BINS - 1)
            (self.positive if came_back else self.negative)[index] += 1
            self.binned_revenue[index] += revenue
        if predicted is not None:
            cell = self.calibration[min(int(predicted * CALIBRATION_BINS), CALIBRATION_BINS - 1)]
            cell[0] += 1
            cell[1] += predicted
            cell[2] += float(p_active) if p_active is not None else 0.0
            cell[3] += came_back

    # -- results --------------------------------------------------------------------------

    def _group(self, group: Group) -> dict[str, Any]:
        return {"customers": group.customers, "came_back": group.came_back,
                "came_back_rate": _rate(group.came_back, group.customers),
                "revenue": round(group.revenue, 2),
                "share_of_revenue": _rate(group.revenue, self.total.revenue),
                "revenue_per_customer": _rate(group.revenue, group.customers, 2)}

    def auc(self) -> tuple[float | None, int]:
        """P(score of one who came back > score of one who did not), ties half; scored."""
        positives, negatives = sum(self.positive), sum(self.negative)
        if not positives or not negatives:
            return None, positives + negatives
        below = 0
        wins = 0.0
        for pos, neg in zip(self.positive, self.negative):
            wins += pos * below + 0.5 * pos * neg
            below += neg
        return round(wins / (positives * negatives), 4), positives + negatives

    def balanced_accuracy(self) -> tuple[float | None, dict[str, Any]]:
        c = self.confusion
        quiet = c[(True, False)] + c[(False, False)]
        back = c[(True, True)] + c[(False, True)]
        recall_quiet = _rate(c[(True, False)], quiet)
        recall_back = _rate(c[(False, True)], back)
        matrix = {"dormant_quiet": c[(True, False)], "dormant_came_back": c[(True, True)],
                  "active_came_back": c[(False, True)], "active_quiet": c[(False, False)],
                  "recall_of_quiet": recall_quiet, "recall_of_came_back": recall_back}
        if recall_quiet is None or recall_back is None:
            return None, matrix
        return round((recall_quiet + recall_back) / 2, 4), matrix

    def gain(self) -> list[dict[str, Any]]:
        """Customers by p_active, highest first, cut every GAIN_STEP: the shares of those who
        came back and of the revenue found above each cut (a bin of tied customers cut in
        two counts in proportion)."""
        scored = sum(self.positive) + sum(self.negative)
        if not scored:
            return []
        steps = round(1 / GAIN_STEP)
        return self._gain_points(scored, sum(self.positive), sum(self.binned_revenue),
                                 [scored * (k + 1) / steps for k in range(steps)])

    def _gain_points(self, scored: int, back_total: int, revenue_total: float,
                     targets: list[float]) -> list[dict[str, Any]]:
        out = []
        cum_n = cum_back = cum_rev = 0.0
        index = BINS - 1
        for target in targets:
            n, b, r = cum_n, cum_back, cum_rev
            i = index
            while i >= 0 and n + self.positive[i] + self.negative[i] <= target:
                n += self.positive[i] + self.negative[i]
                b += self.positive[i]
                r += self.binned_revenue[i]
                i -= 1
            cum_n, cum_back, cum_rev, index = n, b, r, i
            if n < target and i >= 0:  # a share of the next (tied) bin
                count = self.positive[i] + self.negative[i]
                share = (target - n) / count
                b += share * self.positive[i]
                r += share * self.binned_revenue[i]
                n = target
            customers = n / scored
            share_back = _rate(b, back_total)
            out.append({"share_of_customers": round(customers, 4),
                        "share_of_came_back": share_back,
                        "share_of_revenue": _rate(r, revenue_total),
                        "lift": (round(share_back / customers, 4)
                                 if share_back is not None and customers else None)})
        return out

    def result(self) -> dict[str, Any]:
        auc, scored = self.auc()
        balanced, matrix = self.balanced_accuracy()
        base_rate = _rate(self.total.came_back, self.total.customers)
        key = self.groups["key_account"].get("true", Group())
        actions = {}
        for name, group in sorted(self.actions.items(), key=lambda kv: -kv[1].customers):
            rate = _rate(group.came_back, group.customers)
            actions[name] = {"customers": group.customers, "came_back": group.came_back,
                             "came_back_anyway": rate, "revenue": round(group.revenue, 2),
                             "share_of_revenue": _rate(group.revenue, self.total.revenue),
                             "lift": _rate(rate, base_rate) if rate is not None else None}
        calibration = []
        for k, (n, predicted, p_active, back) in enumerate(self.calibration):
            calibration.append({
                "from": round(k / CALIBRATION_BINS, 2), "to": round((k + 1) / CALIBRATION_BINS, 2),
                "customers": int(n), "mean_p_active": _rate(p_active, n),
                "mean_predicted": _rate(predicted, n), "came_back_rate": _rate(back, n)})
        return {
            "outcome": {"came_back": self.total.came_back, "came_back_rate": base_rate,
                        "revenue": round(self.total.revenue, 2)},
            "metrics": {
                "p_active_auc": auc, "p_active_scored": scored,
                "dormant_balanced_accuracy": balanced, "dormant": matrix,
                "key_accounts": {
                    "customers": key.customers,
                    "share_of_base": _rate(key.customers, self.total.customers),
                    "came_back_rate": _rate(key.came_back, key.customers),
                    "revenue": round(key.revenue, 2),
                    "share_of_revenue": _rate(key.revenue, self.total.revenue)},
            },
            "by": {dimension: {name: self._group(group) for name, group in
                               sorted(groups.items())}
                   for dimension, groups in self.groups.items()},
            "actions": actions,
            "calibration": calibration,
            "gain": self.gain(),
        }
