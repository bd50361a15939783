"""`mediation-hub` command line. Each sub-command lives in its own hub/cmd_<name>.py
module exposing register(subparsers); add new ones to COMMANDS."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from hub.config import ConfigError

COMMANDS = (
    "hub.cmd_serve",
    "hub.cmd_invite",
    "hub.cmd_evidence",
    "hub.cmd_admin",
    "hub.cmd_camera",
    "hub.cmd_wall",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mediation-hub", description="人民调解视频调度中心 / mediation hub"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
        logging.getLogger("fontTools").setLevel(logging.WARNING)  # PDF font subsetting
    try:
        return int(args.func(args) or 0)
    except (ConfigError, ValidationError) as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
