"""The `day` check of a scenario: the whole day's decision, as staff would receive it.

The other checks look at one action at a time (`actions`, `absent`, `params`…). A trainer
signs a day, not a rule: what is said, in how many conversations, and what waits, and why.
`day` states all of it, and each part is compared exactly::

    expect:
      day:
        recommended: [acknowledge_and_apologize, under_promise]   # exactly these
        conversations:                        # the outbound conversations in order,
                                              # each its lead first, then what it carries
          - [acknowledge_and_apologize]
        includes: {under_promise: [tell_industry_norm]}   # each reply's sentences, in order
        held: {upsell: acknowledge_and_apologize}         # exactly these held back, each with
                                                          # what displaced it (or a reason text)
        overdue: [acknowledge_and_apologize]      # exactly these are past their due date
        roles: {acknowledge_and_apologize: manager}       # who carries these out

Any part may be left out; `includes` lists only the replies that include something, and every
reply not named must include nothing. Duplicate actions (two rules recommending one action)
are not part of the day: they are never seen by staff.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs

from ..decisions.model import Decision
from ..language.model import ROLES

DAY_KEYS = ("recommended", "conversations", "includes", "held", "overdue", "roles")


@attrs.frozen
class Day:
    recommended: tuple[str, ...] | None = None
    conversations: tuple[tuple[str, ...], ...] | None = None
    includes: Mapping[str, tuple[str, ...]] | None = None
    held: Mapping[str, str] | None = None
    overdue: tuple[str, ...] | None = None
    roles: Mapping[str, str] | None = None


def parse_day(checker: Any, raw: Any, path: str) -> Day | None:
    """The `day` mapping checked with the scenario file's checker (its errors have lines)."""
    if raw is None:
        return None
    data = checker.mapping(raw, path)
    checker.keys(data, DAY_KEYS, path)
    known: Callable[[str, str], bool] = checker.action

    def actions(value: Any, where: str) -> tuple[str, ...]:
        found = checker.names(value, where)
        for name, at in found:
            known(name, at)
        return tuple(name for name, _ in found)

    recommended = None
    if "recommended" in data:
        recommended = actions(data["recommended"] or [], f"{path}.recommended")
    conversations = None
    if "conversations" in data:
        items = data["conversations"] or []
        if not isinstance(items, list):
            checker.error(f"{path}.conversations", "expected a list of conversations, each a "
                          "list of actions (the lead first)")
            items = []
        conversations = tuple(actions(item, f"{path}.conversations[{n}]")
                              for n, item in enumerate(items))
    includes = None
    if "includes" in data:
        includes = {}
        for reply, said in checker.mapping(data["includes"], f"{path}.includes").items():
            where = f"{path}.includes.{reply}"
            if known(str(reply), where):
                includes[str(reply)] = actions(said, where)
    held = None
    if "held" in data:
        held = {}
        for action, why in checker.mapping(data["held"], f"{path}.held").items():
            where = f"{path}.held.{action}"
            if not isinstance(why, str) or not why:
                checker.error(where, "expected the action that displaced it, or a text of "
                              "the reason")
            elif known(str(action), where):
                held[str(action)] = why
    overdue = None
    if "overdue" in data:
        overdue = actions(data["overdue"] or [], f"{path}.overdue")
    roles = None
    if "roles" in data:
        roles = {}
        for action, role in checker.mapping(data["roles"], f"{path}.roles").items():
            where = f"{path}.roles.{action}"
            if role not in ROLES:
                checker.error(where, f"expected one of {', '.join(ROLES)}, got {role!r}")
            elif known(str(action), where):
                roles[str(action)] = role
    return Day(recommended, conversations, includes, held, overdue, roles)


def _listed(names: Any) -> str:
    return ", ".join(names) or "(none)"


def day_differences(day: Day, decision: Decision) -> Iterator[str]:
    """Every way the decision's day differs from `day`."""
    recs = decision.recommendations
    if day.recommended is not None:
        got = sorted(r.action for r in recs)
        if got != sorted(day.recommended):
            yield f"day: expected exactly {_listed(sorted(day.recommended))} recommended; " \
                  f"got {_listed(got)}"
    if day.conversations is not None:
        leads: dict[str, list[str]] = {}
        for rec in recs:
            if rec.conversation:
                leads.setdefault(rec.conversation, []).append(rec.action)
        lead_of = {r.id: r.action for r in recs}
        got_talks = []
        for lead_id, members in leads.items():
            first = lead_of.get(lead_id)
            ordered = [first] + [m for m in members if m != first] if first in members \
                else members
            got_talks.append(ordered)
        want = [list(c) for c in day.conversations]
        shape = lambda talks: [(t[0], sorted(t[1:])) for t in talks if t]  # noqa: E731
        if shape(got_talks) != shape(want):
            show = lambda talks: "; ".join(  # noqa: E731
                f"[{_listed(t)}]" for t in talks) or "(none)"
            yield f"day: expected conversations {show(want)}; got {show(got_talks)}"
    if day.includes is not None:
        for rec in recs:
            want_said = tuple(day.includes.get(rec.action, ()))
            if tuple(rec.includes) != want_said:
                yield f"day: expected the reply {rec.action} to include " \
                      f"{_listed(want_said)}; it includes {_listed(rec.includes)}"
        for reply in day.includes:
            if decision.recommendation(reply) is None:
                yield f"day: expected a reply {reply}; it is not recommended"
    if day.held is not None:
        held = {s.action: s for s in decision.suppressed
                if not s.reason.startswith("duplicate action")}
        if sorted(held) != sorted(day.held):
            yield f"day: expected exactly {_listed(sorted(day.held))} held back; got " \
                  f"{_listed(f'{a} ({s.reason})' for a, s in sorted(held.items()))}"
        for action, why in day.held.items():
            s = held.get(action)
            if s is not None and why != s.displaced_by and why not in s.reason:
                yield f"day: expected {action} held back by {why!r}; held back: {s.reason}"
    if day.overdue is not None:
        late = sorted(r.action for r in recs if r.overdue)
        if late != sorted(day.overdue):
            yield f"day: expected exactly {_listed(sorted(day.overdue))} overdue; got " \
                  f"{_listed(late)}"
    for action, role in (day.roles or {}).items():
        rec = decision.recommendation(action)
        if rec is None:
            yield f"day: expected {action} carried out by the {role}; it is not recommended"
        elif rec.role != role:
            yield f"day: expected {action} carried out by the {role}; got the {rec.role}"
