"""The staff shell in Chromium (zh-CN): navigation by role, case search, filters and
pages, users edited and disabled, the forced password change, weak passwords refused,
the audit log viewer, the recording policy summary, the loading screen on a slow
network. Every page passes the CSP watch of the `contexts` fixture."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.web.conftest import HubProcess, open_page, screenshot
from tests.web.staff import choose, log_in, org_id, rest, settled, token_of

ALL_SECTIONS = [
    "案件",
    "调解室",
    "录像",
    "机构与录像规则",
    "用户",
    "监控摄像机",
    "审计日志",
    "指挥中心",
    "统计大屏",
    "修改密码",
]


def nav_labels(page: Page) -> list[str]:
    return [
        t.strip() for t in page.get_by_test_id("nav").locator(".el-menu-item").all_inner_texts()
    ]


def test_navigation_follows_the_role(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    hub_process.cli("seed-demo")
    base = hub_process.base_url
    admin = open_page(browser, contexts, phone=False)
    log_in(admin, base, "city-admin")
    assert nav_labels(admin) == ALL_SECTIONS
    expect(admin.locator(".who-role")).to_have_text("管理员")
    for testid, path, heading in (
        ("nav-rooms", "/console/rooms", "调解室"),
        ("nav-recordings", "/console/recordings", "录像"),
        ("nav-organisations", "/console/organisations", "机构与录像规则"),
        ("nav-users", "/console/users", "用户"),
        ("nav-audit", "/console/audit", "审计日志"),
        ("nav-password", "/console/password", "修改密码"),
        ("nav-cases", "/console/cases", "本辖区案件"),
    ):
        admin.get_by_test_id(testid).click()
        expect(admin.locator(".view-title").first).to_have_text(heading)
        assert admin.url == base + path
    admin.go_back()  # the browser's back button walks the shell's history
    expect(admin.locator(".view-title").first).to_have_text("修改密码")
    # the old addresses still work: /admin is the administration, /console the cases
    admin.goto(base + "/admin")
    expect(admin.get_by_test_id("org-tree")).to_contain_text("东城街道花园社区")
    expect(admin.get_by_test_id("nav-organisations")).to_have_class(re.compile("is-active"))
    admin.goto(base + "/console")
    expect(admin.locator(".view-title").first).to_have_text("本辖区案件")

    mediator = open_page(browser, contexts, phone=False)
    log_in(mediator, base, "mediator-east")
    assert nav_labels(mediator) == ["案件", "调解室", "录像", "修改密码"]
    expect(mediator.locator(".who-role")).to_have_text("调解员")
    mediator.goto(base + "/console/users")
    expect(mediator.get_by_test_id("forbidden-page")).to_contain_text("无权查看此页面")
    mediator.goto(base + "/admin")
    expect(mediator.get_by_test_id("forbidden-page")).to_be_visible()
    mediator.goto(base + "/command")  # the operator console: wall.view
    expect(mediator.get_by_test_id("forbidden-page")).to_be_visible()
    for username, role, sections in (
        ("command", "指挥中心", ["案件", "调解室", "指挥中心", "统计大屏", "修改密码"]),
        ("intake", "受理员", ["案件", "调解室", "修改密码"]),
        ("reviewer", "审核员", ["案件", "调解室", "录像", "统计大屏", "修改密码"]),
    ):
        page = open_page(browser, contexts, phone=False)
        log_in(page, base, username)
        expect(page.locator(".who-role")).to_have_text(role)
        assert nav_labels(page) == sections, username

    # on a phone the sections are behind the menu button
    phone = open_page(browser, contexts, phone=True)
    log_in(phone, base, "mediator-east")
    phone.get_by_test_id("menu").tap()
    phone.get_by_test_id("nav-recordings").tap()
    expect(phone.locator(".view-title").first).to_have_text("录像")
    phone.get_by_test_id("menu").tap()
    expect(phone.locator(".el-drawer")).to_contain_text("东城调解员 · 调解员")
    phone.locator(".el-drawer").get_by_test_id("logout").tap()
    expect(phone.get_by_test_id("login")).to_be_visible()


def test_case_search_filters_and_pages(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    hub_process.cli("seed-demo")
    base = hub_process.base_url
    token = token_of(base, "mediator-east")
    marker = f"查询{uuid.uuid4().hex[:4]}"
    garden, river = org_id(base, token, "330101001"), org_id(base, token, "330101002")
    for i in range(23):
        case = rest(
            base,
            "POST",
            "/cases",
            {
                "organisationId": garden if i % 2 else river,
                "type": "婚姻家庭" if i % 3 == 0 else "邻里纠纷",
                "title": f"{marker} 第{i + 1}件",
                "severity": "green",
                "parties": [{"name": f"当事人{marker}{i + 1}"}],
            },
            token,
        )
        if i < 4:
            rest(base, "POST", f"/cases/{case['id']}/transition", {"to": "accepted"}, token)

    page = open_page(browser, contexts, phone=False)
    log_in(page, base, "mediator-east")
    total = page.get_by_test_id("case-pages").locator(".el-pagination__total")
    page.get_by_test_id("case-search").fill(marker)
    page.get_by_test_id("case-search-go").click()
    expect(total).to_have_text("共 23 条")
    rows = page.get_by_test_id("case-row")
    expect(rows).to_have_count(20)
    page.get_by_test_id("case-pages").locator(".el-pager li", has_text="2").click()
    expect(rows).to_have_count(3)
    shown = parse_qs(urlsplit(page.url).query)  # the list lives in the address
    assert shown == {"q": [marker], "page": ["2"]}, shown
    page.reload()  # and survives a reload
    expect(rows).to_have_count(3)
    expect(total).to_have_text("共 23 条")

    # a party's name finds its case
    page.get_by_test_id("case-search").fill(f"当事人{marker}7")
    page.get_by_test_id("case-search-go").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_text(f"{marker} 第7件")

    page.get_by_test_id("case-search").fill(marker)
    page.get_by_test_id("case-search-go").click()
    choose(page, "case-filter-status", "已受理")
    expect(total).to_have_text("共 4 条")
    choose(page, "case-filter-type", "婚姻家庭")  # 第1件 and 第4件 of those
    expect(total).to_have_text("共 2 条")
    page.get_by_test_id("case-search-reset").click()
    page.get_by_test_id("case-search").fill(marker)
    page.get_by_test_id("case-search-go").click()
    choose(page, "case-filter-org", "东城街道花园社区")
    expect(total).to_have_text("共 11 条")
    settled(page)
    screenshot(page, "console-cases-filtered")

    # registration dates: today holds them all, a day last year none
    today = dt.date.today().isoformat()
    page.goto(f"{base}/console/cases?q={marker}&from={today}&to={today}")
    expect(total).to_have_text("共 23 条")
    dates = page.get_by_test_id("case-filter-dates").locator("input")
    dates.nth(0).fill("2020-01-01")
    dates.nth(1).fill("2020-01-31")
    dates.nth(1).press("Enter")
    expect(total).to_have_text("共 0 条")
    expect(page.get_by_test_id("case-table")).to_contain_text("没有符合条件的案件")

    # a phone: one card per case, and the same pages
    phone = open_page(browser, contexts, phone=True)
    log_in(phone, base, "mediator-east")
    phone.get_by_test_id("case-search").fill(marker)
    phone.get_by_test_id("case-search-go").tap()
    expect(phone.locator(".case-card")).to_have_count(20)
    settled(phone)
    screenshot(phone, "console-cases-phone-cards")


def test_admin_edits_and_disables_a_user_who_must_change_the_password(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    hub_process.cli("seed-demo")
    base = hub_process.base_url
    username = f"wang{uuid.uuid4().hex[:4]}"
    admin = open_page(browser, contexts, phone=False)
    log_in(admin, base, "city-admin")
    admin.get_by_test_id("nav-users").click()
    admin.get_by_test_id("new-user").click()
    admin.get_by_test_id("user-username").fill(username)
    admin.get_by_test_id("user-name").fill("王调解员")
    choose(admin, "user-role", "调解员")
    choose(admin, "user-org", "东城街道花园社区")
    admin.get_by_test_id("user-password").fill("1234567890")  # a common password
    admin.get_by_test_id("user-create").click()
    expect(admin.get_by_test_id("user-error")).to_contain_text("密码太常见")
    admin.get_by_test_id("user-password").fill(f"{username}-2026")  # contains the username
    admin.get_by_test_id("user-create").click()
    expect(admin.get_by_test_id("user-error")).to_contain_text("不能包含用户名")
    admin.get_by_test_id("user-password").fill("花园社区-初始密码-1")
    admin.get_by_test_id("user-create").click()
    row = admin.locator("tr", has=admin.locator(f"[data-username={username}]"))
    expect(row).to_contain_text("待改密码")
    expect(row).to_contain_text("东城街道花园社区")

    # edit: name, role (only those an administrator may grant), organisation
    row.get_by_test_id("user-edit").click()
    admin.get_by_test_id("user-edit-name").fill("王审核员")
    admin.get_by_test_id("user-edit-role").click()
    options = admin.locator(".el-select-dropdown__item:visible")
    expect(options).to_have_count(6)
    offered = options.all_inner_texts()
    assert set(offered) == {"管理员", "受理员", "调解员", "审核员", "评定员", "指挥中心"}
    admin.locator(".el-select-dropdown__item:visible", has_text="审核员").click()
    choose(admin, "user-edit-org", "东城街道河畔社区")
    admin.get_by_test_id("user-save").click()
    expect(row).to_contain_text("王审核员")
    expect(row).to_contain_text("审核员")
    expect(row).to_contain_text("东城街道河畔社区")
    screenshot(admin, "console-users-edited")

    # the new user's first login: the password page, nothing else
    user = open_page(browser, contexts, phone=True)
    log_in(user, base, username, "花园社区-初始密码-1")
    expect(user.get_by_test_id("must-change")).to_be_visible()
    user.goto(base + "/console/cases")
    expect(user.get_by_test_id("must-change")).to_be_visible()  # still the password page
    expect(user.get_by_test_id("case-table")).to_have_count(0)
    screenshot(user, "console-password-forced-390x844")
    user.get_by_test_id("password-current").fill("花园社区-初始密码-1")
    user.get_by_test_id("password-new").fill("qwertyuiop")
    user.get_by_test_id("password-again").fill("qwertyuiop")
    user.get_by_test_id("password-save").click()
    expect(user.get_by_test_id("password-error")).to_contain_text("密码太常见")
    user.get_by_test_id("password-new").fill("short")
    user.get_by_test_id("password-again").fill("short")
    user.get_by_test_id("password-save").click()
    expect(user.get_by_test_id("password-error")).to_contain_text("至少 10 位")
    user.get_by_test_id("password-new").fill("我自己选的密码-河畔")
    user.get_by_test_id("password-again").fill("我自己选的密码-河畔")
    user.get_by_test_id("password-save").click()
    expect(user.locator(".view-title").first).to_have_text("本辖区案件")
    expect(user.get_by_test_id("must-change")).to_have_count(0)
    admin.reload()
    expect(row).not_to_contain_text("待改密码")

    # disabled: the open session stops at once, and logging in is refused
    row.get_by_test_id("user-toggle").click()
    admin.locator(".el-message-box").get_by_role("button", name="停用").click()
    expect(row.get_by_test_id("user-state")).to_have_text("已停用")
    user.get_by_test_id("menu").tap()
    user.get_by_test_id("nav-rooms").tap()
    expect(user.get_by_test_id("login")).to_be_visible()
    user.get_by_test_id("username").fill(username)
    user.get_by_test_id("password").fill("我自己选的密码-河畔")
    user.get_by_test_id("login").click()
    expect(user.get_by_test_id("login-error")).to_contain_text("用户名或密码错误")
    row.get_by_test_id("user-toggle").click()
    admin.locator(".el-message-box").get_by_role("button", name="启用").click()
    expect(row.get_by_test_id("user-state")).to_have_text("已启用")
    user.get_by_test_id("login").click()
    expect(user.get_by_test_id("who")).to_have_text("王审核员")


def test_first_start_admin_password_must_be_changed(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    """The one-time password printed at the first start opens the password page only."""
    log = (hub_process.data_dir / "server.log").read_text(encoding="utf-8")
    first = re.search(r"one-time password (\S+)", log)
    assert first is not None, log[:500]
    page = open_page(browser, contexts, phone=False)
    log_in(page, hub_process.base_url, "admin", first.group(1))
    expect(page.get_by_test_id("must-change")).to_be_visible()
    expect(page.get_by_test_id("nav-users")).to_have_class(re.compile("is-disabled"))
    screenshot(page, "console-password-forced-1440x900")
    page.get_by_test_id("password-current").fill(first.group(1))
    page.get_by_test_id("password-new").fill("admin-2026-city")
    page.get_by_test_id("password-again").fill("admin-2026-city")
    page.get_by_test_id("password-save").click()
    expect(page.get_by_test_id("password-error")).to_contain_text("不能包含用户名")
    page.get_by_test_id("password-new").fill("市司法局-系统管理-2026")
    page.get_by_test_id("password-again").fill("市司法局-系统管理-2026")
    page.get_by_test_id("password-save").click()
    expect(page.get_by_test_id("must-change")).to_have_count(0)
    page.get_by_test_id("nav-users").click()
    expect(page.get_by_test_id("users-table")).to_be_visible()


def test_audit_log_viewer(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    hub_process.cli("seed-demo")
    base = hub_process.base_url
    token = token_of(base, "mediator-west")
    title = f"审计{uuid.uuid4().hex[:4]}"
    rest(
        base,
        "POST",
        "/cases",
        {
            "organisationId": org_id(base, token, "330102001"),
            "type": "邻里纠纷",
            "title": title,
            "severity": "red",
            "parties": [],
        },
        token,
    )
    page = open_page(browser, contexts, phone=False)
    log_in(page, base, "city-admin")
    page.get_by_test_id("nav-audit").click()
    settled(page)
    choose(page, "audit-filter-action", "登记案件")
    settled(page)
    actions = page.get_by_test_id("audit-action")
    expect(actions.first).to_have_text("登记案件")
    assert set(actions.evaluate_all("els => els.map(e => e.dataset.action)")) == {"case.create"}
    expect(page.get_by_test_id("audit-table")).to_contain_text(title)
    choose(page, "audit-filter-actor", "西城调解员")
    settled(page)
    expect(page.get_by_test_id("audit-table").locator("tbody tr")).not_to_have_count(0)
    assert "东城调解员" not in page.get_by_test_id("audit-table").inner_text()
    page.get_by_test_id("audit-verify").click()
    result = page.get_by_test_id("audit-verify-result")
    expect(result).to_have_attribute("data-ok", "true")
    expect(result).to_contain_text("审计日志完整")
    screenshot(page, "console-audit-filtered")


def test_recording_policy_summary_names_the_organisation_saved(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    hub_process.cli("seed-demo")
    page = open_page(browser, contexts, phone=False)
    log_in(page, hub_process.base_url, "city-admin")
    page.goto(hub_process.base_url + "/admin")
    choose(page, "policy-org", "西城镇新村社区")
    choose(page, "policy-required", "案件调解室必须录制")
    page.get_by_test_id("policy-retention").locator("input").fill("30")
    page.get_by_test_id("policy-save").click()
    summary = page.get_by_test_id("policy-effective")
    expect(summary).to_contain_text("「西城镇新村社区」现行规则：案件调解室必须录制")
    expect(summary).to_contain_text("保存 30 天")
    expect(page.get_by_test_id("org-tree")).to_contain_text("必须录制 · 保存30天")
    page.wait_for_timeout(500)  # the tree reloaded after saving: the summary stays
    expect(summary).to_contain_text("西城镇新村社区")
    # another organisation inherits from its own ancestors, and says so
    choose(page, "policy-org", "东城街道")
    expect(summary).to_contain_text("「东城街道」现行规则：由调解员决定（系统默认规定）")


def test_loading_screen_on_a_slow_network(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_page(browser, contexts, phone=True)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 300,
            "downloadThroughput": 40_000,
            "uploadThroughput": 20_000,
        },
    )
    page.goto(hub_process.base_url + "/console", wait_until="commit")
    splash = page.get_by_test_id("loading")
    expect(splash).to_contain_text("正在加载")
    expect(page.locator("#splash-slow")).to_be_visible(timeout=15_000)
    screenshot(page, "console-loading-390x844")
    expect(page.get_by_test_id("login")).to_be_visible(timeout=60_000)
    expect(splash).to_have_count(0)
