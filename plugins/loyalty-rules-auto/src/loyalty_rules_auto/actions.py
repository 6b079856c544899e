"""The auto pack's actions (under the ``auto.`` prefix) and their default scripts.

The default scripts (key = the action's name) use only ``{name}``, ``{due}`` and ``{channel}``,
so a custom ruleset may recommend these actions without writing scripts of its own; the
pack's ruleset adds richer variants that name the car, the months, the promised days.
"""

from __future__ import annotations

from loyalty_rules import ActionSpec

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("auto.service_reminder",
               "The car is due for maintenance (months or kilometres since the last "
               "service): remind the owner and offer a slot.", ("IND-AUTO-02",),
               default_channel="sms", purpose="value"),
    ActionSpec("auto.test_drive_follow_up",
               "A week after a test drive, follow up with something of value to the person "
               "(their interest), not a sales push.", ("IND-AUTO-03", "IND-AUTO-04"),
               lever="raise_experience", purpose="relationship"),
    ActionSpec("auto.walk_in_follow_up",
               "A walk-in who left without a test drive: follow up by name with something of "
               "value, and note them on a card to recognise them next time.",
               ("IND-AUTO-03", "IND-AUTO-04"), lever="raise_experience",
               purpose="relationship"),
    ActionSpec("auto.next_car_consultation",
               "An owner whose car is getting old: talk about what they want from their next "
               "car (what they think, not only what they need).", ("IND-AUTO-02",),
               purpose="asks"),
    ActionSpec("auto.confirm_parts_first",
               "Before quoting a repair time, confirm the parts are available: availability "
               "ranks above price with customers.", ("IND-AUTO-05", "LOY-13"),
               outbound=False, audience="business", default_channel="visit",
               role="store"),
    ActionSpec("auto.padded_repair_quote",
               "Quote the repair time with a margin over the workshop's estimate (parts "
               "included), then deliver early.", ("IND-AUTO-05", "EXP-13"),
               outbound=False, default_channel="visit", lever="lower_expectation",
               purpose="answering"),
)

#: Default scripts, in both languages; placeholders: {name}, {due}, {channel} only.
SCRIPTS: dict[str, dict[str, str]] = {
    "auto.service_reminder": {
        "en": "{name}, your car is due for its service. Shall we book you a slot?",
        "zh": "{name}，您的爱车该做保养了，帮您预约一个时间好吗？",
    },
    "auto.test_drive_follow_up": {
        "en": "{name}, thank you for the test drive. I came across something I think you "
              "would enjoy; may I bring it over?",
        "zh": "{name}，谢谢您上次来试驾。我看到一样您可能会喜欢的东西，方便给您送过去吗？",
    },
    "auto.walk_in_follow_up": {
        "en": "{name}, it was a pleasure to meet you at the showroom. I found something you "
              "might like; shall I send it?",
        "zh": "{name}，上次在展厅认识您很高兴。我找到一样您可能用得上的东西，给您寄过去好吗？",
    },
    "auto.next_car_consultation": {
        "en": "{name}, your car has served you well. Whenever you start thinking about the "
              "next one, I would be glad to help you think it through.",
        "zh": "{name}，您的车陪您走了不少路。什么时候考虑下一辆车，我很乐意帮您一起参谋。",
    },
    "auto.confirm_parts_first": {
        "en": "Before quoting {name} a time: confirm the parts are in stock or when they "
              "arrive.",
        "zh": "给{name}报完工时间之前：先确认配件是否有货、何时到货。",
    },
    "auto.padded_repair_quote": {
        "en": "{name}, we will have your car ready as soon as we can and will call you the "
              "moment it is done.",
        "zh": "{name}，我们会尽快修好您的车，一完工就给您打电话。",
    },
}
