"""The REST route table's parts: a Route names its method, path, summary, request
models (body, query) and response model; `wrap` turns it into an aiohttp
handler that authenticates, decodes, validates, runs and answers.

A request body goes through signaling.decoder first (hostile JSON refused:
depth, huge numbers, NUL, lone surrogates), then through the route's pydantic
model; any refusal is a HubError answered as {"error": {"code", "message"}}
with its HTTP status. A route that writes is a unit of work (`unit=True`): the
whole handler runs in one transaction with its audit entries, committed together
or not at all, and run again where the database asks for it (rooms.transaction);
such a handler touches nothing but the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import domain, users
from rooms.accounts import check_session
from rooms.errors import HubError
from rooms.passwords import PoolBusy
from rooms.policy import Subject
from rooms.tokens import PARTY, STAFF_ROLES, AccessToken, TokenError, verify
from signaling.decoder import BadInput, check_request_text, decode_json
from signaling.errors import error_response
from signaling.keys import DATABASE, TOKEN_SECRET
from signaling.models import NoBody, NoQuery, refusal
from signaling.rate_limit import RATE_LIMIT, RateLimited
from signaling.throttle import ThrottleUnavailable

API = "/api/v1"

BUSY = "服务器繁忙，请稍后再试 / server busy, try again shortly"
# which access token a request carried (logout and a password change end
# sessions other than, or exactly, this one)
ACCESS_TOKEN: web.RequestKey[AccessToken] = web.RequestKey("access_token", AccessToken)

B = TypeVar("B", bound=BaseModel)
Q = TypeVar("Q", bound=BaseModel)


@dataclass
class Ctx(Generic[B, Q]):
    """One request as a handler sees it: the validated body and query, the
    database session (the unit of work for `unit` routes) and who asks."""

    request: web.Request
    session: AsyncSession
    body: B
    query: Q
    subject: Subject | None

    @property
    def who(self) -> Subject:
        if self.subject is None:  # only public routes have no subject
            raise TokenError("token_missing", "缺少访问令牌 / access token missing")
        return self.subject

    @property
    def app(self) -> web.Application:
        return self.request.app

    @property
    def ip(self) -> str | None:
        return self.request.remote

    def param(self, name: str) -> str:
        return self.request.match_info[name]


Reply = BaseModel | web.StreamResponse


@dataclass(frozen=True)
class Route(Generic[B, Q]):
    method: str
    path: str
    summary: str
    handler: Callable[[Ctx[B, Q]], Awaitable[Reply]]
    # the 2xx answer: a model (JSON), or None with `media_type` for files and images
    response: type[BaseModel] | None
    body: type[B] = NoBody  # type: ignore[assignment]
    query: type[Q] = NoQuery  # type: ignore[assignment]
    status: int = 200
    media_type: str = "application/json"
    public: bool = False
    unit: bool = False  # writes: the handler is one unit of work (see the module docstring)

    @property
    def has_body(self) -> bool:
        return self.body is not NoBody


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()


def validate(model: type[B], data: Any, where: str = "") -> B:
    """`data` as `model`, or BadInput naming the first field refused."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadInput(refusal(exc, where)) from None


async def read_body(request: web.Request, model: type[B]) -> B:
    """The request's JSON object as `model` (aiohttp keeps the bytes: a retried
    unit reads it again)."""
    data = decode_json(await request.read())
    if not isinstance(data, dict):
        raise BadInput("请求体必须是 JSON 对象 / body must be a JSON object")
    return validate(model, data)


async def subject_of(request: web.Request, s: AsyncSession) -> Subject:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise TokenError("token_missing", "缺少访问令牌 / access token missing")
    token = verify(request.app[TOKEN_SECRET], header[7:])
    await check_session(s, token)
    request[ACCESS_TOKEN] = token
    if token.role == PARTY:
        return Subject.from_token(token, None)
    return Subject.from_token(token, await domain.org_path(s, token.org))


# what a user who must change their password may still do
PASSWORD_CHANGE_ROUTES = frozenset(
    {("GET", f"{API}/me"), ("POST", f"{API}/me/password"), ("POST", f"{API}/logout")}
)


async def check_account(s: AsyncSession, who: Subject, route: Route[Any, Any]) -> None:
    """A disabled user's token stops working at once; a user whose password an
    administrator chose may only change it (403 password_change_required)."""
    if who.role not in STAFF_ROLES or who.room is not None:
        return  # invitations and seat tokens: their session checks cover them
    refusal = await users.account_refusal(s, who.id)
    if refusal == users.ACCOUNT_DISABLED:
        raise TokenError(*refusal)
    if refusal is not None and (route.method, route.path) not in PASSWORD_CHANGE_ROUTES:
        raise HubError(*refusal, 403)


def wrap(route: Route[Any, Any]) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def run(request: web.Request, s: AsyncSession) -> web.StreamResponse:
        if route.public:
            await request.app[RATE_LIMIT].hit(route.path, request.remote or "?")
        who = None if route.public else await subject_of(request, s)
        if who is not None:
            await check_account(s, who, route)
        query = validate(route.query, dict(request.query), "query ")
        body = await read_body(request, route.body) if route.has_body else NoBody()
        reply = await route.handler(Ctx(request, s, body, query, who))
        if isinstance(reply, web.StreamResponse):
            return reply
        return web.json_response(reply.model_dump(mode="json", by_alias=True), status=route.status)

    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            check_request_text(request)
            database = request.app[DATABASE]
            if route.unit:
                return await database.run(lambda s: run(request, s))
            async with database.session() as s:
                return await run(request, s)
        except RateLimited as exc:
            retry = {"Retry-After": str(exc.retry_after_s)}
            return error_response(exc.status, exc.code, exc.message, retry)
        except HubError as exc:
            return error_response(exc.status, exc.code, exc.message)
        except (PoolBusy, ThrottleUnavailable):
            return error_response(503, "busy", BUSY, {"Retry-After": "1"})

    return handler


__all__ = ["ACCESS_TOKEN", "API", "Ctx", "Reply", "Route", "iso", "read_body", "validate", "wrap"]
