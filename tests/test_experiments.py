"""Holdouts and champion/challenger: the stable hash, the experiment file, `evaluate`'s
options and what they do to decisions."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import ROOT

from loyalty_rules.cli import main
from loyalty_rules.errors import ExperimentError, UsageError
from loyalty_rules.experiments.assignment import HOLDOUT, Split, bucket
from loyalty_rules.experiments.definition import Experiment, load_experiment

SAMPLES = ROOT / "samples" / "customers.jsonl"
AS_OF = "2026-11-22"
IDS = [f"C{n:05d}" for n in range(20_000)]


def test_the_bucket_is_sha256_of_salt_newline_id():
    import hashlib

    digest = hashlib.sha256(b"2026q4\nC042").digest()
    assert bucket("C042", "2026q4") == int.from_bytes(digest[:8], "big") / 2 ** 64
    # pinned: a change of the hash would silently reshuffle every running experiment
    assert bucket("C042", "2026q4") == pytest.approx(0.7896830147028198, abs=1e-15)


def test_shares_are_honoured_and_the_holdout_only_grows():
    split = Split.of(0.1, {"A": 0.45, "B": 0.45})
    arms = [split.arm_of(cid, "s") for cid in IDS]
    for name, share in (("holdout", 0.1), ("A", 0.45), ("B", 0.45)):
        assert arms.count(name) / len(IDS) == pytest.approx(share, abs=0.015)
    small = {c for c in IDS if Split.of(0.05).arm_of(c, "s") == HOLDOUT}
    large = {c for c in IDS if Split.of(0.10).arm_of(c, "s") == HOLDOUT}
    assert small < large  # customers held out at 5 % stay held out at 10 %
    other = {c for c in IDS if Split.of(0.10).arm_of(c, "t") == HOLDOUT}
    # another salt draws an independent holdout: overlap about 10 % of 10 %
    assert len(other & large) / len(IDS) == pytest.approx(0.01, abs=0.005)


def test_the_assignment_is_the_same_in_another_process_with_another_hash_seed():
    code = ("from loyalty_rules.experiments.assignment import Split\n"
            f"ids = {IDS[:300]!r}\n"
            "print(''.join(Split.of(0.3, {'A': 0.35, 'B': 0.35}).arm_of(c, 'x')[0] "
            "for c in ids))")
    here = "".join(Split.of(0.3, {"A": 0.35, "B": 0.35}).arm_of(c, "x")[0] for c in IDS[:300])
    for seed in ("1", "987"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env={**os.environ, "PYTHONHASHSEED": seed})
        assert out.stdout.strip() == here
    assert set(here) == {"h", "A", "B"}


@pytest.mark.parametrize("holdout, arms, message", [
    (1.0, None, "holdout"), (-0.1, None, "holdout"),
    (0.1, {"A": 0.5, "B": 0.5}, "add up to 1.1"), (0.1, {"holdout": 0.9}, "holdout's name"),
    (0.1, {"A": 0.0, "B": 0.9}, "arms.A.share")])
def test_a_bad_split_is_refused(holdout, arms, message):
    with pytest.raises(UsageError, match=message):
        Split.of(holdout, arms)


def test_an_experiment_file_with_arms_of_their_own(tmp_path):
    (tmp_path / "extra.yaml").write_text("x", encoding="utf-8")
    path = tmp_path / "exp.yaml"
    path.write_text("name: dormancy\nholdout: 0.2\nexempt: [win_back]\narms:\n"
                    "  champion: {share: 0.4}\n"
                    "  challenger: {share: 0.4, parameters: {profile.dormancy_factor: 3},"
                    " rulesets: [extra.yaml]}\n", encoding="utf-8")
    experiment = load_experiment(path)
    assert experiment.salt == "dormancy" and experiment.exempt == {"win_back"}
    assert [a.name for a in experiment.arms] == ["champion", "challenger"]
    assert experiment.arms[1].parameters == {"profile.dormancy_factor": 3}
    assert experiment.arms[1].rulesets == (str(tmp_path / "extra.yaml"),)


def test_every_problem_of_an_experiment_file_is_located(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("name: x\nholdout: 2\ncolour: red\narms:\n  A: {share: 0.5, seeds: 1}\n"
                    "  B: {share: yes}\n", encoding="utf-8")
    with pytest.raises(ExperimentError) as caught:
        load_experiment(path)
    lines = [str(p) for p in caught.value.problems]
    assert f"{path}:2: $.holdout: expected a share in [0, 1), got 2" in lines
    assert any(line.startswith(f"{path}:3: $.colour: unknown key") for line in lines)
    assert any(line.startswith(f"{path}:5: $.arms.A.seeds: unknown key") for line in lines)
    assert any(line.startswith(f"{path}:6: $.arms.B.share") for line in lines)


def _evaluate(*args: str) -> tuple[int, list[dict], str]:
    result = CliRunner().invoke(main, ["evaluate", str(SAMPLES), "--as-of", AS_OF,
                                       "--format", "jsonl", *args])
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, [json.loads(x) for x in result.stdout.splitlines()], result.stderr


@pytest.fixture(scope="module")
def plain() -> dict[str, dict]:
    code, decisions, _ = _evaluate("--workers", "1")
    assert code == 0
    return {d["customer_id"]: d for d in decisions}


def test_a_holdout_withholds_all_but_urgent_and_business_actions(plain):
    code, decisions, _ = _evaluate("--workers", "1", "--holdout", "0.4", "--salt", "s1")
    assert code == 0
    assert [d["customer_id"] for d in decisions] == list(plain)  # input order
    experiment = Experiment.holdout_only(0.4, "s1")
    arms = {d["customer_id"]: d["experiment"]["arm"] for d in decisions}
    assert set(arms.values()) == {"holdout", "treated"}
    kept_in_holdout = set()
    for decision in decisions:
        cid, before = decision["customer_id"], plain[decision["customer_id"]]
        assert arms[cid] == experiment.arm_of(cid)
        if arms[cid] == "treated":
            assert decision == {**before, "experiment": {"name": "s1", "arm": "treated",
                                                         "withheld": False}}
            continue
        assert decision["experiment"] == {"name": "s1", "arm": "holdout", "withheld": True}
        withheld = [s["action"] for s in decision["suppressed"]
                    if s["reason"] == "holdout: withheld for experiment s1"]
        kept = [r["action"] for r in decision["recommendations"]]
        assert sorted(withheld + kept) == sorted(r["action"] for r in before["recommendations"])
        kept_in_holdout.update(kept)
    # complaint recovery and broken promises are urgent; prevention_review is the business's
    assert kept_in_holdout and kept_in_holdout <= {
        "acknowledge_and_apologize", "explain", "compensate", "follow_up",
        "recover_broken_promise", "prevention_review"}


def test_two_workers_give_the_same_experiment(plain):
    one = _evaluate("--workers", "1", "--holdout", "0.4", "--salt", "s1")[1]
    two = _evaluate("--workers", "2", "--holdout", "0.4", "--salt", "s1")[1]
    assert one == two


def test_champion_and_challenger_are_each_evaluated_with_their_own_parameters(plain, tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("name: ab\nsalt: ab-1\nholdout: 0.2\narms:\n  champion: {share: 0.4}\n"
                    "  challenger: {share: 0.4, parameters: {profile.dormancy_factor: 0.5}}\n",
                    encoding="utf-8")
    code, challenged, _ = _evaluate("--workers", "1", "--param", "profile.dormancy_factor=0.5")
    assert code == 0
    challenged_by_id = {d["customer_id"]: d for d in challenged}
    for workers in ("1", "2"):
        code, decisions, _ = _evaluate("--workers", workers, "--experiment", str(path))
        assert code == 0
        assert [d["customer_id"] for d in decisions] == list(plain)
        arms = {d["experiment"]["arm"] for d in decisions}
        assert arms == {"holdout", "champion", "challenger"}
        for decision in decisions:
            marker = decision.pop("experiment")
            assert marker["champion"] == "champion"  # what challengers are compared with
            arm = marker["arm"]
            if arm == "champion":
                assert decision == plain[decision["customer_id"]]
            elif arm == "challenger":
                assert decision == challenged_by_id[decision["customer_id"]]
    # the challenger's parameter changes somebody's decision, or the test proves nothing
    assert any(plain[c]["profile"]["dormant"] != d["profile"]["dormant"]
               for c, d in challenged_by_id.items())


@pytest.mark.parametrize("args, message", [
    (["--holdout", "0.1"], "--holdout needs --salt"),
    (["--salt", "x"], "--salt goes with --holdout"),
    (["--holdout", "1.5", "--salt", "x"], "--holdout"),
])
def test_holdout_options_are_checked(args, message):
    code, _, stderr = _evaluate(*args)
    assert code == 2 and message in stderr


def test_a_bad_experiment_file_is_one_line_per_problem(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("name: x\nholdout: 0.5\narms: {A: {share: 0.2}}\n", encoding="utf-8")
    code, decisions, stderr = _evaluate("--experiment", str(path))
    assert code == 2 and not decisions
    assert stderr.strip() == f"{path}:3: $.arms: the holdout and the arms' shares add up to " \
                             "0.7, not 1"


def test_the_documented_experiment_file_and_command_work(tmp_path):
    import re

    text = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    yaml_block = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    (tmp_path / "challenger.yaml").write_text("x", encoding="utf-8")
    (tmp_path / "dormancy.yaml").write_text(yaml_block, encoding="utf-8")
    experiment = load_experiment(tmp_path / "dormancy.yaml")
    assert (experiment.holdout, [(a.name, a.share) for a in experiment.arms]) == \
        (0.2, [("champion", 0.4), ("challenger", 0.4)])
    command = re.search(r"```bash\n(uv run loyalty-rules evaluate samples.*?)```", text,
                        re.S).group(1)
    args = command.replace("\\\n", " ").split()[3:]
    out = tmp_path / "decisions.jsonl"
    args[args.index("-o") + 1] = str(out)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.stderr
    arms = [json.loads(line)["experiment"]["arm"] for line in out.read_text().splitlines()]
    assert len(arms) == 66 and "holdout" in arms and "treated" in arms


def test_an_arm_with_population_parameters_gets_its_own_population(plain, tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("name: keys\nholdout: 0.2\narms:\n  champion: {share: 0.4}\n"
                    "  challenger: {share: 0.4, parameters: {population.key_share: 0.05}}\n",
                    encoding="utf-8")
    code, narrow, _ = _evaluate("--workers", "1", "--param", "population.key_share=0.05")
    assert code == 0
    narrow_by_id = {d["customer_id"]: d for d in narrow}
    code, decisions, stderr = _evaluate("--workers", "1", "--experiment", str(path))
    assert code == 0, stderr
    for decision in decisions:
        arm = decision.pop("experiment")["arm"]
        if arm == "challenger":
            assert decision == narrow_by_id[decision["customer_id"]]
        elif arm == "champion":
            assert decision == plain[decision["customer_id"]]
    assert sum(d["profile"]["key_account"] for d in narrow) < \
        sum(d["profile"]["key_account"] for d in plain.values())
    code, _, stderr = _evaluate("--no-population", "--experiment", str(path))
    assert code == 2 and "--no-population excludes" in stderr
