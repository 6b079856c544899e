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

from ..facts.models import Customer
from .purchases import Purchases

if TYPE_CHECKING:
    from .model import Population

PYRAMID_LEVELS = ("top", "large", "medium", "small", "inactive", "prospect")


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
