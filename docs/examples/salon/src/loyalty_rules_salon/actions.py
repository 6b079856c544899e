"""The salon's actions, their default scripts, and one computation."""

from loyalty_rules import ActionSpec, Computation

ACTIONS = (
    ActionSpec("salon.rebook", "A client past their usual rhythm with nothing booked: offer "
               "their stylist's next slot.", ("CRM-07", "LOY-03"), default_channel="wechat"),
    ActionSpec("salon.stylist_briefing", "A client comes in soon: the stylist greets them by "
               "name with their usual service ready.", ("LOY-11",),
               outbound=False, default_channel="visit", lever="raise_experience"),
)

SCRIPTS = {
    "salon.rebook": {
        "en": "{name}, it has been a while since your last visit. Shall we keep a slot for you?",
        "zh": "{name}，距离您上次来店有一段时间了，要为您预留一个时间吗？",
    },
    "salon.stylist_briefing": {
        "en": "Welcome back, {name}! Everything is ready for you.",
        "zh": "{name}，欢迎回来！一切都为您准备好了。",
    },
}


def weeks(days):
    """Whole weeks in a number of days."""
    return days // 7


COMPUTATIONS = (Computation("weeks", weeks, ("days",), description="whole weeks in days"),)
