"""The operator console (/command) in Chromium: a township's command staff drags a
live room from the tree onto a tile of a wall's second screen and the open screen
page shows it; the tree keeps to the township; listen-in plays that room's sound and
stops; an alarm is acknowledged from the list. (That the API refuses another
township's room on the wall is tested in tests/signaling/test_wall_namespace.py.)"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from rooms.demo import DEMO_PASSWORD
from tests.media.fixtures import PacketTrack, encoded_opus, encoded_video
from tests.web.conftest import HubProcess, open_page, screenshot
from tests.web.staff import check_readable, choose, log_in
from tests.web.test_shared_modules import api
from tests.web.test_shared_modules import log_in as token_of
from tests.web.test_wall_screen import (
    TILES_PLAYING,
    Publishers,
    PublishOnly,
    case_rooms,
    screen_page,
    wait_until,
)

DESK = {"viewport": {"width": 1440, "height": 900}, "locale": "zh-CN"}
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "has_touch": True}


@pytest.fixture
def publishers(hub_process: HubProcess) -> Iterator[Publishers]:
    made = Publishers(hub_process.base_url)
    yield made
    made.close()


def talker(
    base: str, mediator: str, publishers: Publishers, room: dict[str, Any], name: str
) -> tuple[PublishOnly, str]:
    """A party in `room` sending a camera and a microphone (an aiortc peer); with the
    id of its microphone's producer."""
    invitation = api(
        base, "POST", f"/rooms/{room['id']}/invitations", {"name": name, "role": "party"}, mediator
    )

    async def go() -> tuple[PublishOnly, str]:
        client = PublishOnly(base, invitation["url"].split("/join/")[1])
        publishers.clients.append(client)
        await client.connect()
        assert (await client.join())["ok"]
        ack = await client.publish(
            [PacketTrack("video", encoded_video("libvpx")), PacketTrack("audio", encoded_opus())]
        )
        return client, next(p["id"] for p in ack["producers"] if p["kind"] == "audio")

    return publishers.run(go())


def township_operator(base: str, org_code: str) -> str:
    """A new command-staff login of one township (its first password changed)."""
    admin = token_of(base, "city-admin")
    org = next(o for o in api(base, "GET", "/organisations", token=admin) if o["code"] == org_code)
    username = f"cmd-{secrets.token_hex(3)}"
    first = "Temp-" + secrets.token_urlsafe(9)
    api(
        base,
        "POST",
        "/users",
        {
            "organisationId": org["id"],
            "username": username,
            "name": "东城指挥值班员",
            "role": "command",
            "password": first,
        },
        admin,
    )
    token = api(base, "POST", "/login", {"username": username, "password": first})["token"]
    api(base, "POST", "/me/password", {"current": first, "new": DEMO_PASSWORD}, token)
    return username


def console(
    browser: Browser, contexts: list[BrowserContext], base: str, user: str, **size: Any
) -> Page:
    page = open_page(browser, contexts, phone=False, **(size or DESK))
    log_in(page, base, user)
    page.goto(base + "/command")
    page.wait_for_function(
        "() => window.command && window.command.state.wall && window.command.state.tree",
        timeout=15_000,
    )
    return page


