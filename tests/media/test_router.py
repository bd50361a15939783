"""Router / transport / producer / consumer lifecycle, without a network."""

from __future__ import annotations

from media.counters import MediaCounters
from media.errors import InvalidStateError
from media.frames import OPUS, VP8, MediaCodec
from media.router import Router

VP8_CODEC = MediaCodec(VP8, 90000)
OPUS_CODEC = MediaCodec(OPUS, 48000, 2)


def _events(emitter, *names):  # type: ignore[no-untyped-def]
    seen: list[str] = []
    for name in names:
        emitter.on(name, lambda *a, n=name: seen.append(n))
    return seen


async def test_router_close_cascades_once_with_parent_events() -> None:
    counters = MediaCounters()
    router = Router(counters=counters)
    source = router.create_direct_transport()
    sink = router.create_direct_transport()
    producer = source.produce(VP8_CODEC)
    consumer = sink.consume(producer)
    assert (counters.producers, counters.consumers) == (1, 1)

    transport_events = _events(source.events, "routerclose")
    producer_events = _events(producer.events, "transportclose")
    consumer_events = _events(consumer.events, "transportclose", "producerclose")
    closes = _events(router.observer, "close")

    await router.close()
    await router.close()

    assert router.closed and source.closed and sink.closed
    assert producer.closed and consumer.closed
    assert transport_events == ["routerclose"]
    assert producer_events == ["transportclose"]
    assert len(consumer_events) == 1  # closed once, by whichever parent went first
    assert closes == ["close"]
    assert (counters.producers, counters.consumers) == (0, 0)
    assert router.producers == [] and router.transports == []


async def test_producer_close_ends_its_consumers_and_is_forgotten() -> None:
    router = Router()
    source = router.create_direct_transport()
    sink = router.create_direct_transport()
    producer = source.produce(OPUS_CODEC)
    consumers = [sink.consume(producer) for _ in range(3)]
    ended = _events(consumers[0].events, "producerclose")

    producer.close()

    assert all(c.closed for c in consumers)
    assert ended == ["producerclose"]
    assert router.get_producer(producer.id) is None
    assert source.producers == [] and sink.consumers == []
    assert not source.closed and not sink.closed


async def test_failing_listener_does_not_break_the_cascade() -> None:
    router = Router()
    transport = router.create_direct_transport()
    producer = transport.produce(VP8_CODEC)
    consumer = transport.consume(producer)

    def boom() -> None:
        raise RuntimeError("listener bug")

    producer.observer.on("close", boom)
    consumer.observer.on("close", boom)
    await router.close()
    assert producer.closed and consumer.closed and transport.closed


async def test_closed_objects_refuse_children() -> None:
    router = Router()
    transport = router.create_direct_transport()
    producer = transport.produce(VP8_CODEC)
    producer.close()
    try:
        transport.consume(producer)
    except InvalidStateError:
        pass
    else:
        raise AssertionError("consumed a closed producer")
    await router.close()
    try:
        router.create_direct_transport()
    except InvalidStateError:
        pass
    else:
        raise AssertionError("closed router created a transport")


async def test_newproducer_is_announced_with_app_data() -> None:
    router = Router()
    seen = []
    router.observer.on("newproducer", seen.append)
    producer = router.create_direct_transport().produce(VP8_CODEC, app_data={"participant": "p1"})
    assert seen == [producer]
    assert producer.app_data == {"participant": "p1"}
    await router.close()
