"""The fast finiteness test every decision takes agrees with the one that names the path."""

from __future__ import annotations

import datetime as dt
import math
import types

from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty_rules.engine.evaluation import _all_finite, _non_finite


class Money(float):
    """A float subclass, as a plugin might return."""


leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=3),
                   st.floats(allow_nan=True, allow_infinity=True),
                   st.floats().map(Money), st.just(dt.date(2026, 1, 1)))
values = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=4).map(tuple),
    st.dictionaries(st.text(max_size=3), inner, max_size=4),
    st.dictionaries(st.text(max_size=3), inner, max_size=4).map(types.MappingProxyType)),
    max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(values)
def test_the_fast_test_agrees_with_the_path_finder(value):
    assert _all_finite(value) == (_non_finite(value, "v") is None)


def test_a_non_finite_value_deep_inside_is_found():
    nested = {"a": [1, (2.0, types.MappingProxyType({"b": Money(math.inf)}))]}
    assert not _all_finite({"ok": 1.5}, nested)
    assert _non_finite(nested, "p") == "p.a[1][1].b"
    assert _all_finite({"ok": 1.5}, [None, "x", dt.date(2026, 1, 1), True])
