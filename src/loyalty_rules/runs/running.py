"""Daily runs: evaluate the whole base as of a date, record every decision, resumably.

A run fixes, when it starts, the history it reads (events up to a sequence number) and the
lifecycle (outcomes up to one), so a run stopped and started again (SIGKILL included)
evaluates the same input. Customers go in id order, one batch per transaction: a batch is
recorded whole or not at all, and a restart carries on after the last recorded batch. The
run is finished in one last transaction: recommendations open in the previous run and gone
now are marked `expired`, the counts are recorded, the status becomes `finished`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from ..errors import NotFoundError, UsageError
from ..io.reading import Rejected
from ..store import Store
from ..store.history import customer_ids, load, max_event_seq
from ..store.ingestion import problem_dict
from ..store.lifecycle import held, max_outcome_seq, remember, states
from ..store.records import lifecycle_hash
from ..store.schema import outcomes, run_customers, runs
from .versions import content_hash, versions

BATCH = 200


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def run_row(connection: sa.Connection, run_id: int) -> Any:
    row = connection.execute(sa.select(runs).where(runs.c.id == run_id)).first()
    if row is None:
        raise NotFoundError(f"run {run_id}: no such run")
    return row


def describe(row: Any) -> dict[str, Any]:
    """A run as JSON (`GET /v1/runs/{id}`)."""
    return {"id": row.id, "as_of": row.as_of.isoformat(), "status": row.status,
            "previous": row.previous_id, "content_hash": row.content_hash,
            **json.loads(row.versions), "options": json.loads(row.options),
            "counts": json.loads(row.counts) if row.counts else None}


def latest_as_of(store: Store) -> dt.date:
    """The date of the latest finished run (what a decision defaults to)."""
    with store.database.connect() as connection:
        found = connection.execute(sa.select(runs.c.as_of).where(runs.c.status == "finished")
                                   .order_by(runs.c.id.desc()).limit(1)).scalar()
    if found is None:
        raise UsageError("no run yet: give as_of=YYYY-MM-DD")
    return found


def _start(store: Store, as_of: dt.date) -> int:
    """The unfinished run of this date and ruleset content to resume, or a new run."""
    digest = content_hash(store.engine)

    def work(connection: sa.Connection) -> int:
        if connection.dialect.name == "postgresql":  # two `run`s starting at once: one run
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(72657766)")
        open_run = connection.execute(sa.select(runs.c.id).where(
            runs.c.as_of == as_of, runs.c.status == "running",
            runs.c.content_hash == digest).order_by(runs.c.id.desc())).scalar()
        if open_run is not None:
            return int(open_run)
        previous = connection.execute(sa.select(sa.func.max(runs.c.id)).where(
            runs.c.status == "finished")).scalar()
        return int(connection.execute(runs.insert().values(
            as_of=as_of, status="running", event_seq=max_event_seq(connection),
            outcome_seq=max_outcome_seq(connection), content_hash=digest,
            versions=_json(versions(store.engine)), options=_json(store.options),
            previous_id=previous).returning(runs.c.id)).scalar_one())
    return store.transaction(work)


def evaluate_batch(store: Store, connection: sa.Connection, ids: Sequence[str], as_of: dt.date,
                   event_seq: int, outcome_seq: int) -> list[dict[str, Any]]:
    """The run_customers rows of a batch: each customer's decision (or problems), with the
    hashes of the history and lifecycle it was computed from."""
    loaded = load(connection, ids, event_seq)
    lifecycles = states(connection, list(loaded), outcome_seq)
    holds = {cid: held(lifecycles.get(cid, {}), as_of) for cid in loaded}
    good = [item.customer for item in loaded.values() if not isinstance(item.customer, Rejected)]
    judge = store.judge(as_of, event_seq)  # within the base's population of that history
    results = {r.customer_id: r for r in judge.evaluate_held(good, as_of, holds)}
    rows = []
    for cid, item in loaded.items():
        result = item.customer if isinstance(item.customer, Rejected) else results[cid]
        row = {"customer_id": cid, "input_hash": item.input_hash,
               "lifecycle_hash": lifecycle_hash(holds[cid]), "decision": None,
               "problems": None}
        if isinstance(result, Rejected):
            row["problems"] = _json([problem_dict(p) for p in result.problems])
        else:
            row["decision"] = _json(result.to_dict())
        rows.append(row)
    return rows


def run_day(store: Store, as_of: dt.date, *, batch: int = BATCH,
            progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Evaluate every stored customer as of `as_of` and record the run (or finish the
    unfinished run of that date); returns the run as `describe` shows it."""
    if batch < 1:
        raise UsageError("batch must be at least 1")
    run_id = _start(store, as_of)
    with store.database.connect() as connection:
        row = run_row(connection, run_id)
        total = len(customer_ids(connection))
        last = connection.execute(sa.select(sa.func.max(run_customers.c.customer_id)).where(
            run_customers.c.run_id == run_id)).scalar()
        done = connection.execute(sa.select(sa.func.count()).select_from(run_customers).where(
            run_customers.c.run_id == run_id)).scalar_one()
    while True:
        with store.database.connect() as connection:
            ids = customer_ids(connection, after=last, limit=batch)
        if not ids:
            break

        def record(connection: sa.Connection, ids: list[str] = ids) -> None:
            rows = evaluate_batch(store, connection, ids, as_of, row.event_seq,
                                  row.outcome_seq)
            connection.execute(run_customers.insert(),
                               [dict(r, run_id=run_id) for r in rows])
            for r in rows:
                if r["decision"] is not None:
                    remember(connection, r["customer_id"],
                             json.loads(r["decision"])["recommendations"])
        store.transaction(record)
        last, done = ids[-1], done + len(ids)
        if progress is not None:
            progress(done, total)
    store.transaction(lambda c: _finish(c, run_id))
    with store.database.connect() as connection:
        return describe(run_row(connection, run_id))


