"""The population pass over several processes: workers parse the records and reduce each
customer to its `Purchases`; the parent counts them into one `Tally` in input order.

The result is the population one process computes (`Population.from_customers`) on the same
input, record for record: the parent applies `read_customers`' rule that the first of two
records with the same id wins, and the sketches and the sample do not depend on how the work
was split. At most ``2 × workers`` batches are in flight, so memory stays bounded.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from ..facts.models import Customer
from ..io.reading import Rejected
from ..io.seen import SeenIds
from ..population.model import Population, PopulationParameters, Tally, _parameters
from ..population.purchases import Purchases
from .parallel import Lifeline, RawLine, _context, _parse, guard_worker

BATCH = 1000
#: one record as it comes back from a worker: rejected, or an id, where it was read, purchases
Reduced = tuple[bool, str | None, tuple[str, int] | None, Purchases | None]


def _reduce(items: list[Any], as_of: dt.date, zone: Any = dt.timezone.utc) -> list[Reduced]:
    """Runs in a worker: parse each record and keep what the population pass needs."""
    out: list[Reduced] = []
    for item in items:
        parsed = _parse(item, zone)
        if isinstance(parsed, Rejected):
            out.append((True, None, None, None))
            continue
        where = (item.file, item.line) if isinstance(item, RawLine) else parsed.source
        out.append((False, parsed.id, where, Purchases.of(parsed, as_of)))
    return out


def _count(tally: Tally, seen: SeenIds, reduced: Reduced) -> None:
    rejected, cid, where, bought = reduced
    if rejected:
        tally.rejected += 1
    elif where is not None and not seen.add(cid):  # a duplicate id: read_customers rejects it
        tally.rejected += 1
    else:
        assert cid is not None and bought is not None
        tally.add(cid, bought)


def population_parallel(records: Iterable[Customer | Rejected | RawLine | Mapping[str, Any]],
                        as_of: dt.date,
                        parameters: PopulationParameters | Mapping[str, Any] | None,
                        workers: int, *, on_record: Callable[[], None] | None = None,
                        zone: Any = dt.timezone.utc) -> Population:
    """`Population.from_customers` with the parsing spread over `workers` processes.

    `records` as from `parallel.read_records` (raw JSON Lines are parsed in the workers).
    """
    p = _parameters(parameters)
    tally = Tally(as_of, p.sample_size)
    seen = SeenIds()
    iterator = iter(records)

    def batches() -> Iterable[list[Any]]:
        while batch := list(itertools.islice(iterator, BATCH)):
            yield batch

    queue: collections.deque[tuple[list[Any], Future[list[Reduced]]]] = collections.deque()
    context = _context()
    lifeline = Lifeline(context)  # the workers end with this process, however it ends
    with lifeline, ProcessPoolExecutor(workers, mp_context=context, initializer=guard_worker,
                                       initargs=(lifeline.read,)) as pool:
        def finish() -> None:
            items, future = queue.popleft()
            for reduced in future.result():
                _count(tally, seen, reduced)
                if on_record is not None:
                    on_record()

        for batch in batches():
            passed = [(True, None, None, None) if isinstance(i, Rejected) else None
                      for i in batch]
            sent = [i for i in batch if not isinstance(i, Rejected)]
            future = pool.submit(_reduce, sent, as_of, zone)
            if any(passed):  # keep input order: rejections read in the parent stay in place
                future = _with_rejections(future, passed)
            queue.append((batch, future))
            while len(queue) >= 2 * workers:
                finish()
        while queue:
            finish()
    return Population.from_tally(tally, p)


def _with_rejections(future: Future[list[Reduced]], passed: list[Reduced | None]
                     ) -> Future[list[Reduced]]:
    merged: Future[list[Reduced]] = Future()

    def done(inner: Future[list[Reduced]]) -> None:
        try:
            answers = iter(inner.result())
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on it
            merged.set_exception(exc)
            return
        merged.set_result([p if p is not None else next(answers) for p in passed])

    future.add_done_callback(done)
    return merged
