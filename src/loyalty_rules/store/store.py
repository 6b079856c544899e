"""`Store`: the one face of the event store (customers, events, decisions, outcomes).

    >>> store = Store.open("sqlite:///crm.db")        # doctest: +SKIP
    >>> store.ingest("samples/customers.jsonl")       # doctest: +SKIP

Each call is one transaction, retried when a concurrent writer got there first, so
concurrent requests never leave half an ingestion or a duplicate behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import attrs
import sqlalchemy as sa

from ..decisions.model import Decision
from ..errors import NotFoundError, RecordError
from ..facts.models import Customer
from ..io.reading import Rejected, parse_customer, read_customers
from . import ingestion, lifecycle
from .database import connect
from .history import customer_ids, load, max_event_seq

T = TypeVar("T")


@attrs.define
class IngestReport:
    """What an ingestion did: customers added, updated, unchanged; events added, re-sent
    (duplicates), quarantined (conflicts); records rejected with their located problems."""

    customers: dict[str, int] = attrs.field(factory=lambda: {"added": 0, "updated": 0,
                                                             "unchanged": 0})
    events: dict[str, int] = attrs.field(factory=lambda: {"added": 0, "duplicate": 0,
                                                          "conflict": 0})
    conflicts: list[str] = attrs.field(factory=list)  # one line each
    rejected: list[Rejected] = attrs.field(factory=list)

    def add(self, status: str, results: Iterable[ingestion.EventResult]) -> None:
        self.customers[status] += 1
        for result in results:
            self.events[result.status] += 1
            if result.status == "conflict":
                self.conflicts.extend(str(p) for p in result.problems)

    def to_dict(self) -> dict[str, Any]:
        return {"customers": dict(self.customers), "events": dict(self.events),
                "conflicts": list(self.conflicts),
                "rejected": [[ingestion.problem_dict(p) for p in r.problems]
                             for r in self.rejected]}


class Store:
    """Customers, their history, recommendations and their lifecycle, in one database.

    :param url: ``sqlite:///FILE`` or ``postgresql://USER@HOST/DB``.
    :param plugins, rulesets, parameters: the engine's options (as for `Engine`), recorded
        with every run so it can be replayed.
    :param population: judge each customer within the stored base (value ranks, the
        pyramid, key accounts, `p_active`: docs/population.md), as `evaluate` does by
        default; the population of a day is computed from the history a run reads.
    """

    def __init__(self, url: str, *, plugins: Sequence[str] = (),
                 rulesets: Sequence[str | Path] = (),
                 parameters: Mapping[str, Any] | None = None, engine: Any = None,
                 population: bool = True):
        self.url = url
        self.options = {"plugins": list(plugins), "rulesets": [str(p) for p in rulesets],
                        "parameters": dict(parameters or {}), "population": population}
        self.database = connect(url)
        self._engine = engine
        self._judges: dict[tuple[dt.date, int], Any] = {}

    open = classmethod(lambda cls, url, **kwargs: cls(url, **kwargs))

    @property
    def engine(self) -> Any:
        """The rule engine (built on first use from the store's options)."""
        if self._engine is None:
            from ..engine.engine import Engine
            self._engine = Engine(plugins=self.options["plugins"],
                                  rulesets=self.options["rulesets"],
                                  parameters=self.options["parameters"])
        return self._engine

    def judge(self, as_of: dt.date, event_seq: int | None = None) -> Any:
        """The engine that judges customers on `as_of`: with the population of the stored
        base (every customer's history up to `event_seq`, all when None), unless the store
        was opened with ``population=False``. Kept for the last few (date, history) pairs,
        so a run and the decisions asked for after it share one population."""
        if not self.options["population"]:
            return self.engine
        with self.database.connect() as connection:
            seq = max_event_seq(connection) if event_seq is None else event_seq
        key = (as_of, seq)
        if key not in self._judges:
            from ..engine.parallel import EngineRecipe
            from ..population import Population

            population = Population.from_customers(self._customers(seq), as_of)
            recipe = attrs.evolve(EngineRecipe.of(self.engine), population=population)
            while len(self._judges) >= 4:
                self._judges.pop(next(iter(self._judges)))
            self._judges[key] = recipe.build()
        return self._judges[key]

    def _customers(self, event_seq: int, chunk: int = 1000) -> Iterator[Customer]:
        """Every stored customer that reads (history up to `event_seq`), in id order."""
        last = None
        while True:
            with self.database.connect() as connection:
                ids = customer_ids(connection, after=last, limit=chunk)
                loaded = load(connection, ids, event_seq)
            if not ids:
                return
            for cid in ids:
                item = loaded.get(cid)
                if item is not None and not isinstance(item.customer, Rejected):
                    yield item.customer
            last = ids[-1]

    def close(self) -> None:
        self.database.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def transaction(self, work: Callable[[sa.Connection], T], attempts: int = 5) -> T:
        """Run `work` in one transaction; retried when a concurrent writer conflicted."""
        for attempt in range(attempts):
            try:
                with self.database.begin() as connection:
                    return work(connection)
            except sa.exc.IntegrityError:
                if attempt == attempts - 1:
                    raise
            except sa.exc.OperationalError as err:  # SQLite: database is locked
                if "locked" not in str(err) or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    # --- ingestion ----------------------------------------------------------------------

    def put_customer(self, raw: Customer | Mapping[str, Any]) -> dict[str, Any]:
        """Store one contract customer, events included; `RecordError` if it is bad."""
        customer = raw if isinstance(raw, Customer) else parse_customer(raw)
        status, results = self.transaction(lambda c: ingestion.store_customer(c, customer))
        return {"id": customer.id, "status": status,
                "events": [r.to_dict() for r in results]}

    def ingest(self, *paths: str | Path, batch: int = 200) -> IngestReport:
        """Store every customer of the files (as `read_customers` reads them); bad records
        are reported with file, line and field while the rest goes in."""
        report = IngestReport()
        pending: list[Customer] = []

        def flush(connection: sa.Connection) -> list[tuple[str, list[Any]]]:
            return [ingestion.store_customer(connection, c) for c in pending]

        for record in read_customers(*paths):
            if isinstance(record, Rejected):
                report.rejected.append(record)
                continue
            pending.append(record)
            if len(pending) >= batch:
                for status, results in self.transaction(flush):
                    report.add(status, results)
                pending = []
        if pending:
            for status, results in self.transaction(flush):
                report.add(status, results)
        return report

    def add_events(self, items: Sequence[Any]) -> list[ingestion.EventResult]:
        """A batch of ``{customer_id, event}``: one result per item, in order."""
        return self.transaction(lambda c: ingestion.store_event_batch(c, items))

    def quarantined(self) -> list[dict[str, Any]]:
        with self.database.connect() as connection:
            return ingestion.quarantined(connection)

    def customer_ids(self) -> list[str]:
        with self.database.connect() as connection:
            return customer_ids(connection)

    # --- decisions and outcomes -------------------------------------------------------

    def decision(self, customer_id: str, as_of: dt.date) -> Decision:
        """The customer's decision on `as_of` from the whole stored history and the current
        lifecycle (each recommendation with its status). Its recommendations are noted so
        outcomes can be recorded against their ids."""
        with self.database.connect() as connection:
            loaded = load(connection, [customer_id]).get(customer_id)
            known = lifecycle.states(connection, [customer_id]).get(customer_id, {})
        if loaded is None:
            raise NotFoundError(f"customer {customer_id!r}: not in the store")
        if isinstance(loaded.customer, Rejected):
            raise RecordError(loaded.customer.problems)
        (result,) = self.judge(as_of, self._latest_run_seq()).evaluate_held(
            [loaded.customer], as_of, {customer_id: lifecycle.held(known, as_of)})
        if isinstance(result, Rejected):
            raise RecordError(result.problems)
        recs = [r.to_dict() for r in result.recommendations]
        self.transaction(lambda c: lifecycle.remember(c, customer_id, recs))
        return result

    def _latest_run_seq(self) -> int | None:
        """The history the latest finished run read: a decision asked for between runs is
        judged within that run's population (None: no run yet, the whole history)."""
        from .schema import runs

        with self.database.connect() as connection:
            return connection.execute(sa.select(runs.c.event_seq).where(
                runs.c.status == "finished").order_by(runs.c.id.desc()).limit(1)).scalar()

    def record_outcome(self, rec_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """`done` / `dismissed` / `snoozed` for a recommendation (see `lifecycle`)."""
        outcome = lifecycle.parse_outcome(body)
        actions = self.engine.registry.actions
        return self.transaction(lambda c: lifecycle.record(c, actions, rec_id, outcome))

    def states(self, customer_id: str) -> dict[str, dict[str, Any]]:
        """A customer's recommendations with a recorded outcome: id → latest state."""
        with self.database.connect() as connection:
            found = lifecycle.states(connection, [customer_id]).get(customer_id, {})
        return {rec_id: state.to_dict() for rec_id, state in found.items()}
