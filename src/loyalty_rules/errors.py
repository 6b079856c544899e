"""One error hierarchy for everything a user can see.

Every error says *where* (file, line, ``$``-path, record, plugin) and *what*, and renders as
one line: ``FILE:LINE: where: what``. The command line prints ``str(error)`` and never a
traceback; raw durable_rules exceptions are translated before they leave the engine.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs


@attrs.frozen
class Problem:
    """One thing wrong with an input, located as precisely as the input allows."""

    message: str
    file: str | None = None
    line: int | None = None
    path: str | None = None  # a `$`-path such as `$.rules[2].when.tier`, or a field name

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = f"{self.file}:{self.line if self.line is not None else 0}: "
        elif self.line is not None:
            where = f"line {self.line}: "
        if self.path:
            return f"{where}{self.path}: {self.message}"
        return f"{where}{self.message}"


class LoyaltyRulesError(Exception):
    """Base class of every error `loyalty_rules` raises on purpose."""


class UsageError(LoyaltyRulesError):
    """The library or the command line was called the wrong way."""


class ProblemsError(LoyaltyRulesError):
    """An error that carries one or more located problems (all of them, not the first)."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RulesetError(ProblemsError):
    """A ruleset file is unusable: every problem found, each with file, line and path."""


class ScenarioError(ProblemsError):
    """A scenario file is malformed."""


class ExperimentError(ProblemsError):
    """An experiment definition (holdout, arms) is unusable: every problem, located."""


class RecordError(ProblemsError):
    """A customer record failed validation; the rest of a batch goes on without it."""


class PluginError(LoyaltyRulesError):
    """A plugin failed to load or to register; the message names the plugin."""

    def __init__(self, plugin: str, message: str):
        self.plugin = plugin
        super().__init__(f"plugin {plugin!r}: {message}")


class NotFoundError(LoyaltyRulesError):
    """A store was asked for a customer, run or recommendation it does not hold."""


class EngineError(LoyaltyRulesError):
    """The rule engine failed while evaluating; the message names the customer and rule."""


class PopulationError(ProblemsError):
    """A population cannot be built or read: bad parameters or a malformed population file."""


def one_line(text: object) -> str:
    """A message on one line: errors are printed one per line (pluggy's span several)."""
    return " ".join(str(text).split())
