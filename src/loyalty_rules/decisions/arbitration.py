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
   never dropped (it still counts); replies and actions for the business are not contacts. Only contacts actually
   made count (recorded `contact` events, today's kept conversations): a recommendation the
   store holds as done, dismissed or snoozed takes no slot (`decide` sets it aside first). A
   recommendation the cap holds back names the contacts that filled it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

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

    def recent(self, customer: Customer, as_of: dt.date) -> list[Contact]:
        """The outbound contacts actually made in the window ending on `as_of`."""
        since = as_of - dt.timedelta(days=self.window_days - 1)
        return [e for e in customer.events
                if isinstance(e, Contact) and e.direction == "outbound"
                and since <= e.at <= as_of]

    def done_today(self, customer: Customer, as_of: dt.date) -> list[str]:
        """The actions outbound contacts carried out on `as_of` itself."""
        return [c.action for c in self.recent(customer, as_of) if c.at == as_of and c.action]

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


def _one_per(rec: Recommendation, actions: Mapping[str, ActionSpec]) -> str:
    """What a recommendation is one of: its action, or, for an answer to a request, its
    action for that request (every open request gets its own reply)."""
    if rec.trigger.startswith("request:") and group_of(rec, actions) == "answering":
        return f"{rec.action} {rec.trigger}"
    return rec.action


def arbitrate(candidates: Iterable[Recommendation], actions: Mapping[str, ActionSpec],
              policy: ContactPolicy, already_contacted: int | Sequence[str],
              compose: Compose | None = None, done_today: Sequence[str] = ()
              ) -> tuple[tuple[Recommendation, ...], tuple[Suppressed, ...]]:
    """One recommendation per action, one conversation, then the contact cap; returns
    (kept, suppressed).

    `already_contacted` is the contacts made in the window: their number, or their labels
    (`contact_label`) so a recommendation the cap holds back names what filled it;
    `done_today` the actions carried out today (`ContactPolicy.done_today`).
    """
    if isinstance(already_contacted, int):
        filled_by = ["an earlier contact"] * already_contacted
    else:
        filled_by = list(already_contacted)
    suppressed: list[Suppressed] = []
    best: dict[str, Recommendation] = {}
    for rec in sorted(candidates, key=_rank):
        key = _one_per(rec, actions)
        winner = best.get(key)
        if winner is None:
            best[key] = rec
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
    recs, held = hold_back(recs, actions, policy.conversations_per_day, done_today)
    suppressed += held
    kept: list[Recommendation] = []
    used = len(filled_by)
    carried = conversations(recs)
    dropped: set[str] = set()
    for lead_id, items in carried.items():
        urgent = any(getattr(actions.get(r.action), "urgent", False)
                     or group_of(r, actions) == "recovery" for r in items)
        if policy.max_contacts > 0 and used >= policy.max_contacts and not urgent:
            dropped.add(lead_id)
            reason = (f"contact cap: {policy.max_contacts} per {policy.window_days} days, "
                      f"filled by {', '.join(filled_by)}")
            suppressed += [Suppressed(r.action, r.rule, r.ruleset, reason, r.id)
                           for r in items]
            continue
        used += 1
        filled_by.append(f"{items[0].action} today")
    kept = [r for r in recs if r.conversation not in dropped]
    return tuple(kept), tuple(suppressed)
