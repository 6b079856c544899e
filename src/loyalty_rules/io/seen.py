"""Remember which customer ids a stream has had, in about 8 bytes per id.

The contract says ids are unique per file, so every reader remembers the ids it has seen.
A `set` of strings costs ~93 bytes an id (93 MB for a million customers, measured), which
made memory grow with the input. `SeenIds` keeps an 8-byte BLAKE2b digest per id instead, in
sorted runs merged log-structured (each id is moved O(log n) times), plus a small set of
recent ones: a million ids take ~8 MB.

A digest is not the id: two different ids share a 64-bit digest with probability about
n² / 2⁶⁵ over n ids (3 × 10⁻⁸ for a million), in which case the later record would be
reported as a duplicate. That is the price of constant memory, and it is stated here.
"""

from __future__ import annotations

import hashlib
import heapq
from array import array
from bisect import bisect_left

_RECENT = 1 << 16


def _digest(cid: str) -> int:
    return int.from_bytes(hashlib.blake2b(cid.encode("utf-8"), digest_size=8).digest(),
                          "little", signed=True)


class SeenIds:
    """`add(id)` is True the first time an id is seen, False after."""

    def __init__(self) -> None:
        self._recent: set[int] = set()
        self._runs: list[array] = []  # sorted runs, largest first

    def __len__(self) -> int:
        return len(self._recent) + sum(len(run) for run in self._runs)

    def __contains__(self, cid: str) -> bool:
        return self._has(_digest(cid))

    def _has(self, key: int) -> bool:
        if key in self._recent:
            return True
        for run in self._runs:
            index = bisect_left(run, key)
            if index < len(run) and run[index] == key:
                return True
        return False

    def add(self, cid: str) -> bool:
        key = _digest(cid)
        if self._has(key):
            return False
        self._recent.add(key)
        if len(self._recent) >= _RECENT:
            self._runs.append(array("q", sorted(self._recent)))
            self._recent.clear()
            while len(self._runs) > 1 and len(self._runs[-2]) <= 2 * len(self._runs[-1]):
                newer, older = self._runs.pop(), self._runs.pop()
                self._runs.append(array("q", heapq.merge(older, newer)))
        return True
