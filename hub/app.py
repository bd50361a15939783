"""build_app(config): the only place that wires every part together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from sqlalchemy import select

import web as web_pages
from hub.cameras import cameras_ctx
from hub.config import Config
from hub.keyfile import load_or_create_metrics_token, load_or_create_token_secret
from media.counters import MediaCounters
from media.ice import announce_host_addresses
from recorder.control import RecordingControl
from recorder.retention import Retention
from recorder.store import recordings_dir
from rooms.db import Database, init_schema
from rooms.domain import do_bootstrap_admin
from rooms.live_room import LiveRooms
from rooms.models import User
from rooms.passwords import PasswordPool, one_time_password
from signaling import (
    alarm_service,
    api,
    health,
    metrics,
    pages,
    room_namespace,
    security_headers,
    wall_namespace,
)
from signaling.keys import (
    CAMERA_SETTINGS,
    COMMAND_CENTER_SETTINGS,
    DATABASE,
    GB_SETTINGS,
    LIVE_ROOMS,
    MEDIA_COUNTERS,
    MEDIA_SETTINGS,
    METRICS_TOKEN,
    PASSWORDS,
    RECORDINGS,
    RETENTION,
    ROOMS_SETTINGS,
    SERVER,
    SIGNALING,
    THROTTLE,
    TOKEN_SECRET,
)
from signaling.rate_limit import RATE_LIMIT, public_rate_limit
from signaling.throttle import LocalThrottle, RedisThrottle, Throttle

logger = logging.getLogger(__name__)

# The whole Config, for hub/ only: the packages get their own sections.
HUB_CONFIG: web.AppKey[Config] = web.AppKey("config", Config)


async def _accounts_ctx(app: web.Application) -> AsyncIterator[None]:
    """Argon2's thread pool, and the failed-login counts: in this process, or in
    Redis with REDIS_URL so that every node shares them."""
    config: Config = app[HUB_CONFIG]
    passwords = PasswordPool(
        workers=config.signaling.password_workers,
        max_waiting=config.signaling.password_max_waiting,
    )
    app[PASSWORDS] = passwords
    throttle: Throttle = (
        RedisThrottle(config.signaling.redis_url) if config.signaling.redis_url else LocalThrottle()
    )
    app[THROTTLE] = throttle
    # the dummy hash unknown usernames are checked against, made on the pool now
    # rather than by the first unknown login (which would then cost two runs)
    warm_up = asyncio.ensure_future(passwords.warm_up())
    yield
    warm_up.cancel()
    await throttle.close()
    passwords.close()


async def _bootstrap_admin(database: Database, passwords: PasswordPool) -> tuple[str, str] | None:
    """A fresh install's admin; the one-time password hashed before the unit of work."""
    async with database.session() as session:
        if await session.scalar(select(User.id).limit(1)) is not None:
            return None
    password = one_time_password()
    hashed = await passwords.hash(password)
    return await database.run(lambda s: do_bootstrap_admin(s, password, hashed))


async def _database_ctx(app: web.Application) -> AsyncIterator[None]:
    database = app[DATABASE]
    await init_schema(database.engine)
    first = await _bootstrap_admin(database, app[PASSWORDS])
    if first is not None:
        # printed once, on the first start of a fresh install; change it after logging in
        print(
            f"首次启动：管理员 {first[0]}，一次性密码 {first[1]}\n"
            f"first start: admin user {first[0]}, one-time password {first[1]}",
            flush=True,
        )
    yield
    await database.close()


async def _media_ctx(app: web.Application) -> AsyncIterator[None]:
    config: Config = app[HUB_CONFIG]
    if config.media.ice_addresses or not config.media.ice_discover:
        announce_host_addresses(config.media.ice_addresses, discover=config.media.ice_discover)
    yield
    await app[RECORDINGS].stop_all()  # sealed before the media go (on_shutdown did, normally)
    await app[LIVE_ROOMS].close()


async def _recorder_ctx(app: web.Application) -> AsyncIterator[None]:
    """Evidence key on first start; recordings a crash left running sealed as interrupted."""
    from recorder.recovery import recover_interrupted
    from recorder.signing import load_or_create_signing_key

    config: Config = app[HUB_CONFIG]
    key = load_or_create_signing_key(config.server.data_dir)
    for recording_id in await recover_interrupted(
        recordings_dir(config.server.data_dir), key, config.recorder.tsa_url
    ):
        logger.warning("recording %s was interrupted; sealed as interrupted", recording_id)
    await app[RETENTION].finish_interrupted_deletions()
    sweeper = asyncio.get_running_loop().create_task(app[RETENTION].run())
    yield
    sweeper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sweeper


def build_app(config: Config) -> web.Application:
    config.server.data_dir.mkdir(parents=True, exist_ok=True)
    app = web.Application(client_max_size=config.signaling.max_message_bytes * 4)
    app[HUB_CONFIG] = config
    app[SERVER], app[SIGNALING] = config.server, config.signaling
    app[ROOMS_SETTINGS], app[MEDIA_SETTINGS] = config.rooms, config.media
    app[CAMERA_SETTINGS], app[GB_SETTINGS] = config.cameras, config.gb28181
    app[COMMAND_CENTER_SETTINGS] = config.command_center
    app[TOKEN_SECRET] = load_or_create_token_secret(config.server.data_dir)
    app[METRICS_TOKEN] = load_or_create_metrics_token(config.server.data_dir)
    app[MEDIA_COUNTERS] = MediaCounters()
    database = app[DATABASE] = Database(config.database_url)  # connects at startup
    namespace = room_namespace.setup(app, client_manager=_socketio_manager(config))
    live_rooms = app[LIVE_ROOMS] = LiveRooms(
        config.rooms,
        config.media,  # a Router's options
        namespace,
        counters=app[MEDIA_COUNTERS],
    )
    recordings = app[RECORDINGS] = RecordingControl(
        database, config.recorder, config.server.data_dir, live_rooms
    )
    namespace.listen(recordings)
    app[RETENTION] = Retention(
        database,
        recordings_dir(config.server.data_dir),
        config.rooms,
        sweep_s=config.recorder.retention_sweep_s,
    )
    security_headers.setup(app)
    app.cleanup_ctx.append(_accounts_ctx)
    app.cleanup_ctx.append(_database_ctx)
    app.cleanup_ctx.append(_recorder_ctx)
    app.cleanup_ctx.append(_media_ctx)
    # the credential key, this node's live cameras, and the GB/T 28181 platform when
    # configured (serve --gb-sip-port): after the database and media contexts
    app.cleanup_ctx.append(cameras_ctx)
    health.setup(app)
    metrics.setup(app)
    app[RATE_LIMIT] = public_rate_limit(config.signaling.redis_url, config.signaling.public_rate)
    api.setup(app)
    pages.setup(app, static_dir=web_pages.STATIC_DIR, node_modules=web_pages.NODE_MODULES)
    wall_namespace.setup(app, namespace.server)
    alarm_service.setup(app)

    async def seal_recordings(app: web.Application) -> None:
        await recordings.stop_all()

    app.on_shutdown.append(seal_recordings)
    return app


def _socketio_manager(config: Config) -> Any:
    """In-process by default; Redis pub/sub fan-out across nodes with REDIS_URL."""
    if not config.signaling.redis_url:
        return None
    import socketio

    return socketio.AsyncRedisManager(config.signaling.redis_url)
