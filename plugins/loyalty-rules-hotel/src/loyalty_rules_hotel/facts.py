"""What the hotel pack reads from a customer's ``attributes``, and the ``hotel.*`` facts.

A customer is the pack's when any of its attributes is present; for everyone else the
calculator returns ``None`` and no ``hotel.*`` field exists, so no rule of the pack can match
(every rule reads a ``hotel.*`` field): a hotel pack cannot change what a car owner gets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from loyalty_rules import AttributeSpec, Customer, FactNamespace, Profile, attribute_date

NAMESPACE = "hotel"
INCIDENTS = ("room_access_dispute", "overbooking")

ATTRIBUTES: tuple[AttributeSpec, ...] = (
    AttributeSpec("arrival_on", "date", "the guest's next booked arrival"),
    AttributeSpec("previous_stays", "integer", "stays before the booked one (from the "
                  "guest history file)"),
    AttributeSpec("room_preference", "string", "the remembered room preference, e.g. 'a "
                  "quiet room on a high floor'"),
    AttributeSpec("guest_notes", "string", "other remembered traits, e.g. 'feather allergy; "
                  "reads the Financial Times'"),
    AttributeSpec("vip_guest", "boolean", "flagged VIP by the hotel (besides the spend tier)"),
    AttributeSpec("incident", "string", "a service failure during a stay: "
                  "'room_access_dispute' (a visitor refused entry to the absent guest's room) "
                  "or 'overbooking' (no room for a confirmed booking)"),
    AttributeSpec("incident_on", "date", "when the incident happened"),
    AttributeSpec("incident_recovered", "boolean", "the recovery playbook has been carried "
                  "out (absent: not yet)"),
)

_A = {spec.name for spec in ATTRIBUTES}

FIELDS: dict[str, tuple[str, str]] = {
    "guest": ("boolean", "the customer has hotel attributes (always true when present)"),
    "returning": ("boolean", "stayed before (previous_stays, or purchases in the history)"),
    "previous_stays": ("integer", "stays before the booked one"),
    "vip": ("boolean", "flagged VIP by the hotel, or tier VIP and above (CRM-10)"),
    "days_to_arrival": ("integer", "days until the booked arrival (0 = arriving today)"),
    "room_preference": ("string", "the remembered room preference"),
    "guest_notes": ("string", "other remembered traits"),
    "incident": ("string", "room_access_dispute or overbooking"),
    "incident_open": ("boolean", "an incident whose recovery is not done yet"),
    "days_since_incident": ("integer", "days since the incident"),
}

VALUES: dict[str, tuple[str, ...]] = {"incident": INCIDENTS}



def calculate(customer: Customer, as_of: dt.date, profile: Profile) -> dict[str, Any] | None:
    """The ``hotel.*`` facts of one customer as of a date; None when not a hotel guest."""
    attributes = customer.attributes
    if not _A & {k for k, v in attributes.items() if v is not None}:
        return None
    stays = attributes.get("previous_stays")
    if stays is None:
        stays = profile.get("purchases", 0)
    facts: dict[str, Any] = {
        "guest": True,
        "previous_stays": stays,
        "returning": stays >= 1,
        "vip": bool(attributes.get("vip_guest")) or profile.get("tier_rank", 1) >= 3,
        "room_preference": attributes.get("room_preference"),
        "guest_notes": attributes.get("guest_notes"),
    }
    arrival = attribute_date(attributes, "arrival_on")
    if arrival is not None and arrival >= as_of:
        facts["days_to_arrival"] = (arrival - as_of).days
    incident = attributes.get("incident")
    if incident is not None:
        if incident not in INCIDENTS:
            raise ValueError(f"attributes.incident: expected {' or '.join(INCIDENTS)}, "
                             f"got {incident!r}")
        happened = attribute_date(attributes, "incident_on")
        if happened is None or happened <= as_of:
            facts["incident"] = incident
            facts["incident_open"] = not attributes.get("incident_recovered", False)
            if happened is not None:
                facts["days_since_incident"] = (as_of - happened).days
    facts.setdefault("incident_open", False)
    return facts


NAMESPACE_SPEC = FactNamespace(NAMESPACE, FIELDS, calculate, VALUES)
