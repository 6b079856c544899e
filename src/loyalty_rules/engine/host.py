"""The only module that touches durable_rules: its C engine, driven directly.

What durable_rules' Python layer would cost us, and what we do instead (measured here; see
docs/architecture.md):

* `durable.lang` keeps a module-global host; the stock `Host` starts two timer threads that
  never stop; every action firing builds a `Closure`, reads the clock twice and round-trips
  the session state through JSON. We need none of that: rules only *match* here, and firings
  are recorded, never run as Python actions. So each `RuleHost` creates its rulesets with
  `durable_rules_engine.create_ruleset` and drains firings with `start_action_for_state` /
  `complete_and_start_action` — the same calls `durable.engine` makes, minus the per-firing
  machinery (3.6× the firings per second, identical results on the same input).
* No Python code runs inside the engine, so no action error can be swallowed.
* Facts are asserted in one temporary session per call, deleted afterwards (durable_rules
  keeps at most 1024 sessions per ruleset), so memory stays flat.
* The C engine is not re-entrant and never releases the GIL: one lock per host.
* Every durable_rules exception and result code is translated into `EngineError`.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Sequence
from typing import Any

import orjson

from ..errors import EngineError
from ..language.compiler import SENTINEL, Program

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import durable_rules_engine as _engine

SESSION = "0"
_SENTINEL_MESSAGE = '{"%s":' % SENTINEL  # how its firings start
_NOT_HANDLED, _OBSERVED = 1, 2


class RuleHost:
    """Owns the durable_rules rulesets (one per compiled part) of one `Program`."""

    def __init__(self, program: Program):
        self._lock = threading.Lock()
        self._handles: dict[str, Any] = {}
        for part in program.parts:
            try:
                self._handles[part.name] = _engine.create_ruleset(
                    part.name, json.dumps(part.definition, ensure_ascii=False))
            except Exception as exc:  # bare codes, e.g. "error code: 202"
                raise EngineError(f"durable_rules refused compiled part {part.name!r}: "
                                  f"{exc}") from None

    def fire(self, part: str, facts: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
        """Assert `facts` into `part` in a fresh session; return (rule key, fact id) firings."""
        if not facts:
            return []
        handle = self._handles[part]
        fired: list[tuple[str, str]] = []
        with self._lock:
            try:
                result = _engine.assert_facts(handle, orjson.dumps(facts).decode())
                if result[0] == _NOT_HANDLED:
                    raise EngineError("durable_rules: a fact matched no rule")
                if result[0] == _OBSERVED:
                    raise EngineError("durable_rules: the same fact was asserted twice")
                state = result[1]
                pending = _engine.start_action_for_state(handle, state) if state else None
                message = pending[1] if pending else None
                while message:
                    # the sentinel fires once per fact: skip it before paying for json.loads
                    if not message.startswith(_SENTINEL_MESSAGE):
                        for rule, matched in orjson.loads(message).items():
                            if rule != SENTINEL:
                                fired.append((rule, matched["m"]["id"]))
                    message = _engine.complete_and_start_action(handle, state)
            except EngineError:
                raise
            except Exception as exc:
                raise EngineError(_describe(exc)) from None
            finally:
                try:
                    _engine.delete_state(handle, SESSION)
                except Exception:  # nothing was stored: nothing to free
                    pass
        # durable_rules fires a rule once per true branch of an `any` (its `$or` is
        # expanded into paths): report each (rule, fact) once.
        return list(dict.fromkeys(fired))


def _describe(exc: Exception) -> str:
    text = str(exc)
    for code, meaning in (("303", "a fact matched too many rules at once"),
                          ("302", "a fact has too many properties"),
                          ("314", "a property value is too large")):
        if f"error code: {code}" in text:
            return f"durable_rules error {code}: {meaning}"
    return f"durable_rules: {type(exc).__name__}: {text}"
