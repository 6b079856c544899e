"""`backtest`: evaluate a history as of a cutoff with only the events up to it, and score every
decision against the customer's purchases in the horizon after it (docs/backtest.md).

Two passes over the history, in bounded memory: the population as of the cutoff, then the
decisions, each paired with its customer's outcome as it streams past (`Scorecard`).
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs

from ..decisions.model import Decision
from ..errors import UsageError
from ..facts.models import Customer, Purchase
from ..io.reading import Rejected
from ..population import Population, PopulationParameters
from ..population.activity import WEEK_DAYS
from ..population.purchases import Purchases
from .scoring import Scorecard

FORMAT, VERSION = "loyalty-rules/backtest", 1


@attrs.frozen
class Outcome:
    """What a customer did in the horizon."""

    came_back: bool
    revenue: float


def truncate(customer: Customer, cutoff: dt.date) -> Customer | None:
    """The customer as known at the cutoff (events on or before it); None if not yet one."""
    events = tuple(e for e in customer.events if e.at <= cutoff)
    if not events:
        return None
    return customer if len(events) == len(customer.events) else attrs.evolve(customer,
                                                                             events=events)


def outcome(customer: Customer, cutoff: dt.date, end: dt.date) -> Outcome:
    amounts = [e.amount for e in customer.events
               if isinstance(e, Purchase) and cutoff < e.at <= end]
    return Outcome(bool(amounts), round(sum(amounts), 2))


@attrs.define
class _Counts:
    read: int = 0
    rejected: int = 0
    not_yet: int = 0


def _known(records: Iterable[Customer | Rejected], cutoff: dt.date,
           on_record: Callable[[Any], None] | None = None) -> Iterator[Customer | Rejected]:
    """The records as known at the cutoff (for the population pass): customers not yet
    known are left out, rejections pass through."""
    for record in records:
        if on_record is not None:
            on_record(record)
        if isinstance(record, Rejected):
            yield record
            continue
        known = truncate(record, cutoff)
        if known is not None:
            yield known


def backtest(records: Callable[[], Iterable[Customer | Rejected]], cutoff: dt.date,
             horizon_days: int, *, engine_factory: Callable[[Population | None], Any],
             population_parameters: PopulationParameters | Mapping[str, Any] | None = None,
             history: str | None = None, workers: int = 1, with_population: bool = True,
             on_population: Callable[[Population], None] | None = None,
             on_record: Callable[[Any], None] | None = None,
             on_population_record: Callable[[Any], None] | None = None) -> dict[str, Any]:
    """The backtest of docs/backtest.md as a JSON-ready dict.

    :param records: called twice, gives the history's customers (and `Rejected`) each time.
    :param engine_factory: builds the `Engine` to evaluate with, given the population (None
        with ``with_population=False``: every customer judged alone, no first pass).
    :param on_record: called with each `Rejected` of the second pass (to report it) and with
        each result (a progress bar); `on_population_record` per record of the first pass.
    """
    if horizon_days < 1:
        raise UsageError("--horizon: expected a number of days, at least 1")
    end = cutoff + dt.timedelta(days=horizon_days)
    population = None
    if with_population:
        population = Population.from_customers(
            _known(records(), cutoff, on_population_record), cutoff,
            population_parameters)
        if on_population is not None:
            on_population(population)
    engine = engine_factory(population)
    counts = _Counts()
    # one entry per record sent to the engine, in input order: results come back in it
    pending: collections.deque[tuple[Customer, Outcome] | None] = collections.deque()

    def known_with_outcomes() -> Iterator[Customer | Rejected]:
        for record in records():
            counts.read += 1
            if isinstance(record, Rejected):
                counts.rejected += 1
                pending.append(None)
                yield record
                continue
            known = truncate(record, cutoff)
            if known is None:
                counts.not_yet += 1
                continue
            pending.append((known, outcome(record, cutoff, end)))
            yield known
    card = Scorecard()
    weeks = horizon_days / WEEK_DAYS
    for result in engine.evaluate_many(known_with_outcomes(), cutoff, workers=workers):
        if on_record is not None:
            on_record(result)
        entry = pending.popleft()
        if isinstance(result, Rejected):  # read as bad (entry None), or rejected by the engine
            continue
        assert isinstance(result, Decision) and entry is not None
        customer, done = entry
        assert customer.id == result.customer_id, "results out of input order"
        predicted = None
        if population is not None and population.activity is not None \
                and result.profile.get("p_active") is not None:
            repeat = Purchases.of(customer, cutoff).repeat(cutoff)
            if repeat is not None:
                predicted = population.activity.p_purchase_within(repeat, weeks)
                if result.profile.get("churned"):
                    predicted = 0.0
        card.add(result.profile, (r.action for r in result.recommendations), done.came_back,
                 done.revenue, predicted)
    scored = card.total.customers
    return {
        "format": FORMAT, "version": VERSION, "history": history,
        "cutoff": cutoff.isoformat(), "horizon_days": horizon_days,
        "horizon_end": end.isoformat(),
        "population": None if population is None else _population_summary(population),
        "customers": {"read": counts.read, "rejected": counts.rejected + _engine_rejected(
                          counts, scored),
                      "not_yet_customers": counts.not_yet, "scored": scored,
                      "buyers": card.buyers, "prospects": scored - card.buyers},
        **card.result(),
    }


def _engine_rejected(counts: _Counts, scored: int) -> int:
    """Customers that parsed but that the engine rejected (a plugin's failure, …)."""
    return counts.read - counts.rejected - counts.not_yet - scored


def _population_summary(population: Population) -> dict[str, Any]:
    p = population.parameters
    activity = population.activity
    return {
        "as_of": population.as_of.isoformat(), "customers": population.customers,
        "buyers": population.buyers,
        "activity_model": activity.model if activity else None,
        "activity_params": activity.to_dict()["params"] if activity else None,
        "activity_log_likelihood": activity.log_likelihood if activity else None,
        "activity_horizon_days": p.activity_horizon_days,
        "dormant_below": population.dormant_below,
        "value": p.value, "key_share": p.key_share,
        "key_account_min_value": population.key_account_min_value,
        "pyramid_min_value": population.pyramid_min_value,
    }
