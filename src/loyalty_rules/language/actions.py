"""The core action vocabulary of the contract: reviewed metadata, registered by the core plugin.

`outbound` actions are contacts with the customer and count against the contact cap;
`urgent` ones (complaint recovery, broken promises) are exempt from it; `audience="business"`
actions (CMP-03's prevention review) are for the business, not the customer. `done_by` says
what marks each done (a contact naming it, or a recovery step of its complaint).
"""

from __future__ import annotations

from typing import Any

from ..facts.models import CHANNELS
from .model import ActionSpec

_A = ActionSpec

#: the channel an action gets when it declares none (`ActionSpec.default_channel`'s default)
GENERIC_CHANNEL = "phone"


def channel_for(spec: ActionSpec, fixed: str | None, preferred: str | None,
                by_stage: Any = None) -> str:
    """The channel of a recommendation: the rule's own (a 611 text, a letter), else for an
    outbound contact the customer's preferred channel, else the channel a rule derived for
    the customer's loyalty stage (`derived.channel`, LOY-09) when the action declares no
    channel of its own, else the action's."""
    if fixed:
        return fixed
    if spec.outbound and preferred:
        return preferred
    if (spec.outbound and by_stage in CHANNELS
            and spec.default_channel == GENERIC_CHANNEL):
        return str(by_stage)
    return spec.default_channel


