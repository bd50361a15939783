"""The cyclic garbage collector's pauses in a benchmark's server process.

A full collection walks every tracked object in the process; while it runs the
event loop forwards nothing, so a long one is a stall in every room at once.
"""

from __future__ import annotations

import gc
import time
from typing import Any


class GcPauses:
    """Collections seen through `gc.callbacks` from creation on."""

    def __init__(self) -> None:
        self.seconds = 0.0  # in collections, all generations
        self.full = 0  # collections of the oldest generation
        self._longest = 0.0  # since the last `take`
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        pause = time.perf_counter() - self._started
        self.seconds += pause
        self._longest = max(self._longest, pause)
        if info["generation"] == 2:
            self.full += 1

    def take(self) -> dict[str, float]:
        """For a /stats answer: totals, and the longest pause since the last take."""
        longest, self._longest = self._longest, 0.0
        return {"gc_s": self.seconds, "gc_full": self.full, "gc_longest_s": longest}
