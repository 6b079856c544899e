"""What the auto pack reads from a customer's ``attributes``, and the ``auto.*`` facts it derives.

A customer is the pack's when any of its attributes is present; for everyone else the
calculator returns ``None``, no ``auto.*`` field exists, and no rule of the pack can match
(every rule reads an ``auto.*`` field). That is how the pack leaves other industries alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from loyalty_rules import AttributeSpec, Customer, FactNamespace, Profile, attribute_date

NAMESPACE = "auto"

ATTRIBUTES: tuple[AttributeSpec, ...] = (
    AttributeSpec("vehicle_model", "string", "the customer's car, e.g. 'Buick Regal'"),
    AttributeSpec("vehicle_bought_on", "date", "when the customer took delivery of the car"),
    AttributeSpec("last_service_on", "date", "the car's last maintenance visit"),
    AttributeSpec("odometer_km", "integer", "the latest odometer reading"),
    AttributeSpec("odometer_at_last_service_km", "integer",
                  "the odometer reading at the last maintenance visit"),
    AttributeSpec("test_drive_on", "date", "the prospect's latest test drive"),
    AttributeSpec("walk_in_on", "date", "the prospect's latest showroom visit (a walk-in)"),
    AttributeSpec("interest", "string", "what the person cares about besides cars (health, "
                  "their children, golf): the theme of a follow-up of value (IND-AUTO-04)"),
    AttributeSpec("repair_estimate_days", "number", "the workshop's estimate for the open "
                  "repair, in working days (absent: no repair open)"),
    AttributeSpec("parts_in_stock", "boolean", "the open repair's parts are on the shelf "
                  "(absent: not yet checked)"),
    AttributeSpec("parts_lead_days", "number", "days to obtain parts that are not in stock"),
)

_A = {spec.name for spec in ATTRIBUTES}
#: any of these on file means the customer owns a car we know of
_CAR = ("vehicle_model", "vehicle_bought_on", "last_service_on", "odometer_km")

FIELDS: dict[str, tuple[str, str]] = {
    "owner": ("boolean", "the customer owns a car we know of (its model, delivery, service "
              "or odometer is on file)"),
    "prospect": ("boolean", "walked in or test-drove, and has bought nothing since"),
    "vehicle_model": ("string", "the car's model"),
    "car_age_years": ("number", "years since delivery (one decimal)"),
    "months_since_service": ("integer", "whole months since the last service (or since "
                             "delivery when never serviced)"),
    "km_since_service": ("integer", "kilometres driven since the last service"),
    "days_since_reminder": ("integer", "days since the last auto.service_reminder contact"),
    "days_since_consultation": ("integer",
                                "days since the last auto.next_car_consultation contact"),
    "days_since_test_drive": ("integer", "days since the latest test drive"),
    "days_since_walk_in": ("integer", "days since the latest walk-in"),
    "interest": ("string", "the person's interest, for a follow-up of value"),
    "repair_open": ("boolean", "a repair is open (repair_estimate_days given)"),
    "parts_checked": ("boolean", "the open repair's parts availability is known"),
    "parts_in_stock": ("boolean", "the open repair's parts are on the shelf"),
    "repair_days": ("number", "working days to finish the open repair: the estimate, plus "
                    "the parts' lead time when they are not in stock"),
}



def whole_months(since: dt.date, as_of: dt.date) -> int:
    months = (as_of.year - since.year) * 12 + as_of.month - since.month
    return months - (as_of.day < since.day)


def days_since_action(customer: Customer, action: str, as_of: dt.date) -> int | None:
    """Days since the last contact that carried out `action` (the contract's contact event)."""
    days = [(as_of - e.at).days for e in customer.events
            if getattr(e, "type", None) == "contact" and getattr(e, "action", None) == action
            and e.at <= as_of]
    return min(days) if days else None


def calculate(customer: Customer, as_of: dt.date, profile: Profile) -> dict[str, Any] | None:
    """The ``auto.*`` facts of one customer as of a date; None when not an auto customer."""
    attributes = customer.attributes
    if not _A & {k for k, v in attributes.items() if v is not None}:
        return None
    bought = attribute_date(attributes, "vehicle_bought_on")
    serviced = attribute_date(attributes, "last_service_on")
    test_drive = attribute_date(attributes, "test_drive_on")
    walk_in = attribute_date(attributes, "walk_in_on")
    facts: dict[str, Any] = {
        "owner": any(attributes.get(name) is not None for name in _CAR),
        "vehicle_model": attributes.get("vehicle_model"),
        "interest": attributes.get("interest"),
        "days_since_reminder": days_since_action(customer, "auto.service_reminder", as_of),
        "days_since_consultation": days_since_action(customer, "auto.next_car_consultation",
                                                     as_of),
    }
    if bought is not None and bought <= as_of:
        facts["car_age_years"] = round((as_of - bought).days / 365.25, 1)
    last_service = serviced or bought
    if last_service is not None and last_service <= as_of:
        facts["months_since_service"] = whole_months(last_service, as_of)
    odometer = attributes.get("odometer_km")
    if odometer is not None:
        facts["km_since_service"] = odometer - attributes.get("odometer_at_last_service_km", 0)

    latest_interest = max((d for d in (test_drive, walk_in) if d is not None and d <= as_of),
                          default=None)
    bought_since = latest_interest is not None and any(
        getattr(e, "type", None) == "purchase" and latest_interest <= e.at <= as_of
        for e in customer.events)
    facts["prospect"] = latest_interest is not None and not bought_since
    if test_drive is not None and test_drive <= as_of:
        facts["days_since_test_drive"] = (as_of - test_drive).days
    if walk_in is not None and walk_in <= as_of:
        facts["days_since_walk_in"] = (as_of - walk_in).days

    estimate = attributes.get("repair_estimate_days")
    in_stock = attributes.get("parts_in_stock")
    facts["repair_open"] = estimate is not None
    facts["parts_checked"] = estimate is not None and in_stock is not None
    if estimate is not None and in_stock is not None:
        facts["parts_in_stock"] = in_stock
        lead = 0 if in_stock else attributes.get("parts_lead_days") or 0
        facts["repair_days"] = estimate + lead
    return facts


NAMESPACE_SPEC = FactNamespace(NAMESPACE, FIELDS, calculate)
