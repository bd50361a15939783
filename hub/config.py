"""One Config for the whole hub, composed of each package's settings section.

Each package declares its own section (a pydantic model: every default written
once, with its description, environment variable and `serve` flag) and receives
only that section: media.settings.MediaSettings, rooms.settings.RoomsSettings
DatabaseSettings and CameraSettings, recorder.settings.RecorderSettings,
signaling.settings.ServerSettings and SignalingSettings,
signaling.gb28181.settings.GbSettings. Values come from the defaults, then the
environment (`from_env`), then command-line flags (hub/cmd_serve.py).
docs/configuration.md is generated from these models (hub/config_doc.py) and a
test keeps it so.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.fields import FieldInfo

from command_center.settings import CommandCenterSettings
from media.settings import MediaSettings
from recorder.settings import RecorderSettings
from rooms.settings import CameraSettings, DatabaseSettings, RoomsSettings
from signaling.gb28181.settings import GbSettings
from signaling.settings import ServerSettings, SignalingSettings


class Config(BaseModel):
    """The hub's configuration: one section per package."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    server: ServerSettings = Field(default_factory=ServerSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    media: MediaSettings = Field(default_factory=MediaSettings)
    signaling: SignalingSettings = Field(default_factory=SignalingSettings)
    rooms: RoomsSettings = Field(default_factory=RoomsSettings)
    recorder: RecorderSettings = Field(default_factory=RecorderSettings)
    gb28181: GbSettings = Field(default_factory=GbSettings)
    cameras: CameraSettings = Field(default_factory=CameraSettings)
    command_center: CommandCenterSettings = Field(default_factory=CommandCenterSettings)

    @property
    def database_url(self) -> str:
        return self.database.url_for(self.server.data_dir)

    @property
    def base_url(self) -> str:
        return self.server.base_url


class ConfigError(ValueError):
    """An environment variable or flag the configuration can't take."""


def fields() -> Iterator[tuple[str, str, FieldInfo]]:
    """(section, key, field) of every configuration key, in declaration order."""
    for section, info in Config.model_fields.items():
        model = info.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        for key, field in model.model_fields.items():
            yield section, key, field


def extra(field: FieldInfo, name: str) -> str | None:
    data = field.json_schema_extra
    value = data.get(name) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _is_list(field: FieldInfo) -> bool:
    annotation = field.annotation
    return getattr(annotation, "__origin__", None) in (list, tuple) or any(
        getattr(a, "__origin__", None) in (list, tuple) for a in get_args(annotation)
    )


def _parse(field: FieldInfo, raw: str) -> Any:
    if _is_list(field):
        return [v.strip() for v in raw.split(",") if v.strip()]
    return raw


def from_env(config: Config | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Apply the environment variables the sections declare (unset or empty: the
    default stays). Lists are comma-separated; booleans 1/0 (or true/false)."""
    config = config or Config()
    env = os.environ if env is None else env
    for section, key, field in fields():
        name = extra(field, "env")
        raw = env.get(name, "") if name else ""
        if not name or not raw:
            continue
        try:
            setattr(getattr(config, section), key, _parse(field, raw))
        except ValidationError as exc:
            reason = exc.errors(include_url=False)[0]["msg"]
            raise ConfigError(f"{name}={raw!r}: {reason}") from None
    return config


__all__ = ["Config", "ConfigError", "extra", "fields", "from_env"]
