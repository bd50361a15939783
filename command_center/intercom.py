"""Listen-in (监听): an operator hears one room, and only that room.

A LiveListener is one operator's subscribe connection (a PeerTransport on a Router of
its own) with a consumer for every microphone in the room it listens to, following
people as they come and go. Listening to another room drops the first one's streams
first. Talking into a room (barge-in) goes the other way: the operator joins the room
as a participant and publishes a microphone (signaling.room_namespace), so the room's
consent and recording rules apply as for anyone in it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from media.consumer import Consumer
from media.counters import MediaCounters
from media.producer import Producer
from media.router import Router
from media.transport import RouterOptions
from rooms.live_room import LiveRoom


class LiveListener:
    def __init__(
        self,
        key: str,
        *,
        options: RouterOptions,
        counters: MediaCounters,
        on_renegotiate: Callable[[], None],
    ) -> None:
        self.room: LiveRoom | None = None
        self.closed = False
        self._router = Router(options, counters=counters, app_data={"listener": key})
        self.transport = self._router.create_peer_transport(app_data={"listener": key})
        self.transport.observer.on("negotiationneeded", on_renegotiate)
        self._consumers: dict[str, Consumer] = {}
        self._hook: tuple[Any, Callable[[Producer], None]] | None = None

    def listen(self, room: LiveRoom) -> list[str]:
        """Hear `room` (and no other); returns the producer ids now heard."""
        self.stop()
        self.room = room

        def added(producer: Producer) -> None:
            self._consume(producer)

        room.router.observer.on("newproducer", added)
        self._hook = (room.router.observer, added)
        for producer in room.router.producers:
            self._consume(producer)
        return self.producer_ids

    def _consume(self, producer: Producer) -> None:
        if producer.kind != "audio" or producer.closed or self.transport.closed:
            return
        if producer.id in self._consumers:
            return
        consumer = self.transport.consume(
            producer, app_data={"owner": producer.app_data.get("participant")}
        )
        self._consumers[producer.id] = consumer

        def forget() -> None:
            if self._consumers.get(producer.id) is consumer:
                del self._consumers[producer.id]

        consumer.observer.on("close", forget)

    @property
    def producer_ids(self) -> list[str]:
        return [pid for pid, c in self._consumers.items() if not c.closed]

    def stop(self) -> str | None:
        """Stop hearing the room; returns its id (None when it heard none)."""
        if self._hook is not None:
            emitter, listener = self._hook
            emitter.off("newproducer", listener)
            self._hook = None
        for consumer in list(self._consumers.values()):
            consumer.close()
        self._consumers.clear()
        room, self.room = self.room, None
        return room.id if room else None

    async def subscribe(self) -> tuple[str | None, list[dict[str, Any]]]:
        offer = await self.transport.subscribe_offer()
        consumers = [
            {
                "id": c.id,
                "producerId": c.producer_id,
                "participantId": c.app_data.get("owner"),
                "kind": c.kind,
                "mid": self.transport.consumer_mid(c.id),
            }
            for c in self._consumers.values()
            if not c.closed
        ]
        return offer, consumers

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.stop()
        await self._router.close()


__all__ = ["LiveListener"]
