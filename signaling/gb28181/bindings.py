"""GbService: the GB/T 28181 platform as the hub runs it, over the stored registry.

Devices and lower platforms that may register are the stored `gb_devices` rows
(rooms.cameras: bound to an organisation, password sealed at rest). They are
loaded once at start and kept here as the platform's `CredentialPolicy` (the SIP
side asks synchronously, per REGISTER); binding or unbinding over REST updates
this cache after its unit of work commits. An unknown device that knocks is
held (`registry.pending`); binding it is the approval.

Channels are not stored: a device's catalogue is its own (thousands of entries
that it re-sends on every registration and changes by notification), so the tree
under an organisation is the live registry's view of its bound devices
(`tree()`); a channel becomes a stored camera only when someone adds it to the
registry to use it in rooms.
"""

from __future__ import annotations

import logging
from typing import Any

from media.ps_rtp_source import PsRtpOptions, PsRtpSource
from media.transport import DirectTransport
from rooms.cameras import CameraSpec, gb_device_passwords
from rooms.credentials import CredentialBox
from rooms.db import Database
from signaling.gb28181 import ptz
from signaling.gb28181.live import LiveDialogs
from signaling.gb28181.platform import GbConfig, GbError, GbPlatform
from signaling.gb28181.registry import DeviceAccess, GbChannel

logger = logging.getLogger(__name__)


class GbService:
    def __init__(self, config: GbConfig, media: PsRtpOptions) -> None:
        self._access: dict[str, DeviceAccess] = {}
        self.platform = GbPlatform(config, credentials=self._access.get)
        self.dialogs = LiveDialogs(self.platform)
        self.media = media

    @property
    def registry(self) -> Any:
        return self.platform.registry

    async def start(self, database: Database, box: CredentialBox) -> None:
        async with database.session() as session:
            for device_id, password in (await gb_device_passwords(session, box)).items():
                self.bound(device_id, password)
        await self.platform.start()
        logger.info(
            "GB/T 28181 platform %s on SIP port %d (%d devices bound)",
            self.platform.config.platform_id,
            self.platform.port,
            len(self._access),
        )

    async def close(self) -> None:
        await self.platform.close()

    # -- the stored registry's answers --------------------------------------------------
    def bound(self, device_id: str, password: str | None) -> None:
        self._access[device_id] = DeviceAccess(True, password)

    def unbound(self, device_id: str) -> None:
        self._access.pop(device_id, None)
        self.registry.approved.pop(device_id, None)

    # -- live view ------------------------------------------------------------------------
    def device_state(self, device_id: str) -> dict[str, Any]:
        device = self.registry.device(device_id)
        if device is None:
            pending = self.registry.pending.get(device_id)
            return {"state": "pending" if pending else "unregistered", "channels": 0}
        return {
            "state": str(device.state),
            "gbVersion": device.gb_version,
            "userAgent": device.user_agent,
            "channels": len(self.registry.channels.get(device_id, {})),
            "info": dict(device.info),
        }

    def pending(self) -> list[dict[str, Any]]:
        return [
            {"deviceId": p.device_id, "from": str(p.peer), "attempts": p.attempts}
            for p in self.registry.pending.values()
        ]

    def tree(self, device_id: str, parent_id: str | None = None) -> list[dict[str, Any]]:
        """One level of a device's catalogue: the entries under `parent_id` (the
        device itself when None), each saying whether it has children."""
        children = self.registry.children(device_id, parent_id)
        parents = {
            (c.item.parent_id or device_id).split("/")[-1]
            for c in self.registry.channels.get(device_id, {}).values()
        }
        nodes = [_channel_json(c, c.channel_id in parents) for c in children]
        return sorted(nodes, key=lambda n: (not n["hasChildren"], n["name"], n["channelId"]))

    # -- sources and control -----------------------------------------------------------------
    def source(
        self, spec: CameraSpec, transport: DirectTransport, app_data: dict[str, Any]
    ) -> PsRtpSource:
        assert spec.gb_device_id and spec.gb_channel_id
        return self.dialogs.source(
            spec.gb_device_id, spec.gb_channel_id, transport, options=self.media, app_data=app_data
        )

    async def ptz(
        self, device_id: str, channel_id: str, *, pan: int, tilt: int, zoom: int, speed: int
    ) -> None:
        """Move (any of pan/tilt/zoom non-zero) or stop (all zero). GbError if the
        device is gone or refuses."""
        command = ptz.move(pan, tilt, zoom, speed=speed) if (pan or tilt or zoom) else ptz.stop()
        await self.platform.ptz(device_id, channel_id, command)


def _channel_json(channel: GbChannel, has_children: bool) -> dict[str, Any]:
    item = channel.item
    return {
        "channelId": channel.channel_id,
        "name": item.name,
        "parentId": item.parent_id or channel.device_id,
        "kind": "camera" if item.type_code in ("131", "132") else "group",
        "typeCode": item.type_code,
        "online": item.online,
        "ptzType": item.ptz_type,
        "address": item.address,
        "hasChildren": has_children,
    }


__all__ = ["GbError", "GbService"]
