"""What every section checker of the ruleset language shares: located errors and small readers.

A `Checker` collects every problem of one file, each with its line and `$`-path; the section
checkers (`validation` for rules and conditions, `declarations` for queries, actions,
guidelines and overrides) read through it, so no problem stops the others from being found.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import Problem
from .model import Vocabulary, value_type
from .source import Lines

NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")
CORE_GUIDANCE_ID = re.compile(r"^(EXP|LOY|CRM|CMP|IND)-[A-Z0-9-]*[0-9]{2}$")


def hint(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` when one choice is close to `word`, else ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def kind(value: Any) -> str:
    return "null" if value is None else value_type(value)


def a(noun: str) -> str:
    """The noun with its article: ``a string``, ``an integer``."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def type_phrase(field: str, ftype: str) -> str:
    """How a field's type is said in a message; a field counted in days says so."""
    phrase = a(ftype)
    if ftype in ("integer", "number") and ("days" in field.split(".")[-1]
                                           or field.endswith("days_ago")):
        phrase += " (a number of days)"
    return phrase


class Checker:
    """Reads one ruleset file's data, collecting located problems."""

    def __init__(self, file: str, lines: Lines, vocabulary: Vocabulary):
        self.file, self.lines, self.vocab = file, lines, vocabulary
        self.problems: list[Problem] = []

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(message, file=self.file, line=self.lines(path), path=path))

    def keys(self, data: Mapping[str, Any], allowed: Iterable[str], path: str) -> bool:
        allowed = tuple(allowed)
        ok = True
        for key in data:
            if key not in allowed:
                self.error(f"{path}.{key}", f"unknown key{hint(str(key), allowed)}; "
                           f"expected one of {', '.join(allowed)}")
                ok = False
        return ok

    def mapping(self, data: Any, path: str) -> Mapping[str, Any] | None:
        if not isinstance(data, Mapping):
            self.error(path, f"expected a mapping, got {kind(data)}")
            return None
        return data

    def text(self, data: Mapping[str, Any], key: str, path: str, required: bool = False,
             default: str = "") -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.error(f"{path}.{key}" if path != "$" or key else path,
                           "missing required key")
            return default
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.error(f"{path}.{key}", f"expected a string, got {kind(value)}")
            return default
        return str(value)

    def guidance(self, data: Mapping[str, Any], path: str, required: bool) -> tuple[str, ...]:
        value = data.get("guidance")
        if value is None:
            if required:
                self.error(f"{path}.guidance" if path != "$" else "$.guidance",
                           "missing required key: every rule cites the guidance it implements")
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            self.error(f"{path}.guidance", "expected a non-empty list of guidance IDs")
            return ()
        ids = []
        for index, item in enumerate(value):
            if isinstance(item, str) and (CORE_GUIDANCE_ID.match(item)
                                          or item in self.vocab.guidelines):
                ids.append(item)
            else:
                self.error(f"{path}.guidance[{index}]",
                           f"not a guidance ID: {item!r} (expected e.g. EXP-08, IND-AUTO-03, "
                           "or one of your own declared under `guidelines:`)"
                           f"{hint(str(item), self.vocab.guidelines)}")
        return tuple(ids)

    def integer(self, data: Mapping[str, Any], key: str, path: str, default: int, low: int,
                high: int) -> int | None:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.error(f"{path}.{key}", f"expected an integer from {low} to {high}, got {value!r}")
            return None
        return value

    def flag(self, data: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.error(f"{path}.{key}", f"expected true or false, got {value!r}")
            return default
        return value

    def choice(self, data: Mapping[str, Any], key: str, path: str, choices: Iterable[str],
               default: str) -> str:
        choices = tuple(choices)
        value = data.get(key, default)
        if value not in choices:
            self.error(f"{path}.{key}", f"unknown {key} {value!r}{hint(str(value), choices)}; "
                       f"expected one of {', '.join(c for c in choices if c)}")
            return default
        return str(value)