def test_an_operator_drags_a_room_onto_a_screen_and_keeps_to_the_township(
    hub_process: HubProcess,
    browser: Browser,
    contexts: list[BrowserContext],
    publishers: Publishers,
) -> None:
    base = hub_process.base_url
    hub_process.cli("seed-demo")
    mediator = token_of(base, "mediator-east")
    east, other = case_rooms(base, mediator, 2, "控制台")
    for n in range(2):
        talker(base, mediator, publishers, east, f"当事人{n + 1}")
    west_mediator = token_of(base, "mediator-west")
    orgs = {o["code"]: o["id"] for o in api(base, "GET", "/organisations", token=west_mediator)}
    west_case = api(
        base,
        "POST",
        "/cases",
        {
            "organisationId": orgs["330102001"],
            "type": "邻里纠纷",
            "title": "西城纠纷",
            "severity": "green",
            "parties": [],
        },
        west_mediator,
    )
    west = api(base, "POST", f"/cases/{west_case['id']}/rooms", token=west_mediator)
    user = township_operator(base, "330101")
    operator = token_of(base, user)
    wall = api(
        base, "POST", "/walls", {"name": "东城指挥墙", "screens": 2, "layout": "2x2"}, operator
    )

    two = screen_page(browser, contexts, wall["screens"][1]["url"])
    page = console(browser, contexts, base, user)
    room = page.locator(f'[data-testid=tree-room][data-room-id="{east["id"]}"]')
    expect(room).to_be_visible()
    expect(page.locator(f'[data-testid=tree-room][data-room-id="{other["id"]}"]')).to_be_visible()
    # the tree is the township's: no west room, no west organisation
    expect(page.locator(f'[data-room-id="{west["id"]}"]')).to_have_count(0)
    assert "西城镇" not in page.get_by_test_id("command-tree").inner_text()
    expect(page.get_by_test_id("tree-participant").first).to_be_visible()
    expect(page.get_by_test_id("command-screen")).to_have_count(2)
    expect(page.get_by_test_id("command-tile")).to_have_count(8)

    tile = page.locator("[data-testid=command-tile][data-screen='2'][data-tile='1']")
    key = f"room:{east['id']}"
    room.drag_to(tile)
    dropped = page.evaluate("window.command.log.find(([w]) => w === 'put:2/1')[1]")
    deadline = time.monotonic() + 10
    while not any(t["tile"] == 1 and t["key"] == key for t in two.evaluate("window.wall.tiles()")):
        assert time.monotonic() < deadline, two.evaluate("window.wall.tiles()")
        two.wait_for_timeout(20)
    shown_ms = two.evaluate("Date.now()") - dropped
    wait_until(two, TILES_PLAYING, 1, limit_s=15)
    frames = [
        at - dropped
        for what, at in two.evaluate("window.wall.log")
        if what.startswith("frame:") and at > dropped
    ]
    print(
        f"drop -> screen 2 shows the room: {shown_ms} ms; first frames {frames} ms after the drop"
    )
    assert shown_ms <= 1000, shown_ms
    assert frames and min(frames) <= 1000, frames  # its video, not only its label
    # the console shows it too, with its label, and the change is audited
    expect(tile).to_contain_text("控制台1 号纠纷")
    expect(tile).to_contain_text("东城街道河畔社区")
    admin = token_of(base, "city-admin")
    entries = api(base, "GET", f"/audit?target=wall:{wall['id']}", token=admin)["items"]
    assert any(
        e["action"] == "wall.tile.put" and e["actorName"] == "东城指挥值班员" for e in entries
    )

    # the tile's buttons: enlarge, then clear (each back on the screen page)
    tile.get_by_test_id("tile-enlarge").click()
    two.wait_for_function("() => window.wall.state().screen.enlarged === 1")
    tile.get_by_test_id("tile-enlarge").click()  # restore
    page.wait_for_function("() => window.command.state.wall.screens[1].enlarged === null")
    # touch fallback: pick the other room, then tap tile 2 of screen 1
    page.locator(f'[data-testid=tree-room][data-room-id="{other["id"]}"]').click()
    page.locator("[data-testid=command-tile][data-screen='1'][data-tile='2']").click()
    expect(
        page.locator("[data-testid=command-tile][data-screen='1'][data-tile='2']")
    ).to_contain_text("控制台2 号纠纷")
    # a tour on tile 3 of screen 1 (both rooms, in that order), paused
    third = page.locator("[data-testid=command-tile][data-screen='1'][data-tile='3']")
    third.get_by_test_id("tile-tour").click()
    page.get_by_test_id("tour-item").nth(0).click()
    page.get_by_test_id("tour-item").nth(1).click()
    page.get_by_test_id("tour-save").click()
    expect(third).to_contain_text("轮巡 · 2 路")
    third.get_by_test_id("tile-tour-pause").click()
    expect(third).to_contain_text("已暂停")
    page.mouse.move(0, 0)
    screenshot(page, "command-1440x900")
    check_readable(page)
    phone = console(browser, contexts, base, user, **PHONE)
    phone.get_by_role("tab", name="电视墙").click()
    expect(phone.get_by_test_id("command-screen").first).to_be_visible()
    screenshot(phone, "command-390x844")
    phone.get_by_role("tab", name="辖区").click()
    expect(phone.get_by_test_id("command-tree")).to_be_visible()
    screenshot(phone, "command-390x844-tree")

    # presets: save this arrangement, clear the tile, apply the preset: it's back
    page.get_by_test_id("preset-save").click()
    page.locator(".el-message-box input").fill("日常布置")
    page.locator(".el-message-box .el-button--primary").click()
    expect(page.get_by_text("预案已保存")).to_be_visible()
    tile.get_by_test_id("tile-clear").click()
    two.wait_for_function(f"() => !window.wall.tiles().some(t => t.key === '{key}')")
    choose(page, "preset-select", "日常布置")
    page.get_by_test_id("preset-apply").click()
    two.wait_for_function(f"() => window.wall.tiles().some(t => t.tile === 1 && t.key === '{key}')")


