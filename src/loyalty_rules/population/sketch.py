"""Bounded-memory summaries of a stream of customers: quantile sketches and a fixed sample.

* `ValueSketch`: the distribution of one value (spend, profit) in a DDSketch (Datadog's
  quantile sketch, the `ddsketch` package): every quantile it returns is within
  `RELATIVE_ACCURACY` (0.5 %) of a true value of that rank, whatever the number of customers,
  in at most `BIN_LIMIT` buckets. It is deterministic (no random compaction), so the same
  base gives the same population on every run and machine. Up to `EXACT_LIMIT` values the
  quantiles are exact instead (the nearest-rank value, one of the values added).
* `Sample`: at most `size` items kept by the smallest hash of the customer id (a "bottom-k"
  sample): deterministic, independent of the input order, uniform over ids. The activity
  model is fitted on it, so fitting never holds the whole base.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from typing import Any, Generic, TypeVar

RELATIVE_ACCURACY = 0.005
BIN_LIMIT = 4096
#: up to this many values the quantiles are exact (the values themselves are kept)
EXACT_LIMIT = 10_000
#: quantiles kept in the population file: every percentile, 0 to 100
PERCENTILES = tuple(range(101))

T = TypeVar("T")


class ValueSketch:
    """Quantiles of a stream of numbers, in bounded memory."""

    def __init__(self) -> None:
        from ddsketch import LogCollapsingLowestDenseDDSketch

        self._sketch = LogCollapsingLowestDenseDDSketch(relative_accuracy=RELATIVE_ACCURACY,
                                                        bin_limit=BIN_LIMIT)
        self.count = 0
        self._exact: list[float] | None = []
        self._sorted_at = 0  # len(_exact) when it was last sorted
        self.low: float | None = None
        self.high: float | None = None

    def add(self, value: float) -> None:
        self._sketch.add(float(value))
        self.count += 1
        if self._exact is not None:
            self._exact.append(float(value))
            if len(self._exact) > EXACT_LIMIT:
                self._exact = None
        self.low = value if self.low is None else min(self.low, value)
        self.high = value if self.high is None else max(self.high, value)

    def quantile(self, q: float) -> float | None:
        """The value at rank `q` (0–1), within the relative accuracy, clamped to the range
        seen; None when nothing was added."""
        if not self.count:
            return None
        assert self.low is not None and self.high is not None
        if q <= 0:
            return self.low
        if q >= 1:
            return self.high
        if self._exact is not None:
            if len(self._exact) != self._sorted_at:
                self._exact.sort()
                self._sorted_at = len(self._exact)
            return self._exact[max(math.ceil(q * len(self._exact)) - 1, 0)]
        value = self._sketch.get_quantile_value(q)
        return min(max(value, self.low), self.high)

    def lowest_of_top(self, share: float) -> float | None:
        """The smallest value among the top `share` of values (those at or above it are the
        top share, give or take ties); None when empty."""
        if not self.count:
            return None
        if self._exact is not None:
            self.quantile(0.5)  # sorts
            index = math.ceil(round((1 - share) * len(self._exact), 9))
            return self._exact[min(index, len(self._exact) - 1)]
        return self.quantile(1 - share)

    def percentiles(self) -> list[float] | None:
        """The 101 cut points q0 … q100, rounded to cents; None when empty."""
        if not self.count:
            return None
        return [round(float(self.quantile(p / 100)), 2) for p in PERCENTILES]  # type: ignore[arg-type]


def id_hash(customer_id: str) -> int:
    """A stable 64-bit hash of a customer id (the same on every machine and run)."""
    return int.from_bytes(hashlib.blake2b(customer_id.encode("utf-8"), digest_size=8).digest(),
                          "big")


class Sample(Generic[T]):
    """The `size` items with the smallest id hashes (64-bit: ties do not happen in practice)."""

    def __init__(self, size: int):
        if size < 1:
            raise ValueError("the sample size must be at least 1")
        self.size = size
        self.seen = 0
        self._heap: list[tuple[int, str, Any]] = []  # a max-heap by hash: (−hash, id, item)

    def add(self, customer_id: str, item: T) -> None:
        self.seen += 1
        negated = -id_hash(customer_id)
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, (negated, customer_id, item))
        elif negated > self._heap[0][0]:
            heapq.heapreplace(self._heap, (negated, customer_id, item))

    def items(self) -> list[T]:
        """The kept items, by hash (so in the same order whatever the input order)."""
        return [item for _, _, item in sorted(self._heap, key=lambda e: (-e[0], e[1]))]
