"""What staff say or send: templates in zh and en filled by plain substitution, never code.

A template names values in braces: `{name}`, or any param of the recommendation (`{promise}`).
A value may take one of two formats, and nothing else:

* `{n|plural:ONE|OTHER}` — ONE when n is 1, else OTHER; `#` in either stands for the number:
  `{sessions|plural:# session|# sessions}`. One form alone is used for every number (Chinese
  has no plural: `{sessions|plural:#节课}`).
* `{amount|number}` — the number with thousands separators; `{amount|number:2}` with two
  decimals.

There is no attribute access, indexing or expression, so a template cannot reach anything but
the values it is handed. `template_problems` says what is wrong with a template's formats.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)(?:\|([a-z_]*)(?::([^{}]*))?)?\}")
FORMATS = ("plural", "number")

#: How a customer is named when the record has no name.
ANONYMOUS = {"en": "there", "zh": "您"}


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _format(value: Any, kind: str, argument: str | None) -> str | None:
    number = _number(value)
    if number is None:
        return None
    if kind == "number":
        digits = int(argument) if argument else None
        if digits is None:
            return f"{number:,}" if isinstance(number, int) or not float(number).is_integer() \
                else f"{int(number):,}"
        return f"{number:,.{digits}f}"
    forms = (argument or "").split("|")
    form = forms[0] if number == 1 or len(forms) == 1 else forms[1]
    return form.replace("#", _text(number))


def render(template: str, values: Mapping[str, Any]) -> str:
    """Fill placeholders from `values`; unknown ones (and formats of a non-number) are left
    as they are."""
    def fill(match: re.Match[str]) -> str:
        key, kind, argument = match.groups()
        if key not in values or values[key] is None:
            return match.group(0)
        if kind is None:
            return _text(values[key])
        text = _format(values[key], kind, argument)
        return match.group(0) if text is None else text
    return _PLACEHOLDER.sub(fill, template)


def template_names(template: str) -> list[str]:
    return [match.group(1) for match in _PLACEHOLDER.finditer(template)]


def template_problems(template: str) -> list[str]:
    """Every malformed format in a template, said plainly."""
    problems = []
    for match in _PLACEHOLDER.finditer(template):
        key, kind, argument = match.groups()
        if kind is None:
            continue
        if kind not in FORMATS:
            problems.append(f"{{{key}|{kind}…}}: unknown format {kind!r}; expected "
                            "plural:ONE|OTHER or number[:DIGITS]")
        elif kind == "plural" and (not argument or len(argument.split("|")) > 2):
            problems.append(f"{{{key}|plural…}}: expected {{{key}|plural:ONE|OTHER}} (or one "
                            "form), with # for the number")
        elif kind == "number" and argument and not (argument.isdigit() and int(argument) <= 6):
            problems.append(f"{{{key}|number:{argument}}}: the digits are a whole number from "
                            "0 to 6")
    return problems
