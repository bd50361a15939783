"""The cyclic garbage collector's pauses in this process.

While a collection runs, the event loop forwards nothing. A full collection
walks every object the collector tracks, so on a busy node it is a stall in
every room at once: /metrics shows them (hub_gc_*), benchmarks/rooms.py prints
them, and `serve` freezes what start-up made (hub/cmd_serve.py) so that a full
collection walks only what the rooms keep.
"""

from __future__ import annotations

import gc
import time
from typing import Any

GENERATIONS = 3


class GcPauses:
    """Collections and their pauses per generation, from `start()` on."""

    def __init__(self) -> None:
        self.collections = [0] * GENERATIONS
        self.seconds = [0.0] * GENERATIONS
        self.longest = [0.0] * GENERATIONS
        self._recent = 0.0  # the longest since the last take_longest()
        self._began = 0.0

    def start(self) -> None:
        if self._callback not in gc.callbacks:
            gc.callbacks.append(self._callback)

    def stop(self) -> None:
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)

    def take_longest(self) -> float:
        """The longest pause, in seconds, since the last call."""
        recent, self._recent = self._recent, 0.0
        return recent

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
            return
        pause = time.perf_counter() - self._began
        generation = info["generation"]
        self.collections[generation] += 1
        self.seconds[generation] += pause
        self.longest[generation] = max(self.longest[generation], pause)
        self._recent = max(self._recent, pause)


def freeze_startup_objects() -> int:
    """Collect once, then move every object the collector tracks into its
    permanent generation, never walked again (modules, classes, the app: some
    170,000 objects, ~70 ms per full collection). Call once, when start-up is
    done; returns how many were frozen. Not for a process that builds and drops
    many apps (tests): what it freezes stays."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
