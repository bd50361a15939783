"""The command center's settings section (composed into the hub's Config by hub/config.py).

Every default is written here once; `description` is what docs/configuration.md
says about the key, and `env` names the environment variable that sets it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


def _alarm_levels() -> dict[str, str]:
    return {
        "participant_dropped": "orange",
        "room_overtime": "yellow",
        "recording_failed": "red",
        "camera_offline": "orange",
        "party_alone": "yellow",
    }


def _level_colours() -> dict[str, str]:
    return {"green": "#2fb46b", "yellow": "#e6b422", "orange": "#f07c1c", "red": "#e5484d"}


class CommandCenterSettings(BaseModel):
    """Walls, alarms and the command center's watch on live rooms."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    alarm_levels: dict[str, str] = Field(
        default_factory=_alarm_levels,
        description="the level of each alarm kind, one of rooms.severity_levels (mildest first)",
    )
    level_colours: dict[str, str] = Field(
        default_factory=_level_colours,
        description="how each severity level is drawn on walls and in the console (CSS "
        "colours); levels without one get the walls' neutral colour",
    )
    planned_minutes: float = Field(
        120.0,
        gt=0,
        description="a live room open longer than this raises room_overtime",
        json_schema_extra={"env": "MEDIATION_HUB_PLANNED_MINUTES"},
    )
    party_alone_minutes: float = Field(
        5.0,
        gt=0,
        description="parties (no staff) alone in a live room this long raise party_alone",
        json_schema_extra={"env": "MEDIATION_HUB_PARTY_ALONE_MINUTES"},
    )
    alarm_check_s: float = Field(
        5.0, gt=0, description="how often the time-based alarm rules look at live rooms"
    )
    change_poll_s: float = Field(
        0.5,
        gt=0,
        description="how often a node looks at the versions of the walls it has screens or "
        "operators of (changes made by another process: `mediation-hub wall put`)",
    )


__all__ = ["CommandCenterSettings"]
