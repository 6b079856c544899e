"""A private, thread-less durable_rules host, and the only module that touches durable_rules.

* `durable.lang`'s module-global host is never used: each `RuleHost` owns its own, so
  several engines live side by side in one process.
* The stock `Host` starts two timer threads that never stop; `_QuietHost` starts none.
* Actions are looked up in our own table; each records a firing and cannot raise.
* Facts are asserted in one temporary session per call, deleted afterwards (durable_rules
  keeps at most 1024 sessions per ruleset), so memory stays flat.
* durable_rules is not re-entrant and never releases the GIL: one lock per host.
* Every durable_rules exception is translated into `EngineError`.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from .compiler import SENTINEL, Program
from .errors import EngineError

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from durable import engine as _durable

SESSION = "0"


class _QuietHost(_durable.Host):
    """durable_rules' Host without its background dispatch threads."""

    def __init__(self, actions: Mapping[str, Any]):
        self._our_actions = actions
        super().__init__()

    def _run(self) -> None:  # no threading.Timer loops
        return None

    def get_action(self, action_name: str) -> Any:
        return self._our_actions[action_name]

    def load_ruleset(self, ruleset_name: str) -> Any:
        raise EngineError(f"no compiled part named {ruleset_name!r}")


class RuleHost:
    """Owns one durable_rules host holding one compiled `Program`."""

    def __init__(self, program: Program):
        self._lock = threading.Lock()
        self._fired: list[tuple[str, str]] = []
        fired = self._fired

        def recorder(key: str) -> Any:
            def record(c: Any) -> None:
                fired.append((key, c.m["id"]))
            return record

        def ignore(c: Any) -> None:
            return None

        actions: dict[str, Any] = {key: recorder(key) for key in program.rules}
        actions[SENTINEL] = ignore
        try:
            self._host = _QuietHost(actions)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                self._host.register_rulesets(program.fresh_definitions())
        except Exception as exc:  # bare durable_rules errors, e.g. "error code: 202"
            raise EngineError(f"durable_rules refused the compiled rulesets: {exc}") from None

    def fire(self, part: str, facts: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
        """Assert `facts` into `part` in a fresh session; return (rule key, fact id) firings."""
        if not facts:
            return []
        with self._lock:
            self._fired.clear()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    self._host.assert_facts(part, list(facts))
            except Exception as exc:
                raise EngineError(_describe(exc)) from None
            finally:
                try:
                    self._host.delete_state(part, SESSION)
                except Exception:  # nothing was stored: nothing to free
                    pass
            return list(self._fired)


def _describe(exc: Exception) -> str:
    if isinstance(exc, _durable.MessageNotHandledException):
        return "durable_rules: a fact matched no rule"
    if isinstance(exc, _durable.MessageObservedException):
        return "durable_rules: the same fact was asserted twice"
    text = str(exc)
    if "303" in text:
        return "durable_rules error 303: a fact matched too many rules at once"
    if "302" in text:
        return "durable_rules error 302: a fact has too many properties"
    if "314" in text:
        return "durable_rules error 314: a property value is too large"
    return f"durable_rules: {type(exc).__name__}: {text}"
