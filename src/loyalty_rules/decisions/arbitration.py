"""Decisions: what to do for a customer, why, and what was held back.

`arbitrate` applies the two policies every decision goes through:

1. one recommendation per action per customer: the highest priority wins (ties: the rule
   met first, in ruleset order); the others go to `suppressed` (a `for_each` rule matching
   several items gives one recommendation, for the first item, and withholds nothing);
2. a contact cap: at most `max_contacts` outbound contacts in a rolling `window_days`,
   counted from the customer's contact history plus today's recommendations, highest priority
   first. Urgent actions (complaint recovery, broken promises) are never dropped (they still
   count); actions for the business (CMP-03) are not contacts. Only contacts actually made
   count (recorded `contact` events, today's kept recommendations): a recommendation the
   store holds as done, dismissed or snoozed takes no slot (`decide` sets it aside first). A
   recommendation the cap holds back names the contacts that filled it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import attrs

from ..facts.models import Contact, Customer
from ..language.model import ActionSpec
from .model import Recommendation, Suppressed


@attrs.frozen
class ContactPolicy:
    """At most `max_contacts` outbound contacts per rolling `window_days` (0 disables)."""

    max_contacts: int = 3
    window_days: int = 7

    def recent(self, customer: Customer, as_of: dt.date) -> list[Contact]:
        """The outbound contacts actually made in the window ending on `as_of`."""
        since = as_of - dt.timedelta(days=self.window_days - 1)
        return [e for e in customer.events
                if isinstance(e, Contact) and e.direction == "outbound"
                and since <= e.at <= as_of]

    def recent_contacts(self, customer: Customer, as_of: dt.date) -> int:
        return len(self.recent(customer, as_of))


def contact_label(contact: Contact) -> str:
    """How a suppressed reason names a contact that filled the cap: `wake_dormant (phone) on
    2026-11-20`; a contact recorded without an action is `a contact`."""
    what = contact.action or "a contact"
    how = f" ({contact.channel})" if contact.channel else ""
    return f"{what}{how} on {contact.at.isoformat()}"


def _rank(rec: Recommendation) -> tuple[int, int]:
    return (-rec.priority, rec.order)


def arbitrate(candidates: Iterable[Recommendation], actions: Mapping[str, ActionSpec],
              policy: ContactPolicy, already_contacted: int | Sequence[str]
              ) -> tuple[tuple[Recommendation, ...], tuple[Suppressed, ...]]:
    """One recommendation per action, then the contact cap; returns (kept, suppressed).

    `already_contacted` is the contacts made in the window: their number, or their labels
    (`contact_label`) so a recommendation the cap holds back names what filled it.
    """
    if isinstance(already_contacted, int):
        filled_by = [f"an earlier contact"] * already_contacted
    else:
        filled_by = list(already_contacted)
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
    kept: list[Recommendation] = []
    used = len(filled_by)
    for rec in sorted(best.values(), key=lambda r: (-r.priority, r.order, r.action)):
        spec = actions.get(rec.action)
        outbound = spec is None or spec.outbound
        if outbound and policy.max_contacts > 0:
            if used >= policy.max_contacts and not (spec is not None and spec.urgent):
                suppressed.append(Suppressed(
                    rec.action, rec.rule, rec.ruleset,
                    f"contact cap: {policy.max_contacts} per {policy.window_days} days, "
                    f"filled by {', '.join(filled_by)}",
                    rec.id))
                continue
            used += 1
            filled_by.append(f"{rec.action} today")
        kept.append(rec)
    return tuple(kept), tuple(suppressed)
