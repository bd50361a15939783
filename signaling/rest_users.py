"""REST handlers for staff users as administrators keep them: edit one (name, role,
organisation, enabled, a new password) with PATCH /api/v1/users/{user_id}. The rules
are rooms.users'; this module reads the body and answers."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import users
from rooms.domain import DomainError
from rooms.models import User
from rooms.policy import Subject
from signaling.request_body import body, text

_FIELDS = {"name", "role", "organisationId", "active", "password"}


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "name": user.display_name,
        "role": user.role,
        "organisationId": user.organisation_id,
        "active": user.active,
        "mustChangePassword": user.must_change_password,
    }


def _changes(data: dict[str, Any]) -> users.UserChanges:
    unknown = set(data) - _FIELDS
    if unknown or not data:
        raise DomainError(
            "bad_request",
            "可修改的字段：name, role, organisationId, active, password / "
            f"fields: {', '.join(sorted(_FIELDS))}",
        )
    active = data.get("active")
    if active is not None and not isinstance(active, bool):
        raise DomainError("bad_request", "active 应为布尔值 / active must be true or false")

    def field(key: str, max_len: int) -> str | None:
        return text(data, key, max_len=max_len) if key in data else None

    return users.UserChanges(
        name=field("name", 100),
        role=field("role", 16),
        organisation_id=field("organisationId", 32),
        active=active,
        password=field("password", 200),
    )


async def update_user(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """Body: any of {name, role, organisationId, active, password}."""
    assert who is not None
    changes = _changes(await body(request))
    user = await users.access_user_by_id(s, who, request.match_info["user_id"])
    user = await users.do_update_user(s, who, user, changes, ip=request.remote)
    return web.json_response(user_json(user))
