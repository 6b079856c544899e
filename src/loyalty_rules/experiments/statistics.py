"""Confidence intervals for uplift: the difference of two rates, the difference of two means.

* **Rates** (the share of customers who bought or came back): the difference p₁ − p₂ of
  two independent proportions with **Newcombe's hybrid score interval** (Newcombe 1998,
  "Interval estimation for the difference between independent proportions", *Statistics
  in Medicine* 17, method 10), built from each rate's **Wilson score interval**. It keeps
  close to its nominal coverage with small groups and rates near 0 or 1, where the plain
  normal (Wald) interval does not.
* **Means** (revenue per customer): the difference of two means with **Welch's**
  unequal-variance standard error and a normal quantile: fine for the hundreds of customers
  an arm holds; with a handful the interval is too narrow, and `uplift` says how many
  customers each figure rests on.

Pure Python (`statistics.NormalDist` for the quantile): no numerical library needed.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import attrs


def z_for(confidence: float) -> float:
    """The two-sided normal quantile: 1.96 for 0.95."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for a proportion (0, 1 when there is nobody to count)."""
    if n == 0:
        return 0.0, 1.0
    z = z_for(confidence)
    p = successes / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


@attrs.frozen
class Interval:
    estimate: float
    low: float
    high: float

    def to_dict(self, digits: int = 4) -> dict[str, float]:
        return {"estimate": round(self.estimate, digits), "low": round(self.low, digits),
                "high": round(self.high, digits)}


def rate_difference(k1: int, n1: int, k2: int, n2: int,
                    confidence: float = 0.95) -> Interval | None:
    """p₁ − p₂ with Newcombe's hybrid score interval; None when a group is empty."""
    if n1 == 0 or n2 == 0:
        return None
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1, confidence)
    l2, u2 = wilson(k2, n2, confidence)
    d = p1 - p2
    return Interval(d, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
                    d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))


@attrs.define
class Moments:
    """Count, sum and sum of squares of a value: a mean and variance in one pass."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0

    def add(self, value: float) -> None:
        self.n += 1
        self.total += value
        self.squares += value * value

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        if self.n < 2:
            return 0.0
        return max(0.0, (self.squares - self.total * self.total / self.n) / (self.n - 1))


def mean_difference(first: Moments, second: Moments,
                    confidence: float = 0.95) -> Interval | None:
    """mean₁ − mean₂ ± z·√(s₁²/n₁ + s₂²/n₂) (Welch's standard error, normal quantile)."""
    if first.n == 0 or second.n == 0:
        return None
    d = first.mean - second.mean
    error = z_for(confidence) * math.sqrt(first.variance / first.n + second.variance / second.n)
    return Interval(d, d - error, d + error)
