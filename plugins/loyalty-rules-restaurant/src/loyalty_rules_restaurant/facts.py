"""What the restaurant pack reads from a customer's ``attributes``, and the ``restaurant.*`` facts.

Meals are the contract's ``purchase`` events. A customer is the pack's when any of its
attributes is present; for everyone else the calculator returns ``None``, no
``restaurant.*`` field exists, and no rule of the pack can match (every rule reads one).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from loyalty_rules import AttributeSpec, Customer, FactNamespace, Profile, attribute_date

NAMESPACE = "restaurant"
#: meals counted for "a regular" (restaurant.meals_last_year)
YEAR_DAYS = 365

ATTRIBUTES: tuple[AttributeSpec, ...] = (
    AttributeSpec("queued_on", "date", "the party joined the waiting list on this day "
                  "(waiting now when it is the evaluation date)"),
    AttributeSpec("wait_estimate_minutes", "number", "the host's real estimate of the wait"),
    AttributeSpec("party_size", "integer", "people in the waiting party"),
    AttributeSpec("booking_on", "date", "the next reservation"),
    AttributeSpec("booking_guests", "integer", "people at that reservation, the regular "
                  "included (a regular entertaining guests)"),
    AttributeSpec("favourite_staff", "string", "the server the guest asks for: a bond to a "
                  "person, i.e. emotional loyalty (LOY-03)"),
    AttributeSpec("favourite_dish", "string", "what the guest usually orders"),
    AttributeSpec("member", "boolean", "in the membership programme"),
    AttributeSpec("last_treat_on", "date", "the last free order given to this guest"),
)

_A = {spec.name for spec in ATTRIBUTES}

FIELDS: dict[str, tuple[str, str]] = {
    "diner": ("boolean", "the customer has restaurant attributes (always true when present)"),
    "waiting": ("boolean", "the party is on the waiting list today"),
    "wait_estimate": ("number", "the real wait estimate, in minutes"),
    "party_size": ("integer", "people in the waiting party"),
    "meals_last_year": ("integer", "meals (purchases) in the last 365 days"),
    "emotional_loyalty": ("string", "high when the guest is attached to a person "
                          "(favourite_staff known), else low (LOY-03)"),
    "favourite_staff": ("string", "the server the guest asks for"),
    "favourite_dish": ("string", "what the guest usually orders"),
    "member": ("boolean", "in the membership programme"),
    "days_to_booking": ("integer", "days until the next reservation (0 = today)"),
    "booking_guests": ("integer", "people at that reservation"),
    "days_since_treat": ("integer", "days since the last free order (absent: never)"),
}

VALUES: dict[str, tuple[str, ...]] = {"emotional_loyalty": ("high", "low")}



def calculate(customer: Customer, as_of: dt.date, profile: Profile) -> dict[str, Any] | None:
    """The ``restaurant.*`` facts of one customer as of a date; None when not a diner."""
    attributes = customer.attributes
    if not _A & {k for k, v in attributes.items() if v is not None}:
        return None
    since = as_of - dt.timedelta(days=YEAR_DAYS)
    meals = sum(1 for e in customer.events
                if getattr(e, "type", None) == "purchase" and since < e.at <= as_of)
    queued = attribute_date(attributes, "queued_on")
    facts: dict[str, Any] = {
        "diner": True,
        "waiting": queued == as_of,
        "meals_last_year": meals,
        "emotional_loyalty": "high" if attributes.get("favourite_staff") else "low",
        "favourite_staff": attributes.get("favourite_staff"),
        "favourite_dish": attributes.get("favourite_dish"),
        "member": bool(attributes.get("member", False)),
    }
    if facts["waiting"]:
        facts["wait_estimate"] = attributes.get("wait_estimate_minutes")
        facts["party_size"] = attributes.get("party_size")
    booking = attribute_date(attributes, "booking_on")
    if booking is not None and booking >= as_of:
        facts["days_to_booking"] = (booking - as_of).days
        facts["booking_guests"] = attributes.get("booking_guests")
    treat = attribute_date(attributes, "last_treat_on")
    if treat is not None and treat <= as_of:
        facts["days_since_treat"] = (as_of - treat).days
    return facts


NAMESPACE_SPEC = FactNamespace(NAMESPACE, FIELDS, calculate, VALUES)
