"""Replaying a recorded run: the same date, history, lifecycle and ruleset content give the
recorded decisions back. A ruleset whose content changed since is refused, naming both
hashes and the versions the run recorded."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from ..errors import UsageError
from ..store import Store
from ..store.schema import run_customers
from .running import BATCH, describe, evaluate_batch, run_row
from .versions import content_hash


def replay(store: Store, run_id: int) -> dict[str, Any]:
    """Re-evaluate a run's customers with what it read; report any decision that differs."""
    with store.database.connect() as connection:
        row = run_row(connection, run_id)
        recorded = {r.customer_id: r.decision for r in connection.execute(
            sa.select(run_customers).where(run_customers.c.run_id == run_id))}
    now = content_hash(store.engine)
    if now != row.content_hash:
        raise UsageError(
            f"run {run_id} was evaluated with ruleset content {row.content_hash[:12]} "
            f"({json.loads(row.versions)}); this engine's is {now[:12]}: replay with the "
            "rulesets, plugins and parameters the run recorded")
    differing: list[str] = []
    ids = sorted(recorded)
    for start in range(0, len(ids), BATCH):
        with store.database.connect() as connection:
            rows = evaluate_batch(store, connection, ids[start:start + BATCH], row.as_of,
                                  row.event_seq, row.outcome_seq)
        differing += [r["customer_id"] for r in rows
                      if r["decision"] != recorded.get(r["customer_id"])]
    return {"run": describe(row), "customers": len(ids), "identical": len(ids) - len(differing),
            "differing": differing}
