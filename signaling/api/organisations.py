"""The organisation tree, its recording policy and its waiting room."""

from __future__ import annotations

from typing import Any

from pydantic import RootModel

from rooms import domain, policy
from rooms.lobby import do_set_waiting_room, effective_waiting_room
from rooms.models import Organisation
from rooms.recording_policy import do_set_recording_policy
from signaling.api.routing import API, Ctx, Route
from signaling.keys import RETENTION, ROOMS_SETTINGS
from signaling.models import Body, NoBody, NoQuery, Text16, Text32, Text100, Wire


class OrganisationOut(Wire):
    id: str
    code: str
    name: str
    level: str
    parent_id: str | None
    recording_required: bool | None
    retention_days: int | None

    @classmethod
    def of(cls, org: Organisation) -> OrganisationOut:
        return cls(
            id=org.id,
            code=org.code,
            name=org.name,
            level=org.level,
            parent_id=org.parent_id,
            recording_required=org.recording_required,
            retention_days=org.retention_days,
        )


class OrganisationList(RootModel[list[OrganisationOut]]):
    pass


class OrganisationBody(Body):
    parent_id: Text32
    code: Text32
    name: Text100
    level: Text16


class OwnPolicy(Wire):
    required: bool | None
    retention_days: int | None


class EffectivePolicy(Wire):
    required: bool
    retention_days: int | None
    required_by: str | None  # the organisation that set it; null: the configuration
    retention_by: str | None


class RecordingPolicyOut(Wire):
    organisation_id: str
    own: OwnPolicy
    effective: EffectivePolicy


class RecordingPolicyBody(Body):
    """null (or absent) hands the setting back to the parent."""

    required: bool | None = None
    retention_days: int | None = None


class WaitingRoomOut(Wire):
    organisation_id: str
    waiting_room: bool | None  # this organisation's own setting; null: inherited
    effective: bool  # what its case rooms do


class WaitingRoomBody(Body):
    """`{waitingRoom: true|false|null}`: null hands the setting back to the parent."""

    waiting_room: bool | None = None


async def list_organisations(ctx: Ctx[NoBody, NoQuery]) -> OrganisationList:
    orgs = await domain.list_organisations(ctx.session, ctx.who)
    return OrganisationList([OrganisationOut.of(o) for o in orgs])


async def create_organisation(ctx: Ctx[OrganisationBody, NoQuery]) -> OrganisationOut:
    body = ctx.body
    parent = await domain.access_organisation_by_id(
        ctx.session, ctx.who, body.parent_id, policy.ORG_MANAGE
    )
    org = await domain.do_create_organisation(
        ctx.session,
        code=body.code,
        name=body.name,
        level=body.level,
        parent=parent,
        actor=ctx.who.id,
        ip=ctx.ip,
    )
    return OrganisationOut.of(org)


async def _policy(ctx: Ctx[Any, Any], org: Organisation) -> RecordingPolicyOut:
    effective = await ctx.app[RETENTION].policy_for(ctx.session, org.id)
    return RecordingPolicyOut(
        organisation_id=org.id,
        own=OwnPolicy(required=org.recording_required, retention_days=org.retention_days),
        effective=EffectivePolicy(
            required=effective.required,
            retention_days=effective.retention_days,
            required_by=effective.required_by,
            retention_by=effective.retention_by,
        ),
    )


async def get_recording_policy(ctx: Ctx[NoBody, NoQuery]) -> RecordingPolicyOut:
    org = await domain.access_organisation_by_id(ctx.session, ctx.who, ctx.param("org_id"))
    return await _policy(ctx, org)


async def set_recording_policy(ctx: Ctx[RecordingPolicyBody, NoQuery]) -> RecordingPolicyOut:
    org = await do_set_recording_policy(
        ctx.session,
        ctx.who,
        ctx.param("org_id"),
        required=ctx.body.required,
        retention_days=ctx.body.retention_days,
        ip=ctx.ip,
    )
    return await _policy(ctx, org)


async def _waiting_room(ctx: Ctx[Any, Any], org: Organisation) -> WaitingRoomOut:
    default = ctx.app[ROOMS_SETTINGS].waiting_room
    return WaitingRoomOut(
        organisation_id=org.id,
        waiting_room=org.waiting_room,
        effective=await effective_waiting_room(ctx.session, org.id, default),
    )


async def get_waiting_room(ctx: Ctx[NoBody, NoQuery]) -> WaitingRoomOut:
    org = await domain.access_organisation_by_id(ctx.session, ctx.who, ctx.param("org_id"))
    return await _waiting_room(ctx, org)


async def set_waiting_room(ctx: Ctx[WaitingRoomBody, NoQuery]) -> WaitingRoomOut:
    org = await do_set_waiting_room(
        ctx.session, ctx.who, ctx.param("org_id"), ctx.body.waiting_room, ip=ctx.ip
    )
    await ctx.session.flush()
    return await _waiting_room(ctx, org)


ROUTES: tuple[Route, ...] = (  # type: ignore[type-arg]
    Route(
        "GET",
        f"{API}/organisations",
        "本辖区机构树 / my organisation subtree",
        list_organisations,
        OrganisationList,
    ),
    Route(
        "POST",
        f"{API}/organisations",
        "新建下级机构 / create an organisation",
        create_organisation,
        OrganisationOut,
        body=OrganisationBody,
        status=201,
        unit=True,
    ),
    Route(
        "GET",
        f"{API}/organisations/{{org_id}}/recording-policy",
        "机构录像规则（含继承）/ recording policy, effective",
        get_recording_policy,
        RecordingPolicyOut,
    ),
    Route(
        "PUT",
        f"{API}/organisations/{{org_id}}/recording-policy",
        "设置机构录像规则 / set the recording policy",
        set_recording_policy,
        RecordingPolicyOut,
        body=RecordingPolicyBody,
        unit=True,
    ),
    Route(
        "GET",
        f"{API}/organisations/{{org_id}}/waiting-room",
        "机构的等候室设置（含继承）/ waiting room setting, effective",
        get_waiting_room,
        WaitingRoomOut,
    ),
    Route(
        "PUT",
        f"{API}/organisations/{{org_id}}/waiting-room",
        "设置机构等候室（null 为继承）/ set the waiting room (null inherits)",
        set_waiting_room,
        WaitingRoomOut,
        body=WaitingRoomBody,
        unit=True,
    ),
)
