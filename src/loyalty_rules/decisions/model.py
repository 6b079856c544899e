"""Decisions: what to do for a customer, why, and what was held back (see `arbitration`
for how the fired rules become one decision)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs


@attrs.frozen
class Recommendation:
    """One thing to do for a customer, why, by whom and by when.

    `id` is stable across days for the same customer, rule and triggering item (`trigger`;
    see `decisions.identity`); `role` is who controls it (EXP-15); `overdue` is None when the
    due date is not counted from a trigger (an open-ended state), else whether `as_of` is
    past it.
    """

    action: str
    ruleset: str
    rule: str
    guidance: tuple[str, ...]
    priority: int
    channel: str
    due: dt.date
    params: Mapping[str, Any] = attrs.field(factory=dict)
    script: str = ""
    explanation: Mapping[str, Any] = attrs.field(factory=dict)
    order: int = attrs.field(default=0, eq=False, repr=False)  # rule order, for ties
    id: str = ""
    role: str = "consultant"
    overdue: bool | None = None
    trigger: str = ""
    #: answers to the same request said inside this reply (see `decisions.conversation`)
    includes: tuple[str, ...] = ()
    #: the id of the outbound conversation that carries it today ("" for replies, visits and
    #: the business's own tasks)
    conversation: str = ""
    #: this answer as a sentence inside another reply, and its script without the name:
    #: working material for `decisions.conversation`, not output
    sentence: str = attrs.field(default="", eq=False, repr=False)
    body: str = attrs.field(default="", eq=False, repr=False)
    #: the rule fixed the channel (a 611 text, a letter): it cannot join a call
    fixed_channel: bool = attrs.field(default=False, eq=False, repr=False)
    #: the lifecycle state, when evaluated from a store (open, done, dismissed, snoozed,
    #: expired); None otherwise
    status: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "action": self.action, "ruleset": self.ruleset, "rule": self.rule,
            "guidance": list(self.guidance), "priority": self.priority, "role": self.role,
            "channel": self.channel, "due": self.due.isoformat(),
        }
        if self.overdue is not None:
            data["overdue"] = self.overdue
        data["trigger"] = self.trigger
        if self.conversation:
            data["conversation"] = self.conversation
        if self.includes:
            data["includes"] = list(self.includes)
        data.update({"params": dict(self.params), "script": self.script,
                     "explanation": dict(self.explanation)})
        if self.status is not None:
            data["status"] = self.status
        return data


@attrs.frozen
class Suppressed:
    action: str
    rule: str
    ruleset: str
    reason: str
    #: the held-back recommendation's own id (see `decisions.identity`)
    id: str = ""
    #: the action of the recommendation that displaced it ("" for a policy such as the cap)
    displaced_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = {"id": self.id, "action": self.action, "rule": self.rule,
                "ruleset": self.ruleset, "reason": self.reason}
        if self.displaced_by:
            data["displaced_by"] = self.displaced_by
        return data


@attrs.frozen
class Decision:
    """The outcome for one customer as of a date: the contract's output object."""

    customer_id: str
    as_of: dt.date
    profile: Mapping[str, Any]
    recommendations: tuple[Recommendation, ...] = ()
    suppressed: tuple[Suppressed, ...] = ()
    #: every rule that matched (``ruleset/rule``), derive rules included: for coverage and
    #: debugging; not part of the contract's output
    fired: tuple[str, ...] = attrs.field(default=(), eq=False)
    #: the experiment arm the customer is in (``{"name", "arm", "withheld"}``), when the
    #: evaluation ran one (see `loyalty_rules.experiments`); absent from the output otherwise
    experiment: Mapping[str, Any] | None = None

    @property
    def actions(self) -> list[str]:
        return [r.action for r in self.recommendations]

    def recommendation(self, action: str) -> Recommendation | None:
        return next((r for r in self.recommendations if r.action == action), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "as_of": self.as_of.isoformat(),
            "profile": dict(self.profile),
            "recommendations": [r.to_dict() for r in self.recommendations],
            "suppressed": [s.to_dict() for s in self.suppressed],
            **({"experiment": dict(self.experiment)} if self.experiment is not None else {}),
        }
