"""A small demo city: `mediation-hub seed-demo`, and the tests' standard world."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from rooms.domain import do_create_organisation, do_create_user
from rooms.models import CITY, COMMUNITY, TOWNSHIP, Organisation, User
from rooms.passwords import PasswordPool
from rooms.tokens import ADMIN, COMMAND, EVALUATOR, INTAKE, MEDIATOR, REVIEWER

DEMO_PASSWORD = "demo-password-2026"  # printed by seed-demo; demo data only


@dataclass
class DemoCity:
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


async def seed_demo_city(
    session: AsyncSession, password: str = DEMO_PASSWORD, password_hash: str | None = None
) -> DemoCity:
    """城市司法局 -> 东城街道, 西城镇 -> 三个社区; one user per role, all with
    `password` (demo data only): hashed once, on a password pool of its own
    unless `password_hash` is given, before the unit of work begins. One unit of
    work: commits `session` at the end (every row audited as made by `seed-demo`)."""
    if password_hash is None:
        pool = PasswordPool()
        try:
            password_hash = await pool.hash(password)
        finally:
            pool.close()
    hashed: str = password_hash
    demo = DemoCity()

    async def org(key: str, code: str, name: str, level: str, parent: str | None) -> None:
        demo.orgs[key] = await do_create_organisation(
            session,
            code=code,
            name=name,
            level=level,
            parent=demo.orgs.get(parent or ""),
            actor="seed-demo",
        )

    await org("city", "330100", "示范市司法局", CITY, None)
    await org("east", "330101", "东城街道", TOWNSHIP, "city")
    await org("west", "330102", "西城镇", TOWNSHIP, "city")
    await org("east-1", "330101001", "东城街道花园社区", COMMUNITY, "east")
    await org("east-2", "330101002", "东城街道河畔社区", COMMUNITY, "east")
    await org("west-1", "330102001", "西城镇新村社区", COMMUNITY, "west")

    async def user(key: str, name: str, role: str, at: str) -> None:
        demo.users[key] = await do_create_user(
            session,
            username=key,
            display_name=name,
            role=role,
            organisation=demo.orgs[at],
            password_hash=hashed,
            actor="seed-demo",
        )

    await user("city-admin", "市司法局管理员", ADMIN, "city")
    await user("command", "指挥中心值班员", COMMAND, "city")
    await user("intake", "东城受理员", INTAKE, "east")
    await user("mediator-east", "东城调解员", MEDIATOR, "east")
    await user("mediator-west", "西城调解员", MEDIATOR, "west")
    await user("reviewer", "东城审核员", REVIEWER, "east")
    await user("evaluator", "市评定员", EVALUATOR, "city")
    await session.commit()
    return demo
