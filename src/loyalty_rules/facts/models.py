"""Customers and their history as facts: frozen attrs models of the interchange contract.

Raw dicts stop at the boundary (`loyalty_rules.io.reading`); everything past it is one of these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar, Union

import attrs

from ..errors import Problem, RecordError, UsageError

#: The dates the engine computes with. Outside them date arithmetic (windows of days before
#: and after) would leave the calendar; ``0001-01-01`` is a common "no date" placeholder.
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2999, 12, 31)

PERSONALITIES = ("dominant", "analytical", "social", "peaceful")

#: Every personality label of the contract, normalised to the three types of EXP-08 plus
#: peaceful (the four temperaments map as CRM-14 says: powerful → dominant, perfect →
#: analytical, popular → social; peaceful / 和平型 is its own type since contract 2.0: seed 001
#: "没有主见…需要别人的直接推动" — they need a clear recommendation, not a question).
PERSONALITY_LABELS: dict[str, str] = {
    "dominant": "dominant",
    "analytical": "analytical",
    "social": "social",
    "powerful": "dominant",
    "perfect": "analytical",
    "popular": "social",
    "peaceful": "peaceful",
    "主导型": "dominant",
    "分析型": "analytical",
    "社交型": "social",
    "力量型": "dominant",
    "完美型": "analytical",
    "活泼型": "social",
    "和平型": "peaceful",
}

KINDS = ("individual", "corporate", "channel")
ORIENTATIONS = ("price", "value", "added_value", "composite")
CHANNELS = ("phone", "sms", "email", "letter", "wechat", "visit")
LOCALES = ("en", "zh")
RECOVERY_STEPS = ("acknowledged", "explained", "agreed", "compensated", "followed_up")
#: complaint.responsibility (seed 002 问题分析: 确定责任归属): compensation only for ours/shared
RESPONSIBILITIES = ("ours", "shared", "theirs", "unknown")
#: churn.reason codes; free text goes in `note`
CHURN_REASONS = ("price", "competitor", "service", "quality", "moved", "no_need", "other")


def normalise_personality(label: str | None) -> str | None:
    """Map any accepted label to `dominant`, `analytical`, `social` or `peaceful`; unknown →
    None."""
    if label is None:
        return None
    return PERSONALITY_LABELS.get(label.strip().lower()) or PERSONALITY_LABELS.get(label.strip())


@attrs.frozen
class Visit:
    type: ClassVar[str] = "visit"
    at: dt.date
    channel: str | None = None
    id: str | None = None  # the event id (version 2), for idempotent storage


@attrs.frozen
class Purchase:
    type: ClassVar[str] = "purchase"
    at: dt.date
    amount: float
    profit: float | None = None
    id: str | None = None  # the event id (version 2), for idempotent storage

    @property
    def profit_or_amount(self) -> float:
        return self.amount if self.profit is None else self.profit


@attrs.frozen
class Contact:
    type: ClassVar[str] = "contact"
    at: dt.date
    channel: str | None = None
    direction: str = "outbound"
    action: str | None = None
    id: str | None = None  # the event id (version 2), for idempotent storage


@attrs.frozen
class Complaint:
    type: ClassVar[str] = "complaint"
    at: dt.date
    id: str | None = None
    topic: str | None = None
    severity: int | None = None
    resolved_at: dt.date | None = None
    responsibility: str = "unknown"


@attrs.frozen
class Recovery:
    type: ClassVar[str] = "recovery"
    at: dt.date
    complaint_id: str | None = None
    step: str = "acknowledged"
    id: str | None = None  # the event id (version 2), for idempotent storage


@attrs.frozen
class Survey:
    type: ClassVar[str] = "survey"
    at: dt.date
    score: float
    scale: float = 5
    id: str | None = None  # the event id (version 2), for idempotent storage


@attrs.frozen
class Request:
    type: ClassVar[str] = "request"
    at: dt.date
    dimension: str | None = None
    expected: float | None = None
    deliverable: float | None = None
    unit: str | None = None
    #: the trade's usual figure, in the same unit (not ours: EXP-07's 行业规范)
    industry_norm: float | None = None
    #: a discount is higher-is-better: padded and judged the other way
    lower_is_better: bool = True
    id: str | None = None  # the event id (version 2), for idempotent storage


@attrs.frozen
class Promise:
    type: ClassVar[str] = "promise"
    at: dt.date
    dimension: str | None = None
    promised: float | None = None
    delivered: float | None = None
    unit: str | None = None
    lower_is_better: bool = True
    #: when it was delivered: a broken promise's recovery is due from here (else from `at`)
    delivered_at: dt.date | None = None
    id: str | None = None  # the event id (version 2), for idempotent storage


@attrs.frozen
class Referral:
    type: ClassVar[str] = "referral"
    at: dt.date
    referred_id: str | None = None
    id: str | None = None  # the event id (version 2), for idempotent storage


@attrs.frozen
class Churn:
    type: ClassVar[str] = "churn"
    at: dt.date
    reason: str | None = None  # one of CHURN_REASONS
    note: str | None = None
    id: str | None = None  # the event id (version 2), for idempotent storage


Event = Union[
    Visit, Purchase, Contact, Complaint, Recovery, Survey, Request, Promise, Referral, Churn
]

EVENT_TYPES: dict[str, type] = {
    cls.type: cls
    for cls in (Visit, Purchase, Contact, Complaint, Recovery, Survey, Request, Promise,
                Referral, Churn)
}
_EVENT_CLASSES = tuple(EVENT_TYPES.values())


def _sorted_events(events: Any) -> tuple[Event, ...]:
    """The events, oldest first (stable: same-day events keep their input order).

    Each must be an event model: a mapping is the contract's form, read by
    `loyalty_rules.parse_customer` or `parse_event`; anything else is a `RecordError`.
    """
    events = tuple(events)
    problems = []
    for index, event in enumerate(events):
        if not isinstance(event, _EVENT_CLASSES):
            hint = (" (a mapping is read with loyalty_rules.parse_event, or the whole record "
                    "with parse_customer)") if isinstance(event, Mapping) else ""
            problems.append(Problem(f"expected an event ({', '.join(EVENT_TYPES)}), got "
                                    f"{type(event).__name__}{hint}", path=f"events[{index}]"))
        elif not isinstance(event.at, dt.date):
            problems.append(Problem(f"expected a date, got {type(event.at).__name__}",
                                    path=f"events[{index}].at"))
    if problems:
        raise RecordError(problems)
    return tuple(sorted(events, key=lambda e: e.at))


@attrs.frozen
class Customer:
    """One customer and their whole history, as the contract describes it."""

    id: str
    name: str | None = None
    personality: str | None = None  # normalised: dominant / analytical / social / None
    personality_label: str | None = None  # as given, for explanations
    kind: str = "individual"
    orientation: str | None = None
    birthday: dt.date | None = None
    preferred_channel: str | None = None
    locale: str | None = None
    attributes: dict[str, Any] = attrs.field(factory=dict)
    events: tuple[Event, ...] = attrs.field(default=(), converter=_sorted_events)
    #: where the record came from, as (file, line); not part of the customer's identity
    source: tuple[str, int] | None = attrs.field(default=None, eq=False, repr=False)

    def events_of(self, cls: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, cls)]


def as_date(value: dt.date | str) -> dt.date:
    """An `as_of` date from a date, a date-time or ``YYYY-MM-DD``; `UsageError` otherwise."""
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            raise UsageError(f"as_of: expected a date YYYY-MM-DD, got {value!r}") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise UsageError(f"as_of: {day} is outside the dates the engine computes with, "
                         f"{EARLIEST_DATE}..{LATEST_DATE}")
    return day
