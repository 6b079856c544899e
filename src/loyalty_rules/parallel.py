"""Evaluate a stream of customers over several processes, in input order, in constant memory.

`Engine.evaluate_many(customers, as_of, workers=N)` lands here when ``N > 1``:

* each worker process builds its **own** engine from the parent engine's construction
  arguments (an `EngineRecipe`): durable_rules hosts cannot be pickled and must not cross a
  ``fork``, so workers start with ``forkserver`` (or ``spawn`` where that is all there is);
* the input is cut into batches of ``engine.batch_size`` customers; at most
  ``2 × workers`` batches are in flight, so memory does not grow with the input;
* results come back in input order; `Rejected` items never leave the parent process, mappings
  are parsed in the workers (a bad one comes back as a `Rejected`);
* a worker that dies (a crash in the C engine, the OOM killer) costs no other record: the
  pool is restarted, the batch that was waited on is re-run one customer at a time, and only
  a customer that kills a worker on its own comes out `Rejected`;
* an input that fits in one batch is evaluated in-process: no process is started for it.
"""

from __future__ import annotations

import collections
import datetime as dt
import importlib
import itertools
import multiprocessing
import pickle
import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

import attrs

from .errors import EngineError, Problem, RecordError, UsageError
from .models import Customer
from .reading import Rejected, parse_customer

if TYPE_CHECKING:
    from .decisions import Decision
    from .engine import Engine

Item = Customer | Rejected | Mapping[str, Any]
Result = "Decision | Rejected"


@attrs.frozen
class EngineRecipe:
    """What it takes to build an equal `Engine` in another process.

    :param plugin_modules: ``None`` for the default plugin manager (`get_plugin_manager()`),
        else the ``(name, plugin)`` pairs of the engine's own manager, each plugin a module
        name or a picklable object.
    """

    plugins: tuple[str, ...]
    rulesets: tuple[str, ...]
    parameters: Mapping[str, Any]
    locale: str | None
    batch_size: int
    plugin_modules: tuple[tuple[str, Any], ...] | None = None

    @classmethod
    def of(cls, engine: Engine) -> EngineRecipe:
        rulesets, parameters, default_manager = engine._construction
        modules = None if default_manager else _plugin_modules(engine.plugin_manager)
        recipe = cls(engine.plugins, rulesets, parameters, engine.locale, engine.batch_size,
                     modules)
        try:
            pickle.dumps(recipe)
        except Exception as exc:
            raise UsageError(f"workers > 1 needs an engine whose plugins and parameters can be "
                             f"sent to another process: {type(exc).__name__}: {exc}") from None
        return recipe

    def build(self) -> Engine:
        from .engine import Engine
        from .plugins import get_plugin_manager

        manager = None
        if self.plugin_modules is not None:  # exactly the plugins the parent's manager had
            manager = get_plugin_manager(load_entrypoints=False)
            for name, _ in manager.list_name_plugin():
                manager.unregister(name=name)
            for name, plugin in self.plugin_modules:
                if isinstance(plugin, str):
                    plugin = importlib.import_module(plugin)
                manager.register(plugin, name=name)
        return Engine(plugins=self.plugins, rulesets=self.rulesets,
                      parameters=dict(self.parameters), locale=self.locale,
                      plugin_manager=manager, batch_size=self.batch_size)


def _plugin_modules(manager: Any) -> tuple[tuple[str, Any], ...]:
    found = []
    for name, plugin in manager.list_name_plugin():
        if plugin is None:  # blocked
            continue
        found.append((name, plugin.__name__ if isinstance(plugin, types.ModuleType) else plugin))
    return tuple(found)


# -- the worker side ------------------------------------------------------------------------

_ENGINE: Engine | None = None


def _start_worker(recipe: EngineRecipe) -> None:
    global _ENGINE
    _ENGINE = recipe.build()


def _as_customer(item: Customer | Mapping[str, Any]) -> Customer | Rejected:
    if isinstance(item, Customer):
        return item
    try:
        return parse_customer(item)
    except RecordError as err:
        cid = item.get("id") if isinstance(item, Mapping) else None
        return Rejected(err.problems, str(cid) if cid is not None else None)


def _evaluate_batch(items: Sequence[Customer | Mapping[str, Any]], as_of: dt.date,
                    locale: str | None) -> list[Any]:
    """Runs in a worker: one batch, in order (the engine isolates bad records itself)."""
    assert _ENGINE is not None, "worker started without an engine"
    return list(_ENGINE._mixed([_as_customer(item) for item in items], as_of, locale))


# -- the parent side ------------------------------------------------------------------------

