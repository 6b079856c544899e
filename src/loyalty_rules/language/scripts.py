"""What staff say or send: templates in zh and en filled by plain substitution, never code.

A template names values in braces: `{name}`, or any param of the recommendation (`{promise}`).
Only `{identifier}` is recognised; there is no attribute access, indexing or formatting
language, so a template cannot reach anything but the values it is handed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")

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


def render(template: str, values: Mapping[str, Any], locale: str | None = None) -> str:
    """Fill `{identifier}` placeholders from `values`; unknown ones are left as they are.
    With `locale`, a `{unit}` is written in that language (`UNITS`)."""
    units = UNITS.get(locale or "", {})

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values or values[key] is None:
            return match.group(0)
        text = _text(values[key])
        return units.get(text.strip().lower(), text) if key == "unit" else text
    return _PLACEHOLDER.sub(fill, template)


def template_names(template: str) -> list[str]:
    return _PLACEHOLDER.findall(template)
