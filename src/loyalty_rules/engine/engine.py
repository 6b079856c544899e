"""The `Engine`: rulesets from plugins and files, compiled once, evaluated per customer.

    >>> import datetime as dt
    >>> from loyalty_rules import Engine
    >>> engine = Engine()
    >>> decision = engine.evaluate({"id": "C1", "events": []}, as_of=dt.date(2026, 11, 22))
    >>> decision.customer_id
    'C1'

Evaluation depends only on the input and `as_of`: never on the clock.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pluggy

from ..decisions.model import Decision
from ..errors import RecordError, UsageError
from ..facts.models import Customer, as_date
from ..io.reading import Rejected, parse_customer
from ..language.compiler import Program, compile_rulesets
from ..plugins.manager import get_plugin_manager
from ..plugins.registry import Registry, collect
from ..population import Population
from .building import Setup, build_setup
from .evaluation import evaluate_batch
from .host import RuleHost

if TYPE_CHECKING:
    from .explaining import Explanation

CORE = "core"


def rule_order(program: Program) -> dict[str, int]:
    """The order ties resolve in: the deployment's own rulesets (files, not plugins) first,
    then the core's and packs', each in ruleset order. So a custom rule recommending the same
    action at the same priority as a core rule wins (docs/rulesets.md, "Layering")."""
    keys = sorted(program.rules, key=lambda key: program.rules[key].ruleset.plugin is not None)
    return {key: n for n, key in enumerate(keys)}


class Engine:
    """Compiled rulesets on a private durable_rules host, ready to evaluate customers.

    :param plugins: names of installed plugins to activate (``"auto"``, ``"hotel"``, …);
        the core is always active.
    :param rulesets: extra ruleset files or folders, on top of the plugins' rulesets.
    :param parameters: overrides, ``{"ruleset.param": value, "profile.x": v, "policy.x": v}``.
    :param locale: force the scripts' language (``"en"``/``"zh"``); default: the customer's.
    :param plugin_manager: a ready plugin manager (tests); default: `get_plugin_manager()`.
    :param batch_size: customers per durable_rules call in `evaluate_many`.
    :param population: the customer base (`Population.from_customers`): adds each customer's
        `key_account`, `pyramid`, `value_percentile` and `p_active`, and derives `dormant`
        from `p_active` (docs/population.md). Default: none, every customer judged alone.
    """

    def __init__(self, *, plugins: Iterable[str] = (), rulesets: Iterable[str | Path] = (),
                 parameters: Mapping[str, Any] | None = None, locale: str | None = None,
                 plugin_manager: pluggy.PluginManager | None = None, batch_size: int = 200,
                 population: Population | None = None):
        if locale not in (None, "en", "zh"):
            raise UsageError(f"locale: expected en or zh, got {locale!r}")
        if batch_size < 1:
            raise UsageError("batch_size must be at least 1")
        rulesets = tuple(rulesets)
        # what a worker process needs to build an equal engine (see parallel.EngineRecipe)
        self._construction = (tuple(str(Path(p).resolve()) for p in rulesets),
                              dict(parameters or {}), plugin_manager is None)
        self.plugin_manager = plugin_manager or get_plugin_manager()
        names = [CORE] if self.plugin_manager.get_plugin(CORE) is not None else []
        self.plugins: tuple[str, ...] = tuple(dict.fromkeys([*names, *plugins]))
        self.locale = locale
        self.batch_size = batch_size
        self.registry: Registry = collect(self.plugin_manager, self.plugins)
        self.setup: Setup = build_setup(self.registry, list(rulesets), dict(parameters or {}))
        self.population = population
        if population is not None and population.tier_min_spend is not None:
            self.setup = attrs.evolve(self.setup,
                                      profile=population.tier_parameters(self.setup.profile))
        self.program: Program = compile_rulesets(self.setup.rulesets, self.setup.parameters)
        self._host = RuleHost(self.program)
        self._order = rule_order(self.program)

    def explain(self, customer: Customer | Mapping[str, Any], as_of: dt.date | str,
                action: str | None = None) -> Explanation:
        """Why (and why not): every rule — or every rule recommending `action` — with whether
        it fired, the first condition that failed and the values it read, or what displaced
        its recommendation. The decision itself is the engine's, as in `evaluate`."""
        from .explaining import explain

        actions = self.setup.vocabulary.actions
        if action is not None and action not in actions:
            close = difflib.get_close_matches(action, list(actions), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UsageError(f"unknown action {action!r}{hint}")
        return explain(self, self._customer(customer), as_date(as_of), action)

    @property
    def rulesets(self) -> tuple[Any, ...]:
        return self.setup.rulesets

    def _customer(self, customer: Customer | Mapping[str, Any]) -> Customer:
        if isinstance(customer, Customer):
            return customer
        return parse_customer(customer)

    def evaluate(self, customer: Customer | Mapping[str, Any], as_of: dt.date | str,
                 *, locale: str | None = None) -> Decision:
        """One customer's decision as of a date. Raises `RecordError` for a bad record."""
        result = self._batch([self._customer(customer)], as_date(as_of), locale)[0]
        if isinstance(result, Rejected):
            raise RecordError(result.problems)
        return result

    def evaluate_many(self, customers: Iterable[Customer | Rejected | Mapping[str, Any]],
                      as_of: dt.date | str, *, locale: str | None = None, workers: int = 1
                      ) -> Iterator[Decision | Rejected]:
        """Stream decisions in input order; a bad record comes out as a `Rejected`.

        `Rejected` items from `read_customers` pass through unchanged, so read = evaluated +
        rejected always holds. Memory stays flat: customers are evaluated in batches.
        With ``workers > 1`` the batches are spread over that many processes, each building
        its own engine from this one's arguments (see `loyalty_rules.engine.parallel`).
        """
        day = as_date(as_of)
        if workers != 1:
            from .parallel import evaluate_parallel
            yield from evaluate_parallel(self, customers, day, locale, workers)
            return
        pending: list[Customer | Rejected] = []
        for item in customers:
            if isinstance(item, Mapping):
                try:
                    item = parse_customer(item)
                except RecordError as err:
                    cid = item.get("id")
                    item = Rejected(err.problems, str(cid) if cid is not None else None)
            pending.append(item)
            if len(pending) >= self.batch_size:
                yield from self._mixed(pending, day, locale)
                pending = []
        if pending:
            yield from self._mixed(pending, day, locale)

    def _mixed(self, items: Sequence[Customer | Rejected], as_of: dt.date,
               locale: str | None) -> Iterator[Decision | Rejected]:
        good = [item for item in items if isinstance(item, Customer)]
        results = iter(self._batch(good, as_of, locale))
        for item in items:
            yield item if isinstance(item, Rejected) else next(results)

    def _batch(self, customers: Sequence[Customer], as_of: dt.date,
               locale: str | None, held: Mapping[str, Mapping[str, str]] | None = None
               ) -> list[Decision | Rejected]:
        if locale not in (None, "en", "zh"):
            raise UsageError(f"locale: expected en or zh, got {locale!r}")
        return evaluate_batch(self._host, self.program, self.setup, self.registry, customers,
                              as_of, locale or self.locale, self._order, self.population, held)

    def evaluate_held(self, customers: Sequence[Customer], as_of: dt.date | str,
                      held: Mapping[str, Mapping[str, str]], *, locale: str | None = None
                      ) -> list[Decision | Rejected]:
        """Decisions of one batch with a lifecycle: ``held[customer_id][recommendation_id]``
        is ``done``, ``dismissed`` or ``snoozed``. Those recommendations keep their status and
        free their contact-cap slot; every other one is ``open`` (what `loyalty_rules.store`
        evaluates with)."""
        return self._batch(list(customers), as_date(as_of), locale, held)
