"""Evaluate a stream of customers over several processes, in input order, in constant memory.

`Engine.evaluate_many(customers, as_of, workers=N)` lands here when ``N > 1``:

* each worker process builds its **own** engine from the parent engine's construction
  arguments (an `EngineRecipe`): durable_rules hosts cannot be pickled and must not cross a
  ``fork``, so workers start with ``forkserver`` (or ``spawn`` where that is all there is);
* the input is cut into batches of ``engine.batch_size`` customers; at most
  ``2 × workers`` batches are in flight, so memory does not grow with the input;
* results come back in input order; `Rejected` items never leave the parent process;
  mappings, and the raw JSON Lines records of `read_records`, are parsed in the workers (a
  bad one comes back as a `Rejected`), so the parent does little more than read lines;
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
import json
import multiprocessing
import os
import pickle
import signal
import threading
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from ..errors import EngineError, Problem, RecordError, UsageError
from ..facts.models import Customer
from ..io.reading import (
    STDIN,
    STDIN_NAME,
    Rejected,
    parse_customer,
    parse_line,
    read_customers,
    read_lines,
    record_id,
)
from ..io.seen import SeenIds

if TYPE_CHECKING:  # the engine hands itself in: this module never imports it
    Engine = Any


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
    engine_class: Any = None  # the engine's own class, pickled by reference
    population: Any = None  # the engine's Population, if any

    @classmethod
    def of(cls, engine: Engine) -> EngineRecipe:
        rulesets, parameters, default_manager = engine._construction
        modules = None if default_manager else _plugin_modules(engine.plugin_manager)
        recipe = cls(engine.plugins, rulesets, parameters, engine.locale, engine.batch_size,
                     modules, type(engine), getattr(engine, "population", None))
        try:
            pickle.dumps(recipe)
        except Exception as exc:
            raise UsageError(f"workers > 1 needs an engine whose plugins and parameters can be "
                             f"sent to another process: {type(exc).__name__}: {exc}") from None
        return recipe

    def build(self) -> Engine:
        from ..plugins.manager import get_plugin_manager

        manager = None
        if self.plugin_modules is not None:  # exactly the plugins the parent's manager had
            manager = get_plugin_manager(load_entrypoints=False)
            for name, _ in manager.list_name_plugin():
                manager.unregister(name=name)
            for name, plugin in self.plugin_modules:
                if isinstance(plugin, str):
                    plugin = importlib.import_module(plugin)
                manager.register(plugin, name=name)
        return self.engine_class(plugins=self.plugins, rulesets=self.rulesets,
                      parameters=dict(self.parameters), locale=self.locale,
                      plugin_manager=manager, batch_size=self.batch_size,
                      **({"population": self.population} if self.population is not None else {}))


def _plugin_modules(manager: Any) -> tuple[tuple[str, Any], ...]:
    found = []
    for name, plugin in manager.list_name_plugin():
        if plugin is None:  # blocked
            continue
        found.append((name, plugin.__name__ if isinstance(plugin, types.ModuleType) else plugin))
    return tuple(found)


# -- records not parsed yet ------------------------------------------------------------------

#: JSON Lines input up to this many characters is evaluated in one process when the number of
#: workers is the default (`in_process_up_to`): ~4 s of work on one core, about what two
#: workers need to pay back their start (docs/benchmarks.md): 38,000 CDNOW customers,
#: 7,500 realistic ones, 400 with 200 open items each
HEAD_TEXT = 8_000_000


class RawLine(NamedTuple):
    """A JSON Lines record as read: the worker parses it, so the parent process stays light.
    (A named tuple: the parent makes one per customer, and it pickles as a plain tuple.)"""

    text: str
    file: str
    line: int


@attrs.frozen
class Encoded:
    """A decision a worker already wrote as its contract JSON (``evaluate_parallel(...,
    encode=True)``): `output.Writer` writes `json_text` as is, so the parent process does not
    rebuild a `Decision` only to dump it again — moving a `Decision` between processes costs
    about as much as a third of evaluating it."""

    customer_id: str
    json_text: str


def read_records(*paths: str | Path, zone: Any = dt.timezone.utc
                 ) -> Iterator[Customer | Rejected | RawLine]:
    """`read_customers`, except that JSON Lines files are left for the workers to parse.

    Customer ids must still be unique across the paths: `evaluate_parallel` checks them as
    results come back, in input order, with `read_customers`' message.
    """
    for given in paths:
        path = Path(given)
        if str(given) == STDIN or (path.is_file() and
                                   path.suffix.lower() in (".jsonl", ".ndjson")):
            name = STDIN_NAME if str(given) == STDIN else str(path)
            for number, text in read_lines(path):
                yield RawLine(text, name, number)
        else:
            yield from read_customers(path, zone=zone)


def _parse(item: Customer | Mapping[str, Any] | RawLine, zone: Any = dt.timezone.utc
           ) -> Customer | Rejected:
    if isinstance(item, Customer):
        return item
    if isinstance(item, RawLine):
        return parse_line(item.text, item.file, item.line, zone)
    try:
        return parse_customer(item, zone=zone)
    except RecordError as err:
        return Rejected(err.problems, record_id(item))


def _evaluate_with(engine: Engine, items: Sequence[Customer | Mapping[str, Any] | RawLine],
                   as_of: dt.date, locale: str | None, encode: bool = False
                   ) -> tuple[list[Any], list[str | None]]:
    """One batch, in order, and the id of every record that parsed (for the unique-id check)."""
    parsed = [_parse(item, engine.zone) for item in items]
    ids = [c.id if isinstance(c, Customer) else None for c in parsed]
    results = list(engine._mixed(parsed, as_of, locale))
    if encode:
        from ..io.output import _dumps

        results = [r if isinstance(r, Rejected) else Encoded(r.customer_id, _dumps(r.to_dict()))
                   for r in results]
    return results, ids


# -- the worker side ------------------------------------------------------------------------

_ENGINE: Engine | None = None


class Lifeline:
    """A pipe whose only write end the parent holds; each worker gets the read end
    (`guard_worker`). Use as a context manager around the pool, or `close()` it."""

    def __init__(self, context: Any):
        self.read, self._write = context.Pipe(duplex=False)

    def close(self) -> None:
        self._write.close()  # the workers see EOF and exit
        self.read.close()

    def __enter__(self) -> Lifeline:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def guard_worker(lifeline: Any = None) -> None:
    """A worker's first step: ignore Ctrl-C (the parent handles it and shuts the pool down)
    and die as soon as the parent process is gone (`_die_with_parent`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if lifeline is not None:
        threading.Thread(target=_die_with_parent, args=(lifeline,), daemon=True,
                         name="loyalty-rules-lifeline").start()


def _start_worker(recipe: EngineRecipe, lifeline: Any = None) -> None:
    """Build the worker's engine, in a worker guarded by `guard_worker`."""
    global _ENGINE
    guard_worker(lifeline)
    _ENGINE = recipe.build()


def _die_with_parent(lifeline: Any) -> None:
    """Wait on the read end of a pipe whose only write end the parent holds: it reads EOF
    when the parent ends in any way (even SIGKILL), and the worker exits at once, so no worker
    outlives its parent holding the caller's pipes open."""
    try:
        while True:
            lifeline.recv_bytes()
    except (EOFError, OSError):
        pass
    os._exit(1)


def _evaluate_batch(items: Sequence[Customer | Mapping[str, Any] | RawLine], as_of: dt.date,
                    locale: str | None, encode: bool) -> tuple[list[Any], list[str | None]]:
    """Runs in a worker: one batch (the engine isolates bad records itself)."""
    assert _ENGINE is not None, "worker started without an engine"
    return _evaluate_with(_ENGINE, items, as_of, locale, encode)


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
    items: list[Any]  # as given, Rejected included
    sent: list[Any]  # what goes to a worker
    future: Future[tuple[list[Any], list[str | None]]] | None = None


class _Pool:
    """A process pool that can be restarted after a worker died."""

    def __init__(self, recipe: EngineRecipe, workers: int, encode: bool = False):
        self.recipe, self.workers, self.encode = recipe, workers, encode
        self.context = _context()
        # the parent keeps the only write end; each worker gets the read end (`_die_with_parent`)
        self.lifeline = Lifeline(self.context)
        self.executor = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=self.context,
                                   initializer=_start_worker,
                                   initargs=(self.recipe, self.lifeline.read))

    def submit(self, sent: Sequence[Any], as_of: dt.date, locale: str | None
               ) -> Future[tuple[list[Any], list[str | None]]]:
        try:
            return self.executor.submit(_evaluate_batch, list(sent), as_of, locale,
                                        self.encode)
        except BrokenProcessPool as exc:  # a worker died since the last look
            lost: Future[tuple[list[Any], list[str | None]]] = Future()
            lost.set_exception(exc)
            return lost

    def restart(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.executor = self._new()

    def close(self, wait: bool = True) -> None:
        if not wait:
            self.lifeline.close()  # the workers exit now (`_die_with_parent`)
        self.executor.shutdown(wait=wait, cancel_futures=True)
        self.lifeline.close()


class _UniqueIds:
    """`read_customers`' rule for records read from files: the first id wins, later ones are
    rejected. Records built in code (no file) are not tracked, as in one process."""

    def __init__(self) -> None:
        self.seen = SeenIds()

    def check(self, item: Any, cid: str | None, result: Any) -> Any:
        if isinstance(item, RawLine):
            where: tuple[str, int] | None = (item.file, item.line)
        elif isinstance(item, Customer):
            where = item.source
        else:
            where = None
        if cid is None or where is None:
            return result
        if not self.seen.add(cid):
            return Rejected((Problem(f"duplicate customer id {cid!r}", file=where[0],
                                     line=where[1], path="id"),), customer_id=cid)
        return result


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _merge(batch: _Batch, results: Sequence[Any], ids: Sequence[str | None],
           unique: _UniqueIds) -> Iterator[Any]:
    answers = iter(zip(results, ids))
    for item in batch.items:
        if isinstance(item, Rejected):
            yield item
        else:
            result, cid = next(answers)
            yield unique.check(item, cid, result)


def _crashed(item: Any, why: str) -> Rejected:
    problem = Problem(f"the worker evaluating this customer failed: {why}")
    cid = None
    if isinstance(item, RawLine):
        problem = attrs.evolve(problem, file=item.file, line=item.line)
        try:
            cid = record_id(json.loads(item.text))
        except (ValueError, RecursionError):
            pass
    elif isinstance(item, Customer):
        cid = item.id
        if item.source is not None:
            problem = attrs.evolve(problem, file=item.source[0], line=item.source[1])
    elif isinstance(item, Mapping):
        cid = record_id(item)
    return Rejected((problem,), cid)


def _one_by_one(pool: _Pool, batch: _Batch, as_of: dt.date, locale: str | None
                ) -> tuple[list[Any], list[str | None]]:
    """Re-run a failed batch one customer at a time, alone in the pool."""
    results: list[Any] = []
    ids: list[str | None] = []
    for item in batch.sent:
        try:
            result, cid = pool.submit([item], as_of, locale).result()
            results += result
            ids += cid
        except BrokenProcessPool:
            results.append(_crashed(item, "the process died (crash or out of memory)"))
            ids.append(None)
            pool.restart()
        except Exception as exc:
            results.append(_crashed(item, f"{type(exc).__name__}: {exc}"))
            ids.append(None)
    return results, ids


def evaluate_parallel(engine: Engine, customers: Iterable[Any], as_of: dt.date,
                      locale: str | None, workers: int, in_flight: int | None = None,
                      encode: bool = False, in_process_up_to: int | None = None,
                      spread: Callable[[], bool] | None = None) -> Iterator[Any]:
    """Decisions (and `Rejected`) in input order, evaluated by `workers` processes.

    `customers` holds `Customer`, `Rejected`, mappings, or `RawLine` (from `read_records`).
    With `encode`, each decision comes back as an `Encoded` (its contract JSON, written in
    the worker) instead of a `Decision`. An input of one batch is evaluated in this process:
    no worker is started for it; with `in_process_up_to`, an input of at most that many
    parsed customers and at most `HEAD_TEXT` characters of JSON Lines (`_look_ahead`).
    `spread`, asked once an input is known to be large, may still keep it in this process
    (`cores.spread_pays`: no idle core for the workers).
    """
    if workers < 1:
        raise UsageError("workers must be at least 1")
    unique = _UniqueIds()
    batches = _batches(customers, engine.batch_size)
    if in_process_up_to is None:  # one batch at most
        head = list(itertools.islice(batches, 2))
        small = len(head) <= 1
    else:  # read ahead (a bounded amount) to tell a small input from a large one
        head, small = _look_ahead(batches, in_process_up_to)
    if not small and spread is not None and not spread():  # workers would get no core
        head, small = itertools.chain(head, batches), True
    if small:  # too little to pay back starting processes
        for items in head:
            batch = _Batch(items, [i for i in items if not isinstance(i, Rejected)])
            yield from _merge(batch, *_evaluate_with(engine, batch.sent, as_of, locale, encode),
                              unique)
        return
    recipe = EngineRecipe.of(engine)
    limit = max(in_flight or 2 * workers, 1)
    pool = _Pool(recipe, workers, encode)
    queue: collections.deque[_Batch] = collections.deque()
    try:
        for items in itertools.chain(head, batches):
            batch = _Batch(items, [i for i in items if not isinstance(i, Rejected)])
            if batch.sent:
                batch.future = pool.submit(batch.sent, as_of, locale)
            queue.append(batch)
            while len(queue) >= limit:
                yield from _finish(pool, queue, as_of, locale, unique)
        while queue:
            yield from _finish(pool, queue, as_of, locale, unique)
    except BaseException:  # interrupted, or the reader stopped: do not wait for the workers
        pool.close(wait=False)
        raise
    pool.close()


def _look_ahead(batches: Iterator[list[Any]], customers: int) -> tuple[list[list[Any]], bool]:
    """The first batches, and whether they are the whole input and small: at most
    `HEAD_TEXT` characters of JSON Lines (the work to come grows with the text: 0.4–0.5 µs
    of CPU per character, CDNOW or realistic) and at most `customers` records parsed already
    (from CSV or JSON files). Holds no more than that, plus one batch."""
    head: list[list[Any]] = []
    parsed = text = 0
    for items in batches:
        head.append(items)
        for item in items:
            if isinstance(item, RawLine):
                text += len(item.text)
            else:
                parsed += 1
        if parsed > customers or text > HEAD_TEXT:
            return head, False
    return head, True


def _finish(pool: _Pool, queue: collections.deque[_Batch], as_of: dt.date,
            locale: str | None, unique: _UniqueIds) -> Iterator[Any]:
    batch = queue.popleft()
    if batch.future is None:
        yield from batch.items
        return
    try:
        results, ids = batch.future.result()
    except BrokenProcessPool:
        pool.restart()
        if not _worker_can_start(pool):
            raise EngineError(
                "the worker processes could not start an engine (a script that evaluates with "
                "workers > 1 must guard its entry point with `if __name__ == \"__main__\":`)"
            ) from None
        results, ids = _one_by_one(pool, batch, as_of, locale)
        for waiting in queue:  # lost with the old pool: send again
            if waiting.sent:
                waiting.future = pool.submit(waiting.sent, as_of, locale)
    except Exception:
        results, ids = _one_by_one(pool, batch, as_of, locale)
    yield from _merge(batch, results, ids, unique)


def _worker_can_start(pool: _Pool) -> bool:
    try:
        pool.submit([], dt.date(2000, 1, 1), None).result()
        return True
    except BrokenProcessPool:
        return False


__all__ = ["Encoded", "EngineRecipe", "RawLine", "evaluate_parallel", "read_records", "start_method"]
