"""The restaurant pack's actions (under the ``restaurant.`` prefix) and their default scripts.

The default scripts (key = the action's name) use only ``{name}``, ``{due}`` and ``{channel}``,
so a custom ruleset may recommend these actions without writing scripts; the pack's ruleset
adds variants that name the padded wait, the guests, the favourite dish.
"""

from __future__ import annotations

from loyalty_rules import ActionSpec

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("restaurant.pad_wait_quote",
               "Quote a waiting party a wait a little longer than the real estimate, then "
               "seat them early.", ("EXP-13", "IND-PARK-01"),
               outbound=False, default_channel="visit", lever="lower_expectation",
               purpose="answering"),
    ActionSpec("restaurant.waiting_area_care",
               "A long wait: free snacks and drinks, a staff member greets the party and "
               "keeps them company.", ("IND-REST-02",),
               outbound=False, default_channel="visit", lever="raise_experience",
               purpose="value", role="store"),
    ActionSpec("restaurant.build_emotional_loyalty",
               "A regular whose loyalty is only transactional (the place, the food): give "
               "them a person — one server who learns their name and their dish.",
               ("IND-REST-01", "LOY-03"),
               outbound=False, default_channel="visit", lever="raise_experience",
               purpose="relationship"),
    ActionSpec("restaurant.face_saving_treat",
               "A regular entertaining guests: an occasional dish on the house, served in "
               "front of the guests so the host gains face.", ("IND-REST-04", "CRM-15"),
               outbound=False, default_channel="visit", lever="raise_experience",
               purpose="value", role="store"),
    ActionSpec("restaurant.membership_invitation",
               "Invite a returning guest into the membership (points, redemption, member "
               "events).", ("IND-REST-03", "CRM-08", "LOY-14"), default_channel="wechat",
               purpose="asks", role="store"),
)

#: Default scripts, in both languages; placeholders: {name}, {due}, {channel} only.
SCRIPTS: dict[str, dict[str, str]] = {
    "restaurant.pad_wait_quote": {
        "en": "{name}, thank you for waiting; we will seat you as soon as a table is ready.",
        "zh": "{name}，感谢您的耐心等候，一有空桌马上为您安排。",
    },
    "restaurant.waiting_area_care": {
        "en": "{name}, while you wait, please enjoy some snacks and drinks on the house.",
        "zh": "{name}，等候的时候请享用我们免费的小吃和饮品。",
    },
    "restaurant.build_emotional_loyalty": {
        "en": "{name}, good to see you again! I will be looking after you from now on; what "
              "do you enjoy most here?",
        "zh": "{name}，又见到您真高兴！以后由我来为您服务，您最喜欢我们这里的什么？",
    },
    "restaurant.face_saving_treat": {
        "en": "{name}, this dish is on the house tonight, with our compliments to you and "
              "your guests.",
        "zh": "{name}，今晚这道菜由我们招待，谨向您和您的朋友致意。",
    },
    "restaurant.membership_invitation": {
        "en": "{name}, thank you for coming back. Would you like to join our membership? "
              "You earn points on every meal and get invitations to member events.",
        "zh": "{name}，感谢您再次光临。欢迎加入我们的会员，每次用餐都能积分，还能参加会员活动。",
    },
}