def recommendations_of(connection: sa.Connection, run_id: int
                       ) -> dict[str, dict[str, dict[str, Any]]]:
    """customer id → recommendation id → recommendation, as recorded by a run."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for row in connection.execute(sa.select(run_customers.c.customer_id,
                                            run_customers.c.decision)
                                  .where(run_customers.c.run_id == run_id)):
        recs = json.loads(row.decision)["recommendations"] if row.decision else []
        found[row.customer_id] = {r["id"]: r for r in recs}
    return found


def _finish(connection: sa.Connection, run_id: int) -> None:
    row = run_row(connection, run_id)
    if row.status == "finished":
        return
    now = recommendations_of(connection, run_id)
    counts: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    rejected = connection.execute(sa.select(sa.func.count()).select_from(run_customers).where(
        run_customers.c.run_id == run_id, run_customers.c.decision.is_(None))).scalar_one()
    for recs in now.values():
        for rec in recs.values():
            counts[rec.get("status", "open")] += 1
            if rec.get("status", "open") == "open":
                actions[rec["action"]] += 1
    expired = 0
    if row.previous_id is not None:
        before = recommendations_of(connection, row.previous_id)
        current = states(connection, list(before))
        fresh = []
        for cid, recs in before.items():
            for rec_id, rec in recs.items():
                if rec.get("status", "open") != "open" or rec_id in now.get(cid, {}):
                    continue
                state = current.get(cid, {}).get(rec_id)
                if state is not None and state.status in ("done", "dismissed"):
                    continue
                fresh.append({"recommendation_id": rec_id, "customer_id": cid,
                              "status": "expired", "at": row.as_of, "run_id": run_id})
        if fresh:
            connection.execute(outcomes.insert(), fresh)
        expired = len(fresh)
    total = connection.execute(sa.select(sa.func.count()).select_from(run_customers).where(
        run_customers.c.run_id == run_id)).scalar_one()
    summary = {"customers": total,
               "rejected": rejected, "recommendations": dict(sorted(counts.items())),
               "actions": dict(sorted(actions.items())), "expired": expired}
    connection.execute(runs.update().where(runs.c.id == run_id).values(
        status="finished", counts=_json(summary)))
