"""The waiting room in real Chromium pages: a party on a phone waits until the
mediator admits them; under a recording-required policy nothing is recorded before
the first party is admitted."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, expect

from tests.web.case_session import call, log_in, open_case_room
from tests.web.conftest import HubProcess, open_page, screenshot
from tests.web.test_room_page import VIDEOS_PLAYING, join, wait_until
from tests.web.test_session_room import DESK


def recordings_of(hub: HubProcess, room_name: str) -> list[Path]:
    root = hub.data_dir / "recordings"
    if not root.is_dir():
        return []
    return [
        d for d in root.iterdir() if room_name in (d / "state.json").read_text(encoding="utf-8")
    ]


def test_party_waits_until_admitted_and_nothing_is_recorded_before(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    # the west township requires recording in every case room (the west side only:
    # other tests use the east)
    case = open_case_room(
        hub_process, "等候室与录制", ("王五",), mediator="mediator-west", community="西城镇新村社区"
    )
    admin = log_in(hub_process, "city-admin")
    status, orgs = call(hub_process, "GET", "/api/v1/organisations", token=admin)
    west = next(o for o in orgs if o["name"] == "西城镇")
    status, body = call(
        hub_process,
        "PUT",
        f"/api/v1/organisations/{west['id']}/recording-policy",
        {"required": True, "retentionDays": None},
        token=admin,
    )
    assert status == 200, body
    room_name = "等候室与录制"

    mediator = open_page(browser, contexts, phone=False, **DESK)
    join(mediator, case.mediator_url + "?noconfirm=1", tap=False)
    party = open_page(browser, contexts, phone=True)
    party.goto(case.parties["王五"])
    party.get_by_test_id("consent").tap()
    party.get_by_test_id("join").tap()
    expect(party.get_by_test_id("waiting")).to_be_visible()
    expect(party.get_by_test_id("waiting")).to_contain_text("等候室")
    expect(party.locator("#room")).to_be_hidden()
    admit = mediator.locator("#lobby-bar").get_by_test_id("admit")
    expect(admit).to_have_count(1)
    expect(mediator.locator("#lobby-entries").get_by_test_id("admit")).to_have_count(1)
    expect(mediator.locator("#lobby-bar")).to_contain_text("王五")
    expect(mediator.locator("#recording")).to_be_hidden()
    screenshot(party, "waiting-room-phone")
    screenshot(mediator, "waiting-room-mediator-desktop")
    party.wait_for_timeout(1500)  # a while in the lobby: still held, still nothing recorded
    expect(party.get_by_test_id("waiting")).to_be_visible()
    assert recordings_of(hub_process, room_name) == []
    assert mediator.locator("#tiles .tile").count() == 0

    admit.click()
    expect(party.locator("#room")).to_be_visible()
    expect(party.get_by_test_id("waiting")).to_be_hidden()
    wait_until(party, VIDEOS_PLAYING, 1)
    wait_until(mediator, VIDEOS_PLAYING, 1)
    for page in (party, mediator):
        expect(page.locator("#recording")).to_be_visible()  # from the first party on
    assert len(recordings_of(hub_process, room_name)) == 1
    expect(mediator.locator("#lobby-bar")).to_be_hidden()
    screenshot(party, "waiting-admitted-phone")

    # leave the policy as it was for other tests
    call(
        hub_process,
        "PUT",
        f"/api/v1/organisations/{west['id']}/recording-policy",
        {"required": None, "retentionDays": None},
        token=admin,
    )
