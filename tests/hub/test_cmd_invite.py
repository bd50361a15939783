"""mediation-hub invite: lifetimes are capped as over REST; the roles it may grant."""

from __future__ import annotations

import argparse

import pytest

from hub.cmd_invite import create_invitation, parse_ttl
from hub.config import Config
from hub.keyfile import load_or_create_token_secret
from rooms.domain import DomainError
from rooms.tokens import verify


def test_ttl_is_parsed_and_capped_at_seven_days() -> None:
    assert parse_ttl("90s") == 90 and parse_ttl("2h") == 7200 and parse_ttl("7d") == 7 * 86400
    for bad in ("99999d", "8d", "0h", "1y", "9" * 5000 + "s", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_ttl(bad)


async def test_a_cli_mediator_is_the_mediator_of_that_room_only(hub_config: Config) -> None:
    path, code, _ = await create_invitation(hub_config, "临时会议", "王调解员", "mediator", 600)
    token = verify(load_or_create_token_secret(hub_config.server.data_dir), path.split("/")[-1])
    assert token.role == "mediator" and token.room and token.org is None and token.room_scoped
    assert token.invited and len(code) == 6
    with pytest.raises(DomainError) as refused:
        await create_invitation(hub_config, "临时会议", "某人", "admin", 600)
    assert refused.value.code == "role_not_grantable"
