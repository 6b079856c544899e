"""YAML documents with a line for every `$`-path: safe loading only, never a Python tag.

`load_yaml(text, file)` returns the plain data and a `Lines` object that maps `$`-paths
(`$.rules[2].when`) to 1-based line numbers, so every validation error can point at a line.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import Problem, ProblemsError


class Lines:
    """`$`-path → line number; an unknown path falls back to its nearest known parent."""

    def __init__(self) -> None:
        self._lines: dict[str, int] = {}

    def record(self, path: str, line: int) -> None:
        self._lines.setdefault(path, line)

    def __call__(self, path: str) -> int:
        while path:
            if path in self._lines:
                return self._lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            if cut <= 0:
                break
            path = path[:cut]
        return self._lines.get("$", 1)


def _walk(node: yaml.Node, path: str, lines: Lines) -> None:
    lines.record(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            child = f"{path}.{key}"
            lines.record(child, key_node.start_mark.line + 1)
            _walk(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, f"{path}[{index}]", lines)


def load_yaml(text: str, file: str, error: type[ProblemsError]) -> tuple[Any, Lines]:
    """Parse one YAML document safely; syntax errors become `error` with file and line."""
    lines = Lines()
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = exc.problem or str(exc)
        if exc.context:
            message = f"{exc.context}: {message}"
        raise error([Problem(f"invalid YAML: {message}", file=file, line=line, path="$")]) \
            from None
    except yaml.YAMLError as exc:
        raise error([Problem(f"invalid YAML: {exc}", file=file, line=1, path="$")]) from None
    if node is not None:
        _walk(node, "$", lines)
    return data, lines
