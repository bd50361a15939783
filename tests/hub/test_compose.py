"""docker-compose.yml is for deployments; no Docker engine runs here, so check
that it describes what DESIGN.md says and that its commands match our CLI."""

from __future__ import annotations

from pathlib import Path

import yaml

from hub.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


def load() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_describes_the_city_deployment() -> None:
    services = load()["services"]
    hubs = [name for name in services if name.startswith("hub-")]
    assert len(hubs) >= 2, "several hub nodes"
    for name in ("postgres", "redis", "coturn"):
        assert name in services
    for name in hubs:
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert env["REDIS_URL"].startswith("redis://")
        assert "MEDIATION_HUB_ICE_ADDRESSES" in env
        # the command is one our CLI accepts
        command = services[name]["command"]
        assert command[0] == "mediation-hub"
        args = build_parser().parse_args(command[1:])
        assert args.command == "serve"
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        if name != "coturn":
            assert "healthcheck" in service, name


def test_image_is_buildable_from_the_repository() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install" in dockerfile and "npm ci" in dockerfile
    for line in dockerfile.splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            source = line.split()[1]
            assert (ROOT / source).exists(), source
