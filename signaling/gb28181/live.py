"""Live video from GB/T 28181 channels: INVITE/ACK/BYE dialogs and camera sources.

`LiveDialogs.invite()` asks a channel to send PS over RTP to a port of ours
(UDP, or TCP with us passive) with an SSRC we choose (`y=`), acknowledges the
answer and keeps what a BYE needs. `GbStreamSignaller` is the bridge to
media.PsRtpSource: the source opens the receiver and calls start_stream (our
INVITE) and stop_stream (our BYE) as watchers come and go; a stall or a BYE
from the device ends the session and the source's supervisor INVITEs again.
`LiveDialogs.source()` makes one PsRtpSource per channel and keeps it, so every
watcher shares one stream.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Any

from media.camera_source import CameraState, SourceError
from media.ps_rtp_source import PsRtpOptions, PsRtpSource, StreamOffer
from media.transport import DirectTransport
from signaling.gb28181 import sdp
from signaling.gb28181.platform import GbError, GbPlatform
from signaling.gb28181.registry import GbSession
from signaling.gb28181.sip_message import SipRequest, SipResponse, name_addr_uri, new_branch
from signaling.gb28181.sip_ua import SipTimeout

logger = logging.getLogger(__name__)

INVITE_ERRORS = {
    404: CameraState.NOT_FOUND,
    410: CameraState.NOT_FOUND,
    484: CameraState.NOT_FOUND,
    415: CameraState.UNSUPPORTED_CODEC,
    488: CameraState.UNSUPPORTED_CODEC,
    401: CameraState.AUTH_FAILED,
    403: CameraState.AUTH_FAILED,
}


class LiveDialogs:
    def __init__(self, platform: GbPlatform, *, invite_timeout_s: float = 10.0) -> None:
        self.platform = platform
        self.invite_timeout_s = invite_timeout_s
        self._serial = itertools.count(1)
        self._sources: dict[tuple[str, str], PsRtpSource] = {}
        self._signallers: dict[str, GbStreamSignaller] = {}  # call id -> signaller
        platform.dialogs = self
        platform.ua.on_late_response(self._late_response)

    # -- dialogs ---------------------------------------------------------------------------
    def _ssrc(self) -> str:
        used = {s.ssrc for s in self.platform.registry.sessions.values()}
        while True:
            text = sdp.ssrc_text(self.platform.config.platform_id, next(self._serial) % 10000)
            if int(text) not in used and not text.endswith("0000"):
                return text

    async def invite(self, device_id: str, channel_id: str, offer: StreamOffer,
                     *, stream_number: int | None = None) -> GbSession:  # fmt: skip
        """INVITE a channel to send to `offer`; raises SourceError (with the state
        the camera is in) if it can't."""
        platform = self.platform
        try:
            device = platform.online_device(device_id)
        except GbError as error:
            raise SourceError(CameraState.UNREACHABLE, str(error)) from None
        ssrc = self._ssrc()
        cfg = platform.config
        body = sdp.offer(
            platform_id=cfg.platform_id,
            host=offer.host,
            port=offer.port,
            transport=offer.transport,
            ssrc=ssrc,
            stream_number=stream_number
            if stream_number is not None
            else (0 if device.gb_version.startswith("3") else None),
        )
        request = platform.new_request("INVITE", device, channel_id)
        request.add("Contact", f"<sip:{cfg.platform_id}@{cfg.sip_host}:{platform.port}>")
        request.add("Subject", f"{channel_id}:{ssrc},{cfg.platform_id}:0")
        request.add("Content-Type", "APPLICATION/SDP")
        request.body = body.encode()
        try:
            response = await platform.ua.request(request, device.peer, limit=self.invite_timeout_s)
        except SipTimeout:
            raise SourceError(CameraState.UNREACHABLE, "no answer to INVITE") from None
        if response.status >= 300:
            self._ack(request, response, device.peer, same_transaction=True)
            state = INVITE_ERRORS.get(response.status, CameraState.UNREACHABLE)
            raise SourceError(state, f"INVITE answered {response.status} {response.reason}")
        try:
            answer = sdp.parse_answer(response.body.decode("utf-8", errors="replace"))
        except sdp.SdpError as error:
            self._ack(request, response, device.peer, same_transaction=False)
            await self._bye_raw(request, response, device.peer)
            raise SourceError(CameraState.OFFLINE, f"unusable SDP answer: {error}") from None
        self._ack(request, response, device.peer, same_transaction=False)
        session = GbSession(
            call_id=request.call_id,
            device_id=device_id,
            channel_id=channel_id,
            ssrc=answer.ssrc if answer.ssrc is not None else int(ssrc),
            transport=offer.transport,
            local_port=offer.port,
            peer=device.peer,
            local_tag=request.from_tag or "",
            remote_tag=response.to_tag or "",
            remote_target=name_addr_uri(response.get("Contact") or "") or request.uri,
            cseq=request.cseq[0],
            remote_sdp=response.body.decode("utf-8", errors="replace")[:4096],
        )
        platform.registry.session_started(session)
        return session

    def _ack(self, invite: SipRequest, response: SipResponse, peer: Any,
             *, same_transaction: bool) -> None:  # fmt: skip
        """ACK a final response: in the INVITE's transaction for non-2xx (same
        branch), as a new request to the remote target for 2xx."""
        target = name_addr_uri(response.get("Contact") or "") or invite.uri
        ack = SipRequest(method="ACK", uri=invite.uri if same_transaction else target)
        branch = invite.branch if same_transaction else new_branch()
        ack.add("Via", self.platform.ua.via(peer.transport, branch or new_branch()))
        ack.add("From", invite.get("From") or "")
        ack.add("To", response.get("To") or "")
        ack.add("Call-ID", invite.call_id)
        ack.add("CSeq", f"{invite.cseq[0]} ACK")
        ack.add("Max-Forwards", "70")
        self.platform.ua.send(ack, peer)

    def _late_response(self, response: SipResponse, peer: Any) -> None:
        """A 200 to an INVITE retransmitted because our ACK was lost: ACK again."""
        if response.cseq[1] != "INVITE" or response.status >= 300:
            return
        session = self.platform.registry.sessions.get(response.call_id)
        if session is None:
            return
        ack = SipRequest(method="ACK", uri=session.remote_target)
        ack.add("Via", self.platform.ua.via(session.peer.transport, new_branch()))
        ack.add("From", response.get("From") or "")
        ack.add("To", response.get("To") or "")
        ack.add("Call-ID", response.call_id)
        ack.add("CSeq", f"{response.cseq[0]} ACK")
        self.platform.ua.send(ack, peer)

    async def bye(self, session: GbSession) -> None:
        """End a dialog (no error if the device is gone: the session ends anyway)."""
        if self.platform.registry.session_ended(session.call_id) is None:
            return
        cfg = self.platform.config
        session.cseq += 1
        bye = SipRequest(method="BYE", uri=session.remote_target)
        bye.add("Via", self.platform.ua.via(session.peer.transport, new_branch()))
        bye.add("From", f"<sip:{cfg.platform_id}@{cfg.domain}>;tag={session.local_tag}")
        bye.add("To", f"<sip:{session.channel_id}@{cfg.domain}>;tag={session.remote_tag}")
        bye.add("Call-ID", session.call_id)
        bye.add("CSeq", f"{session.cseq} BYE")
        bye.add("Max-Forwards", "70")
        try:
            await self.platform.ua.request(bye, session.peer, limit=4.0)
        except SipTimeout:
            logger.info("gb28181: no answer to BYE for %s", session.channel_id)

    async def _bye_raw(self, invite: SipRequest, response: SipResponse, peer: Any) -> None:
        bye = SipRequest(
            method="BYE", uri=name_addr_uri(response.get("Contact") or "") or invite.uri
        )
        bye.add("Via", self.platform.ua.via(peer.transport, new_branch()))
        bye.add("From", invite.get("From") or "")
        bye.add("To", response.get("To") or "")
        bye.add("Call-ID", invite.call_id)
        bye.add("CSeq", f"{invite.cseq[0] + 1} BYE")
        try:
            await self.platform.ua.request(bye, peer, limit=4.0)
        except SipTimeout:
            pass

    def remote_bye(self, call_id: str) -> bool:
        """The device ended a dialog (BYE): tell its source. False if unknown."""
        session = self.platform.registry.session_ended(call_id)
        signaller = self._signallers.pop(call_id, None)
        if signaller is not None:
            signaller.remote_ended()
        return session is not None

    # -- sources ------------------------------------------------------------------------------
    def source(
        self,
        device_id: str,
        channel_id: str,
        transport: DirectTransport,
        *,
        options: PsRtpOptions | None = None,
        app_data: dict[str, Any] | None = None,
    ) -> PsRtpSource:
        """The one camera source of a channel: watch() it to pull the stream."""
        key = (device_id, channel_id)
        source = self._sources.get(key)
        if source is not None and not source.closed:
            return source
        signaller = GbStreamSignaller(self, device_id, channel_id)
        data = {"gb_device_id": device_id, "gb_channel_id": channel_id, **(app_data or {})}
        source = PsRtpSource(signaller, transport, options=options, app_data=data)
        signaller.source = source
        source.observer.on("close", lambda: self._sources.pop(key, None))
        self._sources[key] = source
        return source


class GbStreamSignaller:
    """media.StreamSignaller for one channel: INVITE to start, BYE to stop."""

    def __init__(self, dialogs: LiveDialogs, device_id: str, channel_id: str) -> None:
        self.dialogs = dialogs
        self.device_id = device_id
        self.channel_id = channel_id
        self.session: GbSession | None = None
        self.source: PsRtpSource | None = None
        self.keyframe_requests = 0

    async def start_stream(self, offer: StreamOffer) -> int | None:
        session = await self.dialogs.invite(self.device_id, self.channel_id, offer)
        self.session = session
        self.dialogs._signallers[session.call_id] = self
        return session.ssrc

    async def stop_stream(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            self.dialogs._signallers.pop(session.call_id, None)
            await self.dialogs.bye(session)

    def request_keyframe(self) -> Any:
        self.keyframe_requests += 1
        platform = self.dialogs.platform
        return _quietly(platform.request_keyframe(self.device_id, self.channel_id))

    def remote_ended(self) -> None:
        self.session = None
        if self.source is not None:
            self.source.stream_ended("the device ended the stream (BYE)")


async def _quietly(coro: Any) -> None:
    try:
        await coro
    except (GbError, asyncio.CancelledError):
        pass
