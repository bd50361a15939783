"""CameraSource: one camera pulled once, while anyone watches, into one producer.

What RTSP and GB/T 28181 ingest share: a camera is pulled only while it has
watchers (a room, a wall tile, the recorder); the first `watch()` starts the pull,
closing the last `Watch` stops it (after `linger_s`). Each pull is a series of
sessions (one connection each) run by a supervisor with back-off; a session that
delivers no frame for `stall_timeout_s` is aborted and the camera marked offline.
Frames go into one producer on the DirectTransport given at construction (one
pull, N consumers), timestamps made continuous across reconnects, and nothing is
forwarded after a (re)connect until a keyframe.

Subclasses implement `_session()` (run one connection until it ends, raising
`SourceError` to say why it failed) and `_abort_session()` (make the running
session return soon). They hand frames over with `_deliver()` on the event loop.

Events on `observer`: "statechange" (StateChange), "newproducer" (Producer),
"watch" / "unwatch" (Watch), "close".
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from media.frames import EncodedFrame, MediaCodec
from media.observer import EventEmitter
from media.producer import KeyframeRequester, Producer
from media.transport import DirectTransport

logger = logging.getLogger(__name__)


class CameraState(enum.StrEnum):
    IDLE = "idle"  # nobody watches: not pulling
    CONNECTING = "connecting"  # first attempt of a pull under way
    ONLINE = "online"  # frames flowing
    OFFLINE = "offline"  # was reachable, stopped sending or dropped; retrying
    UNREACHABLE = "unreachable"  # cannot connect (refused, no route, timeout); retrying
    AUTH_FAILED = "auth_failed"  # wrong user/password: not retried (cameras lock accounts)
    NOT_FOUND = "not_found"  # no such stream / channel: not retried
    BAD_URL = "bad_url"  # the address can't be used: not retried
    UNSUPPORTED_CODEC = "unsupported_codec"  # not H.264 (H.265, MJPEG ...): not retried
    CLOSED = "closed"


# States a pull stops in until retry() or a new first watcher: retrying by itself
# would not help and may lock the camera's account.
PERMANENT_STATES = frozenset(
    {
        CameraState.AUTH_FAILED,
        CameraState.NOT_FOUND,
        CameraState.BAD_URL,
        CameraState.UNSUPPORTED_CODEC,
    }
)

STATE_TEXT: dict[CameraState, tuple[str, str]] = {
    CameraState.IDLE: ("未在拉流", "not pulled"),
    CameraState.CONNECTING: ("正在连接摄像机", "connecting to the camera"),
    CameraState.ONLINE: ("在线", "online"),
    CameraState.OFFLINE: ("摄像机离线，正在重连", "camera offline, reconnecting"),
    CameraState.UNREACHABLE: ("无法连接摄像机，正在重试", "camera unreachable, retrying"),
    CameraState.AUTH_FAILED: (
        "摄像机用户名或密码错误",
        "camera rejected the user name or password",
    ),
    CameraState.NOT_FOUND: ("摄像机上没有这个视频流", "no such stream on the camera"),
    CameraState.BAD_URL: ("摄像机地址无效", "invalid camera address"),
    CameraState.UNSUPPORTED_CODEC: ("不支持的视频编码", "unsupported video codec"),
    CameraState.CLOSED: ("已关闭", "closed"),
}


@dataclass(frozen=True, slots=True)
class StateChange:
    state: CameraState
    previous: CameraState
    detail: str  # technical reason in English ("401 Unauthorized", "no frame for 3.0 s")

    @property
    def message(self) -> str:
        zh, en = STATE_TEXT[self.state]
        return f"{zh}；{en}" + (f": {self.detail}" if self.detail else "")


class SourceError(Exception):
    """Why a session ended: the state the camera is in, and a technical detail."""

    def __init__(self, state: CameraState, detail: str) -> None:
        super().__init__(f"{state}: {detail}")
        self.state = state
        self.detail = detail


@dataclass
class SourceOptions:
    stall_timeout_s: float = 3.0  # online and no frame for this long: offline, reconnect
    first_frame_timeout_s: float = 10.0  # a session with no frame by then is aborted
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 5.0
    linger_s: float = 0.0  # keep pulling this long after the last watcher leaves
    stop_timeout_s: float = 8.0  # wait this long for a session to wind down


@dataclass
class SourceStats:
    sessions: int = 0  # connection attempts
    frames: int = 0  # frames forwarded to the producer
    bytes: int = 0
    keyframes: int = 0
    waited_for_keyframe: int = 0  # frames dropped before a session's first keyframe
    last_frame_at: float | None = None  # time.monotonic()


class Watch:
    """One watcher's hold on a source (a room, a wall tile, the recorder).
    Close it when done; the pull stops when the last one closes."""

    def __init__(self, source: CameraSource, app_data: dict[str, Any] | None) -> None:
        self.id = uuid.uuid4().hex
        self.source = source
        self.app_data: dict[str, Any] = dict(app_data or {})
        self.closed = False

    @property
    def producer(self) -> Producer | None:
        return self.source.producer

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.source._unwatch(self)


class CameraSource:
    kind = "camera"

    def __init__(
        self,
        transport: DirectTransport,
        *,
        options: SourceOptions | None = None,
        app_data: dict[str, Any] | None = None,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.app_data: dict[str, Any] = dict(app_data or {})
        self.options = options or SourceOptions()
        self.observer = EventEmitter()
        self.state = CameraState.IDLE
        self.detail = ""
        self.producer: Producer | None = None
        self.stats = SourceStats()
        self.closed = False
        self._transport = transport
        self._watches: dict[str, Watch] = {}
        self._supervisor: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._linger: asyncio.TimerHandle | None = None
        self._stopping = False
        self._wake = asyncio.Event()
        self._generation = 0  # sessions; frames of an older one are ignored
        self._session_frames = 0
        self._session_started = 0.0
        self._waiting_keyframe = True
        self._last_in_ts: int | None = None
        self._last_out_ts = 0
        self._pull_went_online = False
        transport.observer.on("close", self._transport_closed)

    # -- watchers ------------------------------------------------------------------
    @property
    def watchers(self) -> list[Watch]:
        return list(self._watches.values())

    @property
    def pulling(self) -> bool:
        """True while a pull runs (sessions and retries); False when idle or stopped
        in a permanent state."""
        return self._supervisor is not None

    def watch(self, *, app_data: dict[str, Any] | None = None) -> Watch:
        """Hold the camera: the first watcher starts the pull."""
        if self.closed:
            raise RuntimeError(f"camera source {self.id} is closed")
        watch = Watch(self, app_data)
        self._watches[watch.id] = watch
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        self.observer.emit("watch", watch)
        if self._supervisor is None:
            self._start()
        return watch

    def _unwatch(self, watch: Watch) -> None:
        if self._watches.pop(watch.id, None) is None:
            return
        self.observer.emit("unwatch", watch)
        if self._watches or self.closed:
            return
        if self.options.linger_s > 0:
            loop = asyncio.get_running_loop()
            self._linger = loop.call_later(self.options.linger_s, self._linger_over)
        else:
            self._linger_over()

    def _linger_over(self) -> None:
        self._linger = None
        if not self._watches and self._supervisor is not None:
            task = asyncio.ensure_future(self._stop())
            task.add_done_callback(_log_failure)

    def retry(self) -> None:
        """Try again after a permanent error (e.g. the password was corrected)."""
        if self._watches and not self.closed and self._supervisor is None:
            self._start()

    # -- pulling -----------------------------------------------------------------------
    def _start(self) -> None:
        self._stopping = False
        self._pull_went_online = False
        self._wake.clear()
        self._supervisor = asyncio.ensure_future(self._supervise())
        self._watchdog = asyncio.ensure_future(self._watch_frames())

    async def _stop(self) -> None:
        """Stop pulling: abort the session, wait for it, close the producer."""
        supervisor, watchdog = self._supervisor, self._watchdog
        if supervisor is None:
            return
        self._stopping = True
        self._wake.set()
        self._abort_session()
        try:
            await asyncio.wait_for(asyncio.shield(supervisor), self.options.stop_timeout_s)
        except TimeoutError:
            logger.warning("camera %s: session did not stop in time; cancelled", self.id)
            supervisor.cancel()
        if watchdog is not None:
            watchdog.cancel()
        if self._supervisor is supervisor:
            self._supervisor = self._watchdog = None
        if self._watches and not self.closed:
            self._start()  # someone started watching again while we stopped
            return
        self._close_producer()
        if self.state not in PERMANENT_STATES and not self.closed:
            self._set_state(CameraState.IDLE, "")

    async def _supervise(self) -> None:
        backoff = self.options.backoff_initial_s
        first = True
        try:
            while not self._stopping and not self.closed:
                if first or self.state not in (CameraState.OFFLINE, CameraState.UNREACHABLE):
                    self._set_state(CameraState.CONNECTING, "")
                first = False
                self._begin_session()
                try:
                    await self._session()
                    if self._stopping:
                        break
                    if self.state != CameraState.OFFLINE:  # not already marked by the watchdog
                        self._set_state(CameraState.OFFLINE, "the stream ended")
                except SourceError as error:
                    if self._stopping:
                        break
                    if error.state == CameraState.UNREACHABLE and self._pull_went_online:
                        # it was there a moment ago: it went offline, it did not vanish
                        error = SourceError(CameraState.OFFLINE, error.detail)
                    if self.state != CameraState.OFFLINE or error.state != CameraState.OFFLINE:
                        self._set_state(error.state, error.detail)
                    if error.state in PERMANENT_STATES:
                        self._close_producer()
                        return
                except Exception as error:  # a bug or an unexpected library error
                    logger.exception("camera %s: session failed", self.id)
                    self._set_state(CameraState.OFFLINE, f"{type(error).__name__}: {error}")
                if self._session_frames:
                    backoff = self.options.backoff_initial_s
                try:
                    await asyncio.wait_for(self._wake.wait(), backoff)
                except TimeoutError:
                    pass
                backoff = min(backoff * 2, self.options.backoff_max_s)
        finally:
            self._generation += 1  # late frames of the last session are ignored
            if not self._stopping:  # ended by a permanent error: let retry() restart
                if self._watchdog is not None:
                    self._watchdog.cancel()
                self._supervisor = self._watchdog = None

    def _begin_session(self) -> None:
        self._generation += 1
        self.stats.sessions += 1
        self._session_frames = 0
        self._session_started = time.monotonic()
        self._waiting_keyframe = True
        self._last_in_ts = None

    async def _watch_frames(self) -> None:
        """Abort a session that stalls (online, no frame for stall_timeout_s) or
        never starts (no frame within first_frame_timeout_s)."""
        opts = self.options
        tick = min(0.25, opts.stall_timeout_s / 4)
        while True:
            await asyncio.sleep(tick)  # a periodic check, not synchronisation
            now = time.monotonic()
            if self.state == CameraState.ONLINE:
                last = self.stats.last_frame_at or self._session_started
                if now - last > opts.stall_timeout_s:
                    self._set_state(
                        CameraState.OFFLINE, f"no frame for {opts.stall_timeout_s:.1f} s"
                    )
                    self._abort_session()
            elif self._session_frames == 0 and self.state in (
                CameraState.CONNECTING,
                CameraState.OFFLINE,
                CameraState.UNREACHABLE,
            ):
                started = self._session_started
                if started and now - started > opts.first_frame_timeout_s:
                    self._session_started = now  # abort once per session
                    self._set_state(
                        CameraState.OFFLINE,
                        f"no video within {opts.first_frame_timeout_s:.1f} s of connecting",
                    )
                    self._abort_session()

    # -- subclass hooks -----------------------------------------------------------------------
    async def _session(self) -> None:
        raise NotImplementedError

    def _abort_session(self) -> None:
        """Make the running session (if any) return soon."""

    def _keyframe_requester(self) -> KeyframeRequester | None:
        """How the producer asks this camera for a keyframe; None if it can't."""
        return None

    # -- helpers for subclasses (event loop only) -------------------------------------------
    @property
    def generation(self) -> int:
        """The running session's number; pass it back to `_deliver`."""
        return self._generation

    def _open_producer(self, codec: MediaCodec) -> Producer:
        """The producer for this codec: kept across reconnects while the MIME type
        stays the same, replaced (a "newproducer" event) when it changes."""
        if self.producer is not None and not self.producer.closed:
            if self.producer.codec.mime_type == codec.mime_type:
                return self.producer
            self._close_producer()
        app_data = {**self.app_data, "camera_source": self.id, "source_kind": self.kind}
        self.producer = self._transport.produce(
            codec, keyframe_requester=self._keyframe_requester(), app_data=app_data
        )
        self.observer.emit("newproducer", self.producer)
        return self.producer

    def _resync(self) -> None:
        """The stream lost data: forward nothing until the next keyframe, and ask
        the camera for one if it can be asked."""
        self._waiting_keyframe = True
        if self.producer is not None:
            self.producer.request_keyframe()

    def _close_producer(self) -> None:
        producer, self.producer = self.producer, None
        if producer is not None and not producer.closed:
            producer.close()

    def _deliver(self, generation: int, frame: EncodedFrame) -> None:
        """Forward one frame of session `generation`: dropped until a keyframe,
        timestamp made continuous across sessions, the camera marked online."""
        if generation != self._generation or self._stopping or self.closed:
            return
        producer = self.producer
        if producer is None or producer.closed:
            return
        if self._waiting_keyframe:
            if not frame.keyframe:
                self.stats.waited_for_keyframe += 1
                return
            self._waiting_keyframe = False
        frame.timestamp = self._continuous_timestamp(frame.timestamp, frame.codec.clock_rate)
        now = time.monotonic()
        self._session_frames += 1
        self.stats.frames += 1
        self.stats.bytes += len(frame.data)
        self.stats.keyframes += frame.keyframe
        self.stats.last_frame_at = now
        if self.state != CameraState.ONLINE:
            self._pull_went_online = True
            self._set_state(CameraState.ONLINE, "")
        producer.send(frame)

    def _continuous_timestamp(self, ts: int, clock_rate: int) -> int:
        step = clock_rate // 25  # a nominal frame when the source's clock jumps
        previous, self._last_in_ts = self._last_in_ts, ts
        if previous is None:
            delta = step if self._last_out_ts else 0  # a new session continues the old
        else:
            delta = ts - previous
            if delta < 0 or delta > 10 * clock_rate:  # wrapped, reset or reordered
                delta = step
        self._last_out_ts += delta
        return self._last_out_ts

    def _set_state(self, state: CameraState, detail: str) -> None:
        if state == self.state and detail == self.detail:
            return
        previous = self.state
        self.state, self.detail = state, detail
        change = StateChange(state, previous, detail)
        if state != CameraState.ONLINE:
            logger.info("camera %s: %s", self.id, change.message)
        self.observer.emit("statechange", change)

    # -- close --------------------------------------------------------------------------------
    def _transport_closed(self) -> None:
        if not self.closed:
            task = asyncio.ensure_future(self.close())
            task.add_done_callback(_log_failure)

    async def close(self) -> None:
        """Stop pulling for good and close the producer; watches become inert."""
        if self.closed:
            return
        self._watches.clear()
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        await self._stop()
        self.closed = True
        self._close_producer()
        self._set_state(CameraState.CLOSED, "")
        self._transport.observer.off("close", self._transport_closed)
        self.observer.emit("close")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id[:8]} {self.state})"


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("camera source task failed", exc_info=task.exception())
