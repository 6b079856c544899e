"""The walls a business analyst hit writing a gym ruleset (issue 12), each now a passing test.

Every test here failed on the language before version 2: an unknown field or key, a misleading
suggestion, a silent non-match, or a message that said "a integer".
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from conftest import bare_manager

from loyalty_rules import Engine, RulesetError, UsageError, parse_customer
from loyalty_rules.engine.building import vocabulary_of
from loyalty_rules.facts.queries import EventFilter, EventQuery, answer_queries
from loyalty_rules.language.validation import load_ruleset_text
from loyalty_rules.plugins.registry import collect

AS_OF = dt.date(2026, 11, 22)


def engine_with(tmp_path: Path, text: str, **kwargs) -> Engine:  # type: ignore[no-untyped-def]
    path = tmp_path / "custom.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return Engine(rulesets=[path], plugin_manager=bare_manager(), **kwargs)


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(RulesetError) as caught:
        engine_with(tmp_path, text)
    return [str(p).replace(f"{tmp_path}/", "") for p in caught.value.problems]


def member(*events: dict, **fields) -> dict:  # type: ignore[no-untyped-def]
    return {"id": "M1", "name": "Ms Wang", "locale": "en", **fields, "events": list(events)}


# -- 1. event queries -----------------------------------------------------------------------------

VISIT_RECENCY = """\
    ruleset: gym
    rules:
      - id: no-visit
        guidance: [CRM-02]
        when: {last_visit.days_ago: {gte: 21}}
        then:
          recommend: wake_dormant
          params: {days: {field: last_visit.days_ago}}
    scripts:
      wake_dormant: {en: "{days} days", zh: "{days}天"}
    """


def test_per_type_recency_is_not_reset_by_paying_dues(tmp_path):
    engine = engine_with(tmp_path, VISIT_RECENCY)
    paying = member({"type": "visit", "at": "2026-10-01"},
                    {"type": "purchase", "at": "2026-11-20", "amount": 60})
    decision = engine.evaluate(paying, AS_OF)
    assert decision.profile["days_since_activity"] == 2  # dues reset the old measure...
    assert decision.recommendation("wake_dormant").params == {"days": 52}  # ...not this one
    assert decision.profile["last_visit"] == {"at": "2026-10-01", "days_ago": 52}
    never = engine.evaluate(member(), AS_OF)
    assert never.recommendation("wake_dormant") is None and "last_visit" not in never.profile


def test_windowed_counts_sums_averages_minima_maxima_with_filters():
    customer = parse_customer(member(
        {"type": "purchase", "at": "2026-06-01", "amount": 500},
        {"type": "visit", "at": "2026-10-24"}, {"type": "visit", "at": "2026-10-25"},
        {"type": "purchase", "at": "2026-11-01", "amount": 40},
        {"type": "purchase", "at": "2026-11-10", "amount": 100},
        {"type": "complaint", "at": "2026-11-15", "topic": "showers", "severity": 2},
        {"type": "complaint", "at": "2026-11-20", "topic": "trainer", "severity": 4},
        {"type": "visit", "at": "2026-11-21", "channel": "visit"},
        {"type": "visit", "at": "2026-11-30"}))  # after as_of: never read
    q = EventQuery
    answers = answer_queries(customer, AS_OF, [
        q("visits_30", "count", "visit", within_days=30),
        q("visits_29", "count", "visit", within_days=29),
        q("spend_90", "sum", "purchase", "amount", within_days=90),
        q("spend_ever", "sum", "purchase", "amount"),
        q("average_90", "average", "purchase", "amount", within_days=90),
        q("smallest", "min", "purchase", "amount"),
        q("worst", "max", "complaint", "severity"),
        q("trainer_days", "latest", "complaint", "days_ago",
          where=(EventFilter("topic", "eq", "trainer"),)),
        q("first_visit", "first", "visit", "at"),
        q("none_yet", "average", "survey", "score"),
        q("complaint_after_visit", "days_between", between=(
            q("a", "latest", "visit", "at"), q("b", "latest", "complaint", "at"))),
    ])
    assert answers == {
        "visits_30": 3,  # 0..29 days ago: 24 Oct is 29 days ago
        "visits_29": 2, "spend_90": 140, "spend_ever": 640, "average_90": 70,
        "smallest": 40, "worst": 4, "trainer_days": 2, "first_visit": "2026-10-24",
        "none_yet": None, "complaint_after_visit": -1}


def test_queries_are_declared_validated_and_read_in_conditions_and_params(tmp_path):
    engine = engine_with(tmp_path, """\
        ruleset: gym
        queries:
          visits_30: {count: {event: visit, within_days: 30}}
          quarter_spend: {sum: {event: purchase, field: amount, within_days: 90}}
          complained_after_visit:
            days_between: {from: {latest: {event: visit}}, to: {latest: {event: complaint}}}
        rules:
          - id: regular
            guidance: [CRM-08]
            when:
              query.visits_30: {gte: 3}
              query.complained_after_visit: {exists: false}
            then:
              recommend: surprise
              params: {visits: {field: query.visits_30}, spend: {field: query.quarter_spend}}
        scripts:
          surprise: {en: "{visits} visits, {spend}", zh: "{visits}次，{spend}"}
        """)
    visits = [{"type": "visit", "at": f"2026-11-{d}"} for d in (10, 12, 14)]
    decision = engine.evaluate(member(*visits, {"type": "purchase", "at": "2026-11-12",
                                                "amount": 80}), AS_OF)
    assert decision.recommendation("surprise").script == "3 visits, 80"
    complained = member(*visits, {"type": "complaint", "at": "2026-11-20"})
    assert engine.evaluate(complained, AS_OF).recommendation("surprise") is None
    assert engine.evaluate(complained, AS_OF).profile["query"]["complained_after_visit"] == 6


def test_every_query_mistake_is_located(tmp_path):
    found = problems(tmp_path, """\
        ruleset: gym
        queries:
          a: {count: {event: vist, within_days: 30}}
          b: {sum: {event: purchase, field: amout}}
          c: {sum: {event: visit}}
          d: {countt: {event: visit}}
          e: {count: {event: visit, where: {chanel: visit}, within_days: 0}}
          f: {latest: {event: complaint, where: {severity: {gte: high}}}}
        rules:
          - id: r
            guidance: [CRM-02]
            when: {query.visit_30: {gte: 1}}
            then: {derive: x}
        """)
    assert found == [
        "custom.yaml:3: $.queries.a.count.event: unknown event type 'vist' (did you mean "
        "'visit'?); expected one of visit, purchase, contact, complaint, recovery, survey, "
        "request, promise, referral, churn",
        "custom.yaml:4: $.queries.b.sum.field: a purchase has no field 'amout' (did you mean "
        "'amount'?); it has at, days_ago, amount, profit",
        "custom.yaml:5: $.queries.c.sum: sum needs a numeric `field` of visit: one of days_ago",
        "custom.yaml:6: $.queries.d: a query is one of {count: ...}, {sum: ...}, "
        "{average: ...}, {min: ...}, {max: ...}, {latest: ...}, {first: ...}, "
        "{days_between: ...} (did you mean 'count'?)",
        "custom.yaml:7: $.queries.e.count.within_days: expected an integer from 1 to 36500, "
        "got 0",
        "custom.yaml:7: $.queries.e.count.where.chanel: a visit has no field 'chanel' (did you "
        "mean 'channel'?); it has at, days_ago, channel",
        "custom.yaml:8: $.queries.f.latest.where.severity.gte: 'severity' is an integer; "
        "'high' is a string",
        "custom.yaml:12: $.rules[0].when.query.visit_30: no query 'visit_30' is declared under "
        "`queries:`",
    ]


def test_complaint_at_points_to_the_latest_complaint_not_to_complaint_id(tmp_path):
    found = problems(tmp_path, """\
        ruleset: gym
        rules:
          - id: r
            guidance: [CMP-01]
            for_each: complaint
            when: {complaint.at: {exists: true}, visit.days_since_last: {gte: 21}}
            then: {derive: x}
        """)
    assert "did you mean 'complaint.id'" not in "\n".join(found)
    assert found[0].startswith("custom.yaml:6: $.rules[0].when.complaint.at: unknown field "
                               "'complaint.at': the latest complaint is read as "
                               "'last_complaint.FIELD'")
    assert "days since the last visit: 'last_visit.days_ago'" in found[1]


def test_days_since_any_action_including_ones_the_core_does_not_track(tmp_path):
    engine = engine_with(tmp_path, """\
        ruleset: gym
        queries:
          days_since_upsell_call:
            latest: {event: contact, where: {action: revisit_call_long}, field: days_ago}
        rules:
          - id: r
            guidance: [CRM-04]
            when: {query.days_since_upsell_call: {lt: 30}}
            then: {derive: called_recently}
        """)
    decision = engine.evaluate(member({"type": "contact", "at": "2026-11-02",
                                       "action": "revisit_call_long"}), AS_OF)
    assert decision.profile["derived"] == {"called_recently": True}


# -- 2. actions and guidance declared in YAML -----------------------------------------------------

THANKS = """\
    ruleset: fitco
    guidelines:
      FIT-01: {text: Thank a member who brought three friends., source: FitCo handbook §3}
    actions:
      fitco.vip_thanks:
        description: The manager thanks a member who brought friends.
        guidance: [FIT-01]
        lever: raise_experience
        channel: visit
        role: manager
        urgent: false
        done_by: contact
        scripts:
          en: "{name}, thank you for {friends|plural:# friend|# friends}!"
          zh: "{name}，感谢您介绍了{friends|plural:#位朋友}！"
    rules:
      - id: vip-thanks
        guidance: [FIT-01]
        when: {referrals: {gte: 3}}
        then: {recommend: fitco.vip_thanks, params: {friends: {field: referrals}}}
    """


def test_a_ruleset_declares_its_own_action_guidance_and_scripts(tmp_path):
    engine = engine_with(tmp_path, THANKS)
    referrals = [{"type": "referral", "at": f"2026-0{m}-01"} for m in (3, 4, 5)]
    rec = engine.evaluate(member(*referrals), AS_OF).recommendation("fitco.vip_thanks")
    assert rec.script == "Ms Wang, thank you for 3 friends!"
    assert rec.channel == "visit" and rec.guidance == ("FIT-01",)
    zh = engine.evaluate(member(*referrals, locale="zh"), AS_OF)
    assert zh.recommendation("fitco.vip_thanks").script == "Ms Wang，感谢您介绍了3位朋友！"


def test_unknown_custom_action_says_to_declare_it_not_to_write_a_plugin(tmp_path):
    (message,) = problems(tmp_path, """\
        ruleset: fitco
        rules:
          - id: vip-thanks
            guidance: [LOY-02]
            when: {referrals: {gte: 3}}
            then: {recommend: fitco.vip_thanks}
        """)
    assert message.startswith("custom.yaml:6: $.rules[0].then.recommend: unknown action "
                              "'fitco.vip_thanks': declare it under `actions:`")
    assert "a Python plugin is needed only for new computations or facts" in message


def test_declared_guidance_and_actions_are_checked(tmp_path):
    found = problems(tmp_path, """\
        ruleset: fitco
        guidelines:
          LOY-99: {text: not ours}
          FIT-01: {text: ok}
          GYM-02: {text: another prefix}
        actions:
          vip_thanks: {description: x, guidance: [FIT-01], scripts: {en: a, zh: b}}
          fitco.thanks:
            description: x
            guidance: [FIT-02]
            role: boss
            scripts: {en: a}
          wake_dormant.again: {description: x, guidance: [FIT-01], scripts: {en: a, zh: b}}
        rules:
          - id: r
            guidance: [FIT-01]
            when: {referrals: {gte: 3}}
            then: {derive: x}
        """)
    assert found == [
        "custom.yaml:3: $.guidelines.LOY-99: the prefix 'LOY' belongs to the course's guidance; "
        "declare yours under your own prefix (e.g. FIT-01)",
        "custom.yaml:5: $.guidelines.GYM-02: one ruleset declares guidance under one prefix: "
        "'GYM-02' is not under 'FIT'",
        "custom.yaml:7: $.actions.vip_thanks: a declared action's name carries your prefix: "
        "prefix.lower_case_name (e.g. fitco.vip_thanks)",
        "custom.yaml:10: $.actions.fitco.thanks.guidance[0]: not a guidance ID: 'FIT-02' "
        "(expected e.g. EXP-08, IND-AUTO-03, or one of your own declared under `guidelines:`) "
        "(did you mean 'FIT-01'?)",
        "custom.yaml:11: $.actions.fitco.thanks.role: unknown role 'boss'; expected one of "
        "consultant, store, manager, brand",
        "custom.yaml:12: $.actions.fitco.thanks.scripts: missing the 'zh' text (scripts exist "
        "in zh and en)",
    ]


def test_one_action_is_declared_by_one_ruleset(tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(textwrap.dedent(THANKS), encoding="utf-8")
    second.write_text(textwrap.dedent(THANKS).replace("ruleset: fitco", "ruleset: fitco_two")
                      .replace("FIT-01", "FIX-01"), encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        Engine(rulesets=[first, second], plugin_manager=bare_manager())
    assert [str(p) for p in caught.value.problems] == [
        f"{second}:1: $.actions.fitco.vip_thanks: action 'fitco.vip_thanks' is already "
        f"declared by {first}"]


# -- 3. layering ----------------------------------------------------------------------------------

LAYER = """\
    ruleset: deployment
    overrides:
      rules:
        basic/dormant: disable
        basic/birthday: {priority: 90}
      parameters:
        basic.quiet_days: 10
    """


def test_a_layer_disables_reprioritises_and_retunes_other_rulesets(tmp_path):
    from conftest import BASIC
    layer = tmp_path / "layer.yaml"
    layer.write_text(textwrap.dedent(LAYER), encoding="utf-8")
    engine = Engine(rulesets=[BASIC, layer], plugin_manager=bare_manager())
    assert "basic/dormant" not in engine.program.rules
    assert engine.program.rules["basic/birthday"].rule.then.priority == 90
    assert engine.setup.parameters["basic"]["quiet_days"] == 10
    assert engine.setup.layering.notes["basic/dormant"] == (f"disabled by {layer}:4",)
    # --param still has the last word
    tuned = Engine(rulesets=[BASIC, layer], plugin_manager=bare_manager(),
                   parameters={"basic.quiet_days": 5})
    assert tuned.setup.parameters["basic"]["quiet_days"] == 5


def test_unknown_override_targets_are_errors_with_a_suggestion(tmp_path):
    from conftest import BASIC
    layer = tmp_path / "layer.yaml"
    layer.write_text(textwrap.dedent("""\
        ruleset: deployment
        overrides:
          rules:
            basic/dormnat: disable
            basic/birthday: {priority: 900}
          parameters:
            basic.quiet_dayz: 10
            basic.quiet_days: ten
        """), encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        Engine(rulesets=[BASIC, layer], plugin_manager=bare_manager())
    assert [str(p) for p in caught.value.problems] == [
        f"{layer}:5: $.overrides.rules.basic/birthday.priority: expected an integer from 0 to "
        "100, got 900",
    ]
    layer.write_text(layer.read_text(encoding="utf-8").replace("900", "90"), encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        Engine(rulesets=[BASIC, layer], plugin_manager=bare_manager())
    assert [str(p) for p in caught.value.problems] == [
        f"{layer}:4: $.overrides.rules.basic/dormnat: unknown rule 'basic/dormnat' (did you "
        "mean 'basic/dormant'?)",
        f"{layer}:7: $.overrides.parameters.basic.quiet_dayz: unknown parameter "
        "'basic.quiet_dayz' (did you mean 'basic.quiet_days'?)",
        f"{layer}:8: $.overrides.parameters.basic.quiet_days: 'basic.quiet_days' is an "
        "integer (default 30); 'ten' is a string",
    ]


def test_a_tie_for_one_action_goes_to_the_deployments_rule(tmp_path):
    from conftest import BASIC
    mine = tmp_path / "mine.yaml"
    mine.write_text(textwrap.dedent("""\
        ruleset: mine
        rules:
          - id: my-wake
            guidance: [CRM-02]
            when: {dormant: true}
            then: {recommend: wake_dormant, priority: 50, script: my_wake}
        scripts:
          my_wake: {en: "Ours", zh: "我们的"}
        """), encoding="utf-8")

    class Core:  # the basic ruleset registered by a plugin: the core's layer
        from loyalty_rules import hookimpl

        @staticmethod
        @hookimpl
        def register_rulesets(register):  # type: ignore[no-untyped-def]
            register(BASIC)
    manager = bare_manager()
    manager.register(Core(), name="pack")
    engine = Engine(plugins=["pack"], rulesets=[mine], plugin_manager=manager)
    dormant = member(*[{"type": "purchase", "at": f"2026-0{m}-01", "amount": 10}
                       for m in (1, 2)])
    decision = engine.evaluate(dormant, AS_OF)
    rec = decision.recommendation("wake_dormant")
    assert (rec.ruleset, rec.script) == ("mine", "Ours")
    (lost,) = [s for s in decision.suppressed if s.action == "wake_dormant"]
    assert lost.ruleset == "basic"


# -- 3b. `not:` on an absent fact -----------------------------------------------------------------

def test_not_on_an_absent_derived_fact_holds(tmp_path):
    engine = engine_with(tmp_path, """\
        ruleset: gym
        rules:
          - id: flag
            guidance: [CMP-01]
            when: {complaints: {gte: 1}}
            then: {derive: complained}
          - id: no-complaint
            guidance: [CRM-08]
            when:
              not: {derived.complained: true}
            then: {derive: calm}
        """)
    assert engine.evaluate(member(), AS_OF).profile["derived"] == {"calm": True}
    complained = engine.evaluate(member({"type": "complaint", "at": "2026-11-01"}), AS_OF)
    assert complained.profile["derived"] == {"complained": True}


# -- 5. comforts ----------------------------------------------------------------------------------

def test_type_errors_have_grammar_and_say_days(tmp_path):
    found = problems(tmp_path, """\
        ruleset: gym
        rules:
          - id: r
            guidance: [CRM-02]
            when: {days_since_contact: {gte: 3 weeks}, visits: many}
            then: {derive: x}
        """)
    assert found == [
        "custom.yaml:5: $.rules[0].when.days_since_contact.gte: 'days_since_contact' is an "
        "integer (a number of days); '3 weeks' is a string",
        "custom.yaml:5: $.rules[0].when.visits.eq: 'visits' is an integer; 'many' is a string",
    ]


def test_param_typos_get_a_suggestion(tmp_path):
    with pytest.raises(UsageError, match=r"unknown parameter 'profile.dormancy_factr' "
                                         r"\(did you mean 'profile.dormancy_factor'\?\)"):
        engine_with(tmp_path, VISIT_RECENCY, parameters={"profile.dormancy_factr": 3})


def test_script_formats_are_validated(tmp_path):
    found = problems(tmp_path, VISIT_RECENCY.replace('"{days} days"', '"{days|plurl:x}"')
                     .replace('"{days}天"', '"{days|number:x}天"'))
    assert found == [
        "custom.yaml:3: $.rules[0].then: script 'wake_dormant' (en): {days|plurl…}: unknown "
        "format 'plurl'; expected plural:ONE|OTHER or number[:DIGITS]",
        "custom.yaml:3: $.rules[0].then: script 'wake_dormant' (zh): {days|number:x}: the "
        "digits are a whole number from 0 to 6",
    ]


def test_load_ruleset_text_reads_every_new_section():
    vocabulary = vocabulary_of(collect(bare_manager(), ["core"]))
    ruleset = load_ruleset_text(textwrap.dedent(THANKS), "t.yaml", vocabulary)
    assert list(ruleset.actions) == ["fitco.vip_thanks"]
    assert ruleset.guidelines["FIT-01"].source == "FitCo handbook §3"
    assert ruleset.scripts["fitco.vip_thanks"]["zh"].startswith("{name}，感谢")


# -- 6. decision tables ---------------------------------------------------------------------------

GRID = """\
    ruleset: grid
    rules:
      - id: tier-offer
        guidance: [LOY-04, CRM-10]
        table:
          when: [tier, segment]
          then: [recommend, priority, script]
          params: {tier: {field: tier}}
          rows:
            - [VIP, true_friend, reward_and_nurture, 70, grid_offer]
            - [{in: [P, IP]}, stranger, grow_share_of_wallet, 45, grid_offer]
            - [any, butterfly, harvest_while_active, 50, grid_offer]
      - id: flags
        guidance: [CRM-02]
        table:
          when: [dormant]
          then: [derive]
          rows:
            - [true, sleeping]
    scripts:
      grid_offer: {en: "{name}: an offer for {tier}", zh: "{name}：给{tier}的优惠"}
    """


def test_a_decision_table_compiles_to_one_rule_per_row(tmp_path):
    engine = engine_with(tmp_path, GRID)
    assert [k for k in engine.program.rules if k.startswith("grid/")] == [
        "grid/tier-offer.1", "grid/tier-offer.2", "grid/tier-offer.3", "grid/flags.1"]
    assert engine.program.rules["grid/tier-offer.2"].rule.line == 11
    decision = engine.evaluate(member(), AS_OF)  # a stranger at tier P
    rec = decision.recommendation("grow_share_of_wallet")
    assert (rec.rule, rec.priority, rec.script) == ("tier-offer.2", 45, "Ms Wang: an offer for P")
    assert decision.recommendation("reward_and_nurture") is None


def test_every_cell_of_a_decision_table_is_validated_at_its_line(tmp_path):
    bad = GRID.replace("[any, butterfly, harvest_while_active, 50, grid_offer]",
                       "[GOLD, butterfly, upsel, 500, grid_offer]\n"
                       "            - [any, stranger]")
    assert problems(tmp_path, bad) == [
        "custom.yaml:12: $.rules[0].table.rows[2].when.tier.eq: 'GOLD' is not a value of "
        "'tier'; expected one of P, IP, VIP, double_VIP, triple_VIP",
        "custom.yaml:12: $.rules[0].table.rows[2].then.recommend: unknown action 'upsel' "
        "(did you mean 'upsell'?)",
        "custom.yaml:12: $.rules[0].table.rows[2].then.priority: expected an integer from 0 "
        "to 100, got 500",
        "custom.yaml:13: $.rules[0].table.rows[3]: a row has 5 cells (tier, segment, "
        "recommend, priority, script), got 2",
    ]
