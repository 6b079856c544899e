"""A customer's purchases up to a date, in the few numbers the population pass, `p_active`
and the backtest need (`Purchases.of`)."""

from __future__ import annotations

import datetime as dt

import attrs

from ..facts.models import Churn, Customer, Purchase
from .activity import WEEK_DAYS, Repeat


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
