"""A typed observer: listeners subscribe to one event class and get its instances.

    observer.on(ConsentGiven, listener)      # listener(event) -> None | awaitable
    await observer.emit(ConsentGiven(...))   # each listener in turn, awaited

As media objects' `observer` (mediasoup's), for the domain's events: what
happened travels up to whoever listens (recording control, the command center,
metrics) without the emitter knowing them. A listener that raises is logged and
the others still run (safeEmit). `emit_soon` is for synchronous callers (a media
callback): it schedules the emission, in order, on the running loop.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

EventT = TypeVar("EventT")
E = TypeVar("E")
Listener = Callable[[E], Awaitable[None] | None]


class Observer(Generic[EventT]):
    """Listeners by event class; `EventT` is the base of the events emitted here."""

    __slots__ = ("_listeners", "_queue_tail", "_tasks")

    def __init__(self) -> None:
        self._listeners: dict[type, list[Callable[[object], Awaitable[None] | None]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._queue_tail: asyncio.Task[None] | None = None

    def on(self, kind: type[E], listener: Listener[E]) -> Callable[[], None]:
        """Call `listener` with every event of class `kind` (or a subclass);
        returns a function that unsubscribes it."""
        stored: Callable[[object], Awaitable[None] | None] = listener  # type: ignore[assignment]
        self._listeners.setdefault(kind, []).append(stored)

        def off() -> None:
            listeners = self._listeners.get(kind, [])
            if stored in listeners:
                listeners.remove(stored)

        return off

    def clear(self) -> None:
        self._listeners.clear()

    async def emit(self, event: EventT) -> None:
        """Run every listener of the event's class, one after the other."""
        for kind, listeners in list(self._listeners.items()):
            if not isinstance(event, kind):
                continue
            for listener in list(listeners):
                try:
                    result = listener(event)
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    logger.exception("listener for %s failed", type(event).__name__)

    def emit_soon(self, event: EventT) -> None:
        """Emit from synchronous code: queued after the emissions queued before it."""
        previous = self._queue_tail

        async def run() -> None:
            if previous is not None and not previous.done():
                await asyncio.wait([previous])
            await self.emit(event)

        task = asyncio.get_running_loop().create_task(run())
        self._queue_tail = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for the emissions queued by emit_soon so far."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))


__all__ = ["Listener", "Observer"]
