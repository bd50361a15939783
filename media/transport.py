"""Transport: what every transport shares (children bookkeeping, close cascade)."""

from __future__ import annotations

import uuid
from typing import Any

from media.consumer import Consumer
from media.counters import MediaCounters
from media.errors import InvalidStateError
from media.frames import MediaCodec
from media.observer import EventEmitter
from media.producer import KeyframeRequester, Producer
from media.settings import MediaSettings

# A Router's options are the media settings section (one place for each default).
RouterOptions = MediaSettings


class Transport:
    """Base of PeerTransport and DirectTransport. Created only by a Router.

    Events on `observer`: "newproducer", "newconsumer", "close". A transport
    closed because its router closed emits "routerclose" on `events`.
    """

    def __init__(
        self,
        *,
        options: RouterOptions,
        counters: MediaCounters,
        on_new_producer: Any,
        on_close: Any,
        app_data: dict[str, Any] | None = None,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.app_data: dict[str, Any] = dict(app_data or {})
        self.observer = EventEmitter()
        self.events = EventEmitter()
        self.closed = False
        self._options = options
        self._counters = counters
        self._producers: dict[str, Producer] = {}
        self._consumers: dict[str, Consumer] = {}
        self._on_new_producer = on_new_producer
        self._on_close = on_close

    @property
    def producers(self) -> list[Producer]:
        return list(self._producers.values())

    @property
    def consumers(self) -> list[Consumer]:
        return list(self._consumers.values())

    def _check_open(self) -> None:
        if self.closed:
            raise InvalidStateError(f"transport {self.id} is closed")

    def _create_producer(
        self,
        codec: MediaCodec,
        keyframe_requester: KeyframeRequester | None,
        app_data: dict[str, Any] | None,
        group: str | None = None,
        layers: list[str] | None = None,
    ) -> Producer:
        self._check_open()
        producer = Producer(
            codec=codec,
            group=group,
            layers=layers,
            counters=self._counters,
            keyframe_requester=keyframe_requester,
            keyframe_interval_s=self._options.keyframe_interval_s,
            on_close=self._producer_closed,
            app_data=app_data,
        )
        self._producers[producer.id] = producer
        self.observer.emit("newproducer", producer)
        self._on_new_producer(producer)
        return producer

    def _create_consumer(
        self,
        producer: Producer,
        app_data: dict[str, Any] | None,
        paused: bool = False,
        prime: str | None = None,
        takes_packets: bool = False,
    ) -> Consumer:
        self._check_open()
        if producer.closed:
            raise InvalidStateError(f"producer {producer.id} is closed")
        consumer = Consumer(
            producer,
            counters=self._counters,
            queue_frames=self._options.consumer_queue_frames,
            on_close=self._consumer_closed,
            app_data=app_data,
            paused=paused,
            prime=prime,
            takes_packets=takes_packets,
        )
        self._consumers[consumer.id] = consumer
        self.observer.emit("newconsumer", consumer)
        return consumer

    def _producer_closed(self, producer: Producer) -> None:
        self._producers.pop(producer.id, None)

    def _consumer_closed(self, consumer: Consumer) -> None:
        self._consumers.pop(consumer.id, None)

    async def close(self) -> None:
        """Close this transport and everything it carries."""
        await self._close(notify_parent=True)

    async def _router_closed(self) -> None:
        if await self._close(notify_parent=False):
            self.events.emit("routerclose")

    async def _close(self, *, notify_parent: bool) -> bool:
        if self.closed:
            return False
        self.closed = True
        for consumer in list(self._consumers.values()):
            consumer._transport_closed()
        self._consumers.clear()
        for producer in list(self._producers.values()):
            producer._transport_closed()
        self._producers.clear()
        await self._close_connections()
        if notify_parent:
            self._on_close(self)
        self.observer.emit("close")
        return True

    async def _close_connections(self) -> None:
        """Subclasses close their network connections here."""


class DirectTransport(Transport):
    """Frames in and out of Python code: camera ingest, the recorder, tests."""

    def produce(
        self,
        codec: MediaCodec,
        *,
        keyframe_requester: KeyframeRequester | None = None,
        app_data: dict[str, Any] | None = None,
    ) -> Producer:
        """A producer fed by calling producer.send(EncodedFrame)."""
        return self._create_producer(codec, keyframe_requester, app_data)

    def consume(
        self,
        producer: Producer,
        *,
        app_data: dict[str, Any] | None = None,
        prime: str | None = None,
    ) -> Consumer:
        """A consumer read with `await consumer.recv_frame()`; `prime` (media.consumer
        SQUEEZE / REPLAY) lets it start from the producer's kept GOP."""
        return self._create_consumer(producer, app_data, prime=prime)
