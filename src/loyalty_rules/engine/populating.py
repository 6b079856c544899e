"""The population pass over several processes: workers parse the records and reduce each
customer to its `Purchases`; the parent counts them into one `Tally` in input order
(`reduced_in_order`, then `fold`: the Dask pass in `loyalty_rules.dask` uses both too).

The result is the population one process computes (`Population.from_customers`) on the same
input, record for record: the parent applies `read_customers`' rule that the first of two
records with the same id wins, and the sketches and the sample do not depend on how the work
was split. At most ``2 × workers`` batches are in flight, so memory stays bounded.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
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
#: a rejected record, reduced
REJECTED: Reduced = (True, None, None, None)


def _reduce(items: list[Any], as_of: dt.date, zone: Any = dt.timezone.utc) -> list[Reduced]:
    """Runs in a worker: parse each record and keep what the population pass needs."""
    out: list[Reduced] = []
    for item in items:
        parsed = _parse(item, zone)
        if isinstance(parsed, Rejected):
            out.append(REJECTED)
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


def fold(reduced: Iterable[Reduced], as_of: dt.date,
         parameters: PopulationParameters | Mapping[str, Any] | None) -> Population:
    """The population from reduced records in input order: what one process computes."""
    p = _parameters(parameters)
    tally = Tally(as_of, p.sample_size)
    seen = SeenIds()
    for item in reduced:
        _count(tally, seen, item)
    return Population.from_tally(tally, p)


def reduced_in_order(records: Iterable[Any], submit: Callable[[list[Any]], Any],
                     in_flight: int, on_record: Callable[[], None] | None = None,
                     batch: int = BATCH) -> Iterator[Reduced]:
    """Every record reduced, in input order: batches of `batch` go to `submit` (a pool's or a
    Dask client's: it returns a future of `_reduce`'s list), at most `in_flight` at a time;
    rejections read in the parent keep their place."""
    queue: collections.deque[tuple[list[Any], Any]] = collections.deque()

    def finish() -> Iterator[Reduced]:
        items, future = queue.popleft()
        answers = iter(future.result() if future is not None else ())
        for item in items:
            yield REJECTED if isinstance(item, Rejected) else next(answers)
            if on_record is not None:
                on_record()

    iterator = iter(records)
    while items := list(itertools.islice(iterator, batch)):
        sent = [i for i in items if not isinstance(i, Rejected)]
        queue.append((items, submit(sent) if sent else None))
        while len(queue) >= max(in_flight, 1):
            yield from finish()
    while queue:
        yield from finish()


def population_parallel(records: Iterable[Customer | Rejected | RawLine | Mapping[str, Any]],
                        as_of: dt.date,
                        parameters: PopulationParameters | Mapping[str, Any] | None,
                        workers: int, *, on_record: Callable[[], None] | None = None,
                        zone: Any = dt.timezone.utc) -> Population:
    """`Population.from_customers` with the parsing spread over `workers` processes.

    `records` as from `parallel.read_records` (raw JSON Lines are parsed in the workers).
    """
    context = _context()
    lifeline = Lifeline(context)  # the workers end with this process, however it ends
    with lifeline, ProcessPoolExecutor(workers, mp_context=context, initializer=guard_worker,
                                       initargs=(lifeline.read,)) as pool:
        return fold(reduced_in_order(records, lambda sent: pool.submit(_reduce, sent, as_of,
                                                                       zone),
                                     2 * workers, on_record), as_of, parameters)
