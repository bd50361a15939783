"""Minutes and the mediation agreement in real Chromium pages: the mediator keeps
minutes, drafts the agreement from the case and sends it; two parties read it on
390x844 phones and sign with a finger, the mediator signs; the sealed PDF verifies
with `mediation-hub evidence verify` and fails after one flipped byte; then the
parties' 评价. Everything is on the case."""

from __future__ import annotations

import shutil
import subprocess
import sys

from playwright.sync_api import Locator, Page, expect

from tests.web.case_session import call
from tests.web.conftest import ROOT, HubProcess, screenshot
from tests.web.test_session_room import enter_session


def draw_signature(page: Page, pad: Locator) -> None:
    """A finger (the pointer) writes a scribble across the pad."""
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + 0.1 * w, y + 0.7 * h)
    page.mouse.down()
    for fx, fy in ((0.25, 0.2), (0.4, 0.8), (0.55, 0.3), (0.7, 0.75), (0.9, 0.25)):
        page.mouse.move(x + fx * w, y + fy * h, steps=6)
    page.mouse.up()


def evidence_verify(hub: HubProcess, directory: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "hub.cli",
            "evidence",
            "verify",
            directory,
            "--data-dir",
            str(hub.data_dir),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def test_minutes_agreement_signed_on_phones_sealed_and_feedback(
    hub_process, browser, contexts
) -> None:  # type: ignore[no-untyped-def]
    case, mediator, party_a, party_b = enter_session(browser, contexts, hub_process, "协议书签署")

    # minutes, saved as the mediator types
    mediator.locator('#panel [data-tab="minutes"]').click()
    minutes = mediator.get_by_test_id("minutes")
    minutes.fill("双方到场。张三陈述：楼上漏水致天花板受损。李四同意赔偿。")
    expect(mediator.locator("#minutes-status")).to_contain_text("已保存", timeout=10000)
    screenshot(mediator, "minutes-desktop")

    # the agreement, drafted from the case
    mediator.locator('#panel [data-tab="agreement"]').click()
    mediator.get_by_test_id("agreement").click()
    desk = mediator.locator("#agreement-desk")
    expect(desk.locator('.party-row input[data-part="name"]')).to_have_count(2)
    expect(desk.locator('textarea[data-key="facts"]')).to_have_value("邻里纠纷：协议书签署。")
    desk.locator('textarea[data-key="terms"]').fill(
        "一、李四于2026年12月31日前一次性赔偿张三维修费人民币3000元。"
    )
    desk.locator('textarea[data-key="performance"]').fill("银行转账，2026年12月31日前履行完毕。")
    screenshot(mediator, "agreement-draft-desktop")
    desk.get_by_test_id("agreement-propose").click()
    expect(desk).to_contain_text("协议书签署中")

    # each party reads it on the phone and signs with a finger
    for page, name in ((party_a, "a"), (party_b, "b")):
        sheet = page.get_by_test_id("agreement-sheet")
        expect(sheet).to_be_visible()
        expect(sheet.locator("#agreement-doc")).to_contain_text("3000元")
        expect(sheet.locator("#agreement-doc")).to_contain_text("履行方式、期限")
        if name == "a":
            screenshot(page, "agreement-read-phone")
        sign = sheet.get_by_test_id("sign")
        expect(sign).to_be_disabled()  # nothing drawn yet
        draw_signature(page, sheet.get_by_test_id("signature-pad"))
        expect(sign).to_be_enabled()
        if name == "a":
            screenshot(page, "agreement-signing-phone")
        sign.tap()
        expect(sheet.locator("#agreement-status")).to_contain_text("您已签名")
    expect(desk.locator(".signers li.signed")).to_have_count(2)

    # the mediator signs last: the PDF is made and sealed
    draw_signature(mediator, desk.get_by_test_id("signature-pad"))
    desk.get_by_test_id("sign").click()
    expect(desk).to_contain_text("协议书已签署", timeout=60000)
    expect(desk.get_by_test_id("agreement-pdf")).to_be_visible()
    screenshot(mediator, "agreement-sealed-desktop")
    for page in (party_a, party_b):
        expect(page.get_by_test_id("agreement-pdf")).to_be_visible(timeout=30000)
        expect(page.get_by_test_id("open-feedback")).to_be_visible()
    party_a.get_by_test_id("open-feedback").scroll_into_view_if_needed()
    screenshot(party_a, "agreement-sealed-phone")

    # 评价: under the sealed agreement, a button to the form
    expect(party_a.locator("#agreement-status")).to_contain_text("协议书已生成并封存")
    party_a.get_by_test_id("open-feedback").tap()
    feedback = party_a.get_by_test_id("feedback")
    expect(feedback).to_be_visible()
    screenshot(party_a, "feedback-phone")
    party_a.get_by_test_id("rating-5").tap()
    party_a.locator('#feedback-fair [data-fair="true"]').tap()
    party_a.locator("#feedback-comment").fill("调解员很耐心")
    party_a.get_by_test_id("feedback-submit").tap()
    expect(party_a.locator("#feedback-done")).to_be_visible()

    # on the case: the minutes, the sealed agreement, the feedback
    status, record = call(
        hub_process, "GET", f"/api/v1/cases/{case.case_id}/record", token=case.token
    )
    assert status == 200, record
    room = record["rooms"][0]
    assert "李四同意赔偿" in room["minutes"]["text"]
    [agreement] = room["agreements"]
    assert agreement["state"] == "sealed" and all(s["signed"] for s in agreement["signers"])
    assert [s["name"] for s in agreement["signers"]] == ["张三", "李四", "东城调解员"]
    assert [(f["name"], f["rating"], f["fair"]) for f in room["feedback"]] == [("张三", 5, True)]
    status, pdf = call(
        hub_process, "GET", f"/api/v1/agreements/{agreement['id']}/pdf", token=case.token
    )
    assert status == 200 and pdf[:5] == b"%PDF-"

    # the sealed directory verifies offline; one flipped byte fails it
    directory = hub_process.data_dir / "agreements" / agreement["evidenceId"]
    good = evidence_verify(hub_process, str(directory))
    assert good.returncode == 0, good.stdout
    tampered = directory.parent / f"{directory.name}-tampered"
    shutil.copytree(directory, tampered)
    data = bytearray((tampered / "agreement.pdf").read_bytes())
    data[len(data) // 3] ^= 0x40
    (tampered / "agreement.pdf").write_bytes(bytes(data))
    bad = evidence_verify(hub_process, str(tampered))
    assert bad.returncode == 1 and "agreement.pdf" in bad.stdout
    shutil.rmtree(tampered)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "70",
            "-f",
            "1",
            "-l",
            "1",
            str(directory / "agreement.pdf"),
            str(ROOT / "artifacts" / "agreement-sealed-pdf"),
        ],
        check=True,
    )
