"""YAML documents with a line for every `$`-path: safe loading only, never a Python tag.

`load_yaml(text, file)` returns the plain data and a `Lines` object that maps `$`-paths
(`$.rules[2].when`) to 1-based line numbers, so every validation error can point at a line.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import Problem, ProblemsError


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


def _impossible_value(loader: yaml.SafeLoader, node: yaml.Node, path: str = "$"
                      ) -> tuple[str, int] | None:
    """The `$`-path and line of the first timestamp YAML recognises but cannot construct."""
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
        try:
            loader.construct_yaml_timestamp(node)
        except ValueError:
            return path, node.start_mark.line + 1
    children: list[tuple[str, yaml.Node]] = []
    if isinstance(node, yaml.MappingNode):
        children = [(f"{path}.{k.value}", v) for k, v in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = [(f"{path}[{i}]", v) for i, v in enumerate(node.value)]
    for child_path, child in children:
        found = _impossible_value(loader, child, child_path)
        if found is not None:
            return found
    return None


def load_yaml(text: str, file: str, error: type[ProblemsError]) -> tuple[Any, Lines]:
    """Parse one YAML document safely; syntax errors become `error` with file and line."""
    lines = Lines()
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            try:
                data = loader.construct_document(node) if node is not None else None
            except ValueError as exc:  # well-formed, but an impossible date (2026-11-32)
                path, line = _impossible_value(loader, node) or ("$", 1)
                raise error([Problem(f"invalid value: {exc}", file=file, line=line, path=path)]) \
                    from None
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
