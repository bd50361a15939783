from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession

from hub.app import build_app
from hub.config import Config
from rooms import actions, domain
from rooms.accounts import do_start_session
from rooms.demo import DEMO_PASSWORD, DemoCity, seed_demo_city
from rooms.models import Room, User
from rooms.policy import Subject
from rooms.tokens import issue
from signaling.keys import DATABASE, TOKEN_SECRET
from tests.signaling.client import ProtocolClient


@dataclass
class Hub:
    app: web.Application
    server: TestServer

    @property
    def url(self) -> str:
        return str(self.server.make_url("/"))

    async def room(self, name: str = "测试调解室") -> str:
        room = await self.app[DATABASE].run(
            lambda db: actions.do_get_or_create_room(db, name, actor="test")
        )
        return room.id

    def token(
        self,
        room: str | None,
        *,
        name: str = "张三",
        role: str = "party",
        sub: str | None = None,
        ttl_s: float = 3600,
    ) -> str:
        return issue(
            self.app[TOKEN_SECRET],
            sub=sub or f"{role}-{name}",
            name=name,
            role=role,
            room=room,
            ttl_s=ttl_s,
        )


@pytest.fixture
async def hub(aiohttp_server: Callable[..., Awaitable[TestServer]], hub_config: Config) -> Hub:
    hub_config.rooms.reconnect_grace_s = 2.0
    app = build_app(hub_config)
    server = await aiohttp_server(app)
    return Hub(app=app, server=server)


@pytest.fixture
async def clients() -> AsyncIterator[list[ProtocolClient]]:
    made: list[ProtocolClient] = []
    yield made
    for client in made:
        await client.close()


@dataclass
class Town:
    client: TestClient
    config: Config
    headers: dict[str, dict[str, str]]
    orgs: dict[str, str]

    async def call(self, who: str, method: str, url: str, **kw: Any) -> tuple[int, Any]:
        response = await self.client.request(method, url, headers=self.headers[who], **kw)
        return response.status, await response.json()


@pytest.fixture
async def town(aiohttp_client: Callable[..., Any], hub_config: Config) -> Town:
    app = build_app(hub_config)
    client: TestClient = await aiohttp_client(app)
    async with app[DATABASE].transaction() as s:
        demo = await seed_demo_city(s)
    headers = {}
    for who in ("city-admin", "reviewer", "mediator-east"):
        response = await client.post(
            "/api/v1/login", json={"username": who, "password": DEMO_PASSWORD}
        )
        headers[who] = {"Authorization": f"Bearer {(await response.json())['token']}"}
    orgs = {name: demo.orgs[name].id for name in ("city", "east", "east-1")}
    return Town(client, hub_config, headers, orgs)


async def staff_token(app: web.Application, user: User, ttl_s: float = 600) -> str:
    """An access token for a staff user with a live login session, as logging in
    would issue (without the password round trip)."""
    session = await app[DATABASE].run(lambda s: do_start_session(s, user, ttl_s=ttl_s))
    return issue(
        app[TOKEN_SECRET],
        sub=user.id,
        name=user.display_name,
        role=user.role,
        org=user.organisation_id,
        sid=session.id,
        ttl_s=ttl_s,
    )


async def case_room(s: AsyncSession, demo: DemoCity, org: str, title: str = "漏水") -> Room:
    """A case of a demo organisation, with a room, made by the city administrator."""
    admin = demo.users["city-admin"]
    boss = Subject(id=admin.id, name="a", role="admin", org_path=demo.orgs["city"].path)
    case = await domain.do_create_case(
        s,
        boss,
        organisation=demo.orgs[org],
        type="邻里纠纷",
        title=title,
        severity="yellow",
        parties=[],
    )
    return await domain.do_create_case_room(s, boss, case, demo.orgs[org].path)
