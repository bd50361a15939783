"""The upper platform against SIPp playing devices and lower platforms."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from signaling.gb28181 import ptz
from signaling.gb28181.platform import GbPlatform
from signaling.gb28181.registry import DeviceState, GbDevice
from tests.signaling.gb28181.conftest import DEVICE, PASSWORD, Events, make_config
from tests.simulators.sipp import Channel, DeviceScenario, SippDevice

NVR = "34020000001180000001"


@pytest.fixture
def devices() -> Iterator[list[SippDevice]]:
    started: list[SippDevice] = []
    yield started
    for device in started:
        device.kill()


def run(devices: list[SippDevice], scenario: DeviceScenario, platform: GbPlatform,
        workdir: Path, transport: str = "udp") -> SippDevice:  # fmt: skip
    device = SippDevice(scenario, platform.port, workdir, transport=transport).start()
    devices.append(device)
    return device


AREA = "340200"
ORGS = ("34020000002160000001", "34020000002160000002")


def lower_platform(cameras: int) -> DeviceScenario:
    """A lower platform's catalogue: a civil area, two virtual organisations under
    it, and the cameras spread over them (names in Chinese, sent in GB18030)."""
    tree = [
        Channel(AREA, "合肥市", parent_id=NVR),
        Channel(ORGS[0], "第1街道", parent_id=AREA),
        Channel(ORGS[1], "第2街道", parent_id=AREA),
    ]
    return DeviceScenario(
        device_id=NVR, password="nvr-pass", channels=tree, page_size=20,
        generated_cameras=cameras, generated_parents=ORGS,
        keepalives=60, keepalive_ms=300, gb_version="3.0",
    )  # fmt: skip


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_lower_platform_registers_and_shares_a_catalogue_of_thousands(
    platform: GbPlatform, events: Events, devices: list[SippDevice], tmp_path: Path, transport: str
) -> None:
    device = run(devices, lower_platform(2000), platform, tmp_path, transport)
    (registered,) = await events.wait("register")
    assert isinstance(registered, GbDevice) and registered.peer.transport == transport
    assert registered.gb_version == "3.0"
    gb_device, found = await events.wait("catalog", limit=60)
    assert len(found) == 2003 and gb_device.channel_count == 2003
    names = {c.channel_id: c.name for c in found}
    assert names["34020000001320011234"] == "监控点11234号·菜市场"
    assert names[AREA] == "合肥市"
    # the tree: area -> 2 organisations -> 1000 cameras each
    assert [c.name for c in platform.registry.children(NVR)] == ["合肥市"]
    assert len(platform.registry.children(NVR, AREA)) == 2
    assert len(platform.registry.children(NVR, ORGS[0])) == 1000
    assert gb_device.info["Manufacturer"] == "SIPp 模拟设备"  # DeviceInfo, GB18030
    await events.wait("online")
    status = await platform.device_status(NVR)
    assert status["Online"] == "ONLINE" and status["Result"] == "OK"
    await platform.ptz(NVR, "34020000001320010007", ptz.move(pan=-1, speed=0x40))
    await platform.ptz(NVR, "34020000001320010007", ptz.stop())
    log = await asyncio.to_thread(device.wait_log, "PTZ=A50F0100000000B5")
    assert f"PTZ={ptz.move(pan=-1, speed=0x40).to_hex()}" in log
    assert "QUERY DeviceStatus" in log and log.count("QUERY Catalog") == 1
    await events.wait("unregister", limit=40)
    assert platform.registry.device(NVR) is None
    assert device.wait_exit() == 0, device.errors()


async def test_wrong_password_is_refused(
    platform: GbPlatform, events: Events, devices: list[SippDevice], tmp_path: Path
) -> None:
    scenario = DeviceScenario(password="not-the-password", expect_register="403")
    device = run(devices, scenario, platform, tmp_path)
    assert await asyncio.to_thread(device.wait_exit) == 0, device.errors()
    assert "REGISTER REFUSED" in device.log()
    assert platform.registry.device(DEVICE) is None and events.count("register") == 0


async def test_unknown_device_is_held_for_approval_then_admitted(
    platform: GbPlatform, events: Events, devices: list[SippDevice], tmp_path: Path
) -> None:
    stranger = "34020000001320000099"
    scenario = DeviceScenario(device_id=stranger, password=PASSWORD, expect_register="403")
    first = run(devices, scenario, platform, tmp_path / "1")
    (pending,) = await events.wait("pending")
    assert pending.device_id == stranger and stranger in platform.registry.pending
    assert await asyncio.to_thread(first.wait_exit) == 0, first.errors()
    assert platform.registry.device(stranger) is None
    platform.registry.approve(stranger)  # an administrator said yes (phase 2: stored)
    admitted = DeviceScenario(device_id=stranger, password=PASSWORD, keepalives=3,
                              keepalive_ms=200)  # fmt: skip
    run(devices, admitted, platform, tmp_path / "2")
    (device,) = await events.wait("register")
    assert device.device_id == stranger and stranger not in platform.registry.pending


async def test_refuse_policy_does_not_hold(devices: list[SippDevice], tmp_path: Path) -> None:
    gb = GbPlatform(make_config(unknown_devices="refuse"))
    await gb.start()
    try:
        events = Events(gb)
        device = run(devices, DeviceScenario(expect_register="403"), gb, tmp_path)
        assert await asyncio.to_thread(device.wait_exit) == 0, device.errors()
        assert not gb.registry.pending and events.count("pending") == 0
    finally:
        await gb.close()


async def test_a_device_that_stops_keepalives_goes_offline(
    platform: GbPlatform, events: Events, devices: list[SippDevice], tmp_path: Path
) -> None:
    # interval 1 s x 3 misses: offline 3 s after the last keepalive
    scenario = DeviceScenario(keepalives=3, keepalive_ms=200, unregister=False)
    device = run(devices, scenario, platform, tmp_path)
    await events.wait("online")
    assert await asyncio.to_thread(device.wait_exit) == 0, device.errors()
    last = platform.registry.devices[DEVICE].last_keepalive
    gb_device, why = await events.wait("offline", limit=10)
    assert gb_device.state == DeviceState.OFFLINE and "keepalive" in why
    assert last is not None
    with pytest.raises(Exception, match="not online"):
        await platform.device_status(DEVICE)


async def test_a_device_whose_tcp_connection_drops_is_offline_at_once(
    platform: GbPlatform, events: Events, devices: list[SippDevice], tmp_path: Path
) -> None:
    device = run(devices, DeviceScenario(keepalives=500, keepalive_ms=300), platform,
                 tmp_path, "tcp")  # fmt: skip
    await events.wait("online")
    device.kill()  # no unregister, no FIN-less wait: the socket closes with the process
    gb_device, why = await events.wait("offline", limit=5)
    assert why == "TCP connection closed" and gb_device.state == DeviceState.OFFLINE
