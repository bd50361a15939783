"""RoomRecorder: records every producer of a Router (present and future), sealed.

    rec = RoomRecorder(router, recordings_root, metadata, consents, key, config)
    await rec.start()        # raises ConsentMissing if a participant has not consented
    rec.add_consent(consent) # a party consenting later (their producers are recorded from then)
    await rec.stop()         # closes and seals every segment, writes the signed manifest

Each producer becomes a track (t01, t02, ...) from the moment it is seen; its
segments are written by a SegmentWriter through a DirectTransport consumer.

The disk work of sealing (fsync and hash of a closed segment, every rewrite of
state.json) runs on one worker thread per recording, in order, so the event loop
that forwards everyone's media never waits on the disk. The Sealer's state is
only touched from that thread until stop() has drained it.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import os
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from media.consumer import Consumer, ConsumerClosed
from media.observer import EventEmitter
from media.producer import Producer
from media.router import Router
from media.transport import DirectTransport
from recorder.chain import check_algorithm
from recorder.manifest import Consent, RecordingMetadata
from recorder.sealer import Sealer, iso
from recorder.segment_writer import ClosedSegment, OpenSegment, SegmentWriter, UnsupportedCodec
from recorder.settings import RecorderSettings
from recorder.store import COMPLETED
from rooms.errors import HubError

logger = logging.getLogger(__name__)


class ConsentMissing(HubError):
    """A participant present in the room has not consented to recording."""

    status = 409

    def __init__(self, names: str) -> None:
        super().__init__("consent_missing", f"以下当事人尚未同意录制 / not consented yet: {names}")
        self.names = names


class RecorderStateError(Exception):
    """start() twice, or stop() before start()."""


@dataclass
class _Track:
    id: str
    producer: Producer
    consumer: Consumer
    writer: SegmentWriter
    task: asyncio.Task[None] | None = None
    progress: asyncio.Future[None] | None = None
    listeners: tuple[Callable[[], None], Callable[[], None]] | None = None


class RoomRecorder:
    def __init__(
        self,
        router: Router,
        out_dir: Path,
        metadata: RecordingMetadata,
        consents: list[Consent],
        key: Ed25519PrivateKey,
        config: RecorderSettings | None = None,
        *,
        recording_id: str | None = None,
    ) -> None:
        self.router = router
        self.metadata = metadata
        self.config = config or RecorderSettings()
        check_algorithm(self.config.hash_algorithm)
        self.id = recording_id or time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:8]
        self.directory = out_dir / self.id
        self._key = key
        self._consents: dict[str, Consent] = {c.participant_id: c for c in consents}
        self._tracks: dict[str, _Track] = {}
        self._transport: DirectTransport | None = None
        self._sealer: Sealer | None = None
        self._started = self._stopped = False
        self._disk: ThreadPoolExecutor | None = None
        self._track_info: dict[str, dict[str, Any]] = {}  # the loop's copy of state tracks
        self._skipped: set[str] = set()  # producer ids left out (no consent, codec)
        self._done = asyncio.Event()
        self._stop_task: asyncio.Task[Path] | None = None
        # "failed" (exception): disk work failed, the recording is incomplete (monitoring
        # listens: the command center raises recording_failed)
        self.observer = EventEmitter()

    # -- consent --------------------------------------------------------------------
    def missing_consents(self) -> list[str]:
        return [p.id for p in self.metadata.participants if p.id not in self._consents]

    def add_consent(self, consent: Consent) -> None:
        """Record a consent given during the session; pending producers of that
        participant are recorded from now on."""
        self._consents[consent.participant_id] = consent
        if self._sealer is not None and not self._stopped:
            consents = [asdict(c) for c in self._consents.values()]
            self._on_disk(lambda state: state.__setitem__("consents", consents))
            for producer in self.router.producers:
                self._add_producer(producer)

    # -- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            raise RecorderStateError("already started")
        missing = self.missing_consents()
        if missing:
            raise ConsentMissing(", ".join(missing))
        self._started = True
        self.directory.mkdir(parents=True, exist_ok=False)
        self._sealer = Sealer.create(
            self.directory,
            self.id,
            self.config.hash_algorithm,
            {
                "metadata": self.metadata.to_json(),
                "consents": [asdict(c) for c in self._consents.values()],
                "skipped_producers": [],
            },
        )
        self._disk = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"rec-{self.id}")
        self._transport = self.router.create_direct_transport(
            app_data={"role": "recorder", "recording_id": self.id}
        )
        self.router.observer.on("newproducer", self._add_producer)
        self.router.observer.on("close", self._router_closed)
        for producer in self.router.producers:
            self._add_producer(producer)

    @property
    def tracks(self) -> dict[str, dict[str, Any]]:
        return dict(self._track_info)

    # -- the disk worker ----------------------------------------------------------------
    def _on_disk(
        self, change: Callable[[dict[str, Any]], None] | None = None, *, save: bool = True
    ) -> None:
        """Queue `change(state)` and a state.json rewrite for the disk worker."""
        sealer, disk = self._sealer, self._disk
        assert sealer is not None and disk is not None

        def job() -> None:
            if change is not None:
                change(sealer.state)
            if save:
                sealer.save()

        self._disk_job(job)

    def _disk_job(self, job: Callable[[], None]) -> None:
        assert self._disk is not None
        future = asyncio.get_running_loop().run_in_executor(self._disk, job)
        future.add_done_callback(self._disk_failed)

    def _disk_failed(self, future: asyncio.Future[None]) -> None:
        if not future.cancelled() and future.exception() is not None:
            logger.error("recording %s: disk work failed", self.id, exc_info=future.exception())
            self.observer.emit("failed", future.exception())

    async def _disk_drained(self) -> None:
        """Return once every disk job queued so far has run."""
        if self._disk is not None:
            await asyncio.get_running_loop().run_in_executor(self._disk, lambda: None)

    @property
    def frames_written(self) -> int:
        return sum(t.writer.frames_written for t in self._tracks.values())

    def _add_producer(self, producer: Producer) -> None:
        sealer, transport = self._sealer, self._transport
        if sealer is None or transport is None or self._stopped or producer.closed:
            return
        if any(t.producer is producer for t in self._tracks.values()):
            return
        participant = producer.app_data.get("participant")
        if participant is not None and str(participant) not in self._consents:
            if producer.id not in self._skipped:
                self._skipped.add(producer.id)
                entry = {
                    "producer_id": producer.id,
                    "participant_id": str(participant),
                    "reason": "no consent",
                    "at": iso(time.time()),
                }
                self._on_disk(lambda state: state["skipped_producers"].append(entry))
            return
        track_id = f"t{len(self._tracks) + 1:02d}"
        try:
            writer = SegmentWriter(
                self.directory,
                track_id,
                producer.codec,
                segment_duration_s=self.config.segment_duration_s,
                cluster_ms=self.config.flush_interval_ms,
                on_open=self._segment_opened,
                on_close=self._segment_closed,
                request_keyframe=producer.request_keyframe,
            )
        except UnsupportedCodec as exc:
            logger.warning("recording %s: cannot record %s: %s", self.id, producer, exc)
            if producer.id not in self._skipped:
                self._skipped.add(producer.id)
                entry = {"producer_id": producer.id, "reason": f"unsupported codec {exc}"}
                self._on_disk(lambda state: state["skipped_producers"].append(entry))
            return
        consumer = transport.consume(producer, app_data={"role": "recorder"})
        track = _Track(track_id, producer, consumer, writer)
        self._tracks[track_id] = track
        info = self._track_info[track_id] = {
            "producer_id": producer.id,
            "participant_id": str(participant) if participant is not None else None,
            "kind": producer.kind,
            "codec": producer.codec.mime_type,
            "clock_rate": producer.codec.clock_rate,
            "container": writer.format,
            "app_data": {k: v for k, v in producer.app_data.items() if _plain(v)},
            "joined_at": iso(time.time()),
            "left_at": None,
            # when the producer sent nothing because it was paused (a muted microphone, a
            # camera turned off) and by whom: the player says why a track is missing
            "pauses": [],
        }
        snapshot = copy.deepcopy(info)
        self._on_disk(lambda state: state["tracks"].__setitem__(track_id, snapshot))
        track.listeners = (
            lambda: self._paused(track, True),
            lambda: self._paused(track, False),
        )
        producer.observer.on("pause", track.listeners[0])
        producer.observer.on("resume", track.listeners[1])
        if producer.paused:
            self._paused(track, True)
        track.task = asyncio.get_running_loop().create_task(self._pump(track))

    def _paused(self, track: _Track, paused: bool) -> None:
        """Log a pause (or its end) of a track's producer, with who paused it."""
        if self._sealer is None or self._stopped:
            return
        pauses: list[dict[str, Any]] = self._track_info[track.id]["pauses"]
        now = time.time()
        if paused:
            participant = track.producer.app_data.get("participant")
            by = track.producer.app_data.get("paused_by")
            entry = {
                "from": now,
                "to": None,
                "by": "self" if by is None or str(by) == str(participant) else "moderator",
            }
            pauses.append(entry)
        elif pauses and pauses[-1]["to"] is None:
            pauses[-1]["to"] = now
        else:
            return
        snapshot = copy.deepcopy(pauses)
        self._on_disk(lambda state: state["tracks"][track.id].__setitem__("pauses", snapshot))

    async def _pump(self, track: _Track) -> None:
        seen_clock: tuple[int, float] | None = None
        try:
            while True:
                frame = await track.consumer.recv_frame()
                track.writer.write(frame)
                clock = track.producer.sender_clock
                if clock is not None and clock is not seen_clock:
                    seen_clock = clock
                    track.writer.note_sender_clock(*clock)
                waiter = track.progress
                if waiter is not None and not waiter.done():
                    waiter.set_result(None)
        except ConsumerClosed:
            track.writer.close()
            self._mark_left(track)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("recording %s: track %s failed", self.id, track.id)
            track.writer.close()
            self._mark_left(track)

    async def wait_written(self) -> None:
        """Return once every frame queued for the recorder so far has been written."""
        loop = asyncio.get_running_loop()
        for track in list(self._tracks.values()):
            while track.consumer.queued and track.task is not None and not track.task.done():
                track.progress = loop.create_future()
                await track.progress

    def _mark_left(self, track: _Track) -> None:
        if track.listeners is not None:
            track.producer.observer.off("pause", track.listeners[0])
            track.producer.observer.off("resume", track.listeners[1])
            track.listeners = None
        if self._sealer is None:
            return
        left = {
            "left_at": iso(time.time()),
            "frames_recorded": track.writer.frames_written,
            # before the first keyframe / dropped by the consumer's bounded queue
            "frames_skipped": track.writer.frames_skipped,
            "frames_dropped": track.consumer.dropped_frames,
        }
        self._track_info[track.id].update(left)
        self._on_disk(lambda state: state["tracks"][track.id].update(left))

    def _segment_opened(self, segment: OpenSegment) -> None:
        sealer, description = self._sealer, segment.describe()
        assert sealer is not None
        self._disk_job(lambda: sealer.segment_opened(segment.track_id, description))

    def _segment_closed(self, segment: ClosedSegment) -> None:
        sealer = self._sealer
        assert sealer is not None
        self._disk_job(lambda: self._seal(sealer, segment))

    @staticmethod
    def _seal(sealer: Sealer, segment: ClosedSegment) -> None:
        """On the disk worker: make the segment durable, then hash it into the chain."""
        with open(segment.path, "rb+") as f:
            os.fsync(f.fileno())
        sealer.seal_segment(
            file=segment.path.name,
            track_id=segment.track_id,
            start=segment.start_wall,
            duration=segment.duration_s,
            frames=segment.frames,
            first_ts=segment.first_ts,
            last_ts=segment.last_ts,
            clock_rate=segment.clock_rate,
            sender_clock=segment.sender_clock,
        )

    def _router_closed(self) -> None:
        """The room ended without stop(): seal anyway."""
        if not self._stopped:
            self._stop_task = asyncio.get_running_loop().create_task(self.stop())

    async def wait_stopped(self) -> None:
        """Return once the recording is sealed (by stop() or because the router closed)."""
        await self._done.wait()

    async def stop(self) -> Path:
        """Write what is queued, seal every segment, sign the manifest. Returns the dir."""
        if not self._started or self._sealer is None:
            raise RecorderStateError("not started")
        if self._stopped:
            return self.directory
        self._stopped = True
        self.router.observer.off("newproducer", self._add_producer)
        self.router.observer.off("close", self._router_closed)
        for track in self._tracks.values():
            if track.task is not None and not track.task.done():
                track.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await track.task
                # frames already queued: recv_frame returns them without waiting
                while track.consumer.queued:
                    track.writer.write(await track.consumer.recv_frame())
                track.writer.close()
                track.consumer.close()
                self._mark_left(track)
        if self._transport is not None:
            await self._transport.close()
        try:
            await self._disk_drained()
            await self._sealer.finish(COMPLETED, self._key, tsa_url=self.config.tsa_url)
        finally:
            if self._disk is not None:
                self._disk.shutdown(wait=False)
            self._done.set()
        return self.directory


def _plain(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None
