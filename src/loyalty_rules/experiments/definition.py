"""An experiment: a salt, a holdout share and the arms (champion/challenger) it compares.

From the command line (`evaluate --holdout 0.1 --salt S`) or from a YAML file
(`evaluate --experiment FILE`)::

    name: wake-dormant-1997q4
    salt: wake-dormant-1997q4      # default: the name
    holdout: 0.2                   # share of the base whose recommendations are withheld
    exempt: [win_back]             # never withheld (urgent and business actions never are)
    arms:                          # shares of the whole base; holdout + arms = 1
      champion: {share: 0.4}
      challenger:
        share: 0.4
        parameters: {profile.dormancy_factor: 3}
        rulesets: [challenger.yaml]   # on top of the command line's; relative to this file
        plugins: [hotel]

Without `arms`, one arm called `treated` takes everyone not held out. The holdout is
evaluated with the first arm's rulesets and parameters, so its decisions say what that arm
would have done.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..errors import ExperimentError, Problem
from ..language.source import load_yaml
from .assignment import HOLDOUT, TREATED, Split

_TOP = ("name", "salt", "holdout", "exempt", "arms")
_ARM = ("share", "parameters", "rulesets", "plugins")


@attrs.frozen
class Arm:
    """One variant: its share of the base and what it adds to the command line's engine."""

    name: str
    share: float
    parameters: Mapping[str, Any] = attrs.field(factory=dict)
    rulesets: tuple[str, ...] = ()
    plugins: tuple[str, ...] = ()


@attrs.frozen
class Experiment:
    name: str
    salt: str
    holdout: float
    arms: tuple[Arm, ...]
    #: actions never withheld, on top of the urgent and the business's own
    exempt: frozenset[str] = frozenset()

    @classmethod
    def holdout_only(cls, share: float, salt: str, name: str | None = None) -> Experiment:
        """A holdout of `share` and one arm, `treated`, for everyone else."""
        split = Split.of(share)
        return cls(name or salt, salt, share, (Arm(TREATED, split.arms[0][1]),))

    @property
    def split(self) -> Split:
        return Split.of(self.holdout, {arm.name: arm.share for arm in self.arms})

    def arm_of(self, customer_id: str) -> str:
        return self.split.arm_of(customer_id, self.salt)

    def marker(self, arm: str) -> dict[str, Any]:
        """What a decision carries: ``{"name", "arm", "withheld"}``, and with several arms
        ``"champion"``: the first arm, which challengers are compared with."""
        marker = {"name": self.name, "arm": arm, "withheld": arm == HOLDOUT}
        if len(self.arms) > 1:
            marker["champion"] = self.arms[0].name
        return marker


def load_experiment(path: str | Path) -> Experiment:
    """Read an experiment file; every problem found is reported with its line and `$`-path."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ExperimentError([Problem(f"cannot read: {exc.strerror or exc}", file=file)]) \
            from None
    data, lines = load_yaml(text, file, ExperimentError)
    problems: list[Problem] = []

    def problem(where: str, message: str) -> None:
        problems.append(Problem(message, file=file, line=lines(where), path=where))

    if not isinstance(data, dict):
        raise ExperimentError([Problem("expected a mapping with name, salt, holdout, arms",
                                       file=file, line=1, path="$")])
    for key in data:
        if key not in _TOP:
            problem(f"$.{key}", f"unknown key (expected one of {', '.join(_TOP)})")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problem("$.name", "expected the experiment's name (a non-empty string)")
        name = "?"
    salt = data.get("salt", name)
    if not isinstance(salt, str) or not salt:
        problem("$.salt", "expected a non-empty string")
    holdout = data.get("holdout", 0)
    if isinstance(holdout, bool) or not isinstance(holdout, (int, float)) \
            or not 0 <= holdout < 1:
        problem("$.holdout", f"expected a share in [0, 1), got {holdout!r}")
        holdout = 0
    exempt = data.get("exempt", [])
    if not isinstance(exempt, list) or not all(isinstance(a, str) for a in exempt):
        problem("$.exempt", "expected a list of action names")
        exempt = []
    arms = _arms(data.get("arms"), float(holdout), Path(path).parent, problem)
    if not problems:
        total = holdout + sum(arm.share for arm in arms)
        if abs(total - 1) > 1e-9:
            problem("$.arms" if "arms" in data else "$.holdout",
                    f"the holdout and the arms' shares add up to {total:g}, not 1")
    if problems:
        raise ExperimentError(problems)
    return Experiment(name, salt, float(holdout), arms, frozenset(exempt))


def _arms(raw: Any, holdout: float, base: Path, problem: Any) -> tuple[Arm, ...]:
    if raw is None:
        return (Arm(TREATED, 1 - holdout),)
    if not isinstance(raw, dict) or not raw:
        problem("$.arms", "expected a mapping of arm name to {share, parameters, rulesets}")
        return ()
    arms = []
    for name, spec in raw.items():
        where = f"$.arms.{name}"
        if not isinstance(name, str) or name == HOLDOUT:
            problem(where, f"an arm cannot be called {name!r}")
            continue
        if not isinstance(spec, dict):
            problem(where, "expected a mapping with share (and parameters, rulesets, plugins)")
            continue
        for key in spec:
            if key not in _ARM:
                problem(f"{where}.{key}", f"unknown key (expected one of {', '.join(_ARM)})")
        share = spec.get("share")
        if isinstance(share, bool) or not isinstance(share, (int, float)) \
                or not 0 < share <= 1:
            problem(f"{where}.share", f"expected a share in (0, 1], got {share!r}")
            share = 0.0
        parameters = spec.get("parameters", {})
        if not isinstance(parameters, dict) or not all(isinstance(k, str) for k in parameters):
            problem(f"{where}.parameters", "expected a mapping of NAME: VALUE")
            parameters = {}
        rulesets = _names(spec.get("rulesets", []), f"{where}.rulesets", problem)
        plugins = _names(spec.get("plugins", []), f"{where}.plugins", problem)
        arms.append(Arm(name, float(share), dict(parameters),
                        tuple(str(base / r) for r in rulesets), plugins))
    return tuple(arms)


def _names(raw: Any, where: str, problem: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        problem(where, "expected a list of strings")
        return ()
    return tuple(raw)
