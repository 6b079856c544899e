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


def render(template: str, values: Mapping[str, Any]) -> str:
    """Fill `{identifier}` placeholders from `values`; unknown ones are left as they are."""
    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        return _text(values[key]) if key in values and values[key] is not None else match.group(0)
    return _PLACEHOLDER.sub(fill, template)


def template_names(template: str) -> list[str]:
    return _PLACEHOLDER.findall(template)
