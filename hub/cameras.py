"""Wiring of cameras: the credential key, the GB/T 28181 platform (when configured),
the source factory (RTSP here, GB/T 28181 through the platform) and this node's
LiveCameras, whose state changes are stored on the camera rows."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from hub.config import CamerasConfig, Config
from hub.keyfile import load_or_create_camera_key
from media.camera_source import CameraSource, StateChange
from media.ps_rtp_source import PsRtpOptions
from media.rtsp_source import RtspOptions, RtspSource
from media.transport import DirectTransport, RouterOptions
from rooms.cameras import CameraSpec, do_record_camera_state
from rooms.credentials import CredentialBox, with_userinfo
from rooms.live_cameras import CameraUnavailable, LiveCamera, LiveCameras, wall_time
from rooms.models import CAMERA_GB28181
from signaling.gb28181.bindings import GbService
from signaling.gb28181.platform import GbConfig
from signaling.keys import CAMERA_BOX, CONFIG, DATABASE, GB_SERVICE, LIVE_CAMERAS, MEDIA_COUNTERS

logger = logging.getLogger(__name__)


def gb_service(config: CamerasConfig) -> GbService | None:
    if config.gb_sip_port is None:
        return None
    gb = GbConfig(
        platform_id=config.gb_platform_id,
        domain=config.gb_domain,
        password=config.gb_password,
        sip_host=config.gb_sip_host,
        sip_port=config.gb_sip_port,
        unknown_devices=config.gb_unknown_devices,
    )
    media = PsRtpOptions(
        transport=config.gb_media_transport,
        host=config.gb_media_host,
        announce_host=config.gb_media_announce,
        ports=config.gb_media_ports,
        linger_s=config.linger_s,
    )
    return GbService(gb, media)


def source_factory(config: CamerasConfig, gb: GbService | None) -> Any:
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
    config: Config = app[CONFIG]
    box = CredentialBox(load_or_create_camera_key(config.server.data_dir))
    app[CAMERA_BOX] = box
    gb = gb_service(config.cameras)
    if gb is not None:
        await gb.start(app[DATABASE], box)
    app[GB_SERVICE] = gb
    tasks: set[asyncio.Task[Any]] = set()

    def store_state(camera: LiveCamera, change: StateChange) -> None:
        last = wall_time(camera.source.stats.last_frame_at)

        async def write() -> None:
            try:
                await app[DATABASE].run(
                    lambda s: do_record_camera_state(
                        s,
                        camera.id,
                        state=str(change.state),
                        detail=change.detail,
                        last_frame_at=last,
                    )
                )
            except Exception:
                logger.exception("camera %s: state not stored", camera.id)

        task = asyncio.ensure_future(write())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    media = config.media
    live = LiveCameras(
        source_factory(config.cameras, gb),
        options=RouterOptions(
            consumer_queue_frames=max(media.consumer_queue_frames, 128),
            keyframe_interval_s=media.keyframe_interval_s,
        ),
        counters=app[MEDIA_COUNTERS],
        on_state=store_state,
        preroll_s=config.cameras.preroll_s,
        max_transcodes=config.cameras.h265_transcode_max,
    )
    app[LIVE_CAMERAS] = live
    yield
    await live.close()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
    if gb is not None:
        await gb.close()
