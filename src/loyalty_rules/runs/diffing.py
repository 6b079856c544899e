"""What changed between two runs, and why.

Recommendations are matched by their stable `id`: **new** (in the later run only), **gone**
(in the earlier only) and **changed** (in both, with a different priority, channel, role,
status, overdue flag, params, or due date where the due date counts from a trigger; a due
date counted from `as_of` moves every day by design and is not a change). Each is attributed
to the first cause that holds for its customer:

1. `events`: the customer's record or history differs between the two runs' inputs;
2. `outcome`: an outcome recorded since (done, dismissed, snoozed, or a snooze ended);
3. `ruleset`: the runs' content hashes differ (rulesets, parameters, scripts, plugins);
4. `time`: nothing else changed: the date moved on.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import sqlalchemy as sa

from ..errors import NotFoundError
from ..store import Store
from ..store.schema import run_customers, runs
from .running import run_row

COMPARED = ("priority", "channel", "role", "status", "overdue", "params")
CAUSES = ("events", "outcome", "ruleset", "time")


def _rows(connection: sa.Connection, run_id: int) -> dict[str, Any]:
    return {row.customer_id: row for row in connection.execute(
        sa.select(run_customers).where(run_customers.c.run_id == run_id))}


def _recs(row: Any) -> dict[str, dict[str, Any]]:
    if row is None or row.decision is None:
        return {}
    return {r["id"]: r for r in json.loads(row.decision)["recommendations"]}


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    fields = {name: [before.get(name), after.get(name)] for name in COMPARED
              if before.get(name) != after.get(name)}
    if "overdue" in after and before.get("due") != after.get("due"):
        fields["due"] = [before.get("due"), after.get("due")]
    return fields


def _cause(old: Any, new: Any, ruleset_changed: bool) -> str:
    if old is None or new is None or old.input_hash != new.input_hash:
        return "events"
    if old.lifecycle_hash != new.lifecycle_hash:
        return "outcome"
    return "ruleset" if ruleset_changed else "time"


def latest_runs(connection: sa.Connection) -> tuple[int, int]:
    """The latest finished run and the one before it."""
    latest = connection.execute(sa.select(runs.c.id, runs.c.previous_id).where(
        runs.c.status == "finished").order_by(runs.c.id.desc()).limit(1)).first()
    if latest is None:
        raise NotFoundError("no finished run in the store yet")
    if latest.previous_id is None:
        raise NotFoundError(f"run {latest.id} is the first run: nothing to compare it with")
    return latest.previous_id, latest.id


def diff_runs(store: Store, earlier: int | None = None, later: int | None = None
              ) -> dict[str, Any]:
    """The diff between two runs (default: the latest finished run and its previous one;
    one run given: that run and its previous one)."""
    with store.database.connect() as connection:
        if earlier is None:
            earlier, later = latest_runs(connection)
        elif later is None:
            later = earlier
            previous = run_row(connection, later).previous_id
            if previous is None:
                raise NotFoundError(f"run {later} is the first run: nothing to compare it with")
            earlier = previous
        a, b = run_row(connection, earlier), run_row(connection, later)
        old_rows, new_rows = _rows(connection, earlier), _rows(connection, later)
    ruleset_changed = a.content_hash != b.content_hash
    changes: list[dict[str, Any]] = []
    for cid in sorted(set(old_rows) | set(new_rows)):
        old, new = old_rows.get(cid), new_rows.get(cid)
        before, after = _recs(old), _recs(new)
        if before == after:
            continue
        cause = _cause(old, new, ruleset_changed)
        for rec_id, rec in after.items():
            if rec_id not in before:
                changes.append({"change": "new", "customer_id": cid, "id": rec_id,
                                "action": rec["action"], "cause": cause})
            else:
                fields = _changes(before[rec_id], rec)
                if fields:
                    changes.append({"change": "changed", "customer_id": cid, "id": rec_id,
                                    "action": rec["action"], "cause": cause,
                                    "fields": fields})
        for rec_id, rec in before.items():
            if rec_id not in after:
                changes.append({"change": "gone", "customer_id": cid, "id": rec_id,
                                "action": rec["action"], "cause": cause})
    counts = Counter(c["change"] for c in changes)
    causes = Counter(c["cause"] for c in changes)
    return {"from": {"id": a.id, "as_of": a.as_of.isoformat()},
            "to": {"id": b.id, "as_of": b.as_of.isoformat()},
            "ruleset_changed": ruleset_changed,
            "counts": {k: counts.get(k, 0) for k in ("new", "gone", "changed")},
            "causes": {k: causes[k] for k in CAUSES if causes.get(k)},
            "changes": changes}


def render_diff(diff: dict[str, Any]) -> str:
    """The diff for people: a summary line, then one line per change."""
    counts = diff["counts"]
    causes = ", ".join(f"{n} {k}" for k, n in diff["causes"].items()) or "no change"
    lines = [f"run {diff['from']['id']} ({diff['from']['as_of']}) → run {diff['to']['id']} "
             f"({diff['to']['as_of']}): {counts['new']} new, {counts['gone']} gone, "
             f"{counts['changed']} changed (by cause: {causes})"]
    signs = {"new": "+", "gone": "-", "changed": "~"}
    for change in diff["changes"]:
        detail = ""
        if "fields" in change:
            detail = " " + ", ".join(f"{k}: {v[0]!r} → {v[1]!r}"
                                     for k, v in change["fields"].items())
        lines.append(f"{signs[change['change']]} {change['customer_id']} {change['action']} "
                     f"[{change['id']}] ({change['cause']}){detail}")
    return "\n".join(lines)
