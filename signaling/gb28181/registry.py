"""The platform's live state: devices, their channels, media sessions. In memory.

Persistence (the camera registry, devices bound to organisations, approvals)
comes with phase 2; then the stored model fills `CredentialPolicy` and listens
to these events. Events on `observer` (media.observer.EventEmitter):
  "pending" (PendingDevice)            an unknown device knocked; held for approval
  "register" (GbDevice)                a device registered (or re-registered)
  "unregister" (GbDevice)              it unregistered (Expires: 0)
  "online" / "offline" (GbDevice, why) keepalives started / stopped or registration expired
  "catalog" (GbDevice, [GbChannel])    a catalogue query completed (all pages or timeout)
  "channel" (GbChannel, event)         a catalogue notification: ADD DEL UPDATE ON OFF ...
  "session" / "sessionend" (GbSession) a live stream was set up / torn down
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from media.observer import EventEmitter
from signaling.gb28181.manscdp import CatalogItem


class DeviceState(enum.StrEnum):
    REGISTERED = "registered"  # registered, no keepalive yet
    ONLINE = "online"
    OFFLINE = "offline"  # keepalives stopped or registration expired
    UNREGISTERED = "unregistered"


@dataclass
class Peer:
    """Where a device speaks from: SIP replies and our requests go here."""

    transport: str  # "udp" or "tcp"
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.transport}:{self.host}:{self.port}"


@dataclass
class GbDevice:
    device_id: str
    peer: Peer
    contact: str = ""
    expires_at: float = 0.0  # time.monotonic()
    state: DeviceState = DeviceState.REGISTERED
    gb_version: str = ""  # X-GB-Ver: "2.0" (2016), "3.0" (2022); "" if not sent
    user_agent: str = ""
    registered_at: float = 0.0  # time.time()
    last_keepalive: float | None = None  # time.monotonic()
    info: dict[str, str] = field(default_factory=dict)  # DeviceInfo
    status: dict[str, str] = field(default_factory=dict)  # DeviceStatus
    channel_count: int | None = None  # SumNum of the last catalogue


@dataclass
class GbChannel:
    device_id: str  # the device (or lower platform) that reported it
    item: CatalogItem

    @property
    def channel_id(self) -> str:
        return self.item.device_id

    @property
    def name(self) -> str:
        return self.item.name


@dataclass
class GbSession:
    """One live INVITE dialog (what a BYE needs to be sent in it)."""

    call_id: str
    device_id: str
    channel_id: str
    ssrc: int
    transport: str  # media: "udp" / "tcp"
    local_port: int
    peer: Peer  # where the device's SIP is
    local_tag: str
    remote_tag: str
    remote_target: str  # the device's Contact URI
    cseq: int
    remote_sdp: str = ""
    started_at: float = field(default_factory=time.time)


@dataclass
class PendingDevice:
    device_id: str
    peer: Peer
    first_seen: float
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class DeviceAccess:
    """What the platform knows about a device id before it registers."""

    allowed: bool
    password: str | None = None  # None: the platform's shared password


# device id -> what we know (None: unknown device)
CredentialPolicy = Callable[[str], DeviceAccess | None]


class GbRegistry:
    def __init__(self) -> None:
        self.observer = EventEmitter()
        self.devices: dict[str, GbDevice] = {}
        self.channels: dict[str, dict[str, GbChannel]] = {}  # device id -> channel id -> ...
        self.sessions: dict[str, GbSession] = {}  # call id -> session
        self.pending: dict[str, PendingDevice] = {}
        self.approved: dict[str, DeviceAccess] = {}  # approvals made at run time

    # -- devices ---------------------------------------------------------------------------
    def device(self, device_id: str) -> GbDevice | None:
        return self.devices.get(device_id)

    max_pending = 1000  # a flood of made-up ids evicts the oldest, never grows memory

    def hold(self, device_id: str, peer: Peer) -> PendingDevice:
        pending = self.pending.get(device_id)
        if pending is None:
            while len(self.pending) >= self.max_pending:
                del self.pending[next(iter(self.pending))]
            pending = self.pending[device_id] = PendingDevice(device_id, peer, time.time())
            self.observer.emit("pending", pending)
        else:
            pending.attempts += 1
            pending.peer = peer
        return pending

    def approve(self, device_id: str, password: str | None = None) -> None:
        """Let a held (or any) device register; its next REGISTER is challenged."""
        self.pending.pop(device_id, None)
        self.approved[device_id] = DeviceAccess(True, password)

    def registered(self, device: GbDevice) -> None:
        self.pending.pop(device.device_id, None)
        self.devices[device.device_id] = device
        self.observer.emit("register", device)

    def unregistered(self, device_id: str) -> None:
        device = self.devices.pop(device_id, None)
        if device is not None:
            device.state = DeviceState.UNREGISTERED
            self.observer.emit("unregister", device)

    def set_state(self, device: GbDevice, state: DeviceState, why: str = "") -> None:
        if device.state == state:
            return
        device.state = state
        if state == DeviceState.ONLINE:
            self.observer.emit("online", device, why)
        elif state == DeviceState.OFFLINE:
            self.observer.emit("offline", device, why)

    # -- channels --------------------------------------------------------------------------
    def set_catalog(self, device: GbDevice, items: list[CatalogItem]) -> list[GbChannel]:
        channels = {item.device_id: GbChannel(device.device_id, item) for item in items}
        self.channels[device.device_id] = channels
        self.observer.emit("catalog", device, list(channels.values()))
        return list(channels.values())

    def channel_event(self, device_id: str, item: CatalogItem) -> None:
        channels = self.channels.setdefault(device_id, {})
        event = item.event or "UPDATE"
        if event == "DEL":
            channel = channels.pop(item.device_id, None) or GbChannel(device_id, item)
        else:
            channel = channels.get(item.device_id) or GbChannel(device_id, item)
            if event in ("ON", "OFF", "VLOST", "DEFECT"):
                channel.item.status = "ON" if event == "ON" else "OFF"
                channel.item.event = event
            else:
                channel.item = item
            channels[item.device_id] = channel
        self.observer.emit("channel", channel, event)

    def find_channel(self, channel_id: str) -> GbChannel | None:
        for channels in self.channels.values():
            if channel_id in channels:
                return channels[channel_id]
        return None

    def children(self, device_id: str, parent_id: str | None = None) -> list[GbChannel]:
        """The catalogue as a tree: the entries whose parent is `parent_id` (the
        device itself when None). A lower platform's catalogue nests civil areas,
        business groups and virtual organisations above the cameras."""
        parent = parent_id or device_id
        # 2022 allows ParentID to be a path of ancestors ("a/b/c"): the last is the parent
        return [
            c
            for c in self.channels.get(device_id, {}).values()
            if (c.item.parent_id or device_id).split("/")[-1] == parent
        ]

    # -- sessions --------------------------------------------------------------------------
    def session_started(self, session: GbSession) -> None:
        self.sessions[session.call_id] = session
        self.observer.emit("session", session)

    def session_ended(self, call_id: str) -> GbSession | None:
        session = self.sessions.pop(call_id, None)
        if session is not None:
            self.observer.emit("sessionend", session)
        return session
