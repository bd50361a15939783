"""GbPlatform: the GB/T 28181 upper-platform SIP user agent.

Devices and lower platforms register here (digest authentication), send
keepalives and answer our queries (Catalog, DeviceInfo, DeviceStatus) and
controls (PTZ, keyframe). Live media dialogs (INVITE/ACK/BYE) are in live.py.
State lives in a GbRegistry; nothing here is persisted.

Every request that arrives is validated: malformed SIP gets 400 from the UA
core; a body that isn't MANSCDP XML gets 400 with a Warning; a device that
isn't registered gets 403; methods we don't serve get 405/501.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import time
from datetime import datetime
from typing import Any

from signaling.gb28181.catalog import CatalogCollector, CatalogResult
from signaling.gb28181.digest import DigestAuthority, parse_credentials
from signaling.gb28181.manscdp import (
    CONTENT_TYPE,
    ManscdpError,
    ManscdpMessage,
    build,
    catalog_items,
    flat_fields,
    parse_manscdp,
)
from signaling.gb28181.ptz import PtzCommand
from signaling.gb28181.registry import (
    CredentialPolicy,
    DeviceAccess,
    DeviceState,
    GbDevice,
    GbRegistry,
    Peer,
)
from signaling.gb28181.settings import GbSettings
from signaling.gb28181.sip_message import (
    SipRequest,
    SipResponse,
    header_params,
    make_response,
    name_addr_uri,
    new_branch,
    new_call_id,
    new_tag,
    uri_user,
)
from signaling.gb28181.sip_ua import SipTimeout, SipUserAgent

logger = logging.getLogger(__name__)

GB_ID = re.compile(r"^\d{20}$")
ALLOW = "INVITE, ACK, BYE, MESSAGE, NOTIFY, REGISTER, OPTIONS"


# The platform's configuration is its settings section (signaling.gb28181.settings).
GbConfig = GbSettings


class GbError(Exception):
    """A query or control that failed: the device is gone, refused, or said nothing."""


class GbPlatform:
    def __init__(
        self,
        config: GbConfig,
        *,
        registry: GbRegistry | None = None,
        credentials: CredentialPolicy | None = None,
    ) -> None:
        self.config = config
        self.registry = registry or GbRegistry()
        self._credentials = credentials or (lambda _device_id: None)
        self.ua = SipUserAgent(
            host=config.sip_host,
            port=config.sip_port,
            on_request=self._on_request,
            transports=config.transports,
            on_connection_lost=self._connection_lost,
        )
        self.auth = DigestAuthority(config.domain)
        self._sn = itertools.count(1)
        self._cseq = itertools.count(1)
        self._failures: dict[str, list[float]] = {}
        self._waiting: dict[tuple[str, str, int], asyncio.Future[ManscdpMessage]] = {}
        self._catalogs: dict[tuple[str, int], CatalogCollector] = {}
        self._monitor: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.dialogs: Any = None  # live.LiveDialogs, set by it (BYE from devices)

    @property
    def port(self) -> int:
        return self.ua.port

    async def start(self) -> None:
        await self.ua.start()
        self._monitor = asyncio.ensure_future(self._watch_devices())

    async def close(self) -> None:
        if self._monitor is not None:
            self._monitor.cancel()
        for task in list(self._tasks):
            task.cancel()
        await self.ua.close()

    # -- dispatch ---------------------------------------------------------------------------
    def _on_request(self, request: SipRequest, peer: Peer) -> None:
        handler = {
            "REGISTER": self._register,
            "MESSAGE": self._message,
            "NOTIFY": self._message,
            "BYE": self._bye,
            "OPTIONS": self._options,
        }.get(request.method)
        if request.method == "ACK":
            return
        if request.method == "CANCEL":
            self.ua.respond(request, make_response(request, 481), peer)
            return
        if handler is None:
            status = 405 if request.method in ("INVITE", "SUBSCRIBE", "INFO", "UPDATE") else 501
            self.ua.respond(
                request, make_response(request, status, headers=[("Allow", ALLOW)]), peer
            )
            return
        handler(request, peer)

    def _reply(self, request: SipRequest, peer: Peer, status: int, warning: str = "") -> None:
        headers = [("Warning", f'399 mediation-hub "{warning[:120]}"')] if warning else []
        self.ua.respond(request, make_response(request, status, headers=headers), peer)

    def _options(self, request: SipRequest, peer: Peer) -> None:
        self.ua.respond(request, make_response(request, 200, headers=[("Allow", ALLOW)]), peer)

    def _bye(self, request: SipRequest, peer: Peer) -> None:
        known = self.dialogs is not None and self.dialogs.remote_bye(request.call_id)
        self._reply(request, peer, 200 if known else 481)

    # -- REGISTER --------------------------------------------------------------------------
    def _access(self, device_id: str) -> DeviceAccess | None:
        return self.registry.approved.get(device_id) or self._credentials(device_id)

    def _locked_out(self, device_id: str) -> bool:
        cutoff = time.monotonic() - self.config.auth_lockout_s
        recent = [t for t in self._failures.get(device_id, []) if t > cutoff]
        self._failures[device_id] = recent
        return len(recent) >= self.config.auth_failures_max

    def _register(self, request: SipRequest, peer: Peer) -> None:
        device_id = uri_user(name_addr_uri(request.get("From") or ""))
        if not GB_ID.match(device_id):
            self._reply(request, peer, 400, "the From user must be a 20-digit GB/T 28181 id")
            return
        access = self._access(device_id)
        if access is None:
            if self.config.unknown_devices == "hold":
                self.registry.hold(device_id, peer)
                self._reply(request, peer, 403, "unknown device: held for approval")
            else:
                self._reply(request, peer, 403, "unknown device")
            return
        if not access.allowed or self._locked_out(device_id):
            self._reply(request, peer, 403, "device not allowed")
            return
        authorization = request.get("Authorization")
        if authorization is None:
            self._challenge(request, peer)
            return
        credentials = parse_credentials(authorization)
        if credentials is None:
            self._reply(request, peer, 400, "unreadable Authorization")
            return
        if not self.auth.nonce_is_fresh(credentials.nonce):
            self._challenge(request, peer, stale=True)
            return
        password = access.password if access.password is not None else self.config.password
        if not password:  # a digest over an empty password proves nothing
            self._reply(request, peer, 403, "no password configured for this device")
            return
        ok = credentials.username == device_id and self.auth.verify(
            credentials, "REGISTER", password
        )
        if not ok:
            self._failures.setdefault(device_id, []).append(time.monotonic())
            logger.warning("gb28181: device %s failed authentication from %s", device_id, peer)
            self._reply(request, peer, 403, "wrong password")
            return
        self._failures.pop(device_id, None)
        self._registered(request, peer, device_id)

    def _challenge(self, request: SipRequest, peer: Peer, *, stale: bool = False) -> None:
        response = make_response(
            request, 401, headers=[("WWW-Authenticate", self.auth.challenge(stale=stale))]
        )
        self.ua.respond(request, response, peer)

    def _registered(self, request: SipRequest, peer: Peer, device_id: str) -> None:
        contact = request.get("Contact") or ""
        expires_text = header_params(contact).get("expires") or request.get("Expires") or "3600"
        expires = int(expires_text) if expires_text.strip().isdigit() else 3600
        version = (request.get("X-GB-Ver") or "").strip()
        headers = [("Date", datetime.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3])]
        if version:
            headers.append(("X-GB-Ver", self.config.gb_version))
        if expires == 0:
            headers.append(("Expires", "0"))
            self.ua.respond(request, make_response(request, 200, headers=headers), peer)
            self.registry.unregistered(device_id)
            return
        expires = max(self.config.register_expires_min_s,
                      min(expires, self.config.register_expires_max_s))  # fmt: skip
        headers += (
            [("Contact", contact), ("Expires", str(expires))]
            if contact
            else [("Expires", str(expires))]
        )
        self.ua.respond(request, make_response(request, 200, headers=headers), peer)
        existing = self.registry.device(device_id)
        device = existing or GbDevice(device_id=device_id, peer=peer)
        device.peer = peer
        device.contact = name_addr_uri(contact)
        device.expires_at = time.monotonic() + expires
        device.gb_version = version
        device.user_agent = (request.get("User-Agent") or "")[:128]
        device.registered_at = time.time()
        if device.state in (DeviceState.OFFLINE, DeviceState.UNREGISTERED):
            device.state = DeviceState.REGISTERED
        self.registry.registered(device)
        if self.config.auto_query and existing is None:
            self._spawn(self._first_queries(device_id))

    async def _first_queries(self, device_id: str) -> None:
        try:
            await self.device_info(device_id)
        except GbError as error:
            logger.info("gb28181: DeviceInfo from %s failed: %s", device_id, error)
        try:
            await self.query_catalog(device_id)
        except GbError as error:
            logger.info("gb28181: Catalog from %s failed: %s", device_id, error)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- MESSAGE / NOTIFY ------------------------------------------------------------------------
    def _message(self, request: SipRequest, peer: Peer) -> None:
        sender = uri_user(name_addr_uri(request.get("From") or ""))
        device = self.registry.device(sender)
        if device is None or device.state == DeviceState.UNREGISTERED:
            self._reply(request, peer, 403, "not registered")
            return
        if time.monotonic() > device.expires_at:
            self._reply(request, peer, 403, "registration expired: register again")
            return
        content_type = (request.get("Content-Type") or "").lower()
        if request.body and "xml" not in content_type:
            self._reply(request, peer, 415, "expected Application/MANSCDP+xml")
            return
        try:
            message = parse_manscdp(request.body)
        except ManscdpError as error:
            self._reply(request, peer, 400, str(error))
            return
        device.peer = peer  # answers may come from a new source port (NAT)
        self._mark_alive(device)
        kind, cmd = message.kind, message.cmd_type
        if kind == "Notify" and cmd == "Keepalive":
            device.last_keepalive = time.monotonic()
        elif kind == "Response" and cmd == "Catalog":
            collector = self._catalogs.get((device.device_id, message.sn))
            if collector is not None:
                collector.add(*catalog_items(message))
        elif kind == "Notify" and cmd == "Catalog":
            for item in catalog_items(message)[1]:
                self.registry.channel_event(device.device_id, item)
        elif kind == "Response":
            future = self._waiting.get((device.device_id, cmd, message.sn))
            if future is not None and not future.done():
                future.set_result(message)
        self._reply(request, peer, 200)  # after the registry has taken it in

    def _connection_lost(self, peer: Peer) -> None:
        """A device's SIP TCP connection closed: nothing can reach it any more
        (devices connect, we can't); it is offline until it registers again."""
        for device in list(self.registry.devices.values()):
            if device.peer == peer and device.state != DeviceState.OFFLINE:
                device.expires_at = 0.0  # MESSAGEs refused until it registers again
                self.registry.set_state(device, DeviceState.OFFLINE, "TCP connection closed")

    def _mark_alive(self, device: GbDevice) -> None:
        if device.state != DeviceState.ONLINE:
            self.registry.set_state(device, DeviceState.ONLINE, "heard from")

    async def _watch_devices(self) -> None:
        """Offline when keepalives stop (keepalive_misses intervals) or the
        registration expires."""
        cfg = self.config
        while True:
            await asyncio.sleep(cfg.monitor_interval_s)  # a periodic check
            now = time.monotonic()
            limit = cfg.keepalive_interval_s * cfg.keepalive_misses
            for device in list(self.registry.devices.values()):
                if device.state == DeviceState.OFFLINE:
                    continue
                if now > device.expires_at:
                    self.registry.set_state(device, DeviceState.OFFLINE, "registration expired")
                elif device.last_keepalive is not None and now - device.last_keepalive > limit:
                    self.registry.set_state(
                        device, DeviceState.OFFLINE, f"no keepalive for {limit:.0f} s"
                    )

    # -- requests to devices ---------------------------------------------------------------------
    def next_cseq(self) -> int:
        return next(self._cseq)

    def new_request(self, method: str, device: GbDevice, target_id: str,
                    *, uri: str | None = None) -> SipRequest:  # fmt: skip
        cfg = self.config
        peer = device.peer
        request = SipRequest(method=method, uri=uri or f"sip:{target_id}@{peer.host}:{peer.port}")
        request.add("Via", self.ua.via(peer.transport, new_branch()))
        request.add("From", f"<sip:{cfg.platform_id}@{cfg.domain}>;tag={new_tag()}")
        request.add("To", f"<sip:{target_id}@{cfg.domain}>")
        request.add("Call-ID", new_call_id(cfg.sip_host))
        request.add("CSeq", f"{self.next_cseq()} {method}")
        request.add("Max-Forwards", "70")
        if device.gb_version:
            request.add("X-GB-Ver", cfg.gb_version)
        return request

    def online_device(self, device_id: str) -> GbDevice:
        """The device, if registered and online; else GbError."""
        device = self.registry.device(device_id)
        if device is None or device.state in (DeviceState.UNREGISTERED, DeviceState.OFFLINE):
            raise GbError(f"device {device_id} is not online")
        return device

    async def send_message(self, device: GbDevice, body: bytes) -> SipResponse:
        request = self.new_request("MESSAGE", device, device.device_id)
        request.add("Content-Type", CONTENT_TYPE)
        request.body = body
        try:
            response = await self.ua.request(
                request, device.peer, limit=self.config.request_timeout_s
            )
        except SipTimeout as error:
            raise GbError(str(error)) from None
        if response.status >= 300:
            raise GbError(f"device answered {response.status} {response.reason}")
        return response

    async def query(self, device_id: str, cmd_type: str, *, target_id: str | None = None,
                    fields: list[tuple[str, str]] | None = None) -> ManscdpMessage:  # fmt: skip
        """A Query whose answer is a Response MESSAGE with the same SN."""
        device = self.online_device(device_id)
        sn = next(self._sn)
        key = (device_id, cmd_type, sn)
        future: asyncio.Future[ManscdpMessage] = asyncio.get_running_loop().create_future()
        self._waiting[key] = future
        body = build("Query", cmd_type, sn, target_id or device_id,
                     version=device.gb_version, fields=fields)  # fmt: skip
        try:
            await self.send_message(device, body)
            return await asyncio.wait_for(future, self.config.query_timeout_s)
        except TimeoutError:
            raise GbError(f"no {cmd_type} answer from {device_id}") from None
        finally:
            self._waiting.pop(key, None)

    async def device_info(self, device_id: str) -> dict[str, str]:
        answer = await self.query(device_id, "DeviceInfo")
        info = flat_fields(answer)
        device = self.registry.device(device_id)
        if device is not None:
            device.info = info
        return info

    async def device_status(self, device_id: str) -> dict[str, str]:
        answer = await self.query(device_id, "DeviceStatus")
        status = flat_fields(answer)
        device = self.registry.device(device_id)
        if device is not None:
            device.status = status
        return status

    async def query_catalog(self, device_id: str) -> CatalogResult:
        device = self.online_device(device_id)
        sn = next(self._sn)
        collector = CatalogCollector(sn, page_timeout_s=self.config.catalog_page_timeout_s)
        self._catalogs[(device_id, sn)] = collector
        try:
            await self.send_message(
                device, build("Query", "Catalog", sn, device_id, version=device.gb_version)
            )
            result = await collector.wait(self.config.query_timeout_s)
        finally:
            self._catalogs.pop((device_id, sn), None)
        if result.pages == 0:
            raise GbError(f"no Catalog answer from {device_id}")
        device.channel_count = result.sum_num
        self.registry.set_catalog(device, result.items)
        return result

    async def control(self, device_id: str, channel_id: str,
                      fields: list[tuple[str, str]]) -> None:  # fmt: skip
        """A DeviceControl; devices answer the MESSAGE (200), rarely a Response."""
        device = self.online_device(device_id)
        body = build("Control", "DeviceControl", next(self._sn), channel_id,
                     version=device.gb_version, fields=fields)  # fmt: skip
        await self.send_message(device, body)

    async def ptz(self, device_id: str, channel_id: str, command: PtzCommand) -> None:
        await self.control(device_id, channel_id, [
            ("PTZCmd", command.to_hex()), ("Info/", "<ControlPriority>5</ControlPriority>"),
        ])  # fmt: skip

    async def request_keyframe(self, device_id: str, channel_id: str) -> None:
        await self.control(device_id, channel_id, [("IFameCmd", "Send")])
