"""mediation-hub invite: create a room if needed and print a join link for one person.

Run by the operator on the server. `--role party` invites a party; `--role
mediator` makes the mediator of that one room: the link's token names the room
and no organisation, so it moderates that room and reaches nothing else (no
cases, no recordings, no other room; rooms.policy). Links live 7 days at most,
as over REST."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys

from sqlalchemy.ext.asyncio import AsyncSession

from hub.cmd_serve import add_common, config_from_args, public_url
from hub.config import Config
from hub.keyfile import load_or_create_token_secret
from rooms import actions, domain
from rooms.db import Database, init_schema
from rooms.domain import INVITATION_MAX_TTL_S, INVITATION_TTL_S
from rooms.models import Invitation
from rooms.tokens import GUEST, MEDIATOR, OBSERVER, PARTY

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_TTL_S = INVITATION_MAX_TTL_S


def parse_ttl(text: str) -> int:
    """'90s', '30m', '2h', '7d' -> seconds."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", text)
    if not match or len(match.group(1)) > 9 or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r} (e.g. 30m, 2h, 1d)")
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds > MAX_TTL_S:
        raise argparse.ArgumentTypeError(f"{text!r} is longer than 7 days")
    return seconds


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("invite", help="print a join link (and QR code) for one person")
    add_common(p)
    p.add_argument("--room", required=True, help="room name (created if it doesn't exist)")
    p.add_argument("--name", required=True, help="the person's display name, e.g. 张三")
    p.add_argument(
        "--role",
        choices=(PARTY, MEDIATOR, GUEST, OBSERVER),
        default=PARTY,
        help="party (default); mediator: the mediator of this one room only",
    )
    p.add_argument("--ttl", type=parse_ttl, default=INVITATION_TTL_S, help="link lifetime")
    p.add_argument("--uses", type=int, default=1, help="how many people may enter with it")
    p.add_argument("--qr", action="store_true", help="also print a QR code in the terminal")
    p.add_argument("--base-url", help="public base URL of the hub (default from config)")
    p.set_defaults(func=run)


async def create_invitation(
    config: Config, room_name: str, name: str, role: str, ttl_s: int, uses: int = 1
) -> tuple[str, str, str]:
    """Create the room if needed and an invitation; return (join path, 6-digit
    code, short-link path)."""
    secret = load_or_create_token_secret(config.server.data_dir)  # creates the data dir too
    database = Database(config.database_url)
    try:
        await init_schema(database.engine)

        async def work(db: AsyncSession) -> Invitation:
            room = await actions.do_get_or_create_room(db, room_name, actor="cli")
            return await domain.do_create_invitation(
                db, room, inviter=None, name=name, role=role, ttl_s=ttl_s, max_uses=uses
            )

        invitation = await database.run(work)
    finally:
        await database.close()
    token = domain.invitation_token(secret, invitation)
    return f"/join/{token}", invitation.code, f"/j/{invitation.short_code}"


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if not args.name.strip() or len(args.name) > 50:
        raise SystemExit("--name must be 1-50 characters")
    if not 1 <= args.uses <= 100:
        raise SystemExit("--uses must be 1-100")
    base, known = (args.base_url.rstrip("/"), True) if args.base_url else public_url(config)
    if not known:
        print(
            f"未知服务器公开地址，链接按 {base} 生成；"
            "请先运行 serve 或设置 MEDIATION_HUB_PUBLIC_URL"
            f" / the server's public URL is unknown: links use {base}; start `serve` on this"
            " data dir first, or set MEDIATION_HUB_PUBLIC_URL or --base-url",
            file=sys.stderr,
        )
    path, code, short = asyncio.run(
        create_invitation(config, args.room, args.name.strip(), args.role, args.ttl, args.uses)
    )
    print(base + path)  # the full link (line 1)
    print(base + short)  # the short link (line 2): the token stays on the server
    print(f"邀请码 / code: {code}", file=sys.stderr)
    if args.qr:
        import segno

        segno.make((base + short).upper(), error="m").terminal(compact=True)
    return 0
