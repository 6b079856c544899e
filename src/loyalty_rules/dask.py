"""Evaluate customers on a Dask cluster: one machine's cores, or many machines.

Needs the optional extra: ``pip install 'loyalty-rules[dask]'`` (``uv sync --extra dask``).

    >>> import datetime as dt, dask.bag as db                       # doctest: +SKIP
    >>> from loyalty_rules import Engine
    >>> from loyalty_rules.dask import evaluate_bag
    >>> bag = db.from_sequence(records, npartitions=8)              # contract mappings
    >>> decisions = evaluate_bag(bag, dt.date(2026, 11, 22), engine=Engine()).compute()

* Each Dask worker process builds its engine **once** (from the engine's construction
  arguments, `parallel.EngineRecipe`) and keeps it for every partition it evaluates; the
  partitions go through the same code path as a single process (`Engine._mixed`), so the
  decisions are identical to a single-process run, in the bag's order.
* The population (value ranks, pyramid, key accounts, the activity model; docs/population.md)
  is a Dask reduction too: `population_bag` / `population_on_dask` have the workers parse
  each partition or batch and reduce every customer to what the population needs; the client
  folds those, in input order, into the one `Population` a single process computes, and it
  reaches the workers inside the engine recipe, scattered to all of them (a broadcast).
* `evaluate_on_dask` is what ``loyalty-rules evaluate … --executor dask`` runs: the client
  reads the input, sends batches of `engine.batch_size` customers as tasks (at most two per
  worker thread in flight: memory stays flat), and yields the results in input order.
* A worker that dies while evaluating a batch (a crash, the OOM killer, a lost machine): the
  scheduler hands the batch to another worker, which evaluates it from the start; the client
  takes exactly one result per batch, so no decision is lost or written twice. A batch that
  kills workers again and again (Dask's ``distributed.scheduler.allowed-failures``, default 3)
  is evaluated one customer at a time, and only the customer that keeps failing comes out
  `Rejected`, as with ``--workers``.

See docs/scale.md for a multi-machine cluster.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import pickle
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .engine.engine import Engine, as_date
from .engine.parallel import (
    EngineRecipe,
    _Batch,
    _batches,
    _crashed,
    _evaluate_with,
    _merge,
    _UniqueIds,
)
from .errors import UsageError
from .io.reading import Rejected

__all__ = ["evaluate_bag", "evaluate_on_dask", "local_client", "population_bag",
           "population_on_dask"]

#: how long to try reaching a `--scheduler` before giving up with a usage error
CONNECT_TIMEOUT = "10s"

# -- the worker side: one engine per process and recipe ------------------------------------

_ENGINES: dict[bytes, Engine] = {}
_LOCK = threading.Lock()


def _engine(recipe: EngineRecipe) -> Engine:
    key = pickle.dumps(recipe)
    with _LOCK:  # a worker may run several threads; each builds nothing twice
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = recipe.build()
        return engine


def _evaluate_batch(recipe: EngineRecipe, items: Sequence[Any], as_of: dt.date,
                    locale: str | None, encode: bool) -> tuple[list[Any], list[str | None]]:
    """One batch on a worker: its results in order, and the id of every record that parsed."""
    return _evaluate_with(_engine(recipe), items, as_of, locale, encode)


def _evaluate_partition(items: Iterable[Any], recipe: EngineRecipe, as_of: dt.date,
                        locale: str | None) -> list[Any]:
    """A bag partition: `Rejected` items pass through, everything else is evaluated."""
    items = list(items)
    batch = _Batch(items, [i for i in items if not isinstance(i, Rejected)])
    results, _ = _evaluate_with(_engine(recipe), batch.sent, as_of, locale)
    answers = iter(results)
    return [item if isinstance(item, Rejected) else next(answers) for item in items]


def _reduce_partition(items: Iterable[Any], as_of: dt.date, zone: Any) -> list[Any]:
    """A bag partition reduced for the population: one `Reduced` per item, in order."""
    from .engine.populating import REJECTED, _reduce

    items = list(items)
    answers = iter(_reduce([i for i in items if not isinstance(i, Rejected)], as_of, zone))
    return [REJECTED if isinstance(i, Rejected) else next(answers) for i in items]


# -- the client side ------------------------------------------------------------------------

def population_bag(customers: Any, as_of: dt.date | str, parameters: Any = None, *,
                   zone: Any = dt.timezone.utc) -> Any:
    """The `Population` of a Dask bag of contract mappings (or `Customer`/`Rejected`), as
    `Population.from_customers` computes it on the same records in the bag's order: the
    workers reduce their partitions, the client folds the results. Pass it on with
    ``Engine(population=...)``: `evaluate_bag` sends it to every worker with the engine."""
    from .engine.populating import fold

    day = as_date(as_of)
    return fold(customers.map_partitions(_reduce_partition, day, zone).compute(), day,
                parameters)


def population_on_dask(records: Iterable[Any], as_of: dt.date, parameters: Any = None, *,
                       client: Any, zone: Any = dt.timezone.utc, batch: int = 1000,
                       on_record: Any = None) -> Any:
    """The population pass of ``evaluate --executor dask``: `records` as from
    `parallel.read_records`, reduced by the cluster's workers in batches (at most two per
    worker thread in flight), folded by the client in input order."""
    from .engine.populating import _reduce, fold, reduced_in_order

    def submit(sent: list[Any]) -> Any:
        return client.submit(_reduce, sent, as_of, zone, pure=False)

    in_flight = 2 * (sum(client.nthreads().values()) or 1)
    return fold(reduced_in_order(records, submit, in_flight, on_record, batch), as_of,
                parameters)


def evaluate_bag(customers: Any, as_of: dt.date | str, *, engine: Engine | None = None,
                 locale: str | None = None) -> Any:
    """A Dask bag of `Decision` (or `Rejected`), one per customer, in the bag's order.

    `customers` is a `dask.bag.Bag` of contract mappings, `Customer` objects or `Rejected`
    (passed through). A Dask dataframe becomes such a bag with ``df.to_bag(format="dict")``.
    `engine` (default: `Engine()`) is only a recipe here: each worker builds its own once.
    """
    recipe = EngineRecipe.of(engine or Engine())
    return customers.map_partitions(_evaluate_partition, recipe, as_date(as_of), locale)


def local_client(workers: int | None = None) -> Any:
    """A `distributed.Client` on a new local cluster of `workers` single-threaded processes
    (default: the machine's cores). Closing the client closes the cluster."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                           processes=True, dashboard_address=":0")
    client = Client(cluster)
    client._loyalty_rules_cluster = cluster  # closed with the client (see _close)
    return client


def _close(client: Any) -> None:
    cluster = getattr(client, "_loyalty_rules_cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def _client(scheduler: str | None, workers: int | None) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--executor dask needs the dask extra: pip install "
                         "'loyalty-rules[dask]'") from None
    if scheduler is None:
        return local_client(workers)
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT)
    except OSError as exc:
        raise UsageError(f"--scheduler {scheduler}: cannot reach a Dask scheduler: "
                         f"{exc}") from None


