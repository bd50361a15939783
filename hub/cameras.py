"""Wiring of cameras: the credential key, the GB/T 28181 platform (when configured),
the source factory (RTSP here, GB/T 28181 through the platform) and this node's
LiveCameras, whose state changes are stored on the camera rows."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from hub.keyfile import load_or_create_camera_key
from media.camera_source import CameraSource, StateChange
from media.ps_rtp_source import PsRtpOptions
from media.rtsp_source import RtspOptions, RtspSource
from media.settings import MediaSettings
from media.transport import DirectTransport
from rooms.cameras import CameraSpec, do_record_camera_state
from rooms.credentials import CredentialBox, with_userinfo
from rooms.live_cameras import CameraUnavailable, LiveCamera, LiveCameras, wall_time
from rooms.models import CAMERA_GB28181
from rooms.settings import CameraSettings
from signaling.gb28181.bindings import GbService
from signaling.gb28181.platform import GbPlatform
from signaling.gb28181.settings import GbSettings
from signaling.keys import (
    CAMERA_BOX,
    CAMERA_SETTINGS,
    DATABASE,
    GB_SERVICE,
    GB_SETTINGS,
    LIVE_CAMERAS,
    MEDIA_COUNTERS,
    MEDIA_SETTINGS,
    SERVER,
)

logger = logging.getLogger(__name__)

# The GB/T 28181 SIP platform, when the config enables it (serve --gb-sip-port).
GB_PLATFORM: web.AppKey[GbPlatform] = web.AppKey("gb_platform", GbPlatform)


def gb_service(gb: GbSettings, cameras: CameraSettings) -> GbService | None:
    if not gb.enabled:
        return None
    media = PsRtpOptions(
        transport=gb.media_transport,
        host=gb.media_host,
        announce_host=gb.media_announce,
        ports=gb.media_ports,
        linger_s=cameras.linger_s,
    )
    return GbService(gb, media)


def source_factory(config: CameraSettings, gb: GbService | None) -> Any:
    def make(
        spec: CameraSpec, transport: DirectTransport, app_data: dict[str, Any]
    ) -> CameraSource:
        if spec.source == CAMERA_GB28181:
            if gb is None:
                raise CameraUnavailable(
                    "gb_unavailable",
                    "本平台未启用国标（GB/T 28181）接入 / no GB/T 28181 platform runs here"
                    " (serve --gb-sip-port)",
                )
            return gb.source(spec, transport, app_data)
        assert spec.rtsp_url is not None
        options = RtspOptions(
            transport=spec.rtsp_transport,
            linger_s=config.linger_s,
            probe_s=config.rtsp_probe_s,
            h265=config.h265_transcode_max > 0,
        )
        url = with_userinfo(spec.rtsp_url, spec.credentials)
        return RtspSource(url, transport, options=options, app_data=app_data)

    return make


async def cameras_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: after the database and media contexts."""
    cameras = app[CAMERA_SETTINGS]
    box = CredentialBox(load_or_create_camera_key(app[SERVER].data_dir))
    app[CAMERA_BOX] = box
    gb = gb_service(app[GB_SETTINGS], cameras)
    if gb is not None:
        await gb.start(app[DATABASE], box)
        app[GB_PLATFORM] = gb.platform
    app[GB_SERVICE] = gb
    tasks: set[asyncio.Task[Any]] = set()

    # one writer per camera, writing the newest state it has not written yet: in
    # order, and a burst of changes ends with the last one stored (a write per
    # change, each its own task, could commit an older state after a newer one)
    unwritten: dict[str, tuple[str, str, Any]] = {}
    writing: set[str] = set()

    async def write(camera_id: str) -> None:
        try:
            while camera_id in unwritten:
                state, detail, last = unwritten.pop(camera_id)
                record = functools.partial(
                    do_record_camera_state,
                    camera_id=camera_id,
                    state=state,
                    detail=detail,
                    last_frame_at=last,
                )
                try:
                    await app[DATABASE].run(record)
                except Exception:
                    logger.exception("camera %s: state not stored", camera_id)
        finally:
            writing.discard(camera_id)

    def store_state(camera: LiveCamera, change: StateChange) -> None:
        last = wall_time(camera.source.stats.last_frame_at)
        unwritten[camera.id] = (str(change.state), change.detail, last)
        if camera.id not in writing:
            writing.add(camera.id)
            task = asyncio.ensure_future(write(camera.id))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    media = app[MEDIA_SETTINGS]
    live = LiveCameras(
        source_factory(cameras, gb),
        options=MediaSettings(
            consumer_queue_frames=max(media.consumer_queue_frames, 128),
            keyframe_interval_s=media.keyframe_interval_s,
        ),
        counters=app[MEDIA_COUNTERS],
        on_state=store_state,
        preroll_s=cameras.preroll_s,
        max_transcodes=cameras.h265_transcode_max,
    )
    app[LIVE_CAMERAS] = live
    yield
    await live.close()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
    if gb is not None:
        await gb.close()
