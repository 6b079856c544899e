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


#: Units as records give them, in each script language: `{unit}` is written in the script's
#: language ("17天内", not "17days内"); a unit not listed is written as given.
UNITS: dict[str, dict[str, str]] = {
    "zh": {"day": "天", "days": "天", "hour": "小时", "hours": "小时", "week": "周",
           "weeks": "周", "minute": "分钟", "minutes": "分钟", "min": "分钟", "month": "个月",
           "months": "个月"},
    "en": {"天": "days", "日": "days", "小时": "hours", "周": "weeks", "星期": "weeks",
           "分钟": "minutes", "月": "months", "个月": "months"},
}


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


def render(template: str, values: Mapping[str, Any], locale: str | None = None) -> str:
    """Fill placeholders from `values`; unknown ones (and formats of a non-number) are left
    as they are. With `locale`, a `{unit}` is written in that language (`UNITS`)."""
    units = UNITS.get(locale or "", {})

    def fill(match: re.Match[str]) -> str:
        key, kind, argument = match.groups()
        if key not in values or values[key] is None:
            return match.group(0)
        if kind is None:
            text = _text(values[key])
            return units.get(text.strip().lower(), text) if key == "unit" else text
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


_BRACED = re.compile(r"\{[^{}]*\}")


def stray_braces(template: str) -> list[str]:
    """Every `{...}` in a template that is not a placeholder (`{Name}`, `{ due }`, `{0}`,
    `{name:>9}`): such text would reach the customer as written."""
    return [match.group(0) for match in _BRACED.finditer(template)
            if not _PLACEHOLDER.fullmatch(match.group(0))]
