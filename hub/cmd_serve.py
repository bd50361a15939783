"""mediation-hub serve: run the hub."""

from __future__ import annotations

import argparse
import ssl
from pathlib import Path

from aiohttp import web

from hub.config import Config, from_env
from hub.keyfile import METRICS_TOKEN_FILE


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
    app = build_app(config)
    print(f"mediation-hub serving {config.base_url}  (data dir {config.server.data_dir})")
    metrics_token = config.server.data_dir / METRICS_TOKEN_FILE
    print(f"/metrics: Authorization: Bearer <the token in {metrics_token}>")
    if args.self_signed:
        _print_phone_hint(config.base_url, args.tls_cert)
    web.run_app(
        app, host=config.server.host, port=config.server.port, ssl_context=ssl_context, print=None
    )
    return 0


def _print_phone_hint(base_url: str, cert: Path) -> None:
    """Where a phone on the same network opens the hub, as text and a QR code."""
    import segno

    print(f"手机扫码或打开 / open on a phone on this network: {base_url}")
    print(f"(self-signed certificate {cert}: the browser warns once; accept to continue)")
    print(f"邀请 / invite: mediation-hub invite --room ROOM --name NAME --base-url {base_url}")
    segno.make(base_url, error="m").terminal(compact=True)
