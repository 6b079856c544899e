"""Computed values a rule may use (`{compute: NAME, ...}`): small, pure, reviewed functions.

Plugins add their own through the `register_computations` hook. Nothing here evaluates text.
"""

from __future__ import annotations

import math
from typing import Any

from .model import Computation


def commitment(deliverable: float, margin: float, lower_is_better: bool = True,
               step: float = 1) -> float:
    """The promise to make: deliverable worsened by `margin`, rounded the safe way.

    For a lead time (lower is better) 14 days with margin 0.2 → 17 days (rounded up);
    for a quantity (higher is better) 100 with margin 0.1 → 90 (rounded down).
    """
    if lower_is_better:
        value = math.ceil(deliverable * (1 + margin) / step) * step
    else:
        value = math.floor(deliverable * (1 - margin) / step) * step
    return _tidy(value)


def pad(estimate: float, add: float = 0, margin: float = 0, step: float = 1) -> float:
    """EXP-13: quote estimate + add + estimate × margin, rounded up to `step`."""
    return _tidy(math.ceil((estimate + add + estimate * margin) / step) * step)


def _tidy(value: float) -> float:
    return int(value) if float(value).is_integer() else round(value, 4)


def _add(a: float, b: float) -> float:
    return _tidy(a + b)


def _subtract(a: float, b: float) -> float:
    return _tidy(a - b)


def _multiply(a: float, b: float) -> float:
    return _tidy(a * b)


def _round(value: float, digits: int = 0) -> float:
    return _tidy(round(value, int(digits)))


def _smaller(a: float, b: float) -> float:
    return min(a, b)


def _larger(a: float, b: float) -> float:
    return max(a, b)


def _first(value: Any = None, default: Any = None) -> Any:
    return default if value is None else value


_TWO = {"a": "a number", "b": "a number"}

CORE_COMPUTATIONS: tuple[Computation, ...] = (
    Computation("commitment", commitment, ("deliverable", "margin"), ("lower_is_better", "step"),
                "deliverable worsened by margin, rounded the safe way (EXP-08, EXP-11)",
                {"deliverable": "what can be delivered (a number, e.g. days)",
                 "margin": "the share to worsen it by (0.2 = 20 %)",
                 "lower_is_better": "true (default) for waits and lead times: rounds up; "
                                    "false for quantities: rounds down",
                 "step": "the rounding step (default 1)"}),
    Computation("pad", pad, ("estimate",), ("add", "margin", "step"),
                "estimate + add + estimate × margin, rounded up (EXP-13)",
                {"estimate": "the real estimate (a number)",
                 "add": "a fixed amount to add (default 0)",
                 "margin": "a share of the estimate to add (default 0)",
                 "step": "the rounding step (default 1)"}),
    Computation("add", _add, ("a", "b"), (), "a + b", _TWO),
    Computation("subtract", _subtract, ("a", "b"), (), "a − b", _TWO),
    Computation("multiply", _multiply, ("a", "b"), (), "a × b", _TWO),
    Computation("round", _round, ("value",), ("digits",), "round to digits",
                {"value": "a number", "digits": "decimal places to keep (default 0)"}),
    Computation("min", _smaller, ("a", "b"), (), "the smaller of a and b", _TWO),
    Computation("max", _larger, ("a", "b"), (), "the larger of a and b", _TWO),
    Computation("first", _first, (), ("value", "default"), "value, or default when absent",
                {"value": "any value, often {field: ...} that may be absent",
                 "default": "what to use when value is absent"}),
)
