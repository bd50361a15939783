"""What the staff shell reads: case search over REST, a case's rooms and invitations,
the rooms of my subtree, the audit log (scoped)."""

from __future__ import annotations

from typing import Any

from tests.signaling.conftest import Town


async def new_case(town: Town, who: str, title: str, party: str, type_: str = "邻里纠纷") -> Any:
    status, case = await town.call(
        who,
        "POST",
        "/api/v1/cases",
        json={
            "organisationId": town.orgs["east-1"],
            "type": type_,
            "title": title,
            "severity": "green",
            "parties": [{"name": party}],
        },
    )
    assert status == 201
    return case


async def test_case_search_over_rest(town: Town) -> None:
    for i in range(5):
        await new_case(town, "mediator-east", f"漏水 {i}", f"张{i}")
    await new_case(town, "mediator-east", "离婚", "李四", "婚姻家庭")
    status, page = await town.call("mediator-east", "GET", "/api/v1/cases?q=漏水&per_page=2&page=3")
    assert status == 200 and page["total"] == 5 and len(page["items"]) == 1
    assert set(page["types"]) == {"邻里纠纷", "婚姻家庭"}
    status, page = await town.call("mediator-east", "GET", "/api/v1/cases?q=李四")
    assert [c["title"] for c in page["items"]] == ["离婚"]
    status, page = await town.call(
        "mediator-east", "GET", "/api/v1/cases?type=婚姻家庭&status=received"
    )
    assert page["total"] == 1
    status, page = await town.call(
        "mediator-east",
        "GET",
        f"/api/v1/cases?organisationId={town.orgs['east-1']}&from=2020-01-01",
    )
    assert page["total"] == 6
    status, page = await town.call(
        "mediator-east", "GET", "/api/v1/cases?to=2020-01-01T00:00:00%2B08:00"
    )
    assert page["total"] == 0
    for bad in ("from=yesterday", "per_page=1000", f"organisationId={town.orgs['city']}"):
        status, body = await town.call("mediator-east", "GET", f"/api/v1/cases?{bad}")
        assert status in (400, 403) and "code" in body["error"], bad


async def test_assigned_needs_a_mediator(town: Town) -> None:
    case = await new_case(town, "mediator-east", "需要调解员", "王五")
    url = f"/api/v1/cases/{case['id']}"
    assert (await town.call("mediator-east", "POST", f"{url}/transition", json={"to": "accepted"}))[
        0
    ] == 200
    status, body = await town.call(
        "mediator-east", "POST", f"{url}/transition", json={"to": "assigned"}
    )
    assert status == 409 and body["error"]["code"] == "mediator_required"
    _, me = await town.call("mediator-east", "GET", "/api/v1/me")
    assert (
        await town.call("mediator-east", "POST", f"{url}/assign", json={"mediatorId": me["id"]})
    )[0] == 200
    status, moved = await town.call(
        "mediator-east", "POST", f"{url}/transition", json={"to": "assigned"}
    )
    assert status == 200 and moved["status"] == "assigned" and moved["mediatorId"] == me["id"]


async def test_case_rooms_list_invitations_with_status(town: Town) -> None:
    case = await new_case(town, "mediator-east", "调解室", "张三")
    status, room = await town.call("mediator-east", "POST", f"/api/v1/cases/{case['id']}/rooms")
    assert status == 201
    made = []
    for name in ("张三", "李四"):
        _, invitation = await town.call(
            "mediator-east",
            "POST",
            f"/api/v1/rooms/{room['id']}/invitations",
            json={"name": name, "role": "party"},
        )
        made.append(invitation)
    await town.call("mediator-east", "POST", f"/api/v1/invitations/{made[1]['id']}/revoke")
    status, rooms = await town.call("mediator-east", "GET", f"/api/v1/cases/{case['id']}/rooms")
    assert status == 200 and [r["id"] for r in rooms] == [room["id"]]
    invitations = {i["name"]: i for i in rooms[0]["invitations"]}
    assert (
        invitations["张三"]["status"] == "active" and invitations["张三"]["code"] == made[0]["code"]
    )
    assert invitations["张三"]["url"].split("/join/")[0] == made[0]["url"].split("/join/")[0]
    assert invitations["李四"]["status"] == "revoked" and invitations["李四"]["url"] is None
    # a reviewer sees the rooms and who was invited, but no way in
    status, seen = await town.call("reviewer", "GET", f"/api/v1/cases/{case['id']}/rooms")
    assert (
        status == 200
        and seen[0]["invitations"][0]["url"] is None
        and seen[0]["invitations"][0]["code"] is None
    )
    status, listed = await town.call("mediator-east", "GET", "/api/v1/rooms")
    assert status == 200 and room["id"] in [r["id"] for r in listed["items"]]
    assert next(r for r in listed["items"] if r["id"] == room["id"])["caseNumber"] == case["number"]
    await town.call("mediator-east", "POST", f"/api/v1/rooms/{room['id']}/end")
    _, listed = await town.call("mediator-east", "GET", "/api/v1/rooms")
    assert room["id"] not in [r["id"] for r in listed["items"]]
    _, listed = await town.call("mediator-east", "GET", "/api/v1/rooms?ended=1")
    assert room["id"] in [r["id"] for r in listed["items"]]


async def test_audit_log_over_rest(town: Town) -> None:
    case = await new_case(town, "mediator-east", "审计", "张三")
    status, page = await town.call("city-admin", "GET", "/api/v1/audit?action=case.&per_page=5")
    assert status == 200 and page["total"] >= 1
    entry = next(e for e in page["items"] if e["target"] == f"case:{case['id']}")
    assert entry["actorName"] == "东城调解员" and entry["targetName"].endswith("审计")
    assert entry["action"] == "case.create" and len(entry["hash"]) == 64
    status, page = await town.call("city-admin", "GET", f"/api/v1/audit?target=case:{case['id']}")
    assert {e["target"] for e in page["items"]} == {f"case:{case['id']}"}
    status, body = await town.call("city-admin", "GET", "/api/v1/audit?from=soon")
    assert status == 400 and body["error"]["code"] == "bad_request"
    status, body = await town.call("mediator-east", "GET", "/api/v1/audit")
    assert status == 403
