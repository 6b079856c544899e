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


def _duplicate_keys(node: yaml.Node, path: str = "$", seen: set[int] | None = None
                    ) -> list[tuple[str, int, str]]:
    """Every key written twice in one mapping, as (`$`-path, line, message): YAML would keep
    only the last silently (a second `when:` or a second rule `id:` must not pass unseen)."""
    seen = set() if seen is None else seen
    if id(node) in seen:  # an alias of a node already looked at
        return []
    seen.add(id(node))
    found: list[tuple[str, int, str]] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value != "<<":
                key, line = key_node.value, key_node.start_mark.line + 1
                if key in first:
                    found.append((f"{path}.{key}", line, f"duplicate key {key!r} (first at "
                                  f"line {first[key]}): YAML would keep only this one"))
                else:
                    first[key] = line
            child = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            found += _duplicate_keys(value_node, f"{path}.{child}", seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found += _duplicate_keys(item, f"{path}[{index}]", seen)
    return found


#: How deep a document may nest (mappings and lists): far beyond any real ruleset or
#: scenario file, far below what would exhaust Python's stack.
MAX_DEPTH = 64
#: How many nodes a document may hold once its aliases are expanded: anchors and aliases
#: (`*name`) stay usable, a "billion laughs" document is refused before it is expanded.
MAX_NODES = 100_000


class _Refused(Exception):
    def __init__(self, message: str, mark: Any):
        self.message, self.line = message, (mark.line + 1 if mark is not None else 1)


class _BoundedLoader(yaml.SafeLoader):
    """`SafeLoader` that counts, while composing, how deep the document nests and how many
    nodes it holds with every alias expanded (shared nodes are counted once per use, from a
    memo, so the count itself costs one step per node)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nested more than {MAX_DEPTH} levels deep",
                               self.peek_event().start_mark)
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        size = 1 + sum(self._sizes.get(id(child), 1) for child in children)
        if size > MAX_NODES:
            raise _Refused(f"expands to more than {MAX_NODES:,} values once its aliases are "
                           "followed (an alias bomb?)", node.start_mark)
        self._sizes[id(node)] = size
        return node


def read_text(path: Any, error: type[ProblemsError]) -> str:
    """A ruleset or scenario file's text (UTF-8); an unreadable file is `error` naming it."""
    file = str(path)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise error([Problem(f"not valid UTF-8: byte 0x{exc.object[exc.start]:02x} (save the "
                             "file as UTF-8)", file=file, line=line)]) from None
    except OSError as exc:
        raise error([Problem(f"cannot read: {exc.strerror or exc}", file=file, line=0)]) \
            from None


def load_yaml(text: str, file: str, error: type[ProblemsError]) -> tuple[Any, Lines]:
    """Parse one YAML document safely; syntax errors become `error` with file and line.

    A document nested deeper than `MAX_DEPTH` or larger than `MAX_NODES` once its aliases
    are expanded is refused with the line where it went past the bound, before anything
    walks it.
    """
    lines = Lines()
    try:
        loader = _BoundedLoader(text)
        try:
            node = loader.get_single_node()
            twice = _duplicate_keys(node) if node is not None else []
            if twice:
                raise error([Problem(message, file=file, line=line, path=path)
                             for path, line, message in twice])
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
    except _Refused as refused:
        raise error([Problem(f"refused: {refused.message}", file=file, line=refused.line,
                             path="$")]) from None
    except RecursionError:  # not expected past the bounds above; still located, not a crash
        raise error([Problem("refused: nested too deeply to read", file=file, line=1,
                             path="$")]) from None
    if node is not None:
        _walk(node, "$", lines)
    return data, lines
