"""The hotel pack's actions (under the ``hotel.`` prefix) and their default scripts.

The default scripts (key = the action's name) use only ``{name}``, ``{due}`` and ``{channel}``,
so a custom ruleset may recommend these actions without writing scripts; the pack's ruleset
adds variants that name the remembered room preference.
"""

from __future__ import annotations

from loyalty_rules import ActionSpec

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("hotel.pre_arrival_recognition",
               "Before a returning or VIP guest arrives: brief the front desk to greet them "
               "by name before they introduce themselves (at least three times during the "
               "stay) and prepare the remembered preferences.", ("IND-HOTEL-01", "LOY-11"),
               outbound=False, default_channel="visit", lever="raise_experience",
               purpose="relationship", role="store"),
    ActionSpec("hotel.vip_feeling",
               "A top-tier guest arriving: recognition rather than perks — a personal welcome "
               "from the manager, no queue, a handwritten note.", ("CRM-10",),
               outbound=False, default_channel="visit", lever="raise_experience",
               purpose="value", role="manager"),
    ActionSpec("hotel.vip_treatment",
               "A mid-tier guest arriving: tangible benefits — an upgrade when available, "
               "late check-out, a welcome drink.", ("CRM-10",),
               outbound=False, default_channel="visit", lever="raise_experience",
               purpose="value", role="store"),
    ActionSpec("hotel.room_access_recovery",
               "A guest angry that a visitor was refused entry to their room: let them vent, "
               "smile, then explain the rule (it protects them) and apologise; make amends.",
               ("IND-HOTEL-02", "CMP-04"), urgent=True, default_channel="visit",
               purpose="recovery"),
    ActionSpec("hotel.overbooking_recovery",
               "No room for a confirmed booking: never shrug; apologise, explain, and make "
               "amends (a room elsewhere at our cost, transport, a night on us).",
               ("IND-HOTEL-03", "CMP-04"), urgent=True, default_channel="visit",
               purpose="recovery", role="store"),
)

#: Default scripts, in both languages; placeholders: {name}, {due}, {channel} only.
SCRIPTS: dict[str, dict[str, str]] = {
    "hotel.pre_arrival_recognition": {
        "en": "Welcome back, {name}! It is good to see you again.",
        "zh": "{name}，欢迎您再次光临！很高兴又见到您。",
    },
    "hotel.vip_feeling": {
        "en": "{name}, welcome. The manager would like to greet you personally; your room is "
              "ready, no need to queue.",
        "zh": "{name}，欢迎您。经理想亲自迎接您；房间已经准备好，您不用排队办理。",
    },
    "hotel.vip_treatment": {
        "en": "{name}, welcome. As our valued guest you have an upgrade when one is free, "
              "late check-out and a welcome drink.",
        "zh": "{name}，欢迎您。作为我们的贵宾，有空房时为您免费升级，并可延迟退房，还有一杯迎宾饮品。",
    },
    "hotel.room_access_recovery": {
        "en": "{name}, I am truly sorry you and your visitor were upset. We never open a "
              "guest's room without the guest's word: it protects you and your belongings. "
              "It should not have felt like this, and we would like to make it up to you.",
        "zh": "{name}，真的很抱歉让您和您的朋友不愉快。没有客人本人同意，我们从不为他人开启房门，"
              "这是为了保护您和您的财物。让您有这样的感受是我们的不对，请允许我们弥补。",
    },
    "hotel.overbooking_recovery": {
        "en": "{name}, we overbooked and that is our fault, not yours. We have arranged a "
              "room for you nearby at our cost, with transport, and your next night here is "
              "on us.",
        "zh": "{name}，是我们超额预订了，责任在我们，不在您。我们已在附近为您安排了房间，费用由我们承担并负责接送，"
              "您下次入住的一晚由我们招待。",
    },
}
