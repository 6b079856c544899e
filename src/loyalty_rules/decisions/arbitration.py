"""Decisions: what to do for a customer, why, and what was held back.

`arbitrate` applies the policies every decision goes through:

1. one recommendation per action per customer: the highest priority wins (ties: the rule
   met first, in ruleset order); the others go to `suppressed` (a `for_each` rule matching
   several items gives one recommendation, for the first item, and withholds nothing);
2. one coherent conversation a day (`decisions.conversation`): one reply per request,
   recovery first, one "how are you", give before you ask, at most
   `conversations_per_day` outbound conversations;
3. a contact cap: at most `max_contacts` outbound contacts in a rolling `window_days`,
   counted from the customer's contact history plus today's conversations (one each,
   however many items it carries), in precedence order. A conversation carrying recovery is
   never dropped (it still counts); replies and actions for the business are not contacts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import attrs

from ..facts.models import Contact, Customer
from ..language.model import ActionSpec
from .conversation import Compose, compose_replies, conversations, group_of, hold_back
from .model import Recommendation, Suppressed


@attrs.frozen
class ContactPolicy:
    """At most `max_contacts` outbound contacts per rolling `window_days` (0 disables)."""

    max_contacts: int = 3
    window_days: int = 7
    #: outbound conversations per customer per day (0: no limit); recovery is exempt
    conversations_per_day: int = 1

    def recent_contacts(self, customer: Customer, as_of: dt.date) -> int:
        since = as_of - dt.timedelta(days=self.window_days - 1)
        return sum(1 for e in customer.events
                   if isinstance(e, Contact) and e.direction == "outbound"
                   and since <= e.at <= as_of)


def _rank(rec: Recommendation) -> tuple[int, int]:
    return (-rec.priority, rec.order)


def arbitrate(candidates: Iterable[Recommendation], actions: Mapping[str, ActionSpec],
              policy: ContactPolicy, already_contacted: int, compose: Compose | None = None
              ) -> tuple[tuple[Recommendation, ...], tuple[Suppressed, ...]]:
    """One recommendation per action, one conversation, then the contact cap; returns
    (kept, suppressed)."""
    suppressed: list[Suppressed] = []
    best: dict[str, Recommendation] = {}
    for rec in sorted(candidates, key=_rank):
        winner = best.get(rec.action)
        if winner is None:
            best[rec.action] = rec
        elif (winner.ruleset, winner.rule) == (rec.ruleset, rec.rule):
            continue  # one rule matching several items: one recommendation, nothing withheld
        else:
            suppressed.append(Suppressed(
                rec.action, rec.rule, rec.ruleset,
                f"duplicate action: rule {winner.rule!r} (priority {winner.priority}) chosen",
                rec.id, winner.action))
    recs = list(best.values())
    if compose is not None:
        recs, held = compose_replies(recs, actions, compose)
        suppressed += held
    recs, held = hold_back(recs, actions, policy.conversations_per_day)
    suppressed += held
    kept: list[Recommendation] = []
    used = already_contacted
    carried = conversations(recs)
    dropped: set[str] = set()
    for lead_id, items in carried.items():
        urgent = any(getattr(actions.get(r.action), "urgent", False)
                     or group_of(r, actions) == "recovery" for r in items)
        if policy.max_contacts > 0 and used >= policy.max_contacts and not urgent:
            dropped.add(lead_id)
            suppressed += [Suppressed(r.action, r.rule, r.ruleset,
                                      f"contact cap: {policy.max_contacts} per "
                                      f"{policy.window_days} days", r.id) for r in items]
            continue
        used += 1
    kept = [r for r in recs if r.conversation not in dropped]
    return tuple(kept), tuple(suppressed)
