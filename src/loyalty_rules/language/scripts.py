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

import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)(?:\|([a-z_]*)(?::([^{}]*))?)?\}")
FORMATS = ("plural", "number")

#: How a customer is named, mid-sentence, when the record has no name ("给{name}报完工时间之前"
#: → "给客户报完工时间之前"); a name used to address the customer is left out instead.
ANONYMOUS = {"en": "the customer", "zh": "客户"}

# the customer addressed by name: dropped when there is no name
_LEADING_NAME = re.compile(r"^\{name\}\s*[，,：:]\s*")
_TRAILING_NAME = re.compile(r"\s*[，,]\s*\{name\}(?=\s*[！!。.?？，,])")
_DEAR_NAME = re.compile(r"\bDear \{name\}")
_HELLO_NAME = re.compile(r"\b(Hello|Hi) \{name\}")
_NAME_GREETING_ZH = re.compile(r"\{name\}(?=您好)")


@functools.lru_cache(maxsize=4096)  # a few hundred templates, rewritten for every customer
def without_name(template: str, locale: str) -> str:
    """The template for a customer with no name on file: the vocative goes ("{name}，预计…"
    → "预计…", "Happy birthday, {name}!" → "Happy birthday!", "Dear {name}" → "Dear
    customer"); a name used mid-sentence becomes `ANONYMOUS` ("the customer", "客户")."""
    text = _LEADING_NAME.sub("", template.strip())
    if text != template.strip() and locale == "en":
        text = capitalise(text)
    text = _TRAILING_NAME.sub("", text)
    text = _DEAR_NAME.sub("Dear customer", text)
    text = _HELLO_NAME.sub(lambda m: m.group(1), text)
    text = _NAME_GREETING_ZH.sub("", text)
    return text.replace("{name}", ANONYMOUS.get(locale, ANONYMOUS["en"]))


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def render_script(template: str, values: Mapping[str, Any], locale: str,
                  name: str | None) -> str:
    """Render a script for a customer: by name when there is one, gracefully when not."""
    if name:
        return render(template, {**values, "name": name}, locale)
    return render(without_name(template, locale), values, locale)


def addressed(name: str | None, locale: str, parts: list[str]) -> str:
    """Sentences spoken as one reply: the name once, in front ("黄先生，…", "Mr Huang, …")."""
    text = ("" if locale == "zh" else " ").join(p.strip() for p in parts if p.strip())
    if not name:
        return capitalise(text) if locale == "en" else text
    if locale == "zh":
        return f"{name}，{text}"
    first = text.split(" ", 1)[0]
    if first != "I" and not first.isupper():
        text = text[:1].lower() + text[1:]
    return f"{name}, {text}"


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


#: English units said after the number 1 ("1 day", not "1 days")
SINGULAR = {"days": "day", "hours": "hour", "weeks": "week", "minutes": "minute",
            "months": "month", "years": "year"}
_COUNTED_UNIT = re.compile(r"\{(\w+)\} \{unit\}")


def _singular(template: str, values: Mapping[str, Any]) -> str:
    """`{n} {unit}` with n == 1 and a plural English unit: the unit in the singular."""
    unit = values.get("unit")
    if not isinstance(unit, str):
        return template
    written = unit.strip().lower()
    singular = SINGULAR.get(UNITS["en"].get(written, written))
    if singular is None:
        return template

    def one(match: re.Match[str]) -> str:
        if _number(values.get(match.group(1))) == 1:
            return f"{{{match.group(1)}}} {singular}"
        return match.group(0)
    return _COUNTED_UNIT.sub(one, template)


def render(template: str, values: Mapping[str, Any], locale: str | None = None) -> str:
    """Fill placeholders from `values`; unknown ones (and formats of a non-number) are left
    as they are. With `locale`, a `{unit}` is written in that language (`UNITS`), and in
    English after the number 1 in the singular."""
    units = UNITS.get(locale or "", {})
    if locale == "en" and "unit" in values:
        template = _singular(template, values)

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


def localise_unit(unit: Any, locale: str) -> Any:
    """`days` in a Chinese script is 天, 天 in an English one is days (`UNITS`)."""
    if not isinstance(unit, str):
        return unit
    return UNITS.get(locale, {}).get(unit.strip().lower(), unit)


#: A script key's variants: `KEY`, `KEY.2`, `KEY.3`… (rotated so a repeated message is never
#: sent twice in a row); `KEY.in_reply` is the sentence it becomes inside another reply.
IN_REPLY = ".in_reply"


def variants(scripts: Mapping[str, Any], key: str) -> list[str]:
    extra = sorted((k for k in scripts if k.startswith(key + ".") and k[len(key) + 1:].isdigit()),
                   key=lambda k: int(k[len(key) + 1:]))
    return [key, *extra]


def rotating_variant(scripts: Mapping[str, Any], key: str, customer_id: str,
                     times_sent: int) -> str:
    """The variant for this send: an offset fixed per customer (a hash of the id, so customers
    do not all get the same text the same day) plus the number of times it was sent before,
    so two sends in a row always differ when there are two variants or more. No clock."""
    return pick_variant(variants(scripts, key), customer_id, times_sent)


def pick_variant(keys: Sequence[str], customer_id: str, times_sent: int) -> str:
    """`rotating_variant` among `keys` (`variants` of one key, the key first)."""
    if len(keys) == 1:
        return keys[0]
    offset = int(hashlib.sha256(customer_id.encode("utf-8")).hexdigest()[:8], 16)
    return keys[(offset + times_sent) % len(keys)]
