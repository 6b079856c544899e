"""The guidance issue 9 adds as rules, beyond what scenarios can say: the channel chosen by
loyalty stage (LOY-09) against the other sources of a channel, and every action's role
(EXP-15)."""

from __future__ import annotations

from loyalty_rules import Engine
from loyalty_rules.language.actions import CORE_ACTIONS, GENERIC_CHANNEL, channel_for
from loyalty_rules.language.model import ROLES

AS_OF = "2026-11-22"
ADVOCATE = [{"type": "purchase", "at": "2026-08-01", "amount": 900},
            {"type": "referral", "at": "2026-09-01"}]


def test_the_stage_channel_is_used_when_nothing_else_chooses(core_engine: Engine) -> None:
    decision = core_engine.evaluate({"id": "A1", "events": ADVOCATE}, AS_OF)
    assert decision.profile["derived"]["channel"] == "visit"
    assert {r.action: r.channel for r in decision.recommendations}["keep_in_touch"] == "visit"


def test_the_customer_s_own_channel_comes_before_the_stage_s(core_engine: Engine) -> None:
    decision = core_engine.evaluate({"id": "A2", "preferred_channel": "wechat",
                                     "events": ADVOCATE}, AS_OF)
    assert decision.recommendation("keep_in_touch").channel == "wechat"


def test_an_action_with_a_channel_of_its_own_keeps_it(core_engine: Engine) -> None:
    # the birthday greeting is a text whatever the stage; a stalled prospect gets a letter
    advocate = {"id": "A3", "birthday": "1980-11-25", "events": [
        *ADVOCATE, {"type": "contact", "at": "2026-11-12", "direction": "outbound"}]}
    decision = core_engine.evaluate(advocate, AS_OF)
    assert decision.profile["derived"]["channel"] == "visit"
    birthday = decision.recommendation("birthday_greeting")
    assert birthday is not None and birthday.channel == "sms"
    actions = {spec.name: spec for spec in CORE_ACTIONS}
    assert channel_for(actions["activate_stalled_prospect"], "letter", "phone", "sms") == \
        "letter"
    assert channel_for(actions["birthday_greeting"], None, None, "visit") == "sms"
    assert channel_for(actions["keep_in_touch"], None, None, "visit") == "visit"
    assert channel_for(actions["keep_in_touch"], None, None, "fax") == GENERIC_CHANNEL
    # a greeting in person is not an outbound contact: no channel from the stage
    assert channel_for(actions["greet_by_name"], None, "sms", "phone") == "visit"


def test_every_core_action_names_the_role_that_controls_it() -> None:
    roles = {spec.name: spec.role for spec in CORE_ACTIONS}
    assert set(roles.values()) <= set(ROLES)
    # outside the consultant's area of control (EXP-15): the store's budget and decisions
    assert {a for a, r in roles.items() if r != "consultant"} == {
        "compensate", "prevention_review", "lower_switching_cost"}


def test_an_overdue_forewarning_goes_to_the_manager(core_engine: Engine) -> None:
    customer = {"id": "A4", "events": [
        {"type": "request", "at": "2026-11-15", "dimension": "delivery", "expected": 7,
         "deliverable": 14, "unit": "days"},
        {"type": "promise", "at": "2026-11-15", "dimension": "delivery", "promised": 10,
         "unit": "days"}]}
    on_time = core_engine.evaluate(customer, "2026-11-16").recommendation("forewarn_delay")
    late = core_engine.evaluate(customer, "2026-11-20").recommendation("forewarn_delay")
    assert (on_time.due.isoformat(), on_time.overdue, on_time.role) == (
        "2026-11-16", False, "consultant")
    assert (late.id, late.overdue, late.role) == (on_time.id, True, "manager")
    assert core_engine.evaluate(customer, "2026-11-26").recommendation("forewarn_delay") is None


def test_the_added_guidance_counts_as_encoded() -> None:
    from loyalty_rules.engine.checking import guidance_coverage

    rows = {row["id"]: row["rules"] for row in guidance_coverage()}
    assert rows["LOY-09"] == [f"relationship/channel-by-stage.{n}" for n in (1, 2, 3, 4)]
    assert rows["EXP-14"] == ["expectations/promise-off-key-content"]
    assert "recovery/compensate-serious" in rows["EXP-15"]
    assert "relationship/lower-switching-cost" in rows["CRM-03"]
    assert "recovery/after-sale-follow-up" in rows["CMP-08"]
    assert "expectations/forewarn-delay" in rows["LOY-13"]
    assert "loyalty/ask-true-friend-advice" in rows["CRM-06"]
    assert rows["LOY-05"]  # the pyramid, from the population issue


def test_a_retried_win_back_is_not_the_same_message_twice(core_engine: Engine) -> None:
    """Won back by up to three monthly contacts: each differs from the one before (rotating
    variants, `KEY.2`), for the general win-back and the switching-cost offer alike."""
    for reason, action in (("other", "win_back"), ("price", "lower_switching_cost")):
        for locale in ("en", "zh"):
            first_events = [{"type": "purchase", "at": "2026-05-01", "amount": 900},
                            {"type": "churn", "at": "2026-09-01", "reason": reason}]
            customer = {"id": f"W-{reason}-{locale}", "locale": locale, "events": first_events}
            first = core_engine.evaluate(customer, "2026-10-01").recommendation(action)
            tried = dict(customer, events=[*first_events, {
                "type": "contact", "at": "2026-10-01", "direction": "outbound",
                "action": action}])
            again = core_engine.evaluate(tried, "2026-11-02").recommendation(action)
            assert first is not None and again is not None, (reason, locale)
            assert first.script != again.script, (reason, locale)
