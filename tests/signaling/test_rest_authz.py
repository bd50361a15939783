"""Authorisation matrix: every REST route x every principal x own / other subtree.

The expected outcome is written out here, independently of rooms.policy; the
test also fails if the app serves an /api/v1 route that the table lacks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from command_center import alarms, calls, presets, walls
from hub.app import build_app
from hub.config import Config
from media.frames import OPUS, EncodedFrame, MediaCodec
from media.router import Router
from recorder.manifest import Consent, Participant, RecordingMetadata
from recorder.recording import RoomRecorder
from recorder.signing import load_or_create_signing_key
from recorder.store import recordings_dir
from recorder.verify import verify
from rooms import cameras, domain
from rooms.credentials import CredentialBox
from rooms.demo import DEMO_PASSWORD, seed_demo_city
from rooms.policy import Subject
from rooms.tokens import issue
from signaling.keys import CAMERA_BOX, DATABASE, TOKEN_SECRET
from tests.signaling.camera_authz import CAMERA_ROUTES, camera_bodies
from tests.signaling.conftest import staff_token

STAFF = ("city-admin", "command", "evaluator", "intake", "mediator-east", "reviewer")
CITY_WIDE = {"city-admin", "command", "evaluator"}  # their subtree holds east and west alike
PRINCIPALS = (*STAFF, "party-east", "party-west", "anonymous")

# route -> principals allowed on a resource inside their subtree
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/v1/login"): set(PRINCIPALS),
    ("GET", "/api/v1/openapi.json"): set(PRINCIPALS),
    ("POST", "/api/v1/join-code"): set(PRINCIPALS),  # public: the code and name are the credential
    ("GET", "/api/v1/me"): {*STAFF, "party-east", "party-west"},
    # ends the caller's own session (a party token has none: a no-op)
    ("POST", "/api/v1/logout"): {*STAFF, "party-east", "party-west"},
    # staff may try (a wrong current password is refused with 403 bad_credentials)
    ("POST", "/api/v1/me/password"): set(STAFF),
    ("GET", "/api/v1/organisations"): set(STAFF),
    ("POST", "/api/v1/organisations"): {"city-admin"},
    ("GET", "/api/v1/users"): {"city-admin"},
    ("POST", "/api/v1/users"): {"city-admin"},
    ("PATCH", "/api/v1/users/{user_id}"): {"city-admin"},
    ("POST", "/api/v1/users/{user_id}/unlock"): {"city-admin"},
    ("GET", "/api/v1/audit"): {"city-admin"},
    ("GET", "/api/v1/cases/{case_id}/rooms"): set(STAFF),
    ("GET", "/api/v1/rooms"): set(STAFF),
    ("GET", "/api/v1/cases"): set(STAFF),
    ("POST", "/api/v1/cases"): {"city-admin", "intake", "mediator-east"},
    ("GET", "/api/v1/cases/{case_id}"): set(STAFF),
    ("POST", "/api/v1/cases/{case_id}/transition"): {
        "city-admin",
        "intake",
        "mediator-east",
        "reviewer",
    },
    ("POST", "/api/v1/cases/{case_id}/assign"): {
        "city-admin",
        "intake",
        "mediator-east",
        "reviewer",
    },
    ("GET", "/api/v1/mediators"): set(STAFF),
    ("POST", "/api/v1/cases/{case_id}/rooms"): {"city-admin", "mediator-east"},
    ("POST", "/api/v1/rooms/{room_id}/end"): {"city-admin", "mediator-east"},
    # staff who may enter the room get their own seat token (never an invitation)
    ("POST", "/api/v1/rooms/{room_id}/seat"): {"city-admin", "mediator-east", "command"},
    ("POST", "/api/v1/rooms/{room_id}/invitations"): {"city-admin", "mediator-east"},
    ("POST", "/api/v1/invitations/{invitation_id}/revoke"): {"city-admin", "mediator-east"},
    ("GET", "/api/v1/invitations/{invitation_id}/qr.png"): {"city-admin", "mediator-east"},
    ("GET", "/api/v1/audit/verify"): {"city-admin"},
    ("GET", "/api/v1/recordings"): {"city-admin", "mediator-east", "reviewer", "evaluator"},
    ("GET", "/api/v1/recordings/{recording_id}"): {
        "city-admin",
        "mediator-east",
        "reviewer",
        "evaluator",
    },
    ("GET", "/api/v1/recordings/{recording_id}/export"): {"city-admin", "mediator-east"},
    ("GET", "/api/v1/recordings/{recording_id}/tracks"): {
        "city-admin",
        "mediator-east",
        "reviewer",
        "evaluator",
    },
    ("GET", "/api/v1/recordings/{recording_id}/segments/{file}"): {
        "city-admin",
        "mediator-east",
        "reviewer",
        "evaluator",
    },
    # refused with 409 retention_active (kept for good by default), not 403
    ("DELETE", "/api/v1/recordings/{recording_id}"): {"city-admin"},
    ("POST", "/api/v1/recordings/{recording_id}/hold"): {"city-admin", "reviewer"},
    ("DELETE", "/api/v1/recordings/{recording_id}/hold"): {"city-admin", "reviewer"},
    ("GET", "/api/v1/organisations/{org_id}/recording-policy"): set(STAFF),
    ("PUT", "/api/v1/organisations/{org_id}/recording-policy"): {"city-admin"},
    ("GET", "/api/v1/join/{token}"): set(PRINCIPALS),  # the invitation token is the credential
    **CAMERA_ROUTES,  # tests/signaling/camera_authz.py
    ("GET", "/api/v1/j/{code}"): set(PRINCIPALS),  # a short link: the code is the credential
    ("GET", "/api/v1/organisations/{org_id}/waiting-room"): set(STAFF),
    ("PUT", "/api/v1/organisations/{org_id}/waiting-room"): {"city-admin"},
    ("GET", "/api/v1/cases/{case_id}/record"): set(STAFF),
    # no agreement here: 404 for anyone signed in (who may fetch a sealed one:
    # tests/signaling/test_agreement_events.py)
    ("GET", "/api/v1/agreements/{agreement_id}/pdf"): {*STAFF, "party-east", "party-west"},
    # the command center: command staff and administrators watch and arrange walls;
    # screen credentials are for administrators only
    ("GET", "/api/v1/command/tree"): {"city-admin", "command"},
    ("GET", "/api/v1/walls"): {"city-admin", "command"},
    ("POST", "/api/v1/walls"): {"city-admin", "command"},
    ("GET", "/api/v1/walls/{wall_id}"): {"city-admin", "command"},
    ("DELETE", "/api/v1/walls/{wall_id}"): {"city-admin", "command"},
    ("PUT", "/api/v1/walls/{wall_id}/screens/{number}/layout"): {"city-admin", "command"},
    ("PUT", "/api/v1/walls/{wall_id}/screens/{number}/tiles/{tile}"): {"city-admin", "command"},
    ("DELETE", "/api/v1/walls/{wall_id}/screens/{number}/tiles/{tile}"): {"city-admin", "command"},
    ("PUT", "/api/v1/walls/{wall_id}/screens/{number}/enlarged"): {"city-admin", "command"},
    ("PUT", "/api/v1/walls/{wall_id}/screens/{number}/tour"): {"city-admin", "command"},
    ("POST", "/api/v1/walls/{wall_id}/screens/{number}/tour-control"): {"city-admin", "command"},
    ("POST", "/api/v1/walls/{wall_id}/swap"): {"city-admin", "command"},
    ("POST", "/api/v1/walls/{wall_id}/presets"): {"city-admin", "command"},
    ("POST", "/api/v1/walls/{wall_id}/presets/{preset_id}/apply"): {"city-admin", "command"},
    ("DELETE", "/api/v1/walls/{wall_id}/presets/{preset_id}"): {"city-admin", "command"},
    ("POST", "/api/v1/walls/{wall_id}/screens/{number}/credential"): {"city-admin"},
    ("DELETE", "/api/v1/walls/{wall_id}/screens/{number}/credential"): {"city-admin"},
    ("PUT", "/api/v1/walls/{wall_id}/alarm-rule"): {"city-admin", "command"},
    ("GET", "/api/v1/alarms"): {"city-admin", "command"},
    # 409 once acknowledged (not who asks): granted either way
    ("POST", "/api/v1/alarms/{alarm_id}/ack"): {"city-admin", "command"},
    # calls: the command center rings offices; the office called answers (its staff
    # who may enter rooms), nobody else
    ("POST", "/api/v1/calls"): {"city-admin", "command"},
    ("POST", "/api/v1/calls/{call_id}/answer"): {"mediator-east"},
    ("POST", "/api/v1/calls/{call_id}/end"): {"city-admin", "command"},
    # the statistics screen: counts of one's own subtree (tests/signaling/test_statistics.py)
    ("GET", "/api/v1/statistics"): {"city-admin", "command", "reviewer"},
}
UNSCOPED = {"/api/v1/j/{code}", "/api/v1/agreements/{agreement_id}/pdf"}
# routes whose resource lives in a subtree (east or west); the others are global
SCOPED = {
    path for (_, path) in ALLOWED if "{" in path and "join" not in path and path not in UNSCOPED
} | {
    "/api/v1/organisations#POST",
    "/api/v1/users#POST",
    "/api/v1/cases#POST",
    "/api/v1/cameras#POST",
    "/api/v1/gb-devices#POST",
    "/api/v1/walls#POST",
    "/api/v1/calls#POST",
}
# DELETE routes that remove their resource: each principal's try goes to a resource of
# its own kind made for it, so one principal's deletion doesn't change what the next sees
DOOMED = {
    "/api/v1/cameras/{camera_id}": "doomed_camera",
    "/api/v1/gb-devices/{device_id}": "doomed_device",
}
# routes that remove what they name: each principal gets a wall (and preset) of its own
SPARE = {
    ("DELETE", "/api/v1/walls/{wall_id}"),
    ("DELETE", "/api/v1/walls/{wall_id}/presets/{preset_id}"),
    ("POST", "/api/v1/calls/{call_id}/end"),
}


@dataclass
class World:
    client: TestClient
    tokens: dict[str, str]
    logout_tokens: dict[str, str]  # principal:side -> a session of its own to log out
    spare: dict[str, dict[str, str]]  # principal:side -> {wall_id, preset_id} of its own
    ids: dict[str, dict[str, str]]  # "east"/"west" -> {case_id, room_id, invitation_id, org}


@pytest.fixture
async def world(aiohttp_client: Callable[..., Any], hub_config: Config) -> World:
    app = build_app(hub_config)
    client: TestClient = await aiohttp_client(app)
    secret = app[TOKEN_SECRET]
    async with app[DATABASE].transaction() as s:
        demo = await seed_demo_city(s)
        ids: dict[str, dict[str, str]] = {}
        admin = demo.users["city-admin"]
        boss = Subject(id=admin.id, name="a", role="admin", org_path=demo.orgs["city"].path)
        for side, org in (("east", "east-1"), ("west", "west-1")):
            case = await domain.do_create_case(
                s,
                boss,
                organisation=demo.orgs[org],
                type="邻里纠纷",
                title=f"{side} 案件",
                severity="yellow",
                parties=[],
            )
            room = await domain.do_create_case_room(s, boss, case, demo.orgs[org].path)
            invitation = await domain.do_create_invitation(
                s, room, name="张三", role="party", ttl_s=3600, inviter=None
            )
            box: CredentialBox = app[CAMERA_BOX]
            digit = "1" if side == "east" else "2"
            device, doomed_device = f"3402000000118000000{digit}", f"3402000000118000009{digit}"
            for device_id in (device, doomed_device):
                await cameras.do_bind_gb_device(
                    s, boss, box, organisation=demo.orgs[org], device_id=device_id,
                    name="NVR", password="nvr-pass",
                )  # fmt: skip
            camera, doomed = [
                await cameras.do_create_camera(
                    s,
                    boss,
                    box,
                    organisation=demo.orgs[org],
                    name=f"{side} 东门",
                    rtsp_url="rtsp://admin:secret@127.0.0.1:9/cam",
                )
                for _ in range(2)
            ]
            ids[side] = {
                "case_id": case.id,
                "room_id": room.id,
                "invitation_id": invitation.id,
                "org": demo.orgs[org].id,
                "org_id": demo.orgs[org].id,
                "file": "t01-00001.webm",  # the first segment of record_briefly's recording
                "mediator": demo.users["mediator-east" if side == "east" else "mediator-west"].id,
                "camera_id": camera.id,
                "doomed_camera": doomed.id,
                "device_id": device,
                "doomed_device": doomed_device,
                "new_device": f"3402000000118000005{digit}",
                # a user of the side's community whom the matrix enables and unlocks
                "user_id": (
                    await domain.do_create_user(
                        s,
                        username=f"spare-{side}",
                        display_name="备用",
                        role="mediator",
                        organisation=demo.orgs[org],
                        password_hash="never-logs-in",
                        actor="test",
                    )
                ).id,
                "recording_id": await record_briefly(hub_config, room.name, demo.orgs[org].id),
            }
            township = demo.orgs["east" if side == "east" else "west"]
            wall_id, preset_id = await _wall_with_preset(s, boss, township)
            ids[side].update(wall_id=wall_id, preset_id=preset_id, number="1", tile="1")
            raised = await alarms.do_raise_alarm(
                s, kind="party_alone", level="yellow", room_id=room.id, levels=["yellow"]
            )
            ids[side]["alarm_id"] = raised.alarm.id
            call, _ = await calls.do_start_call(s, boss, [township], kind="meeting")
            ids[side]["call_id"] = call.id
        spare = {}
        for side in ("east", "west"):
            township = demo.orgs["east" if side == "east" else "west"]
            for key in PRINCIPALS:
                wall_id, preset_id = await _wall_with_preset(s, boss, township)
                call, _ = await calls.do_start_call(s, boss, [township], kind="meeting")
                spare[f"{key}:{side}"] = {
                    "wall_id": wall_id,
                    "preset_id": preset_id,
                    "call_id": call.id,
                }
    tokens = {}
    for key in STAFF:
        response = await client.post(
            "/api/v1/login", json={"username": key, "password": DEMO_PASSWORD}
        )
        assert response.status == 200, key
        tokens[key] = (await response.json())["token"]
    for side in ("east", "west"):
        tokens[f"party-{side}"] = issue(
            secret, sub=f"p-{side}", name="张三", role="party", room=ids[side]["room_id"], ttl_s=600
        )
    logout_tokens = {}
    for side in ("east", "west"):
        for key in PRINCIPALS:
            if key in STAFF:
                logout_tokens[f"{key}:{side}"] = await staff_token(app, demo.users[key])
            elif key in tokens:
                logout_tokens[f"{key}:{side}"] = tokens[key]
    return World(client, tokens, logout_tokens, spare, ids)


async def _wall_with_preset(s: Any, boss: Subject, org: Any) -> tuple[str, str]:
    wall, _ = await walls.do_create_wall(
        s, boss, name="墙", organisation=org, screens=1, layout="2x2", credential_hashes=["x"]
    )
    preset = await presets.do_save_preset(s, boss, wall, org.path, "预案")
    return wall.id, preset.id


async def record_briefly(config: Config, room: str, organisation: str) -> str:
    """A real (tiny) sealed recording of an organisation's room."""
    router = Router()
    producer = router.create_direct_transport().produce(
        MediaCodec(OPUS, 48000, 2), app_data={"participant": "p"}
    )
    recorder = RoomRecorder(
        router,
        recordings_dir(config.server.data_dir),
        RecordingMetadata(
            case_id="",
            room=room,
            organisation=organisation,
            participants=[Participant("p", "张三", "party", "invitation-link")],
        ),
        [Consent("p", "2026-01-01T00:00:00Z", "party-page-checkbox")],
        load_or_create_signing_key(config.server.data_dir),
    )
    await recorder.start()
    for i in range(10):
        producer.send(EncodedFrame(bytes([0xFC, 0xFF, 0xFE]), i * 960, producer.codec))
    await recorder.wait_written()
    await recorder.stop()
    await router.close()
    return recorder.id


