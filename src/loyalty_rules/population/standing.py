"""A customer's standing in the base: the profile fields a population adds.

`standing(customer, as_of, values, population)` is a pure function of the customer, the
already derived profile `values`, the `Population` and `as_of`. It returns the fields to add
(or replace) in the profile:

* `value_percentile` (0–100): where the customer's value (spend, or profit) ranks among the
  base's buyers; 0 for a customer who has not bought;
* `p_active` (0–1): the activity model's probability of at least one purchase in the next
  `activity_horizon_days` (absent for a customer who has not bought; 0 once churned);
* `dormant`: has bought, has not churned, and `p_active` below the population's
  `dormant_below` (replaces CRM-02's interval rule when a population is given);
* `key_account` (CRM-11): not churned, and in the top `key_share` of the base by value, or key
  by influence (`key_referrals` referrals, or a kind in `influence_kinds`);
* `pyramid` (LOY-05): `prospect` (never bought), `inactive` (dormant or churned), else by value
  rank: `top`, `large`, `medium`, `small`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs

from ..facts.models import Churn, Customer, Purchase
from .activity import WEEK_DAYS, Repeat

if TYPE_CHECKING:
    from .model import Population

PYRAMID_LEVELS = ("top", "large", "medium", "small", "inactive", "prospect")


@attrs.frozen
class Purchases:
    """A customer's purchases up to a date: what the population pass and `p_active` need."""

    first: dt.date | None
    last: dt.date | None
    days: int  # distinct purchase days
    spend: float
    profit: float
    churned: bool

    @classmethod
    def of(cls, customer: Customer, as_of: dt.date) -> Purchases:
        first = last = churn_at = None
        days = 0
        spend = profit = 0.0
        for event in customer.events:  # sorted by date
            if event.at > as_of:
                break
            if isinstance(event, Purchase):
                spend += event.amount
                profit += event.profit_or_amount
                if last != event.at:
                    days += 1
                first = first or event.at
                last = event.at
            elif isinstance(event, Churn):
                churn_at = event.at
        churned = churn_at is not None and (last is None or last <= churn_at)
        return cls(first, last, days, round(spend, 2), round(profit, 2), churned)

    def repeat(self, as_of: dt.date) -> Repeat | None:
        """The repeat-purchase statistics in weeks, or None for a customer who never bought."""
        if self.first is None or self.last is None:
            return None
        return Repeat(self.days - 1, (self.last - self.first).days / WEEK_DAYS,
                      (as_of - self.first).days / WEEK_DAYS)

    def value(self, measure: str) -> float:
        return self.profit if measure == "profit" else self.spend


def standing(customer: Customer, as_of: dt.date, values: dict[str, Any],
             population: Population) -> dict[str, Any]:
    """The fields `population` adds to `customer`'s profile `values` as of `as_of`."""
    p = population.parameters
    bought = Purchases.of(customer, as_of)
    out: dict[str, Any] = {}
    churned = bool(values.get("churned", bought.churned))
    value = bought.value(p.value)
    has_bought = bought.first is not None
    out["value_percentile"] = population.value_percentile(value) if has_bought else 0.0
    repeat = bought.repeat(as_of)
    p_active = None
    if repeat is not None:
        p_active = 0.0 if churned else population.p_active(repeat)
        if p_active is not None:
            out["p_active"] = p_active
    dormant = bool(has_bought and not churned and p_active is not None
                   and p_active < population.dormant_below)
    if p_active is not None:
        out["dormant"] = dormant
    else:  # no activity model (nobody ever came back): CRM-02's interval rule stands
        dormant = bool(values.get("dormant"))
    by_value = (has_bought and population.key_account_min_value is not None
                and value >= population.key_account_min_value)
    by_influence = (int(values.get("referrals", 0)) >= p.key_referrals
                    or values.get("kind") in p.influence_kinds)
    out["key_account"] = bool(not churned and (by_value or by_influence))
    out["pyramid"] = ("prospect" if not has_bought else "inactive" if churned or dormant
                      else population.pyramid_level(value))
    return out