CORE_ACTIONS: tuple[ActionSpec, ...] = (
    _A("guide_decision", "Peaceful type, open request: the norm, one clear recommendation, "
       "then a gentle nudge to decide.", ("EXP-07", "EXP-08", "CRM-14"),
       lever="lower_expectation", purpose="answering"),
    _A("respond_now", "A request or an inbound contact left unanswered: answer now.",
       ("CMP-07",), purpose="answering", anchor=("days_since_unanswered_inbound",),
       scheduled=True),
    _A("tell_industry_norm", "Tell the customer what is normal in the industry before committing.",
       ("EXP-07", "EXP-08"), lever="lower_expectation",
       purpose="answering"),
    _A("under_promise", "Commit to less than you can deliver, then over-deliver (dominant).",
       ("EXP-08",), lever="lower_expectation",
       purpose="answering"),
    _A("honest_reasons", "A conservative commitment with the real reasons and evidence "
       "(analytical).", ("EXP-07", "EXP-08"), lever="lower_expectation",
       purpose="answering"),
    _A("meet_main_expectation", "Find and satisfy the customer's main expectation (social).",
       ("EXP-08",), lever="lower_expectation",
       purpose="answering"),
    _A("set_expectations", "Say plainly what can and cannot be had before any commitment.",
       ("EXP-05",), lever="lower_expectation",
       purpose="answering"),
    _A("pad_promise", "Quote a wait or lead time a little longer than the estimate.",
       ("EXP-13",), lever="lower_expectation",
       purpose="answering"),
    _A("recover_broken_promise", "A promise was delivered worse than promised: recover now.",
       ("EXP-01", "LOY-13"), urgent=True,
       purpose="recovery"),
    _A("forewarn_delay", "A promise at risk of slipping: tell the customer before it falls "
       "due, with where it stands.", ("EXP-11", "LOY-13"), urgent=True, purpose="recovery",
       lever="lower_expectation"),
    _A("acknowledge_and_apologize", "Admit the error and apologise.", ("CMP-01", "CMP-04"),
       urgent=True,
       purpose="recovery", done_by="recovery:acknowledged"),
    _A("explain", "Explain the cause and the normal resolution process.", ("CMP-01", "CMP-04"),
       urgent=True,
       purpose="recovery", done_by="recovery:explained"),
    _A("compensate", "Compensate appropriately to repair trust.", ("CMP-04",), urgent=True,
       purpose="recovery", role="store", done_by="recovery:compensated"),
    _A("follow_up", "Follow up after the recovery and ask for feedback.",
       ("CMP-01", "CMP-07", "CMP-08"), urgent=True,
       purpose="recovery", done_by="recovery:followed_up"),
    _A("prevention_review", "The same complaint keeps coming back: review the cause.",
       ("CMP-03",), outbound=False, audience="business", default_channel="visit",
       role="store"),
    _A("at_risk_satisfied", "Satisfied but not delighted: treat as at risk of defection.",
       ("LOY-01",), lever="raise_experience",
       purpose="relationship", anchor=("days_since_survey",)),
    _A("wake_dormant", "Contact first and ask whether we fell short.", ("CRM-02",),
       purpose="relationship", anchor=("days_since_activity",)),
    _A("activate_stalled_prospect", "A personal, humble letter asking for a meeting.",
       ("CRM-01",), default_channel="letter",
       purpose="relationship", anchor=("days_since_activity",)),
    _A("win_back", "Find out why they left; reward a return on several channels.", ("CMP-06",),
       purpose="relationship", anchor=("days_since_churn",)),
    _A("lower_switching_cost", "Lost to a competitor or on price: lower the cost of coming "
       "back (take over the transfer, honour their status).", ("CRM-03", "CMP-06"),
       purpose="relationship", role="store", anchor=("days_since_churn",)),
    _A("after_sale_follow_up", "A few days after a purchase: how is it going, anything to put "
       "right?", ("CMP-08",), purpose="relationship", anchor=("days_since_purchase",),
       scheduled=True),
    _A("keep_in_touch", "A valued customer not contacted for too long.", ("CRM-07", "CRM-08"),
       purpose="relationship", anchor=("days_since_contact", "days_since_activity")),
    _A("revisit_sms", "The 611 programme's text message (1st and 15th, 3 pm).", ("CRM-04",),
       default_channel="sms",
       purpose="relationship", anchor=("revisit_sms_pending_days",), scheduled=True),
    _A("revisit_call_short", "The 611 programme's 2-3 minute call on day 45 of the quarter.",
       ("CRM-04",),
       purpose="relationship", anchor=("revisit_call_short_pending_days",), scheduled=True),
    _A("revisit_call_long", "The 611 programme's ~10 minute call at the quarter's end.",
       ("CRM-04",),
       purpose="relationship", anchor=("revisit_call_long_pending_days",), scheduled=True),
    _A("greet_by_name", "Greet a returning customer by name with what you remember.",
       ("LOY-11", "CRM-08"), outbound=False, default_channel="visit",
       lever="raise_experience",
       purpose="relationship", anchor=("visits",)),
    _A("invite_loyalty_programme", "Invite a customer with potential into the programme.",
       ("CRM-08", "LOY-14"),
       purpose="asks"),
    _A("reward_and_nurture", "True friend: reward and nurture the relationship.", ("LOY-04",),
       lever="raise_experience",
       purpose="value"),
    _A("harvest_while_active", "Butterfly: make the most of current transactions; stop "
       "investing when they cool.", ("LOY-04",),
       purpose="asks"),
    _A("grow_share_of_wallet", "Barnacle: grow share of wallet by up- and cross-selling.",
       ("LOY-04",),
       purpose="asks"),
    _A("surprise", "A small, targeted, novel extra for a loyal customer.",
       ("LOY-12", "EXP-10"), lever="raise_experience",
       purpose="value"),
    _A("ask_referral", "Ask a delighted or advocate customer for a referral.",
       ("LOY-02", "CRM-18"),
       purpose="asks"),
    _A("ask_advice", "Ask a true friend a small favour, their advice: it treats them as one of "
       "our own.", ("LOY-15", "CRM-06"), purpose="asks"),
    _A("upsell", "Offer the next tier up to a loyal customer with room to grow.", ("CRM-18",),
       purpose="asks"),
    _A("birthday_greeting", "A birthday greeting in the coming days.", ("CRM-17",),
       default_channel="sms", lever="raise_experience",
       purpose="value", anchor=("days_to_birthday",), scheduled=True),
)