def request_for(method: str, path: str, ids: dict[str, str], token: str) -> dict[str, Any]:
    if method == "DELETE" and path in DOOMED:
        key = path.rsplit("{", 1)[1].rstrip("}")
        ids = {**ids, key: ids[DOOMED[path]]}
    url = path.format(**ids, token=token or "x", code="NOSUCHCODE", agreement_id="none")
    bodies = {
        "/api/v1/login": {"username": "nobody", "password": "wrong-password"},
        "/api/v1/organisations": {
            "code": f"x{ids['case_id'][:6]}",
            "name": "新社区",
            "level": "community",
            "parentId": ids["org"],
        },
        "/api/v1/users": {
            "username": f"u{ids['case_id'][:8]}",
            "name": "新用户",
            "role": "mediator",
            "organisationId": ids["org"],
            "password": "long-enough-1",
        },
        "/api/v1/cases": {
            "organisationId": ids["org"],
            "type": "x",
            "title": "新案件",
            "severity": "red",
            "parties": [{"name": "甲"}],
        },
        "/api/v1/cases/{case_id}/transition": {"to": "accepted"},
        "/api/v1/join-code": {"code": "000000", "name": "nobody"},
        "/api/v1/cases/{case_id}/assign": {"mediatorId": ids["mediator"]},
        "/api/v1/me/password": {"current": "not-the-password", "new": "another-password"},
        "/api/v1/rooms/{room_id}/invitations": {"name": "李四", "role": "party"},
        "/api/v1/users/{user_id}": {"active": True},
        "/api/v1/recordings/{recording_id}": {"reason": "测试"},
        "/api/v1/recordings/{recording_id}/hold": {"reason": "诉讼中"},
        "/api/v1/organisations/{org_id}/recording-policy": {
            "required": None,
            "retentionDays": None,
        },
        **camera_bodies(ids),
        "/api/v1/organisations/{org_id}/waiting-room": {"waitingRoom": None},
        "/api/v1/walls": {"name": "新墙", "screens": 1, "organisationId": ids["org"]},
        "/api/v1/walls/{wall_id}/screens/{number}/layout": {"layout": "3x3"},
        "/api/v1/walls/{wall_id}/screens/{number}/tiles/{tile}": {
            "kind": "room",
            "roomId": ids["room_id"],
        },
        "/api/v1/walls/{wall_id}/screens/{number}/enlarged": {"tile": 1},
        "/api/v1/walls/{wall_id}/screens/{number}/tour": {
            "items": [{"kind": "room", "roomId": ids["room_id"]}],
            "dwellS": 5,
        },
        "/api/v1/walls/{wall_id}/screens/{number}/tour-control": {"action": "pause", "tile": None},
        "/api/v1/walls/{wall_id}/swap": {
            "from": {"screen": 1, "tile": 1},
            "to": {"screen": 1, "tile": 2},
        },
        "/api/v1/walls/{wall_id}/presets": {"name": "日常"},
        "/api/v1/calls": {"kind": "roll-call", "organisationIds": [ids["org"]]},
        "/api/v1/walls/{wall_id}/alarm-rule": {"rule": {"screen": 1, "tile": 1, "minLevel": "red"}},
    }
    return {
        "method": method,
        "url": url,
        "json": bodies.get(path, {}) if method in ("POST", "PUT", "PATCH", "DELETE") else None,
    }


