"""Alarms of my subtree (command_center.alarms): list, acknowledge, and a wall's
rule that puts an alarming room on a tile."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, RootModel
from sqlalchemy.ext.asyncio import AsyncSession

from command_center import alarms
from rooms import domain
from rooms.models import Alarm
from signaling.api.routing import API, Ctx, Route
from signaling.api.walls import WALL, access_wall, write
from signaling.keys import ALARMS, DATABASE, ROOMS_SETTINGS
from signaling.models import Body, NoBody, NoQuery, Wire


class AlarmsQuery(BaseModel):
    all: Literal["0", "1"] | None = None  # 1: the recent ones too, not only the open ones


class AlarmOut(Wire):
    id: str
    kind: str
    level: str
    room_id: str | None
    organisation_id: str | None
    key: str
    detail: dict[str, Any]
    raised_at: str | None
    cleared_at: str | None
    acked_by: str | None
    acked_at: str | None


class AlarmList(RootModel[list[AlarmOut]]):
    pass


class AlarmRuleBody(Body):
    """Where a room with an alarm goes: {screen, tile, minLevel}, or null for nowhere."""

    rule: dict[str, Any] | None = None


class AlarmRuleOut(Wire):
    alarm_rule: dict[str, Any] | None
    version: int


async def list_alarms(ctx: Ctx[NoBody, AlarmsQuery]) -> AlarmList:
    found = await alarms.list_alarms(ctx.session, ctx.who, open_only=ctx.query.all != "1")
    return AlarmList.model_validate([alarms.alarm_json(a) for a in found])


async def ack_alarm(ctx: Ctx[NoBody, NoQuery]) -> AlarmOut:
    who = ctx.who
    await ctx.session.commit()

    async def work(tx: AsyncSession) -> tuple[Alarm, str | None]:
        alarm = await alarms.access_alarm_by_id(tx, who, ctx.param("alarm_id"))
        await alarms.do_ack_alarm(tx, who, alarm, ip=ctx.ip)
        return alarm, await domain.org_path(tx, alarm.organisation_id)

    alarm, path = await ctx.app[DATABASE].run(work)
    await ctx.app[ALARMS].acknowledged(alarm, path)
    return AlarmOut.model_validate(alarms.alarm_json(alarm))


async def set_alarm_rule(ctx: Ctx[AlarmRuleBody, NoQuery]) -> AlarmRuleOut:
    who, rule = ctx.who, ctx.body.rule
    levels = list(ctx.app[ROOMS_SETTINGS].severity_levels)

    async def work(tx: AsyncSession) -> dict[str, Any]:
        wall, path = await access_wall(tx, who, ctx)
        await alarms.do_set_alarm_rule(tx, who, wall, path, rule, levels, ip=ctx.ip)
        return {"alarmRule": wall.alarm_rule, "version": wall.version}

    return AlarmRuleOut.model_validate(await write(ctx, work))


ROUTES: tuple[Route, ...] = (  # type: ignore[type-arg]
    Route(
        "PUT",
        f"{WALL}/alarm-rule",
        "告警上墙规则 / where a room with an alarm goes",
        set_alarm_rule,
        AlarmRuleOut,
        body=AlarmRuleBody,
    ),
    Route(
        "GET",
        f"{API}/alarms",
        "本辖区告警 / alarms of my subtree",
        list_alarms,
        AlarmList,
        query=AlarmsQuery,
    ),
    Route(
        "POST",
        f"{API}/alarms/{{alarm_id}}/ack",
        "确认告警 / acknowledge an alarm",
        ack_alarm,
        AlarmOut,
    ),
)

__all__ = ["ROUTES"]
