"""Uplift: what the recommendations changed, measured against the holdout.

Input: the decisions of an experiment (`evaluate --holdout/--experiment`, each marked with
its arm) and the customers' later history (outcome events: a `purchase` or a `visit`). A
customer *converted* when at least one outcome event falls in the window after their
decision, ``as_of < at ≤ as_of + horizon``; *revenue* is the sum of the purchases in it.

For each arm and each action:

* **treated**: the arm's customers whose decision recommended the action;
* **holdout**: the holdout's customers whose decision withheld that same action (the first
  arm would have recommended it);
* **uplift**: treated rate − holdout rate, with Newcombe's hybrid score interval, and the
  revenue per customer difference with Welch's interval (see `statistics`).

Customers recommended one action usually get others too, so an action's uplift is the
effect of the whole decision on the customers the action was for; the row *everyone*
compares whole arms (intent to treat). Actions never withheld (urgent, for the business,
exempt) have no control group and are listed apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..errors import Problem, UsageError
from ..facts.models import Purchase
from ..io.reading import Rejected
from .assignment import HOLDOUT
from .running import WITHHELD
from .statistics import Moments, mean_difference, rate_difference, wilson

EVERYONE = "(everyone)"
METHOD = ("rates: Newcombe's hybrid score interval for a difference of independent "
          "proportions (Newcombe 1998, method 10, from Wilson score intervals); revenue per "
          "customer: difference of means with Welch's standard error and a normal quantile")


@attrs.define
class Assigned:
    """A customer's part in the experiment, from their decision."""

    arm: str
    as_of: dt.date
    actions: tuple[str, ...]  # recommended, or (holdout) withheld
    kept: tuple[str, ...] = ()  # holdout only: actions not withheld
    converted: bool = False
    revenue: float = 0.0


@attrs.define
class Assignments:
    customers: dict[str, Assigned] = attrs.field(factory=dict)
    experiments: set[str] = attrs.field(factory=set)
    champions: set[str] = attrs.field(factory=set)
    rejected: list[Rejected] = attrs.field(factory=list)
    without_experiment: int = 0


def read_assignments(decisions: Iterable[Mapping[str, Any] | Rejected]) -> Assignments:
    """Each customer's arm, date and actions; a customer seen twice is rejected the 2nd time."""
    found = Assignments()
    for decision in decisions:
        if isinstance(decision, Rejected):
            found.rejected.append(decision)
            continue
        experiment = decision.get("experiment")
        if experiment is None:
            found.without_experiment += 1
            continue
        cid = decision["customer_id"]
        if cid in found.customers:
            found.rejected.append(Rejected((Problem(
                f"customer {cid!r} has a second decision: uplift counts each customer once",
                path="customer_id"),), cid))
            continue
        found.experiments.add(str(experiment.get("name")))
        if experiment.get("champion") is not None:
            found.champions.add(str(experiment["champion"]))
        arm = experiment["arm"]
        recommended = tuple(r["action"] for r in decision.get("recommendations", []))
        if arm == HOLDOUT:
            withheld = tuple(s["action"] for s in decision.get("suppressed", [])
                             if str(s.get("reason", "")).startswith(f"{WITHHELD}:"))
            found.customers[cid] = Assigned(arm, dt.date.fromisoformat(decision["as_of"]),
                                            withheld, recommended)
        else:
            found.customers[cid] = Assigned(arm, dt.date.fromisoformat(decision["as_of"]),
                                            recommended)
    if len(found.experiments) > 1:
        raise UsageError("the decisions come from several experiments ("
                         + ", ".join(sorted(found.experiments)) + "): measure one at a time")
    return found


