"""What the hub keeps per subscription, as the cyclic garbage collector sees it.

Each full collection walks every tracked object in the process while the event
loop forwards nothing: the more objects a node keeps per subscriber, the longer
every room on it stalls when one is due (participants joining make them due).
The retransmission history's share is in test_rtp_stream.py.
"""

from __future__ import annotations

import gc

from media.frames import VP8, MediaCodec
from media.router import Router


async def test_a_video_subscription_keeps_a_few_hundred_tracked_objects() -> None:
    router = Router()
    producer = router.create_direct_transport().produce(MediaCodec(VP8, 90000))
    transports = [router.create_peer_transport() for _ in range(3)]
    try:
        gc.collect()
        before = len(gc.get_objects())
        for transport in transports:
            transport.consume(producer)
        gc.collect()
        per_subscription = (len(gc.get_objects()) - before) / len(transports)
        # (aiortc's receive-side bandwidth estimator alone is 1,001 objects; a
        # sendonly m-line receives nothing and needs none)
        assert per_subscription < 400, f"{per_subscription:.0f} objects per subscription"
    finally:
        await router.close()
