"""What the report shows, counted in one pass over the decisions (constant memory).

`Summary.add(decision)` takes one decision as the contract writes it (a mapping); fields
that later versions of the contract added (`pyramid`, `key_account`, `p_active`, `role`,
`overdue`, `experiment`, `displaced_by`) are counted when present, and `notes()` says what
the report could not show, or had to derive, because they were absent.
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from ..facts.parameters import LOYALTY_STAGES, SEGMENTS

#: LOY-04: segment → (loyalty, profit)
SEGMENT_CELLS = {"true_friend": ("high", "high"), "butterfly": ("low", "high"),
                 "barnacle": ("high", "low"), "stranger": ("low", "low")}
#: LOY-05, top of the pyramid first (contract 2.0's `pyramid` values)
PYRAMID_LEVELS = ("top", "large", "medium", "small", "inactive", "prospect")
NO_ROLE = "(no role)"
P_ACTIVE_BINS = 10


def reason_kind(entry: Mapping[str, Any]) -> str:
    """A suppression's reason in a word or two: ``contact cap``, ``holdout``, ``displaced``…"""
    if entry.get("displaced_by"):
        return "displaced"
    reason = str(entry.get("reason", "")).strip()
    kind = reason.partition(":")[0].strip()
    if kind.startswith("displaced by"):
        return "displaced"
    return kind or "(no reason)"


def _counter() -> collections.Counter[Any]:
    return collections.Counter()