def observe(assignments: Assignments, customers: Iterable[Any], horizon_days: int,
            outcome_types: Iterable[str] = ("purchase", "visit")) -> tuple[int, list[Rejected]]:
    """Mark who converted, and their revenue, from the customers' later history.

    Returns how many assigned customers had a record in `customers`, and the rejected ones.
    """
    types = set(outcome_types)
    matched = 0
    rejected = []
    for customer in customers:
        if isinstance(customer, Rejected):
            rejected.append(customer)
            continue
        assigned = assignments.customers.get(customer.id)
        if assigned is None:
            continue
        matched += 1
        end = assigned.as_of + dt.timedelta(days=horizon_days)
        for event in customer.events:
            if assigned.as_of < event.at <= end:
                if event.type in types:
                    assigned.converted = True
                if isinstance(event, Purchase):
                    assigned.revenue += event.amount
    return matched, rejected


@attrs.define
class _Group:
    customers: int = 0
    converted: int = 0
    revenue: Moments = attrs.field(factory=Moments)

    def add(self, customer: Assigned) -> None:
        self.customers += 1
        self.converted += customer.converted
        self.revenue.add(customer.revenue)

    def to_dict(self, confidence: float) -> dict[str, Any]:
        low, high = wilson(self.converted, self.customers, confidence)
        return {"customers": self.customers, "converted": self.converted,
                "rate": round(self.converted / self.customers, 4) if self.customers else None,
                "rate_interval": [round(low, 4), round(high, 4)],
                "revenue_per_customer": round(self.revenue.mean, 2)}


def _compare(treated: _Group, control: _Group, confidence: float) -> dict[str, Any]:
    rate = rate_difference(treated.converted, treated.customers, control.converted,
                           control.customers, confidence)
    revenue = mean_difference(treated.revenue, control.revenue, confidence)
    return {"uplift": rate.to_dict() if rate else None,
            "revenue_uplift": revenue.to_dict(2) if revenue else None}


def measure(assignments: Assignments, *, horizon_days: int, outcome_types: Iterable[str],
            confidence: float = 0.95, matched: int | None = None) -> dict[str, Any]:
    """The uplift report (a JSON-ready dict): arms, arm comparisons, and per action."""
    arms: dict[str, _Group] = {}
    by_action: dict[tuple[str, str], _Group] = {}
    not_withheld: set[str] = set()
    for customer in assignments.customers.values():
        arms.setdefault(customer.arm, _Group()).add(customer)
        for action in dict.fromkeys(customer.actions):
            by_action.setdefault((customer.arm, action), _Group()).add(customer)
        not_withheld.update(customer.kept)
    if HOLDOUT not in arms:
        raise UsageError("no decision is in the holdout: uplift needs decisions evaluated "
                         "with --holdout SHARE (or an experiment with a holdout)")
    holdout = arms[HOLDOUT]
    treated_arms = sorted(a for a in arms if a != HOLDOUT)
    comparisons = []
    for arm in treated_arms:
        comparisons.append({"arm": arm, "versus": HOLDOUT,
                            **_compare(arms[arm], holdout, confidence)})
    champion = next(iter(assignments.champions), None) if len(assignments.champions) == 1 \
        else None
    for arm in treated_arms:  # challengers against the champion (the first arm)
        if champion in arms and arm != champion:
            comparisons.append({"arm": arm, "versus": champion,
                                **_compare(arms[arm], arms[champion], confidence)})
    actions = []
    for (arm, action), group in sorted(by_action.items(), key=lambda kv: (-kv[1].customers,
                                                                           kv[0])):
        if arm == HOLDOUT:
            continue
        control = by_action.get((HOLDOUT, action), _Group())
        actions.append({"action": action, "arm": arm,
                        "treated": group.to_dict(confidence),
                        "holdout": control.to_dict(confidence),
                        **_compare(group, control, confidence)})
    return {
        "experiment": next(iter(assignments.experiments), None),
        "horizon_days": horizon_days, "outcome": sorted(set(outcome_types)),
        "confidence": confidence, "method": METHOD,
        "customers": len(assignments.customers),
        "customers_with_outcome_records": matched,
        "arms": {arm: group.to_dict(confidence) for arm, group in sorted(arms.items())},
        "comparisons": comparisons, "actions": actions,
        "not_withheld": sorted(not_withheld),
    }