def test_listen_in_and_acknowledge_an_alarm_from_the_console(
    hub_process: HubProcess,
    browser: Browser,
    contexts: list[BrowserContext],
    publishers: Publishers,
) -> None:
    base = hub_process.base_url
    hub_process.cli("seed-demo")
    mediator = token_of(base, "mediator-east")
    heard, quiet = case_rooms(base, mediator, 2, "监听")
    _, voice = talker(base, mediator, publishers, heard, "甲")
    other, _ = talker(base, mediator, publishers, quiet, "乙")
    command = token_of(base, "command")
    api(base, "POST", "/walls", {"name": "监听墙", "screens": 1, "layout": "2x2"}, command)
    page = console(browser, contexts, base, "command")
    page.locator(f'[data-testid=tree-room][data-room-id="{heard["id"]}"]').click()
    page.get_by_test_id("listen").click()
    expect(page.get_by_test_id("listening")).to_contain_text("正在监听")
    playing = """() => [...document.querySelectorAll('audio[data-producer-id]')]
        .filter(a => !a.paused && a.srcObject && a.currentTime > 0)
        .map(a => a.dataset.producerId)"""
    page.wait_for_function(f"() => ({playing})().length > 0", timeout=15_000)
    assert page.evaluate(playing) == [voice]  # that room's microphone, nothing else
    screenshot(page, "command-listening-1440x900")
    page.get_by_test_id("listen-stop").click()
    expect(page.get_by_test_id("listening")).to_have_count(0)
    page.wait_for_function("() => !document.querySelector('audio[data-producer-id]')")

    # barge-in: the operator's microphone goes into the room while "正在讲话" shows
    page.get_by_test_id("barge").click()
    expect(page.get_by_test_id("talking")).to_contain_text("正在讲话", timeout=15_000)
    page.get_by_test_id("barge-stop").click()
    expect(page.get_by_test_id("talking")).to_have_count(0)

    # roll-call the east township: ringing, then answered from the office
    choose(page, "call-offices", "东城街道")
    page.keyboard.press("Escape")
    page.get_by_test_id("roll-call").click()
    state = page.get_by_test_id("call-state")
    expect(state).to_have_attribute("data-state", "ringing")
    call_id = page.evaluate("window.command.side.call.id")
    api(base, "POST", f"/calls/{call_id}/answer", token=mediator)
    expect(state).to_have_attribute("data-state", "answered")
    expect(state).to_contain_text("已接听 1/1")

    # a party's connection drops: the alarm reaches the console, the operator acknowledges it
    publishers.run(other.sio.disconnect())
    alarm = page.locator(
        f'[data-testid=alarm][data-room-id="{quiet["id"]}"]', has_text="参与人掉线"
    )
    expect(alarm).to_be_visible(timeout=15_000)
    check_readable(page)  # the alarm list and its buttons too
    screenshot(page, "command-alarm-1440x900")
    alarm.get_by_test_id("alarm-ack").click()
    expect(alarm).to_contain_text("已确认")
    found = [a for a in api(base, "GET", "/alarms", token=command) if a["roomId"] == quiet["id"]]
    assert found and found[0]["ackedBy"], found
