"""A test plugin whose fact calculator kills its process for one customer id.

It stands for a crash in the C engine or the OOM killer: parallel evaluation must lose only
that customer. Used by tests/test_parallel.py; never installed.

A customer whose attribute `crash_once` names a file kills its process only the first time
(it creates the file): a worker lost once, as a machine of a cluster can be (tests/test_dask.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from loyalty_rules import FactNamespace, hookimpl

KILLER = "kills-its-worker"


def _calculate(customer: Any, as_of: Any, profile: Any) -> dict[str, Any] | None:
    if customer.id == KILLER:
        os._exit(70)
    marker = customer.attributes.get("crash_once")
    if marker and not os.path.exists(marker):
        with open(marker, "w"):
            pass
        os._exit(70)
    return None


@hookimpl
def register_fact_calculators(register: Callable[[Any], None]) -> None:
    register(FactNamespace("crashing", {"flag": ("boolean", "never set")}, _calculate))