@attrs.define
class Summary:
    decisions: int = 0
    as_of: collections.Counter[str] = attrs.field(factory=_counter)
    segment: collections.Counter[str] = attrs.field(factory=_counter)
    #: (loyalty, profit level) → customers, and their total spend
    cells: collections.Counter[tuple[str, str]] = attrs.field(factory=_counter)
    cell_spend: collections.Counter[tuple[str, str]] = attrs.field(factory=_counter)
    stage: collections.Counter[str] = attrs.field(factory=_counter)
    tier: collections.Counter[str] = attrs.field(factory=_counter)
    pyramid: collections.Counter[str] = attrs.field(factory=_counter)
    key_account: collections.Counter[bool] = attrs.field(factory=_counter)
    p_active: collections.Counter[int] = attrs.field(factory=_counter)
    actions: collections.Counter[str] = attrs.field(factory=_counter)
    with_recommendation: int = 0
    suppressed: collections.Counter[tuple[str, str]] = attrs.field(factory=_counter)
    #: (due day, role, overdue: True / False / None when the field is absent) → count,
    #: and how many of those without the field were due before their decision's date
    workload: collections.Counter[tuple[str, str, bool | None]] = attrs.field(factory=_counter)
    past_due_without_field: collections.Counter[tuple[str, str]] = attrs.field(factory=_counter)
    arms: collections.Counter[str] = attrs.field(factory=_counter)
    recommendations: int = 0
    with_role: int = 0
    with_overdue: int = 0

    def add(self, decision: Mapping[str, Any]) -> None:
        self.decisions += 1
        as_of = str(decision.get("as_of"))
        self.as_of[as_of] += 1
        profile = decision.get("profile") or {}
        segment = profile.get("segment")
        if segment is not None:
            self.segment[str(segment)] += 1
        cell = (profile.get("loyalty"), profile.get("profit_level"))
        if None in cell and segment in SEGMENT_CELLS:
            cell = SEGMENT_CELLS[segment]
        if None not in cell:
            self.cells[cell] += 1
            spend = profile.get("spend")
            if isinstance(spend, (int, float)) and not isinstance(spend, bool):
                self.cell_spend[cell] += spend
        for key, counter in (("loyalty_stage", self.stage), ("tier", self.tier),
                             ("pyramid", self.pyramid)):
            if profile.get(key) is not None:
                counter[str(profile[key])] += 1
        if isinstance(profile.get("key_account"), bool):
            self.key_account[profile["key_account"]] += 1
        p_active = profile.get("p_active")
        if isinstance(p_active, (int, float)) and not isinstance(p_active, bool):
            self.p_active[min(int(p_active * P_ACTIVE_BINS), P_ACTIVE_BINS - 1)] += 1
        experiment = decision.get("experiment")
        if isinstance(experiment, Mapping):
            self.arms[str(experiment.get("arm"))] += 1
        recommendations = decision.get("recommendations") or []
        self.with_recommendation += bool(recommendations)
        for rec in recommendations:
            self._recommendation(rec, as_of)
        for entry in decision.get("suppressed") or []:
            self.suppressed[(str(entry.get("action")), reason_kind(entry))] += 1

    def _recommendation(self, rec: Mapping[str, Any], as_of: str) -> None:
        self.recommendations += 1
        self.actions[str(rec.get("action"))] += 1
        role = rec.get("role")
        self.with_role += role is not None
        due = str(rec.get("due") or as_of)
        role = str(role) if role is not None else NO_ROLE
        overdue = rec.get("overdue")
        if isinstance(overdue, bool):
            self.with_overdue += 1
        else:
            overdue = None
            if _before(due, as_of):
                self.past_due_without_field[(due, role)] += 1
        self.workload[(due, role, overdue)] += 1

    def work(self) -> collections.Counter[tuple[str, str, bool]]:
        """(due day, role, overdue) → recommendations.

        Contract 2.0 decisions carry `overdue` where the due date counts from a trigger, and
        its absence means open-ended (not overdue). Decisions that never carry it (made
        before 2.0) count a recommendation overdue when due before the decision's date.
        """
        derive = self.with_overdue == 0
        work: collections.Counter[tuple[str, str, bool]] = collections.Counter()
        for (due, role, overdue), count in self.workload.items():
            if overdue is None:
                past = self.past_due_without_field[(due, role)] if derive else 0
                if past:
                    work[(due, role, True)] += past
                if count - past:
                    work[(due, role, False)] += count - past
            else:
                work[(due, role, overdue)] += count
        return work

    # -- what the charts read ----------------------------------------------------------------

    def funnel(self) -> list[tuple[str, int, int]]:
        """LOY-06 stages, first to last: (stage, customers at it, customers at it or beyond)."""
        stages = list(LOYALTY_STAGES) + sorted(set(self.stage) - set(LOYALTY_STAGES))
        rows, beyond = [], 0
        for stage in reversed(stages):
            beyond += self.stage[stage]
            rows.append((stage, self.stage[stage], beyond))
        return rows[::-1]

    def segments(self) -> list[str]:
        return list(SEGMENTS) + sorted(set(self.segment) - set(SEGMENTS))

    def notes(self) -> list[str]:
        """What the decisions lacked, and what the report did about it."""
        notes = []
        if not self.decisions:
            return ["no decisions: nothing to show"]
        if not self.pyramid:
            notes.append("The profiles carry no `pyramid` (LOY-05; contract 2.0, computed by "
                         "the population pass): the pyramid is not shown.")
        if not self.key_account:
            notes.append("The profiles carry no `key_account` (contract 2.0): key accounts "
                         "are not counted.")
        if not self.p_active:
            notes.append("The profiles carry no `p_active` (contract 2.0): its distribution "
                         "is not shown.")
        if self.recommendations and self.with_role < self.recommendations:
            notes.append(f"{self.recommendations - self.with_role} of {self.recommendations} "
                         f"recommendations carry no `role` (contract 2.0): counted under "
                         f"{NO_ROLE}.")
        if self.recommendations and not self.with_overdue:
            notes.append("No recommendation carries `overdue` (contract 2.0): one is counted "
                         "overdue when its due date is before its decision's `as_of`.")
        if not self.cells:
            notes.append("The profiles carry neither `loyalty`/`profit_level` nor `segment`: "
                         "the segment matrix is empty.")
        return notes


def _before(day: str, other: str) -> bool:
    try:
        return dt.date.fromisoformat(day) < dt.date.fromisoformat(other)
    except ValueError:
        return False
