"""Backtests: decisions made at a cutoff, scored against what customers did next
(docs/backtest.md)."""

from .run import FORMAT, VERSION, backtest, outcome, truncate
from .scoring import Scorecard

__all__ = ["FORMAT", "VERSION", "Scorecard", "backtest", "outcome", "truncate"]