def evaluate_on_dask(engine: Engine, records: Iterable[Any], as_of: dt.date,
                     locale: str | None = None, *, client: Any = None,
                     scheduler: str | None = None, workers: int | None = None,
                     encode: bool = False, in_flight: int | None = None) -> Iterator[Any]:
    """Decisions (and `Rejected`) in input order, evaluated by the workers of a Dask cluster.

    `records` holds what `parallel.read_records` yields (`Customer`, `Rejected`, `RawLine`)
    or mappings. Give a `client`, or a `scheduler` address, or neither for a local cluster
    of `workers` processes (closed at the end). Ids must be unique as with one process.
    """
    own = client is None
    if own:
        client = _client(scheduler, workers)
    try:
        recipe = EngineRecipe.of(engine)
        [shared] = client.scatter([recipe], broadcast=True)
        threads = sum(client.nthreads().values()) or 1
        limit = max(in_flight or 2 * threads, 1)
        unique = _UniqueIds()
        queue: collections.deque[_Batch] = collections.deque()

        def submit(batch: _Batch) -> None:
            if batch.sent:
                batch.future = client.submit(_evaluate_batch, shared, batch.sent, as_of,
                                             locale, encode, pure=False)

        for items in _batches(records, engine.batch_size):
            batch = _Batch(items, [i for i in items if not isinstance(i, Rejected)])
            submit(batch)
            queue.append(batch)
            while len(queue) >= limit:
                yield from _finish(client, shared, queue.popleft(), as_of, locale, encode,
                                   unique)
        while queue:
            yield from _finish(client, shared, queue.popleft(), as_of, locale, encode, unique)
    finally:
        if own:
            _close(client)


def _finish(client: Any, shared: Any, batch: _Batch, as_of: dt.date, locale: str | None,
            encode: bool, unique: _UniqueIds) -> Iterator[Any]:
    if batch.future is None:
        yield from batch.items
        return
    try:
        results, ids = batch.future.result()
    except Exception:  # the batch failed past Dask's retries: find the customer that fails
        results, ids = [], []
        for item in batch.sent:
            try:
                result, cid = client.submit(_evaluate_batch, shared, [item], as_of, locale,
                                            encode, pure=False).result()
                results += result
                ids += cid
            except Exception as exc:
                results.append(_crashed(item, f"{type(exc).__name__}: {exc}"))
                ids.append(None)
    finally:
        batch.future = None  # release the result on the cluster
    yield from _merge(batch, results, ids, unique)

