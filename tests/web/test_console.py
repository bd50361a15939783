"""Staff console in a real browser: a mediator logs in, registers a case, opens a
room, invites a party who joins from a phone; another township can't see it."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, Page, expect

from rooms.demo import DEMO_PASSWORD
from tests.web.case_session import ensure_demo
from tests.web.conftest import HubProcess, open_page, screenshot
from tests.web.test_room_page import VIDEOS_PLAYING, join, wait_until


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/console")
    page.get_by_test_id("username").fill(username)
    page.get_by_test_id("password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login").click()
    expect(page.get_by_test_id("logout")).to_be_visible()


def test_mediator_runs_a_case_from_the_console(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    ensure_demo(hub_process)
    console = open_page(browser, contexts, phone=False)
    log_in(console, hub_process.base_url, "mediator-east")
    console.get_by_test_id("case-org").select_option(label="东城街道花园社区")
    console.get_by_test_id("case-title").fill("楼上漏水纠纷")
    console.get_by_test_id("case-party").fill("张三")
    console.get_by_test_id("case-create").click()
    expect(console.locator("#case-heading")).to_contain_text("楼上漏水纠纷")
    console.get_by_test_id("transition-accepted").click()
    expect(console.locator("#case-meta")).to_contain_text("已受理")
    console.get_by_test_id("assign-mediator").select_option(label="东城调解员")
    console.get_by_test_id("assign").click()
    expect(console.locator("#case-meta")).to_contain_text("调解员: 东城调解员")
    console.get_by_test_id("open-room").click()
    console.get_by_test_id("invite-name").fill("张三")
    console.get_by_test_id("invite").click()
    link = console.get_by_test_id("invite-link")
    expect(link).to_have_attribute("href", re.compile(r"/join/[\w.-]+$"))
    expect(console.get_by_test_id("invite-code")).to_have_text(re.compile(r"^\d{6}$"))
    screenshot(console, "console-case")
    party_url = link.get_attribute("href") or ""

    # the mediator joins the room from the console; the party from a phone
    with console.context.expect_page() as opened:
        console.get_by_test_id("join-as-mediator").click()
    mediator_room = opened.value
    join(mediator_room, mediator_room.url, tap=False)
    phone = open_page(browser, contexts, phone=True)
    join(phone, party_url, tap=True, admitted_by=mediator_room)  # from the waiting room
    wait_until(phone, VIDEOS_PLAYING, 1)
    wait_until(mediator_room, VIDEOS_PLAYING, 1)

    # a second party comes in with the 6-digit code and their name instead of a link
    code = console.get_by_test_id("invite-code")
    first_code = code.inner_text()
    console.get_by_test_id("invite-name").fill("李四")
    console.get_by_test_id("invite").click()
    expect(code).not_to_have_text(first_code)
    by_code = open_page(browser, contexts, phone=True)
    by_code.goto(hub_process.base_url + "/join")
    by_code.get_by_test_id("name").fill("李四")
    by_code.get_by_test_id("code").fill(code.inner_text())
    by_code.get_by_test_id("enter").tap()
    expect(by_code.get_by_test_id("consent")).to_be_visible()
    assert "/join/" in by_code.url

    # a mediator of the other township doesn't see the case
    other = open_page(browser, contexts, phone=False)
    log_in(other, hub_process.base_url, "mediator-west")
    expect(other.locator("#case-rows")).not_to_contain_text("楼上漏水纠纷")
    own = console.locator("#case-rows")
    console.get_by_role("button", name="返回列表").click()
    expect(own).to_contain_text("楼上漏水纠纷")


def test_admin_keeps_the_organisation_tree_and_users(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    ensure_demo(hub_process)
    page = open_page(browser, contexts, phone=False)
    log_in(page, hub_process.base_url, "city-admin")
    page.goto(hub_process.base_url + "/admin")
    tree = page.get_by_test_id("org-tree")
    expect(tree).to_contain_text("东城街道花园社区")
    page.get_by_test_id("org-parent").select_option(label="西城镇")
    page.get_by_test_id("org-code").fill("330102009")
    page.get_by_test_id("org-name").fill("西城镇桥头社区")
    page.get_by_test_id("org-create").click()
    expect(tree).to_contain_text("西城镇桥头社区")
    page.get_by_test_id("user-username").fill("mediator-qiaotou")
    page.get_by_test_id("user-name").fill("桥头调解员")
    page.get_by_test_id("user-org").select_option(label="西城镇桥头社区")
    page.get_by_test_id("user-password").fill("a-long-password")
    page.get_by_test_id("user-create").click()
    expect(page.locator("#users")).to_contain_text("桥头调解员")
    screenshot(page, "admin")

    # a mediator is not an administrator
    other = open_page(browser, contexts, phone=False)
    log_in(other, hub_process.base_url, "mediator-east")
    other.goto(hub_process.base_url + "/admin")
    expect(other.locator("#error")).to_be_visible()
    expect(other.locator("#admin")).to_be_hidden()


def test_an_organisation_that_requires_recording(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    """The city administrator makes a new community record every case room; its
    party is told before joining, and the room records from the first entry."""
    ensure_demo(hub_process)
    admin = open_page(browser, contexts, phone=False)
    log_in(admin, hub_process.base_url, "city-admin")
    admin.goto(hub_process.base_url + "/admin")
    admin.get_by_test_id("org-parent").select_option(label="东城街道")
    admin.get_by_test_id("org-code").fill("330101777")
    admin.get_by_test_id("org-name").fill("东城街道必录社区")
    admin.locator("#new-org [name=level]").select_option("community")
    admin.get_by_test_id("org-create").click()
    expect(admin.get_by_test_id("org-tree")).to_contain_text("东城街道必录社区")
    admin.get_by_test_id("policy-org").select_option(label="东城街道必录社区")
    admin.get_by_test_id("policy-required").select_option(value="true")
    admin.get_by_test_id("policy-retention").fill("3650")
    admin.get_by_test_id("policy-save").click()
    expect(admin.get_by_test_id("policy-effective")).to_contain_text("必须录制")
    expect(admin.get_by_test_id("policy-effective")).to_contain_text("3650")
    expect(admin.get_by_test_id("org-tree")).to_contain_text(
        "东城街道必录社区（社区 · 330101777） · 必须录制 · 保存3650天"
    )

    console = open_page(browser, contexts, phone=False)
    log_in(console, hub_process.base_url, "mediator-east")
    console.get_by_test_id("case-org").select_option(label="东城街道必录社区")
    console.get_by_test_id("case-title").fill("宅基地边界纠纷")
    console.get_by_test_id("case-party").fill("王五")
    console.get_by_test_id("case-create").click()
    console.get_by_test_id("open-room").click()
    console.get_by_test_id("invite-name").fill("王五")
    console.get_by_test_id("invite").click()
    link = console.get_by_test_id("invite-link")
    expect(link).to_have_attribute("href", re.compile(r"/join/[\w.-]+$"))
    party_url = link.get_attribute("href") or ""

    phone = open_page(browser, contexts, phone=True)
    phone.goto(party_url)
    expect(phone.get_by_test_id("recording-required")).to_be_visible()
    expect(phone.get_by_test_id("recording-required")).to_contain_text("全程录音录像")
    with console.context.expect_page() as opened:
        console.get_by_test_id("join-as-mediator").click()
    mediator_room = opened.value
    join(mediator_room, mediator_room.url, tap=False)
    expect(mediator_room.locator("#recording")).to_be_hidden()  # a mediator alone: not yet
    join(phone, party_url, tap=True, admitted_by=mediator_room)
    expect(phone.locator("#recording")).to_be_visible()  # 录制中, from the first party admitted
    screenshot(phone, "party-recording-required")
