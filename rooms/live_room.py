"""Live rooms on this node: participants bound to a media Router.

The only module in rooms/ that imports media/.
"""

from __future__ import annotations

import logging

from media.counters import MediaCounters
from media.router import Router
from media.transport import RouterOptions

logger = logging.getLogger(__name__)


class LiveRooms:
    """Registry of this node's live rooms, keyed by stored room id."""

    def __init__(self, media_config: object, *, counters: MediaCounters) -> None:
        self._options = RouterOptions(
            ice_servers=list(getattr(media_config, "ice_servers", [])),
            consumer_queue_frames=int(getattr(media_config, "consumer_queue_frames", 64)),
            keyframe_interval_s=float(getattr(media_config, "keyframe_interval_s", 0.5)),
        )
        self.counters = counters
        self._routers: dict[str, Router] = {}

    @property
    def room_count(self) -> int:
        return len(self._routers)

    @property
    def participant_count(self) -> int:
        return 0

    async def close(self) -> None:
        for router in list(self._routers.values()):
            await router.close()
        self._routers.clear()
