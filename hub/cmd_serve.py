"""mediation-hub serve: run the hub."""

from __future__ import annotations

import argparse
import ssl
from pathlib import Path

from aiohttp import web

from hub.config import Config, from_env


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
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
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
    p.add_argument("--tls-cert", type=Path, help="PEM certificate (serve HTTPS)")
    p.add_argument("--tls-key", type=Path, help="PEM private key for --tls-cert")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hub.app import build_app

    config = config_from_args(args)
    config.server.host = args.host
    config.server.port = args.port
    if args.ice_address:
        config.media.ice_addresses = list(args.ice_address)
    if args.no_ice_discover:
        config.media.ice_discover = False
    ssl_context = None
    if args.tls_cert:
        config.server.tls_cert, config.server.tls_key = args.tls_cert, args.tls_key
        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ssl_context.load_cert_chain(args.tls_cert, args.tls_key)
    app = build_app(config)
    print(f"mediation-hub serving {config.base_url}  (data dir {config.server.data_dir})")
    web.run_app(app, host=args.host, port=args.port, ssl_context=ssl_context, print=None)
    return 0
