"""What the salon reads from a client's `attributes`, and the `salon.*` facts it derives."""

import datetime as dt

from loyalty_rules import AttributeSpec, FactNamespace

ATTRIBUTES = (
    AttributeSpec("stylist", "string", "the stylist the client books with"),
    AttributeSpec("usual_service", "string", "what the client usually has, e.g. 'cut and colour'"),
    AttributeSpec("cycle_weeks", "integer", "weeks between the client's visits (default 6)"),
    AttributeSpec("next_appointment_on", "date", "the client's next booked appointment"),
)

FIELDS = {
    "stylist": ("string", "the client's stylist"),
    "usual_service": ("string", "what the client usually has"),
    "cycle_days": ("integer", "the client's rhythm, in days"),
    "overdue_days": ("integer", "days since the last visit beyond the rhythm (< 0: not yet due)"),
    "booked": ("boolean", "an appointment is booked from today on"),
    "days_to_appointment": ("integer", "days until that appointment (0 = today)"),
}


def calculate(customer, as_of, profile):
    """The `salon.*` facts of one customer, or None when they are not a salon client."""
    attributes = customer.attributes
    if all(attributes.get(spec.name) is None for spec in ATTRIBUTES):
        return None
    cycle = 7 * attributes.get("cycle_weeks", 6)
    facts = {"stylist": attributes.get("stylist"), "cycle_days": cycle,
             "usual_service": attributes.get("usual_service"), "booked": False}
    since = profile.get("days_since_purchase")  # a visit is a purchase event
    if since is not None:
        facts["overdue_days"] = since - cycle
    booked = attributes.get("next_appointment_on")
    if booked is not None and dt.date.fromisoformat(booked[:10]) >= as_of:
        facts["booked"] = True
        facts["days_to_appointment"] = (dt.date.fromisoformat(booked[:10]) - as_of).days
    return facts


NAMESPACE = FactNamespace("salon", FIELDS, calculate)
