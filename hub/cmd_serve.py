"""mediation-hub serve: run the hub."""

from __future__ import annotations

import argparse
import asyncio
import errno
import socket
import ssl
import sys
from pathlib import Path

from aiohttp import web

from hub.config import Config, from_env
from hub.event_loop import loop_factory
from hub.keyfile import METRICS_TOKEN_FILE
from signaling.gc_pauses import freeze_startup_objects
from signaling.log_redaction import RedactingAccessLogger


def add_common(parser: argparse.ArgumentParser) -> None:
    """Options every sub-command that touches the data shares."""
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="data directory (default ./var)"
    )


def config_from_args(args: argparse.Namespace) -> Config:
    config = from_env()
    if getattr(args, "data_dir", None) is not None:
        config.server.data_dir = args.data_dir
    return config


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="run the hub (HTTP, socket.io, media)")
    add_common(p)
    p.add_argument(
        "--host", default=None, help="bind address (default 127.0.0.1; 0.0.0.0 with --self-signed)"
    )
    p.add_argument("--port", type=int, default=None, help="HTTP port (default 8080)")
    p.add_argument(
        "--ice-address",
        action="append",
        default=[],
        metavar="ADDR",
        help="announce ADDR as an ICE host candidate (repeatable; env MEDIATION_HUB_ICE_ADDRESSES)",
    )
    p.add_argument(
        "--no-ice-discover",
        action="store_true",
        help="announce only --ice-address, skip aioice's interface discovery",
    )
    p.add_argument(
        "--gb-sip-port",
        type=int,
        default=None,
        metavar="PORT",
        help="run the GB/T 28181 SIP platform on PORT (UDP and TCP; env MEDIATION_HUB_GB=1 "
        "with MEDIATION_HUB_GB_SIP_PORT)",
    )
    p.add_argument(
        "--gb-sip-host",
        default=None,
        metavar="ADDR",
        help="address the SIP platform and its PS/RTP receivers bind to",
    )
    p.add_argument("--tls-cert", type=Path, help="PEM certificate (serve HTTPS)")
    p.add_argument("--tls-key", type=Path, help="PEM private key for --tls-cert")
    p.add_argument(
        "--self-signed",
        action="store_true",
        help="serve HTTPS on the LAN with a certificate made for this machine's addresses "
        "(kept in DATA_DIR/tls/); prints the address and QR code to open from a phone",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hub.app import build_app

    config = config_from_args(args)
    if args.host or args.self_signed:
        config.server.host = args.host or "0.0.0.0"
    if args.port is not None:
        config.server.port = args.port
    if args.gb_sip_port is not None:
        config.gb28181.sip_port, config.gb28181.enabled = args.gb_sip_port, True
    if args.ice_address:
        config.media.ice_addresses = list(args.ice_address)
    if args.no_ice_discover:
        config.media.ice_discover = False
    if args.gb_sip_host:
        config.gb28181.sip_host = config.gb28181.media_host = args.gb_sip_host
    ssl_context = None
    lan: list[str] = []
    if args.self_signed and not args.tls_cert:
        from hub.tls import ensure_self_signed, lan_addresses

        lan = lan_addresses()
        args.tls_cert, args.tls_key = ensure_self_signed(config.server.data_dir, lan)
        if lan and not config.server.public_url:
            config.server.public_url = f"https://{lan[0]}:{config.server.port}"
    if args.tls_cert:
        config.server.tls_cert, config.server.tls_key = args.tls_cert, args.tls_key
        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ssl_context.load_cert_chain(args.tls_cert, args.tls_key)
    if _port_taken(config.server.host, config.server.port):
        return _say_port_taken(config.server.host, config.server.port)
    loop = loop_factory(config.server.event_loop)()
    asyncio.set_event_loop(loop)  # (before the app is built: anything it binds, binds here)
    app = build_app(config)
    app.on_startup.append(_freeze_startup)  # (last: after everything start-up makes)
    print(f"mediation-hub serving {config.base_url}  (data dir {config.server.data_dir})")
    record_public_url(config)
    print(f"邀请链接的公开地址 / public URL in invitations: {config.base_url}")
    metrics_token = config.server.data_dir / METRICS_TOKEN_FILE
    print(f"/metrics: Authorization: Bearer <the token in {metrics_token}>")
    if args.self_signed:
        _print_phone_hint(config.base_url, args.tls_cert)
    try:
        web.run_app(
            app,
            host=config.server.host,
            port=config.server.port,
            ssl_context=ssl_context,
            loop=loop,
            print=None,
            access_log_class=RedactingAccessLogger,  # join tokens and short codes stay out of logs
        )
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        return _say_port_taken(config.server.host, config.server.port)  # taken since the check
    return 0


async def _freeze_startup(app: web.Application) -> None:
    """Start-up's objects live as long as the process: the garbage collector
    need never walk them again (signaling/gc_pauses.py)."""
    freeze_startup_objects()


def _port_taken(host: str, port: int) -> bool:
    """Is something already listening on host:port? (bind as the server will)"""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return False  # let the server say what is wrong with the address
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return True
    return False


def _say_port_taken(host: str, port: int) -> int:
    print(
        f"端口 {port} 已被占用（{host}），请用 --port 换一个端口 / "
        f"port {port} on {host} is already in use: choose another with --port",
        file=sys.stderr,
    )
    return 1


PUBLIC_URL_FILE = "public-url"  # the URL the server runs at, for `mediation-hub invite`


def record_public_url(config: Config) -> None:
    """Leave the server's public URL in the data dir: `mediation-hub invite` run
    beside it prints links that open this server, whatever port it uses."""
    (config.server.data_dir / PUBLIC_URL_FILE).write_text(config.base_url + "\n")


def public_url(config: Config) -> tuple[str, bool]:
    """The base URL for links: the configured public URL, else the one the last
    `serve` on this data dir recorded; (url, known). Unknown: the default guess."""
    if config.server.public_url:
        return config.base_url, True
    recorded = config.server.data_dir / PUBLIC_URL_FILE
    if recorded.is_file():
        url = recorded.read_text().strip()
        if url.startswith(("http://", "https://")):
            return url.rstrip("/"), True
    return config.base_url, False


def _print_phone_hint(base_url: str, cert: Path) -> None:
    """Where a phone on the same network opens the hub, as text and a QR code."""
    import segno

    print(f"手机扫码或打开 / open on a phone on this network: {base_url}")
    print(f"(self-signed certificate {cert}: the browser warns once; accept to continue)")
    print(f"邀请 / invite: mediation-hub invite --room ROOM --name NAME --base-url {base_url}")
    segno.make(base_url, error="m").terminal(compact=True)
