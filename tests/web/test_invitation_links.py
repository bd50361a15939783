"""Invitations people can use: the mediator invites from the room page and gets a
short link (copied with one tap), a QR code that scans from the screen, and a ready
WeChat message; the short link and the QR code open the lobby on a phone. Neither
the code nor any token reaches the server's log; `mediation-hub invite` links open
the running server, whatever its port."""

from __future__ import annotations

import io
import re

import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, expect

from tests.web.case_session import open_case_room
from tests.web.conftest import HubProcess, open_page, screenshot
from tests.web.test_room_page import VIDEOS_PLAYING, join, wait_until
from tests.web.test_session_room import DESK

SHORT = re.compile(r"^http://127\.0\.0\.1:\d+/j/([2-9A-HJKMNP-Z]{10})$")


def test_short_link_qr_code_and_wechat_text(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    case = open_case_room(hub_process, "邀请链接", ("张三",))
    mediator = open_page(browser, contexts, phone=False, **DESK)
    mediator.context.grant_permissions(["clipboard-read", "clipboard-write"])
    join(mediator, case.mediator_url + "?noconfirm=1", tap=False)
    mediator.locator('#panel [data-tab="invite"]').click()
    mediator.get_by_test_id("invite-name").fill("赵六")
    mediator.get_by_test_id("invite").click()
    card = mediator.locator(".invite-card").first
    short = card.get_by_test_id("invite-short-link")
    expect(short).to_have_text(SHORT)
    link = short.inner_text()
    code = SHORT.match(link).group(1)  # type: ignore[union-attr]
    expect(card).to_contain_text("赵六")
    expect(card.locator(".wechat-text")).to_contain_text(link)
    expect(card.locator(".wechat-text")).to_contain_text("邀请码")

    # one tap copies the link
    card.get_by_test_id("copy-link").click()
    expect(card.locator(".copied")).to_have_text("链接已复制")
    assert mediator.evaluate("navigator.clipboard.readText()") == link
    card.get_by_test_id("copy-wechat").click()
    assert "【人民调解】赵六您好" in mediator.evaluate("navigator.clipboard.readText()")

    # the QR code, as shown on the screen, decodes to the short link; a low version
    qr = card.get_by_test_id("invite-qr")
    mediator.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=invite-qr]'); "
        "return i && i.complete && i.naturalWidth > 0; }"
    )
    screenshot(mediator, "invite-panel-desktop")
    shown = Image.open(io.BytesIO(qr.screenshot()))
    found = zxingcpp.read_barcodes(shown)
    assert len(found) == 1, found
    decoded = found[0].text
    assert decoded.lower() == link.lower()
    natural = mediator.evaluate("document.querySelector('[data-testid=invite-qr]').naturalWidth")
    modules = natural // 8  # 8 px per module, quiet zone of 4 on each side
    version = (modules - 8 - 17) // 4
    assert version <= 3, f"QR version {version}: too dense to scan from a screen"
    box = qr.bounding_box()
    assert box is not None and box["width"] / modules >= 5, "modules under 5 px on screen"

    # the decoded QR code (as a phone's camera reads it) opens the lobby
    phone = open_page(browser, contexts, phone=True)
    join(phone, decoded, tap=True, admitted_by=mediator)
    wait_until(phone, VIDEOS_PLAYING, 1)
    assert phone.evaluate("window.hub.self.name") == "赵六"
    screenshot(phone, "short-link-admitted-phone")

    # the short link as typed (lower case) opens the lobby too
    other = open_page(browser, contexts, phone=True)
    other.goto(link)
    expect(other.get_by_test_id("name")).to_have_value("赵六")
    expect(other.get_by_test_id("consent")).to_be_visible()
    screenshot(other, "short-link-lobby-phone")
    other.goto(f"{hub_process.base_url}/j/AAAAAAAAAA")
    expect(other.locator("#message")).to_have_attribute("data-code", "token_invalid")

    # nothing that opens a room is in the server's log
    log = (hub_process.data_dir / "server.log").read_text(encoding="utf-8")
    assert "/j/…" in log and "/join/…" in log
    assert code not in log
    token = case.parties["张三"].rsplit("/", 1)[1]
    assert token not in log
    assert not re.search(r"/join/eyJ", log)


def test_cli_invite_links_open_the_running_server(hub_process: HubProcess) -> None:
    """`serve` records its public URL; `invite` without --base-url uses it."""
    assert (hub_process.data_dir / "public-url").read_text().strip() == hub_process.base_url
    out = hub_process.cli("invite", "--room", "命令行邀请", "--name", "孙七")
    long_link, short_link = out.strip().splitlines()[:2]
    assert long_link.startswith(hub_process.base_url + "/join/")
    assert SHORT.match(short_link) and short_link.startswith(hub_process.base_url)