def expected(principal: str, method: str, path: str, side: str) -> bool:
    allowed = principal in ALLOWED[(method, path)]
    scoped = path in SCOPED or f"{path}#{method}" in SCOPED
    if allowed and scoped and side == "west" and principal not in CITY_WIDE:
        return False  # outside an east principal's subtree
    return allowed


async def test_every_route_is_in_the_table(world: World) -> None:
    app = world.client.server.app
    served = {
        (r.method, r.resource.canonical)
        for r in app.router.routes()
        if r.resource is not None
        and r.resource.canonical.startswith("/api/v1")
        and r.method != "HEAD"
    }
    assert served == set(ALLOWED)


async def test_authorisation_matrix(world: World) -> None:
    wrong: list[str] = []
    for principal in PRINCIPALS:
        wrong += await _check_principal(world, principal)
    assert wrong == [], wrong


async def _check_principal(world: World, principal: str) -> list[str]:
    token = world.tokens.get(principal, "")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    wrong: list[str] = []
    for side in ("east", "west"):
        for method, path in ALLOWED:
            if path == "/api/v1/join/{token}":
                continue  # covered by the page tests: the token in the URL is the credential
            resource = world.ids[side]
            if (method, path) in SPARE:
                resource = {**resource, **world.spare[f"{principal}:{side}"]}
            kwargs = request_for(method, path, resource, token)
            if path == "/api/v1/logout" and f"{principal}:{side}" in world.logout_tokens:
                # a session of its own, so that the principal's other requests still work
                spare = world.logout_tokens[f"{principal}:{side}"]
                headers = {**headers, "Authorization": f"Bearer {spare}"}
            response = await world.client.request(
                kwargs["method"], kwargs["url"], json=kwargs["json"], headers=headers
            )
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            granted = response.status not in (401, 403)
            if response.status >= 400:
                payload = await response.json()
                assert set(payload["error"]) == {"code", "message"}, (path, payload)
            if path == "/api/v1/me/password" and response.status == 403:
                granted = (await response.json())["error"]["code"] == "bad_credentials"
            if path == "/api/v1/join-code":
                granted = response.status in (403, 429)  # the wrong code, not who asks
            if path == "/api/v1/login":  # a wrong password, throttled after a few tries
                granted = (response.status, (await response.json())["error"]["code"]) in (
                    (401, "bad_credentials"),
                    (429, "rate_limited"),
                )
            if granted != expected(principal, method, path, side):
                wrong.append(f"{principal}: {method} {path} [{side}] -> {response.status}")
    return wrong


