"""One coherent conversation per customer per day: the arbitration a trainer would sign.

Rules are faithful one at a time; taken together their recommendations can contradict each
other (three replies with two figures to one request), jar (a referral ask the day a broken
promise is being put right) or pile up (a "how are you" call, the 611 call and the 611 text on
one Sunday). `hold_back` turns a day's candidates (one per action already) into what staff
can actually say, in this fixed precedence of purposes (`ActionSpec.purpose`):

    recovery  >  answering  >  relationship  >  value  >  asks

1. **One reply per request** (`compose_replies`): the answers to one request (same trigger)
   become one recommendation, the one with the highest priority (the personality strategy
   in the core rulesets; `respond_now` only when alone); each other answer that has an `<script>.in_reply` script becomes a
   sentence of it (the industry norm, the padded quote, what cannot be had) and is listed in
   its `includes`; the reply carries one figure, its own. A ruleset opts an answer in by
   writing its `.in_reply` sentence; an answer without one stays a recommendation of its own.
2. **Recovery first** (CRM-05, LOY-13): while a recovery item (broken promise, open
   complaint) is recommended, relationship, value and ask items are held back: no selling
   or asking during recovery.
3. **One "how are you" a day**: of the outbound relationship items, the highest priority one
   is kept (a greeting in person is not a call)
   (the 611 call replaces keep-in-touch and the 611 text that day).
4. **Give before you ask**: no ask on the day of a gift (a value item).
5. **One outbound conversation a day** (`ContactPolicy.conversations_per_day`, default 1):
   outbound items travel together in one contact, led by the first in precedence (each
   carries the lead's id in `conversation`, and the lead's channel: a gift rides along on the
   611 call), unless its own rule fixed a different channel (a 611 text, a letter): that
   needs a conversation of its own, held back past the limit, except for recovery. Replies to the customer's own request or
   contact are answers, not outbound conversations: they never count.

Every held-back item goes to `suppressed` with a reason naming what displaced it
(`displaced_by`). Business actions (CMP-03) are not conversations and pass untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs

from ..language.model import ActionSpec
from .model import Recommendation, Suppressed

#: the fixed precedence of purposes, highest first (`business` is outside it)
PRECEDENCE = ("recovery", "answering", "relationship", "value", "asks")

#: answers said first inside a reply, and the reply only when nothing else answers
OPENERS = ("respond_now",)

#: purposes held back while a recovery item is open
HELD_DURING_RECOVERY = ("relationship", "value", "asks")


def group_of(rec: Recommendation, actions: Mapping[str, ActionSpec]) -> str:
    spec = actions.get(rec.action)
    return spec.group if spec is not None else "relationship"


def precedence(rec: Recommendation, actions: Mapping[str, ActionSpec]) -> tuple[int, int, int]:
    group = group_of(rec, actions)
    rank = PRECEDENCE.index(group) if group in PRECEDENCE else len(PRECEDENCE)
    return (rank, -rec.priority, rec.order)


#: how a reply is put into words: (reply, the sentences it includes) -> the reply
Compose = Callable[[Recommendation, list[Recommendation]], Recommendation]


def compose_replies(recs: Sequence[Recommendation], actions: Mapping[str, ActionSpec],
                    compose: Compose) -> tuple[list[Recommendation], list[Suppressed]]:
    """Answers to one request become one reply (see the module docstring, 1)."""
    by_trigger: dict[str, list[Recommendation]] = {}
    out: list[Recommendation] = []
    held: list[Suppressed] = []
    for rec in recs:
        if group_of(rec, actions) == "answering" and rec.trigger.startswith("request:"):
            by_trigger.setdefault(rec.trigger, []).append(rec)
        else:
            out.append(rec)
    for answers in by_trigger.values():
        # openers ("sorry to keep you waiting") come first and are the reply only alone
        answers.sort(key=lambda r: (r.action not in OPENERS, -r.priority, r.order))
        reply = next((r for r in answers if r.action not in OPENERS), answers[0])
        rest = [r for r in answers if r is not reply]
        said = [r for r in rest if r.sentence]
        out += [r for r in rest if not r.sentence]  # no sentence written: said on its own
        out.append(compose(reply, said) if said else reply)
    return out, held


def _held(rec: Recommendation, reason: str, by: Recommendation | None) -> Suppressed:
    return Suppressed(rec.action, rec.rule, rec.ruleset, reason, rec.id,
                      by.action if by is not None else "")


def hold_back(recs: Sequence[Recommendation], actions: Mapping[str, ActionSpec],
              conversations_per_day: int, done_today: Sequence[str] = ()
              ) -> tuple[list[Recommendation], list[Suppressed]]:
    """Steps 2-5 of the module docstring; returns (kept in precedence order, held back).
    `done_today`: the actions already carried out today (outbound contacts naming them): a
    gift given this morning still holds an ask back this afternoon."""
    ordered = sorted(recs, key=lambda r: precedence(r, actions))
    held: list[Suppressed] = []
    kept: list[Recommendation] = []
    recovery = next((r for r in ordered if group_of(r, actions) == "recovery"), None)
    greeting: Recommendation | None = None
    gift = next((r for r in ordered if group_of(r, actions) == "value"), None)
    given = next((a for a in done_today if a in actions and actions[a].group == "value"), None)
    for rec in ordered:
        group = group_of(rec, actions)
        if recovery is not None and group in HELD_DURING_RECOVERY:
            held.append(_held(rec, f"recovery first: no {group} while {recovery.action} "
                              "is open", recovery))
        elif group == "relationship" and greeting is not None and _outbound(rec, actions):
            held.append(_held(rec, f"one \"how are you\" a day: {greeting.action} today",
                              greeting))
        elif group == "asks" and gift is not None and recovery is None:
            held.append(_held(rec, f"give before you ask: no ask on the day of {gift.action}",
                              gift))
        elif group == "asks" and given is not None and recovery is None:
            held.append(Suppressed(rec.action, rec.rule, rec.ruleset,
                                   f"give before you ask: no ask on the day of {given} "
                                   "(given today)", rec.id, given))
        else:
            if group == "relationship" and _outbound(rec, actions):
                greeting = rec
            kept.append(rec)
    return _one_conversation(kept, held, actions, conversations_per_day)


def _outbound(rec: Recommendation, actions: Mapping[str, ActionSpec]) -> bool:
    spec = actions.get(rec.action)
    return spec is None or spec.outbound


def _one_conversation(kept: list[Recommendation], held: list[Suppressed],
                      actions: Mapping[str, ActionSpec], limit: int
                      ) -> tuple[list[Recommendation], list[Suppressed]]:
    leads: list[Recommendation] = []  # each conversation's lead, in precedence order
    out: list[Recommendation] = []
    for rec in kept:
        spec = actions.get(rec.action)
        group = group_of(rec, actions)
        if spec is not None and not spec.outbound or group in ("answering", "business"):
            out.append(rec)
            continue
        # an item joins the first conversation it can be said in: any (taking its channel),
        # unless its own rule fixed a channel (a 611 text, a letter) that differs from the lead's
        lead = next((c for c in leads if c.channel == rec.channel or not rec.fixed_channel),
                    None)
        if lead is None:
            if limit > 0 and len(leads) >= limit and group != "recovery":
                first = leads[0]
                held.append(_held(rec, f"one conversation a day: {first.action} "
                                  f"({first.channel}) today", first))
                continue
            leads.append(rec)
            lead = rec
        out.append(attrs.evolve(rec, conversation=lead.id, channel=lead.channel))
    return out, held


def conversations(recs: Sequence[Recommendation]) -> dict[str, list[Recommendation]]:
    """Today's outbound conversations: lead id -> the items it carries."""
    found: dict[str, list[Recommendation]] = {}
    for rec in recs:
        if rec.conversation:
            found.setdefault(rec.conversation, []).append(rec)
    return found