def start_method() -> str:
    """``forkserver`` where the platform has it (Linux, macOS), else ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


def _context() -> Any:
    """The start context; a fork server imports this package once, before any host exists,
    so each worker starts in ~0.1 s instead of importing everything again."""
    context = multiprocessing.get_context(start_method())
    if start_method() == "forkserver":
        from multiprocessing import forkserver

        current = list(getattr(forkserver._forkserver, "_preload_modules", ["__main__"]))
        if __name__ not in current:  # keep whatever the application asked for
            context.set_forkserver_preload([*current, __name__])
    return context


@attrs.define
class _Batch:
    items: list[Item]  # as given, Rejected included
    sent: list[Customer | Mapping[str, Any]]  # what goes to a worker
    future: Future[list[Any]] | None = None


class _Pool:
    """A process pool that can be restarted after a worker died."""

    def __init__(self, recipe: EngineRecipe, workers: int):
        self.recipe, self.workers = recipe, workers
        self.context = _context()
        self.executor = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=self.context,
                                   initializer=_start_worker, initargs=(self.recipe,))

    def submit(self, sent: Sequence[Any], as_of: dt.date, locale: str | None
               ) -> Future[list[Any]]:
        try:
            return self.executor.submit(_evaluate_batch, list(sent), as_of, locale)
        except BrokenProcessPool as exc:  # a worker died since the last look
            lost: Future[list[Any]] = Future()
            lost.set_exception(exc)
            return lost

    def restart(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.executor = self._new()

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _merge(batch: _Batch, results: Sequence[Any]) -> Iterator[Any]:
    answers = iter(results)
    for item in batch.items:
        yield item if isinstance(item, Rejected) else next(answers)


def _crashed(item: Customer | Mapping[str, Any], why: str) -> Rejected:
    cid = item.id if isinstance(item, Customer) else item.get("id")
    problem = Problem(f"the worker evaluating this customer failed: {why}")
    if isinstance(item, Customer) and item.source is not None:
        problem = attrs.evolve(problem, file=item.source[0], line=item.source[1])
    return Rejected((problem,), str(cid) if cid is not None else None)


def _one_by_one(pool: _Pool, batch: _Batch, as_of: dt.date, locale: str | None) -> list[Any]:
    """Re-run a failed batch one customer at a time, alone in the pool."""
    results: list[Any] = []
    for item in batch.sent:
        try:
            results += pool.submit([item], as_of, locale).result()
        except BrokenProcessPool:
            results.append(_crashed(item, "the process died (crash or out of memory)"))
            pool.restart()
        except Exception as exc:
            results.append(_crashed(item, f"{type(exc).__name__}: {exc}"))
    return results


def evaluate_parallel(engine: Engine, customers: Iterable[Item], as_of: dt.date,
                      locale: str | None, workers: int, in_flight: int | None = None
                      ) -> Iterator[Any]:
    """Decisions (and `Rejected`) in input order, evaluated by `workers` processes."""
    if workers < 1:
        raise UsageError("workers must be at least 1")
    size = engine.batch_size
    batches = _batches(customers, size)
    head = list(itertools.islice(batches, 2))
    if len(head) < 2:  # one batch or none: not worth a process
        for items in head:
            yield from engine.evaluate_many(items, as_of, locale=locale)
        return
    recipe = EngineRecipe.of(engine)
    limit = max(in_flight or 2 * workers, 1)
    pool = _Pool(recipe, workers)
    queue: collections.deque[_Batch] = collections.deque()
    try:
        for items in itertools.chain(head, batches):
            batch = _Batch(items, [i for i in items if not isinstance(i, Rejected)])
            if batch.sent:
                batch.future = pool.submit(batch.sent, as_of, locale)
            queue.append(batch)
            while len(queue) >= limit:
                yield from _finish(pool, queue, as_of, locale)
        while queue:
            yield from _finish(pool, queue, as_of, locale)
    finally:
        pool.close()


def _finish(pool: _Pool, queue: collections.deque[_Batch], as_of: dt.date,
            locale: str | None) -> Iterator[Any]:
    batch = queue.popleft()
    if batch.future is None:
        yield from batch.items
        return
    try:
        results = batch.future.result()
    except BrokenProcessPool:
        pool.restart()
        if not _worker_can_start(pool):
            raise EngineError(
                "the worker processes could not start an engine (a script that evaluates with "
                "workers > 1 must guard its entry point with `if __name__ == \"__main__\":`)"
            ) from None
        results = _one_by_one(pool, batch, as_of, locale)
        for waiting in queue:  # lost with the old pool: send again
            if waiting.sent:
                waiting.future = pool.submit(waiting.sent, as_of, locale)
    except Exception:
        results = _one_by_one(pool, batch, as_of, locale)
    yield from _merge(batch, results)


def _worker_can_start(pool: _Pool) -> bool:
    try:
        pool.submit([], dt.date(2000, 1, 1), None).result()
        return True
    except BrokenProcessPool:
        return False


__all__ = ["EngineRecipe", "evaluate_parallel", "start_method"]
