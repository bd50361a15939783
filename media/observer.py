"""A small event emitter whose emit() never lets one failing listener break the rest."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

Listener = Callable[..., Any]


class EventEmitter:
    __slots__ = ("_listeners",)

    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = {}

    def on(self, event: str, listener: Listener) -> Listener:
        self._listeners.setdefault(event, []).append(listener)
        return listener

    def once(self, event: str, listener: Listener) -> Listener:
        def wrapper(*args: Any) -> None:
            self.off(event, wrapper)
            listener(*args)

        return self.on(event, wrapper)

    def off(self, event: str, listener: Listener) -> None:
        listeners = self._listeners.get(event)
        if listeners and listener in listeners:
            listeners.remove(listener)

    def emit(self, event: str, *args: Any) -> None:
        """Call every listener; log and swallow a listener's exception (safeEmit)."""
        for listener in list(self._listeners.get(event, ())):
            try:
                listener(*args)
            except Exception:
                logger.exception("listener for %r failed", event)

    def remove_all_listeners(self) -> None:
        self._listeners.clear()
