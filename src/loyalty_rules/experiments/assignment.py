"""Which arm of an experiment a customer is in: a stable hash of the salt and customer id.

The assignment depends on nothing but the two strings, so it is the same on every day, in
every process and on every machine (Python's own ``hash()`` is salted per process and is
never used):

    bucket = first 8 bytes of SHA-256( UTF-8( salt + "\\n" + customer_id ) ),
             read as an unsigned big-endian integer, divided by 2**64      → [0, 1)

The unit interval is then cut in the order the arms are declared: the holdout first,
``[0, holdout)``, then each arm's share in turn. So a customer in a 5 % holdout stays in it
when the holdout grows to 10 % (same salt), and a new salt draws a new, independent split.

    >>> Split.of(holdout=0.1, arms={"A": 0.45, "B": 0.45}).arm_of("C042", "2026q4")
    'B'
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import attrs

from ..errors import UsageError

HOLDOUT = "holdout"
#: the one arm of an experiment that only has a holdout
TREATED = "treated"
_TOLERANCE = 1e-9


def bucket(customer_id: str, salt: str) -> float:
    """The customer's point in [0, 1): SHA-256 of ``salt + "\\n" + customer_id``."""
    digest = hashlib.sha256(f"{salt}\n{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


@attrs.frozen
class Split:
    """The holdout share and the arms' shares of the whole base, in declared order."""

    holdout: float
    arms: tuple[tuple[str, float], ...]

    @classmethod
    def of(cls, holdout: float, arms: Mapping[str, float] | None = None) -> Split:
        """A split; without `arms`, one arm (`treated`) takes everyone not held out."""
        if not 0 <= holdout < 1:
            raise UsageError(f"holdout: expected a share in [0, 1), got {holdout!r}")
        shares = dict(arms) if arms else {TREATED: 1 - holdout}
        if HOLDOUT in shares:
            raise UsageError(f"arms: {HOLDOUT!r} is the holdout's name, not an arm's")
        for name, share in shares.items():
            if not 0 < share <= 1:
                raise UsageError(f"arms.{name}.share: expected a share in (0, 1], "
                                 f"got {share!r}")
        total = holdout + sum(shares.values())
        if abs(total - 1) > _TOLERANCE:
            raise UsageError(f"the holdout and the arms' shares add up to {total:g}, not 1")
        return cls(holdout, tuple(shares.items()))

    @property
    def names(self) -> tuple[str, ...]:
        return (HOLDOUT, *(name for name, _ in self.arms))

    def arm_of(self, customer_id: str, salt: str) -> str:
        """`holdout` or the name of the arm the customer falls in."""
        point = bucket(customer_id, salt)
        if point < self.holdout:
            return HOLDOUT
        edge = self.holdout
        for name, share in self.arms:
            edge += share
            if point < edge:
                return name
        return self.arms[-1][0]  # rounding at the very top of [0, 1)
