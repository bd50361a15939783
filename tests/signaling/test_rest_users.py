"""PATCH /api/v1/users/{id} and the password rules over REST: an administrator
edits and disables users (a disabled user's token stops at once), a password an
administrator set must be changed before anything else, weak passwords are refused
with a clear code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp.test_utils import TestClient

from hub.app import build_app
from hub.config import Config
from rooms.db import Database, init_schema
from rooms.domain import do_bootstrap_admin
from rooms.passwords import PasswordPool, one_time_password
from tests.signaling.conftest import Town


async def login(town: Town, username: str, password: str) -> tuple[int, dict[str, str]]:
    response = await town.client.post(
        "/api/v1/login", json={"username": username, "password": password}
    )
    data = await response.json()
    if response.status != 200:
        return response.status, data
    return 200, {"Authorization": f"Bearer {data['token']}"}


async def test_new_user_changes_the_administrators_password_first(town: Town) -> None:
    weak, body = await town.call(
        "city-admin",
        "POST",
        "/api/v1/users",
        json={
            "username": "wang",
            "name": "王调解员",
            "role": "mediator",
            "organisationId": town.orgs["east-1"],
            "password": "wang123456",  # contains the username
        },
    )
    assert weak == 400 and body["error"]["code"] == "weak_password"
    assert "用户名" in body["error"]["message"]
    status, created = await town.call(
        "city-admin",
        "POST",
        "/api/v1/users",
        json={
            "username": "wang",
            "name": "王调解员",
            "role": "mediator",
            "organisationId": town.orgs["east-1"],
            "password": "初始密码-由管理员设",
        },
    )
    assert status == 201 and created["mustChangePassword"] is True and created["active"] is True
    status, headers = await login(town, "wang", "初始密码-由管理员设")
    assert status == 200
    me = await (await town.client.get("/api/v1/me", headers=headers)).json()
    assert me["mustChangePassword"] is True and me["role"] == "mediator"
    blocked = await town.client.get("/api/v1/cases", headers=headers)
    assert blocked.status == 403
    assert (await blocked.json())["error"]["code"] == "password_change_required"
    for new, code in (("short", "weak_password"), ("1234567890", "weak_password")):
        response = await town.client.post(
            "/api/v1/me/password",
            headers=headers,
            json={"current": "初始密码-由管理员设", "new": new},
        )
        assert response.status == 400 and (await response.json())["error"]["code"] == code
    changed = await town.client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current": "初始密码-由管理员设", "new": "只有我知道的新密码-2026"},
    )
    assert changed.status == 200
    assert (await town.client.get("/api/v1/cases", headers=headers)).status == 200
    me = await (await town.client.get("/api/v1/me", headers=headers)).json()
    assert me["mustChangePassword"] is False


async def test_admin_edits_and_disables_a_user(town: Town) -> None:
    _, users = await town.call("city-admin", "GET", "/api/v1/users")
    mediator = next(u for u in users if u["username"] == "mediator-east")
    url = f"/api/v1/users/{mediator['id']}"
    status, edited = await town.call(
        "city-admin", "PATCH", url, json={"name": "东城调解员甲", "role": "reviewer"}
    )
    assert status == 200 and (edited["name"], edited["role"]) == ("东城调解员甲", "reviewer")
    status, body = await town.call("city-admin", "PATCH", url, json={"role": "party"})
    assert status == 403 and body["error"]["code"] == "role_not_grantable"
    for bad in ({}, {"active": "no"}, {"colour": "red"}, {"name": ""}):
        status, body = await town.call("city-admin", "PATCH", url, json=bad)
        assert status == 400 and body["error"]["code"] == "bad_request", bad
    # the mediator's own token stops working the moment they are disabled
    before = await town.client.get("/api/v1/me", headers=town.headers["mediator-east"])
    assert before.status == 200
    status, disabled = await town.call("city-admin", "PATCH", url, json={"active": False})
    assert status == 200 and disabled["active"] is False
    after = await town.client.get("/api/v1/me", headers=town.headers["mediator-east"])
    assert after.status == 401 and (await after.json())["error"]["code"] == "session_ended"
    status, _ = await login(town, "mediator-east", "demo-password-2026")
    assert status == 401
    status, _ = await town.call("city-admin", "PATCH", url, json={"active": True})
    assert status == 200
    status, _ = await login(town, "mediator-east", "demo-password-2026")
    assert status == 200  # enabled again: a new login works (the old session stays ended)
    # nobody disables themselves; a reviewer edits nobody
    _, me = await town.call("city-admin", "GET", "/api/v1/me")
    status, body = await town.call(
        "city-admin", "PATCH", f"/api/v1/users/{me['id']}", json={"active": False}
    )
    assert status == 400
    status, body = await town.call("reviewer", "PATCH", url, json={"name": "x"})
    assert status == 403
    assert me["grantableRoles"] and "party" not in me["grantableRoles"]
    assert "user.manage" in me["permissions"]


async def test_admin_set_password_must_be_changed(town: Town) -> None:
    _, users = await town.call("city-admin", "GET", "/api/v1/users")
    reviewer = next(u for u in users if u["username"] == "reviewer")
    status, body = await town.call(
        "city-admin", "PATCH", f"/api/v1/users/{reviewer['id']}", json={"password": "reviewer2026x"}
    )
    assert status == 400 and body["error"]["code"] == "weak_password"
    status, body = await town.call(
        "city-admin",
        "PATCH",
        f"/api/v1/users/{reviewer['id']}",
        json={"password": "管理员重设的密码-2026"},
    )
    assert status == 200 and body["mustChangePassword"] is True
    # whoever was logged in with the old password is logged out
    ended = await town.client.get("/api/v1/recordings", headers=town.headers["reviewer"])
    assert ended.status == 401 and (await ended.json())["error"]["code"] == "session_ended"
    # and the new login goes on only to the password page
    status, headers = await login(town, "reviewer", "管理员重设的密码-2026")
    assert status == 200
    blocked = await town.client.get("/api/v1/recordings", headers=headers)
    assert (await blocked.json())["error"]["code"] == "password_change_required"


async def test_first_start_password_is_one_time(
    aiohttp_client: Callable[..., Any], hub_config: Config
) -> None:
    """The admin's first-start password opens the password page and nothing else."""
    hub_config.server.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(hub_config.database_url)
    await init_schema(database.engine)
    passwords = PasswordPool()
    password = one_time_password()
    hashed = await passwords.hash(password)
    passwords.close()
    async with database.transaction() as s:
        first = await do_bootstrap_admin(s, password, hashed)
    await database.close()
    assert first is not None
    client: TestClient = await aiohttp_client(build_app(hub_config))
    response = await client.post("/api/v1/login", json={"username": "admin", "password": first[1]})
    headers = {"Authorization": f"Bearer {(await response.json())['token']}"}
    me = await (await client.get("/api/v1/me", headers=headers)).json()
    assert me["mustChangePassword"] is True and me["role"] == "admin"
    for url in ("/api/v1/organisations", "/api/v1/users", "/api/v1/audit"):
        refused = await client.get(url, headers=headers)
        assert refused.status == 403, url
        assert (await refused.json())["error"]["code"] == "password_change_required"
    changed = await client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current": first[1], "new": "城市管理员的新密码-1"},
    )
    assert changed.status == 200
    assert (await client.get("/api/v1/organisations", headers=headers)).status == 200
