"""The configuration: sections composed, the environment applied through what the
sections declare, refusals named, and docs/configuration.md generated from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.cli import main
from hub.config import Config, ConfigError, extra, fields, from_env
from hub.config_doc import PAGE, page_with_table, table


def test_the_page_holds_the_generated_table() -> None:
    page = PAGE.read_text()
    assert page == page_with_table(page), "run: .venv/bin/python -m hub.config_doc --write"
    for section, key, _ in fields():
        assert f"| {section}.{key} |" in table()


def test_every_key_is_described_and_envs_are_unique() -> None:
    envs = [extra(f, "env") for _, _, f in fields() if extra(f, "env")]
    assert len(envs) == len(set(envs))
    assert {"DATABASE_URL", "REDIS_URL", "MEDIATION_HUB_DATA_DIR"} <= set(envs)
    undescribed = [f"{s}.{k}" for s, k, f in fields() if not f.description]
    assert undescribed == []


def test_environment_fills_the_sections() -> None:
    config = from_env(
        env={
            "MEDIATION_HUB_ICE_ADDRESSES": "127.0.0.1, 203.0.113.5",
            "MEDIATION_HUB_SEVERITY": "green,yellow,red",
            "MEDIATION_HUB_RECORDING_REQUIRED": "1",
            "MEDIATION_HUB_RETENTION_DAYS": "30",
            "MEDIATION_HUB_DATA_DIR": "/srv/hub",
            "MEDIATION_HUB_GB": "1",
            "MEDIATION_HUB_GB_SIP_PORT": "15060",
            "REDIS_URL": "",  # empty: the default stays
        }
    )
    assert config.media.ice_addresses == ["127.0.0.1", "203.0.113.5"]
    assert config.rooms.severity_levels == ["green", "yellow", "red"]
    assert config.rooms.recording_required is True and config.rooms.retention_days == 30
    assert config.server.data_dir == Path("/srv/hub") and config.signaling.redis_url is None
    assert config.database_url == "sqlite+aiosqlite:////srv/hub/hub.sqlite3"
    assert config.gb28181.enabled and config.gb28181.sip_port == 15060
    assert from_env(env={}) == Config()


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MEDIATION_HUB_RETENTION_DAYS": "soon"}, "MEDIATION_HUB_RETENTION_DAYS"),
        ({"MEDIATION_HUB_RETENTION_DAYS": "0"}, "MEDIATION_HUB_RETENTION_DAYS"),
        ({"MEDIATION_HUB_GB_DOMAIN": "34"}, "MEDIATION_HUB_GB_DOMAIN"),
        ({"MEDIATION_HUB_SEVERITY": "red"}, "MEDIATION_HUB_SEVERITY"),
    ],
)
def test_a_bad_value_is_refused_by_name(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        from_env(env=env)


def test_serve_refuses_a_bad_flag_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    assert "configuration error" in capsys.readouterr().err