async def test_openapi_describes_every_route(world: World) -> None:
    document = await (await world.client.get("/api/v1/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    described = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    outside = ("/api/v1/openapi.json", "/api/v1/join/{token}", "/api/v1/j/{code}")
    rest = {k for k in ALLOWED if k[1] not in outside}
    assert described == rest


async def test_bad_bodies_get_clear_errors(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['mediator-east']}"}
    for payload in ("not json", [1, 2], {"organisationId": 5}):
        response = await world.client.post(
            "/api/v1/cases",
            headers=headers,
            data=payload if isinstance(payload, str) else None,
            json=None if isinstance(payload, str) else payload,
        )
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "bad_request"
    bad_page = await world.client.get("/api/v1/cases?page=abc", headers=headers)
    assert bad_page.status == 400
    illegal = await world.client.post(
        f"/api/v1/cases/{world.ids['east']['case_id']}/transition",
        headers=headers,
        json={"to": "archived"},
    )
    assert illegal.status == 409
    assert (await illegal.json())["error"]["code"] == "invalid_transition"


async def test_exported_bundle_verifies_and_every_look_is_audited(
    world: World, tmp_path: Path
) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['mediator-east']}"}
    recording = world.ids["east"]["recording_id"]
    listed = await (await world.client.get("/api/v1/recordings", headers=headers)).json()
    assert [r["id"] for r in listed] == [recording]  # not the west township's
    detail = await (
        await world.client.get(f"/api/v1/recordings/{recording}", headers=headers)
    ).json()
    assert detail["verification"]["ok"] is True
    response = await world.client.get(f"/api/v1/recordings/{recording}/export", headers=headers)
    assert response.status == 200
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(await response.read())
    assert verify(bundle).ok
    admin = {"Authorization": f"Bearer {world.tokens['city-admin']}"}
    audit = await (await world.client.get("/api/v1/audit/verify", headers=admin)).json()
    assert audit["ok"] is True and audit["entries"] >= 3


async def test_party_enters_with_code_and_name_and_guessing_is_limited(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['mediator-east']}"}
    created = await (
        await world.client.post(
            f"/api/v1/rooms/{world.ids['east']['room_id']}/invitations",
            headers=headers,
            json={"name": "赵六", "role": "party"},
        )
    ).json()
    wrong_name = await world.client.post(
        "/api/v1/join-code", json={"code": created["code"], "name": "别人"}
    )
    assert wrong_name.status == 403 and (await wrong_name.json())["error"]["code"] == "bad_code"
    right = await world.client.post(
        "/api/v1/join-code", json={"code": created["code"], "name": "赵六"}
    )
    assert right.status == 200 and "/join/" in (await right.json())["url"]
    statuses = []
    for guess in range(12):
        response = await world.client.post(
            "/api/v1/join-code", json={"code": f"{guess:06d}", "name": "赵六"}
        )
        statuses.append(response.status)
    assert 429 in statuses, statuses  # an address can't try a million codes


async def test_severity_scale_comes_from_config(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['mediator-east']}"}
    me = await (await world.client.get("/api/v1/me", headers=headers)).json()
    assert me["severityLevels"] == ["green", "yellow", "orange", "red"]
    response = await world.client.post(
        "/api/v1/cases",
        headers=headers,
        json={
            "organisationId": world.ids["east"]["org"],
            "type": "x",
            "title": "x",
            "severity": "purple",
            "parties": [],
        },
    )
    assert response.status == 400 and (await response.json())["error"]["code"] == "bad_request"


# The invitation-role dimension: which role an invitation from whom may carry.
# Written out here, independently of rooms.policy.INVITABLE.
