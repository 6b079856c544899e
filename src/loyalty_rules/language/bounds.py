"""Bounds a ruleset must keep so that what `validate` accepts, the engine can run.

durable_rules refuses a rule whose conditions nest 15 `any` (or `all`) deep, with a bare
"error code: 113" at engine start (docs/shared notes, measured); deeper still, walking the
conditions would exhaust Python's stack. Validation checks these bounds first, on the raw
YAML, and names the file, line and `$`-path of the first condition past them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: `any`, `all` and `not` (and a list, which is an `all`) nested inside one another.
MAX_CONDITION_DEPTH = 12



def condition_too_deep(data: Any, path: str) -> tuple[str, str] | None:
    """(`$`-path, message) of the first condition nested past `MAX_CONDITION_DEPTH`."""
    stack: list[tuple[Any, str, int]] = [(data, path, 0)]
    while stack:  # iterative: the input may be nested far deeper than the stack allows
        node, where, depth = stack.pop()
        if isinstance(node, list):
            children = [(item, f"{where}[{i}]") for i, item in enumerate(node)]
        elif isinstance(node, Mapping):
            children = []
            for key in ("any", "all", "not"):
                if key in node:
                    inner = node[key]
                    if isinstance(inner, list):
                        children += [(item, f"{where}.{key}[{i}]") for i, item in enumerate(inner)]
                    else:
                        children.append((inner, f"{where}.{key}"))
        else:
            continue
        if children and depth >= MAX_CONDITION_DEPTH:
            return where, (f"conditions nest more than {MAX_CONDITION_DEPTH} levels of any/all/"
                           "not; the rule engine refuses deeper ones: split the rule or "
                           "derive a named fact")
        stack += [(child, child_path, depth + 1) for child, child_path in children]
    return None


def non_finite(data: Any, path: str = "$") -> list[str]:
    """`$`-paths of every `.nan`, `.inf` or `-.inf` in a document: no threshold, default or
    value compares sensibly with them (``x > .nan`` is never true)."""
    found = []
    stack: list[tuple[Any, str]] = [(data, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            found.append(where)
        elif isinstance(node, Mapping):
            stack += [(value, f"{where}.{key}") for key, value in node.items()]
        elif isinstance(node, list):
            stack += [(value, f"{where}[{i}]") for i, value in enumerate(node)]
    return sorted(found)
