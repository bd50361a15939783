"""mediation-hub admin create | seed-demo | audit verify: the domain from the command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.cmd_serve import add_common, config_from_args
from hub.config import Config
from rooms.audit import verify_audit_chain
from rooms.db import Database, init_schema
from rooms.demo import DEMO_PASSWORD, seed_demo_city
from rooms.domain import DomainError, do_create_user, do_ensure_root_organisation
from rooms.models import Organisation
from rooms.passwords import PasswordPool, one_time_password
from rooms.tokens import ADMIN
from rooms.transaction import begin_unit


async def with_session(config: Config, work: Callable[[AsyncSession], Awaitable[int]]) -> int:
    """Run `work` as one unit of work (committed when it returns 0)."""
    config.server.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(config.database_url)
    try:
        await init_schema(database.engine)
        async with database.sessions() as session:
            await begin_unit(session)
            status = await work(session)
            if status == 0:
                await session.commit()
            return status
    finally:
        await database.close()


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    admin = sub.add_parser("admin", help="administrators")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_sub.add_parser("create", help="create an admin with a one-time password")
    add_common(create)
    create.add_argument("--username", default="admin")
    create.set_defaults(func=run_admin_create)

    demo = sub.add_parser("seed-demo", help="create a small demo city with a user per role")
    add_common(demo)
    demo.set_defaults(func=run_seed_demo)

    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check the hash chain; names the first bad entry")
    add_common(verify)
    verify.set_defaults(func=run_audit_verify)


async def _hash(password: str) -> str:
    """Argon2 on a thread, as in the server (and before the unit of work begins)."""
    passwords = PasswordPool()
    try:
        return await passwords.hash(password)
    finally:
        passwords.close()


def run_admin_create(args: argparse.Namespace) -> int:
    password = one_time_password()
    hashed = asyncio.run(_hash(password))

    async def work(session: AsyncSession) -> int:
        root = await do_ensure_root_organisation(session, actor="cli")
        try:
            await do_create_user(
                session,
                username=args.username,
                display_name="系统管理员",
                role=ADMIN,
                organisation=root,
                password_hash=hashed,
                actor="cli",
                must_change_password=True,  # one-time: changed at the first login
            )
        except DomainError as exc:
            print(exc.message, file=sys.stderr)
            return 1
        print(f"管理员 / admin: {args.username}\n一次性密码 / one-time password: {password}")
        return 0

    return asyncio.run(with_session(config_from_args(args), work))


def run_seed_demo(args: argparse.Namespace) -> int:
    hashed = asyncio.run(_hash(DEMO_PASSWORD))

    async def work(session: AsyncSession) -> int:
        if await session.scalar(select(Organisation.id).where(Organisation.code == "330100")):
            print("演示数据已存在 / the demo city already exists")
            return 0
        demo = await seed_demo_city(session, password_hash=hashed)
        print("演示城市已创建 / demo city created:")
        for org in demo.orgs.values():
            print(f"  {org.code}  {org.name}")
        print(f"用户（密码 {DEMO_PASSWORD}）/ users (password {DEMO_PASSWORD}):")
        for key, user in demo.users.items():
            print(f"  {key:<14} {user.role:<10} {user.display_name}")
        return 0

    return asyncio.run(with_session(config_from_args(args), work))


def run_audit_verify(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> int:
        report = await verify_audit_chain(session)
        if report.ok:
            print(f"审计日志完整 / audit log intact: {report.entries} entries")
            return 0
        print(
            f"审计日志被篡改 / audit log TAMPERED: first bad entry #{report.first_bad_seq} "
            f"({report.reason})"
        )
        return 1

    return asyncio.run(with_session(config_from_args(args), work))
