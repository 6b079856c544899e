"""The core rulesets (rulesets/*.yaml) against the contract, the guidance and the sample data.

The README's main command evaluates samples/customers.jsonl as of 2026-11-22; these tests
check that the sample data exercises every core action, and that the rulesets are complete:
every action of the contract's vocabulary is produced by some rule, every rule cites
guidance from the catalogue, every script exists in both languages.
"""

from __future__ import annotations

import collections
import re
import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from loyalty_rules import Engine, get_plugin_manager, read_customers
from loyalty_rules.decisions.model import Decision
from loyalty_rules.language.actions import CORE_ACTIONS
from loyalty_rules.engine.checking import guidance_catalogue
from loyalty_rules.cli import main
from loyalty_rules.language.model import Recommend
from loyalty_rules.facts.models import PERSONALITY_LABELS

SAMPLES = ROOT / "samples" / "customers.jsonl"
SAMPLES_611 = ROOT / "samples" / "customers-611.jsonl"
AS_OF = dt.date(2026, 11, 22)
CORE = {spec.name for spec in CORE_ACTIONS}
#: CRM-04 fixes the 611 dates (1st and 15th; 45 days into the quarter; the quarter's end);
#: 22 November 2026 is none of them, so these come from customers-611.jsonl on their dates.
REVISIT = {"revisit_sms", "revisit_call_short", "revisit_call_long"}
#: customers whose day shows the new conversation actions on their own (issue 9)
SAMPLES_CONVERSATION = ROOT / "samples" / "customers-conversation.jsonl"
#: customers showing the version-2 actions of letting go and the guidance added (issue 9)
SAMPLES_V2 = ROOT / "samples" / "customers-v2.jsonl"
REVISIT_DATES = {"2026-11-15": {"revisit_sms", "revisit_call_short"},
                 "2026-12-01": {"revisit_sms"},
                 "2026-12-31": {"revisit_call_long"}}
CORE_RULESETS = {"expectations", "loyalty", "relationship", "recovery"}


@pytest.fixture(scope="module")
def decisions(core_engine: Engine) -> list:
    results = list(core_engine.evaluate_many(
        [*read_customers(SAMPLES), *read_customers(SAMPLES_CONVERSATION),
         *read_customers(SAMPLES_V2)], AS_OF))
    assert all(hasattr(r, "recommendations") for r in results), "a sample record was rejected"
    return results


def raw_samples(path: Path = SAMPLES) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- the rulesets -------------------------------------------------------------------------------

def test_the_four_core_rulesets_are_loaded(core_engine: Engine) -> None:
    assert {rs.name for rs in core_engine.rulesets} == CORE_RULESETS


def test_every_core_action_is_produced_by_some_rule(core_engine: Engine) -> None:
    produced = {rule.then.action for rs in core_engine.rulesets for rule in rs.rules
                if isinstance(rule.then, Recommend)}
    assert CORE - produced == set()


def test_every_rule_cites_guidance_from_the_catalogue(core_engine: Engine) -> None:
    known = {row["id"] for row in guidance_catalogue()}
    for ruleset in core_engine.rulesets:
        for rule in ruleset.rules:
            assert rule.guidance, f"{ruleset.name}/{rule.id} cites no guidance"
            assert set(rule.guidance) <= known, f"{ruleset.name}/{rule.id}: {rule.guidance}"
            assert rule.description, f"{ruleset.name}/{rule.id} has no description"
        for parameter in ruleset.parameters.values():
            assert parameter.description, f"{ruleset.name}.{parameter.name}: say why"


def test_every_script_exists_in_both_languages_in_its_ruleset(core_engine: Engine) -> None:
    for ruleset in core_engine.rulesets:
        for rule in ruleset.rules:
            if isinstance(rule.then, Recommend):
                texts = ruleset.scripts.get(rule.then.script_key)
                assert texts is not None, f"{ruleset.name}/{rule.id}: script in another file"
                assert set(texts) == {"en", "zh"}


def test_the_material_s_own_words_are_in_the_scripts(core_engine: Engine) -> None:
    scripts = core_engine.setup.scripts
    # CRM-02, seed 001: 唤醒沉睡客户
    assert "前段时间我们是不是在服务中没有做到位" in scripts["wake_dormant"]["zh"]
    assert "did we fall short" in scripts["wake_dormant"]["en"]
    # CRM-01, seed 001: the letter to a stalled prospect
    assert "请谅解我用写信这种特殊的方式和您进行沟通" in scripts["activate_stalled_prospect"]["zh"]
    # CMP-04, seed 003: 承认错误并向客户道歉 → 解释原因和正常的解决流程 → 补偿, 修复信任
    assert "抱歉" in scripts["acknowledge_and_apologize"]["zh"]
    assert "正常的解决流程" in scripts["explain"]["zh"]
    assert "信任" in scripts["compensate"]["zh"]


def test_the_defaults_are_the_material_s_numbers(core_engine: Engine) -> None:
    values = core_engine.setup.parameters
    assert values["expectations"]["wait_padding_minutes"] == 10     # EXP-13, Disney
    assert values["loyalty"]["delighted_score"] == 5.0               # LOY-01, 5 of 5
    assert values["loyalty"]["satisfied_score"] == 4.0               # LOY-01, 4 of 5
    assert values["relationship"]["stalled_min_visits"] == 3         # CRM-01, 3 times
    assert values["relationship"]["keep_in_touch_days"] == 30        # CRM-07, monthly
    assert values["relationship"]["at_risk_contact_days"] == 90      # CRM-07, three months
    assert values["relationship"]["revisit_catch_up_days"] == 0      # CRM-04, on the dates


# -- the sample data ----------------------------------------------------------------------------

