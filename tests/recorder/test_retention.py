"""Retention per organisation, legal hold, deletion: over REST and by the sweep."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import select

from recorder.retention import SWEEPER
from recorder.store import STATE_FILE, list_recordings, recordings_dir
from rooms.audit import verify_audit_chain
from rooms.models import AuditEntry
from signaling.keys import DATABASE, RETENTION
from tests.signaling.conftest import Town
from tests.signaling.test_rest_authz import record_briefly

DAY = 86400.0


def age(town: Town, recording_id: str, days: float) -> None:
    """Make a sealed recording look as if it ended `days` ago (its working state;
    the sealed manifest is left alone)."""
    path = recordings_dir(town.config.server.data_dir) / recording_id / STATE_FILE
    state = json.loads(path.read_text())
    shift = days * DAY
    state["started_at"] -= shift
    state["ended_at"] = (state.get("ended_at") or state["updated_at"]) - shift
    path.write_text(json.dumps(state))


async def test_policy_is_inherited_down_the_tree(town: Town) -> None:
    url = "/api/v1/organisations/{}/recording-policy"
    status, body = await town.call("city-admin", "GET", url.format(town.orgs["east-1"]))
    assert status == 200
    assert body["effective"] == {
        "required": False,
        "retentionDays": None,
        "requiredBy": None,
        "retentionBy": None,
    }
    await town.call(
        "city-admin",
        "PUT",
        url.format(town.orgs["city"]),
        json={"required": True, "retentionDays": 365},
    )
    await town.call("city-admin", "PUT", url.format(town.orgs["east"]), json={"retentionDays": 30})
    _, body = await town.call("mediator-east", "GET", url.format(town.orgs["east-1"]))
    assert body["own"] == {"required": None, "retentionDays": None}
    assert body["effective"] == {
        "required": True,
        "retentionDays": 30,
        "requiredBy": town.orgs["city"],
        "retentionBy": town.orgs["east"],
    }
    # null hands the setting back to the parent
    await town.call(
        "city-admin", "PUT", url.format(town.orgs["east"]), json={"retentionDays": None}
    )
    _, body = await town.call("mediator-east", "GET", url.format(town.orgs["east-1"]))
    assert body["effective"]["retentionDays"] == 365


@pytest.mark.parametrize(
    "payload",
    [{"retentionDays": 0}, {"retentionDays": "30"}, {"retentionDays": True}, {"required": "yes"}],
)
async def test_bad_policy_is_refused_and_changes_nothing(
    town: Town, payload: dict[str, Any]
) -> None:
    url = f"/api/v1/organisations/{town.orgs['east']}/recording-policy"
    status, body = await town.call("city-admin", "PUT", url, json=payload)
    assert status == 400 and body["error"]["code"] == "bad_request", body
    _, body = await town.call("city-admin", "GET", url)
    assert body["own"] == {"required": None, "retentionDays": None}


async def test_hold_blocks_deletion_by_hand_and_by_retention(town: Town) -> None:
    app = town.client.server.app
    held = await record_briefly(town.config, "r-held", town.orgs["east-1"])
    free = await record_briefly(town.config, "r-free", town.orgs["east-1"])
    policy_url = f"/api/v1/organisations/{town.orgs['east']}/recording-policy"

    # kept for good by default: nobody may delete
    status, body = await town.call(
        "city-admin", "DELETE", f"/api/v1/recordings/{free}", json={"reason": "清理"}
    )
    assert (status, body["error"]["code"]) == (409, "retention_active")
    assert await app[RETENTION].sweep(now=time.time() + 1000 * DAY) == []

    await town.call("city-admin", "PUT", policy_url, json={"retentionDays": 10})
    # within the period: refused, naming the date
    status, body = await town.call(
        "city-admin", "DELETE", f"/api/v1/recordings/{free}", json={"reason": "清理"}
    )
    assert (status, body["error"]["code"]) == (409, "retention_active")

    status, body = await town.call(
        "reviewer", "POST", f"/api/v1/recordings/{held}/hold", json={"reason": "已起诉"}
    )
    assert status == 200 and body["legalHold"] is True
    status, body = await town.call("city-admin", "GET", f"/api/v1/recordings/{held}")
    assert body["legalHold"] is True and body["hold"]["reason"] == "已起诉"
    assert body["retentionDays"] == 10

    age(town, held, 11)
    status, body = await town.call(
        "city-admin", "DELETE", f"/api/v1/recordings/{held}", json={"reason": "清理"}
    )
    assert (status, body["error"]["code"]) == (409, "legal_hold")

    # the sweep, 11 days on: the free one goes, the held one stays
    assert await app[RETENTION].sweep(now=time.time() + 11 * DAY) == [free]
    assert [r.id for r in list_recordings(recordings_dir(town.config.server.data_dir))] == [held]

    status, body = await town.call(
        "reviewer", "DELETE", f"/api/v1/recordings/{held}/hold", json={"reason": "已结案"}
    )
    assert status == 200 and body["released"] is True
    status, body = await town.call(
        "city-admin", "DELETE", f"/api/v1/recordings/{held}", json={"reason": "保存期满"}
    )
    assert status == 200, body
    assert body["deleted"]["manifestSha256"]
    assert list_recordings(recordings_dir(town.config.server.data_dir)) == []

    async with app[DATABASE].session() as s:
        assert (await verify_audit_chain(s)).ok
        entries = list(await s.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    trail = [
        (e.action, e.actor, e.detail)
        for e in entries
        if e.target == f"recording:{held}" and e.action != "recording.view"
    ]
    assert [a for a, _, _ in trail] == ["recording.hold", "recording.release", "recording.delete"]
    assert trail[-1][2]["reason"] == "保存期满" and trail[-1][2]["manifestSha256"]
    swept = [
        e for e in entries if e.target == f"recording:{free}" and e.action == "recording.delete"
    ]
    assert [e.actor for e in swept] == [SWEEPER]


async def test_hold_needs_a_reason(town: Town) -> None:
    recording = await record_briefly(town.config, "r", town.orgs["east-1"])
    status, body = await town.call(
        "city-admin", "POST", f"/api/v1/recordings/{recording}/hold", json={}
    )
    assert (status, body["error"]["code"]) == (400, "bad_request")
    status, body = await town.call("city-admin", "GET", f"/api/v1/recordings/{recording}")
    assert body["legalHold"] is False


async def test_listing_recordings_is_audited_with_what_was_shown(town: Town) -> None:
    recording = await record_briefly(town.config, "r", town.orgs["east-1"])
    status, body = await town.call("mediator-east", "GET", "/api/v1/recordings")
    assert status == 200 and [r["id"] for r in body] == [recording]
    async with town.client.server.app[DATABASE].session() as s:
        (entry,) = await s.scalars(select(AuditEntry).where(AuditEntry.action == "recording.list"))
    assert entry.detail == {"ids": [recording]}
