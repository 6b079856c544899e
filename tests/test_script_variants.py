"""A repeated message rotates its variants: the same 611 text is never sent twice in a row
(issue 9, item 8); the choice depends on the customer and how often it was sent, never on
the clock."""

from __future__ import annotations

import datetime as dt

from loyalty_rules import Engine

KEY_ACCOUNT = [{"type": "purchase", "at": "2026-01-20", "amount": 5200},
               {"type": "purchase", "at": "2026-06-20", "amount": 4800}]
#: the 611 text days (the 1st and the 15th) one after another
TEXT_DAYS = [dt.date(2026, 9, 1), dt.date(2026, 9, 15), dt.date(2026, 10, 1),
             dt.date(2026, 10, 15), dt.date(2026, 11, 1)]


def _texts(customer_id: str, locale: str) -> list[str]:
    engine = Engine(parameters={"policy.conversations_per_day": 0, "policy.max_contacts": 0})
    sent: list[dict] = []
    texts = []
    for day in TEXT_DAYS:
        customer = {"id": customer_id, "name": "Mr Key", "locale": locale,
                    "events": KEY_ACCOUNT + sent}
        rec = engine.evaluate(customer, day).recommendation("revisit_sms")
        assert rec is not None, day
        texts.append(rec.script)
        sent.append({"type": "contact", "at": day.isoformat(), "direction": "outbound",
                     "channel": "sms", "action": "revisit_sms"})
    return texts


def test_the_611_text_is_never_the_same_twice_in_a_row():
    for locale in ("en", "zh"):
        for customer_id in ("K1", "K2", "K3"):
            texts = _texts(customer_id, locale)
            assert all(a != b for a, b in zip(texts, texts[1:])), texts
            assert len(set(texts)) == 3  # three variants, all used


def test_the_variant_depends_on_the_customer_not_the_clock():
    assert _texts("K1", "en") == _texts("K1", "en")
    firsts = {_texts(cid, "en")[0] for cid in ("K1", "K2", "K3", "K4", "K5", "K6")}
    assert len(firsts) > 1  # not every customer gets the same text the same day
