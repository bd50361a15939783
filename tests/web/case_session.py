"""A case room as the console makes it, through the REST API (the console's own
pages are tested in test_console.py): the demo city's east mediator logs in,
registers a case with its parties, opens a room, invites each party and takes
their own seat."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from rooms.demo import DEMO_PASSWORD
from tests.web.conftest import HubProcess


def call(
    hub: HubProcess, method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(hub.base_url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            raw = response.read()
            kind = response.headers.get("Content-Type", "")
            return response.status, json.loads(raw) if "json" in kind else raw
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def log_in(hub: HubProcess, username: str) -> str:
    status, body = call(
        hub, "POST", "/api/v1/login", {"username": username, "password": DEMO_PASSWORD}
    )
    assert status == 200, body
    return str(body["token"])


def ensure_demo(hub: HubProcess) -> None:
    """The demo city, seeded once per hub (another test may have seeded it)."""
    status, _ = call(
        hub, "POST", "/api/v1/login", {"username": "mediator-east", "password": DEMO_PASSWORD}
    )
    if status != 200:
        hub.cli("seed-demo")


@dataclass
class CaseRoom:
    token: str  # the mediator's login
    case_id: str
    room_id: str
    mediator_url: str
    parties: dict[str, str] = field(default_factory=dict)  # name -> invitation link
    invitations: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> REST answer


def open_case_room(
    hub: HubProcess,
    title: str,
    parties: tuple[str, ...] = ("张三", "李四"),
    *,
    mediator: str = "mediator-east",
    community: str = "东城街道花园社区",
) -> CaseRoom:
    ensure_demo(hub)
    token = log_in(hub, mediator)
    status, orgs = call(hub, "GET", "/api/v1/organisations", token=token)
    assert status == 200, orgs
    org = next(o for o in orgs if o["name"] == community)
    status, case = call(
        hub,
        "POST",
        "/api/v1/cases",
        {
            "organisationId": org["id"],
            "type": "邻里纠纷",
            "title": title,
            "severity": "yellow",
            "parties": [{"name": name} for name in parties],
        },
        token=token,
    )
    assert status == 201, case
    status, room = call(hub, "POST", f"/api/v1/cases/{case['id']}/rooms", {}, token=token)
    assert status == 201, room
    made = CaseRoom(token, case["id"], room["id"], "")
    for name in parties:
        status, invitation = call(
            hub,
            "POST",
            f"/api/v1/rooms/{room['id']}/invitations",
            {"name": name, "role": "party"},
            token=token,
        )
        assert status == 201, invitation
        made.parties[name] = invitation["url"]
        made.invitations[name] = invitation
    status, seat = call(hub, "POST", f"/api/v1/rooms/{room['id']}/seat", {}, token=token)
    assert status == 200, seat
    made.mediator_url = seat["url"]
    return made
