"""Evaluate an experiment: every customer by their arm's engine, holdout decisions withheld.

* A customer in the **holdout** is evaluated with the first arm's engine (what it would have
  been told to do), then every recommendation that may be withheld moves to `suppressed`
  with the reason ``holdout: withheld for experiment NAME``: a CRM that acts on
  `recommendations` does nothing for them, and `loyalty-rules uplift` still knows which
  actions they would have had. Urgent actions (complaint recovery, broken promises), actions
  for the business rather than the customer, and the experiment's `exempt` list are never
  withheld.
* Every decision carries ``"experiment": {"name", "arm", "withheld"}`` (and, with several
  arms, ``"champion"``: the first arm's name).
* With several arms, one read of the input is split by arm, each arm's engine evaluates its
  own customers (in its own worker processes with ``workers > 1``), and the results come
  back in input order; a record without an id goes to the first arm.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from ..decisions.model import Decision, Suppressed
from ..engine.parallel import RawLine
from ..io.reading import Rejected
from ..language.model import ActionSpec
from .assignment import HOLDOUT
from .definition import Experiment

WITHHELD = "holdout"


def withheld_reason(experiment: Experiment) -> str:
    return f"{WITHHELD}: withheld for experiment {experiment.name}"


def may_withhold(action: str, actions: Mapping[str, ActionSpec], exempt: Iterable[str]) -> bool:
    """Whether an action may be withheld from a holdout customer."""
    spec = actions.get(action)
    if spec is not None and (spec.urgent or spec.audience != "customer"):
        return False
    return action not in exempt


def assign(decision: Decision, experiment: Experiment, actions: Mapping[str, ActionSpec],
           arm: str | None = None) -> Decision:
    """The decision marked with its arm; a holdout customer's recommendations withheld."""
    arm = arm or experiment.arm_of(decision.customer_id)
    marked = attrs.evolve(decision, experiment=experiment.marker(arm))
    if arm != HOLDOUT:
        return marked
    reason = withheld_reason(experiment)
    kept, withheld = [], []
    for rec in decision.recommendations:
        if may_withhold(rec.action, actions, experiment.exempt):
            withheld.append(Suppressed(rec.action, rec.rule, rec.ruleset, reason, rec.id))
        else:
            kept.append(rec)
    return attrs.evolve(marked, recommendations=tuple(kept),
                        suppressed=(*decision.suppressed, *withheld))


def _customer_id(item: Any) -> str | None:
    if isinstance(item, RawLine):
        try:
            found = json.loads(item.text).get("id")
        except (ValueError, AttributeError):
            return None
        return str(found) if found is not None else None
    if isinstance(item, Rejected):
        return item.customer_id
    if isinstance(item, Mapping):
        found = item.get("id")
        return str(found) if found is not None else None
    return getattr(item, "id", None)


class _Split:
    """One pass over the input, dealt to one queue per engine; `order` says whose turn it is."""

    def __init__(self, items: Iterable[Any], route: Any, names: Iterable[str]):
        self._items = iter(items)
        self._route = route
        self.queues: dict[str, collections.deque[Any]] = {n: collections.deque() for n in names}
        self.order: collections.deque[str] = collections.deque()
        self.done = False

    def pull(self) -> bool:
        for item in self._items:
            name = self._route(item)
            self.order.append(name)
            self.queues[name].append(item)
            return True
        self.done = True
        return False

    def stream(self, name: str) -> Iterator[Any]:
        queue = self.queues[name]
        while queue or self.pull():
            if queue:
                yield queue.popleft()


def evaluate_experiment(experiment: Experiment, engines: Mapping[str, Any],
                        customers: Iterable[Any], as_of: dt.date, *,
                        locale: str | None = None, workers: int = 1
                        ) -> Iterator[Decision | Rejected]:
    """Decisions (and `Rejected`) in input order, each arm's customers by that arm's engine.

    `engines` maps every arm's name to its `Engine`; the holdout uses the first arm's.
    """
    first = experiment.arms[0].name
    engine_of = {arm.name: engines[arm.name] for arm in experiment.arms}
    engine_of[HOLDOUT] = engines[first]
    if len({id(e) for e in engine_of.values()}) == 1:  # one engine: no need to split
        engine = engine_of[first]
        for result in engine.evaluate_many(customers, as_of, locale=locale, workers=workers):
            yield result if isinstance(result, Rejected) else \
                assign(result, experiment, engine.registry.actions)
        return

    def route(item: Any) -> str:
        cid = _customer_id(item)
        arm = experiment.arm_of(cid) if cid is not None else first
        return first if arm == HOLDOUT else arm

    split = _Split(customers, route, [arm.name for arm in experiment.arms])
    results = {name: iter(engine.evaluate_many(split.stream(name), as_of, locale=locale,
                                               workers=workers))
               for name, engine in engine_of.items() if name != HOLDOUT}
    while split.order or split.pull():
        name = split.order.popleft()
        result = next(results[name])
        yield result if isinstance(result, Rejected) else \
            assign(result, experiment, engine_of[name].registry.actions)


def arm_engines(experiment: Experiment, base: Any, build: Any) -> dict[str, Any]:
    """An engine per arm: `base` for an arm that changes nothing, else ``build(arm)``."""
    return {arm.name: base if not (arm.parameters or arm.rulesets or arm.plugins)
            else build(arm) for arm in experiment.arms}
