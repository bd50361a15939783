"""Staff console in a real browser: a mediator registers a case, moves it along its
workflow (assigned needs a mediator), opens a room, invites parties (link, QR, code,
copy), one joins from a phone and one with the code; an invitation is revoked; opening
a room again offers the open one; another township can't see the case."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, expect

from tests.web.case_session import ensure_demo
from tests.web.conftest import HubProcess, open_page, screenshot
from tests.web.staff import choose, log_in, settled
from tests.web.test_room_page import VIDEOS_PLAYING, join, wait_until

__all__ = ["log_in"]  # the other browser tests log in through this module


def test_mediator_runs_a_case_from_the_console(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    ensure_demo(hub_process)
    console = open_page(browser, contexts, phone=False)
    console.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(console, hub_process.base_url, "mediator-east")
    console.get_by_test_id("new-case").click()
    choose(console, "case-org", "东城街道花园社区")
    console.get_by_test_id("case-title").fill("楼上漏水纠纷")
    console.get_by_test_id("case-party").fill("张三")
    console.get_by_test_id("case-create").click()
    expect(console.get_by_test_id("case-heading")).to_have_text("楼上漏水纠纷")
    assert re.search(r"/console/cases/\w+$", console.url)
    console.get_by_test_id("transition-accepted").click()
    expect(console.get_by_test_id("case-meta")).to_contain_text("已受理")
    # "assigned" names a mediator: the button asks for one first
    console.get_by_test_id("transition-assigned").click()
    choose(console, "dialog-mediator", "东城调解员")
    console.get_by_test_id("assign-and-move").click()
    expect(console.get_by_test_id("case-meta")).to_contain_text("已指派")
    expect(console.get_by_test_id("case-mediator")).to_have_text("东城调解员")

    console.get_by_test_id("open-room").click()
    expect(console.get_by_test_id("room")).to_have_count(1)
    expect(console.get_by_test_id("invite-name")).to_have_value("张三")  # the case's party
    console.get_by_test_id("invite").click()
    link = console.get_by_test_id("invite-link")
    expect(link).to_have_attribute("href", re.compile(r"/join/[\w.-]+$"))
    expect(console.get_by_test_id("invite-code")).to_have_text(re.compile(r"^\d{6}$"))
    console.wait_for_function(
        "() => document.querySelector('[data-testid=invite-qr]')?.naturalWidth > 0"
    )
    party_url = link.get_attribute("href") or ""
    console.get_by_test_id("copy-link").click()
    expect(console.locator(".el-message--success")).to_contain_text("邀请链接已复制")
    assert console.evaluate("() => navigator.clipboard.readText()") == party_url
    screenshot(console, "console-case-invited")

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
    second_code = code.inner_text()

    # the case page remembers the room's invitations: after leaving it and coming back
    console.get_by_test_id("back").click()
    console.get_by_test_id("case-row").filter(has_text="楼上漏水纠纷").first.click()
    rows = console.get_by_test_id("invitations").locator("tbody tr")
    expect(rows).to_have_count(2)  # 张三 and 李四 (the mediator entered with a seat of their own)
    zhang = rows.filter(has_text="张三")
    expect(zhang.get_by_test_id("invitation-status")).to_have_text("已使用")
    li = rows.filter(has_text="李四")
    li.get_by_test_id("revoke").click()
    console.locator(".el-message-box").get_by_role("button", name="撤销").click()
    expect(li.get_by_test_id("invitation-status")).to_have_text("已撤销")
    revoked = open_page(browser, contexts, phone=True)
    revoked.goto(hub_process.base_url + "/join")
    revoked.get_by_test_id("name").fill("李四")
    revoked.get_by_test_id("code").fill(second_code)
    revoked.get_by_test_id("enter").tap()
    expect(revoked.locator("#code-error")).to_be_visible()

    # opening a room again offers the open one instead of silently making "#2"
    console.get_by_test_id("open-room").click()
    box = console.locator(".el-message-box")
    expect(box).to_contain_text("尚未结束")
    box.get_by_role("button", name="使用现有调解室").click()
    expect(console.get_by_test_id("room")).to_have_count(1)
    console.get_by_test_id("open-room").click()
    console.locator(".el-message-box").get_by_role("button", name="另开一间").click()
    expect(console.get_by_test_id("room")).to_have_count(2)
    expect(console.get_by_test_id("room-name").first).to_contain_text("#2")

    # a mediator of the other township doesn't see the case
    other = open_page(browser, contexts, phone=False)
    log_in(other, hub_process.base_url, "mediator-west")
    settled(other)
    expect(other.get_by_test_id("case-table")).not_to_contain_text("楼上漏水纠纷")
    console.get_by_test_id("back").click()
    settled(console)
    expect(console.get_by_test_id("case-table")).to_contain_text("楼上漏水纠纷")