def test_the_samples_are_varied() -> None:
    records = raw_samples()
    assert len(records) >= 60
    assert {r["locale"] for r in records} == {"en", "zh"}
    labels = {r.get("personality") for r in records}
    assert set(PERSONALITY_LABELS) <= labels  # every label, English and Chinese
    assert None in labels  # and customers whose personality is unknown
    assert {r.get("kind", "individual") for r in records} == {"individual", "corporate",
                                                               "channel"}
    assert len({r["id"] for r in records}) == len(records)


def said(decision: Decision) -> list[str]:
    """The actions a decision carries out: its recommendations and the answers said inside a
    reply (one reply per request), e.g. the industry norm inside an under-promise."""
    return [*decision.actions, *(a for r in decision.recommendations for a in r.includes)]


def due(decision: Decision) -> set[str]:
    """What the day's decision carries out, plus the 611 contacts another 611 contact replaced
    (one "how are you" a day: the short call on 15 November replaces that day's SMS)."""
    return set(said(decision)) | {s.action for s in decision.suppressed
                                  if s.displaced_by in REVISIT}


def test_every_core_action_appears_in_the_sample_decisions(decisions: list) -> None:
    counts = collections.Counter(a for d in decisions for a in said(d))
    missing = sorted(CORE - REVISIT - set(counts))
    assert missing == [], f"no sample customer gets {missing}"


def test_the_611_programme_has_no_date_on_2026_11_22(decisions: list) -> None:
    # 22 November is not the 1st or 15th, not 45 days into Q4 (15 November), not its end.
    assert not any(set(d.actions) & REVISIT for d in decisions)


@pytest.mark.parametrize(("as_of", "expected"), sorted(REVISIT_DATES.items()))
def test_the_611_samples_on_the_programme_s_dates(core_engine: Engine, as_of: str,
                                                  expected: set[str]) -> None:
    results = list(core_engine.evaluate_many(read_customers(SAMPLES_611), as_of))
    got = {a for d in results for a in due(d)} & REVISIT
    assert got == expected
    # only key accounts (CRM-11): never the small customer K005 or the leaver K006
    for d in results:
        if d.customer_id in ("K005", "K006"):
            assert not set(d.actions) & REVISIT


def test_between_the_two_sample_files_every_core_action_appears(decisions: list,
                                                               core_engine: Engine) -> None:
    seen = {a for d in decisions for a in said(d)}
    for as_of in REVISIT_DATES:
        seen |= {a for d in core_engine.evaluate_many(read_customers(SAMPLES_611), as_of)
                 for a in due(d)}
    assert CORE - seen == set()


def test_a_catch_up_window_brings_the_missed_15_november_contacts_back() -> None:
    engine = Engine(plugin_manager=get_plugin_manager(load_entrypoints=False),
                    parameters={"relationship.revisit_catch_up_days": 7})
    actions = {a for d in engine.evaluate_many(read_customers(SAMPLES), AS_OF) for a in due(d)}
    assert {"revisit_sms", "revisit_call_short"} <= actions
    assert "revisit_call_long" not in actions  # 30 September is 53 days back


def test_urgent_actions_survive_the_contact_cap_in_the_samples(decisions: list) -> None:
    busy = next(d for d in decisions if d.customer_id == "C065")  # 3 contacts this week
    assert {"recover_broken_promise", "acknowledge_and_apologize"} <= set(busy.actions)
    assert [s.action for s in busy.suppressed] == ["at_risk_satisfied"]
    # recovery first: no relationship work while the broken promise is being put right
    assert busy.suppressed[0].reason.startswith("recovery first")
    assert busy.suppressed[0].displaced_by == "recover_broken_promise"


def test_strangers_get_nothing(decisions: list) -> None:
    for d in decisions:
        if d.customer_id in ("C062", "C063"):
            assert d.profile["segment"] == "stranger" and d.actions == []


def test_the_readme_command_shows_every_action_but_the_611_ones() -> None:
    result = CliRunner().invoke(main, ["evaluate", str(SAMPLES), str(SAMPLES_CONVERSATION),
                                       str(SAMPLES_V2), "--as-of", "2026-11-22",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert len(output) == len(raw_samples()) + len(raw_samples(SAMPLES_CONVERSATION)) + len(
        raw_samples(SAMPLES_V2))
    actions = {r["action"] for d in output for r in d["recommendations"]}
    assert CORE - REVISIT <= actions
    scripts = [r["script"] for d in output for r in d["recommendations"]]
    assert not any("{" in s for s in scripts), "a script placeholder was left unfilled"


# -- docs/guidance.md stays in step with the rulesets ----------------------------------------------

def guidance_rows() -> dict[str, tuple[set[str], str]]:
    """ID → (rules named in the row's third column, the row's explanation)."""
    rows = {}
    for line in (ROOT / "docs" / "guidance.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"[A-Z]+(-[A-Z]+)?-\d\d", cells[0]):
            rows[cells[0]] = (set(re.findall(r"`([a-z_]+/[a-z0-9_.-]+)`", cells[2])), cells[3])
    return rows


def test_the_guidance_page_names_exactly_the_rules_citing_each_guideline(
        core_engine: Engine) -> None:
    cited: dict[str, set[str]] = collections.defaultdict(set)
    for ruleset in core_engine.rulesets:
        for rule in ruleset.rules:
            for gid in rule.guidance:
                cited[gid].add(f"{ruleset.name}/{rule.id}")
    rows = guidance_rows()
    catalogue = [row["id"] for row in guidance_catalogue()]
    assert sorted(rows) == sorted(catalogue), "one row per guideline of the catalogue"
    for gid in catalogue:
        named, why = rows[gid]
        assert named == cited.get(gid, set()), f"docs/guidance.md, {gid}"
        assert why, f"docs/guidance.md, {gid}: say how, or why not"
