"""Router: one per live room on a node; holds transports, producers, consumers."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, TypeVar

from media.counters import MediaCounters
from media.errors import InvalidStateError
from media.observer import EventEmitter
from media.peer_transport import PeerTransport
from media.producer import Producer
from media.transport import DirectTransport, RouterOptions, Transport

if TYPE_CHECKING:
    from media.pipe import PipeTransport

T = TypeVar("T", bound=Transport)


class Router:
    """Events on `observer`: "newtransport", "newproducer", "close"."""

    def __init__(
        self,
        options: RouterOptions | None = None,
        *,
        counters: MediaCounters | None = None,
        app_data: dict[str, Any] | None = None,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.app_data: dict[str, Any] = dict(app_data or {})
        self.observer = EventEmitter()
        self.closed = False
        self.options = options or RouterOptions()
        self.counters = counters or MediaCounters()
        self._transports: dict[str, Transport] = {}
        self._producers: dict[str, Producer] = {}
        self._pipe_transport: PipeTransport | None = None

    @property
    def transports(self) -> list[Transport]:
        return list(self._transports.values())

    @property
    def producers(self) -> list[Producer]:
        return list(self._producers.values())

    def get_producer(self, producer_id: str) -> Producer | None:
        return self._producers.get(producer_id)

    def create_peer_transport(self, *, app_data: dict[str, Any] | None = None) -> PeerTransport:
        """A participant's WebRTC connections (publish PC + subscribe PC)."""
        return self._add(PeerTransport(**self._transport_kwargs(app_data)))

    def create_direct_transport(self, *, app_data: dict[str, Any] | None = None) -> DirectTransport:
        return self._add(DirectTransport(**self._transport_kwargs(app_data)))

    def pipe_transport(self) -> PipeTransport:
        """Where producers piped in from other routers live (media/pipe.py)."""
        from media.pipe import PipeTransport

        if self._pipe_transport is None or self._pipe_transport.closed:
            transport = PipeTransport(**self._transport_kwargs({"pipe": True}))
            self._pipe_transport = self._add(transport)
        return self._pipe_transport

    def _transport_kwargs(self, app_data: dict[str, Any] | None) -> dict[str, Any]:
        if self.closed:
            raise InvalidStateError(f"router {self.id} is closed")
        return {
            "options": self.options,
            "counters": self.counters,
            "on_new_producer": self._new_producer,
            "on_close": self._transport_closed,
            "app_data": app_data,
        }

    def _add(self, transport: T) -> T:
        self._transports[transport.id] = transport
        self.observer.emit("newtransport", transport)
        return transport

    def _new_producer(self, producer: Producer) -> None:
        self._producers[producer.id] = producer
        producer.observer.on("close", lambda: self._producers.pop(producer.id, None))
        self.observer.emit("newproducer", producer)

    def _transport_closed(self, transport: Transport) -> None:
        self._transports.pop(transport.id, None)

    async def close(self) -> None:
        """Close every transport (and so every producer and consumer) once."""
        if self.closed:
            return
        self.closed = True
        for transport in list(self._transports.values()):
            await transport._router_closed()
        self._transports.clear()
        self._producers.clear()
        self.observer.emit("close")
