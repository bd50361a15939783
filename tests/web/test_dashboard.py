"""The statistics screen in Chromium: command staff open /dashboard, its ECharts charts
draw (canvas, with the subtree's figures in them), and the live-room count goes up when
a room goes live, without a reload; on a desk, a phone and a wall screen (?kiosk=1). The
`contexts` fixture fails the test on any CSP violation (ECharts runs without eval)."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.web.conftest import HubProcess, open_page, screenshot
from tests.web.staff import check_readable, log_in, rest, token_of
from tests.web.test_csp import expect_policy
from tests.web.test_room_page import join

CHARTS = (
    "chart-cases-status",
    "chart-cases-severity",
    "chart-cameras",
    "chart-sessions-day",
    "chart-organisations",
)
# a chart drew: ECharts made its canvas, sized, and its first series holds data
DRAWN = """(id) => {
  const chart = window.hubCharts && window.hubCharts.get(id);
  const canvas = document.querySelector(`[data-testid="${id}"] canvas`);
  if (!chart || !canvas || canvas.width < 100 || canvas.height < 100) return false;
  const series = chart.getOption().series;
  return series.length > 0 && series[0].data.length > 0;
}"""


def live_rooms(page: Page) -> int:
    value = page.get_by_test_id("stat-live-rooms").locator(".dash-stat-value")
    return int(value.get_attribute("data-value") or "-1")


def follows_the_server(page: Page, base: str, before: int) -> None:
    """The page's live-room figure moves to the server's, now one more than
    `before`, without a reload. The hub is shared by the whole session: a room
    an earlier test left empty may close meanwhile (rooms.empty_timeout_s), and
    then the server's figure, with this room in it, is the one to reach."""
    command = token_of(base, "command")
    value = page.get_by_test_id("stat-live-rooms").locator(".dash-stat-value")
    for attempt in range(3):
        live = rest(base, "GET", "/statistics", token=command)["liveRooms"]
        assert 1 <= live <= before + 1, (live, before)
        try:
            expect(value).to_have_attribute("data-value", str(live), timeout=8_000)
            return
        except AssertionError:
            if attempt == 2:
                raise


def case_room_seat(base: str, token: str) -> str:
    """A new case room of a community of the east township; the mediator's seat link."""
    org = next(
        o for o in rest(base, "GET", "/organisations", token=token) if o["code"] == "330101001"
    )
    case = rest(base, "POST", "/cases", {
        "organisationId": org["id"], "type": "邻里纠纷", "title": "大屏测试", "severity": "orange",
        "parties": [{"name": "张三"}],
    }, token)  # fmt: skip
    room = rest(base, "POST", f"/cases/{case['id']}/rooms", token=token)
    return str(rest(base, "POST", f"/rooms/{room['id']}/seat", token=token)["url"])


def open_dashboard(page: Page, base: str, query: str = "") -> None:
    expect_policy(page, base + "/dashboard" + query)  # no unsafe-eval, no inline code
    expect(page.get_by_test_id("dashboard")).to_be_visible()
    for chart in CHARTS:
        page.wait_for_function(DRAWN, arg=chart, timeout=15_000)


def test_command_staff_watch_the_figures_move(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    hub_process.cli("seed-demo")
    base = hub_process.base_url
    mediator = token_of(base, "mediator-east")
    seat = case_room_seat(base, mediator)  # one case at least, so the charts have bars

    desk = open_page(browser, contexts, phone=False, viewport={"width": 1440, "height": 900})
    log_in(desk, base, "command")
    desk.get_by_test_id("nav-dashboard").click()
    expect(desk.get_by_test_id("dashboard")).to_be_visible()
    open_dashboard(desk, base, "?refresh=2")  # the wall's 10 s poll, faster for the test
    statuses = desk.evaluate(
        "() => window.hubCharts.get('chart-cases-status').getOption().yAxis[0].data"
    )
    assert "已接收" in statuses
    orgs = desk.evaluate(
        "() => window.hubCharts.get('chart-organisations').getOption().xAxis[0].data"
    )
    assert {"东城街道", "西城镇"} <= set(orgs)
    expect(desk.get_by_test_id("stat-cases")).to_contain_text("在办案件")
    expect(desk.get_by_test_id("nav")).to_be_visible()  # at a desk: inside the shell
    before = live_rooms(desk)
    desk.evaluate("() => { window.stillTheSamePage = true; }")

    office = open_page(browser, contexts, phone=False)
    join(office, seat, tap=False)  # the mediator enters: the room is live
    follows_the_server(desk, base, before)
    assert desk.evaluate("() => window.stillTheSamePage === true")  # no reload
    check_readable(desk)
    screenshot(desk, "dashboard-1440x900")

    phone = open_page(browser, contexts, phone=True)
    log_in(phone, base, "command")
    open_dashboard(phone, base)
    check_readable(phone)
    screenshot(phone, "dashboard-390x844")

    wall = open_page(browser, contexts, phone=False, viewport={"width": 1920, "height": 1080})
    log_in(wall, base, "command")
    open_dashboard(wall, base, "?kiosk=1")
    expect(wall.get_by_test_id("nav")).to_have_count(0)  # a wall screen: no navigation
    expect(wall.get_by_test_id("dashboard")).to_have_class("dashboard kiosk")
    screenshot(wall, "dashboard-1920x1080-kiosk")
    office.get_by_test_id("leave").click()


def test_who_may_not_open_it_and_a_lost_library_says_so(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    hub_process.cli("seed-demo")
    page = open_page(browser, contexts, phone=False)
    log_in(page, hub_process.base_url, "mediator-east")
    page.goto(hub_process.base_url + "/dashboard")
    expect(page.get_by_test_id("forbidden-page")).to_be_visible()
    expect(page.get_by_test_id("nav-dashboard")).to_have_count(0)

    # a network that loses the chart library: an error to act on, never a blank page
    staff = open_page(browser, contexts, phone=False)
    staff.route("**/vendor/echarts*", lambda route: route.abort())
    log_in(staff, hub_process.base_url, "command")
    staff.get_by_test_id("nav-dashboard").click()
    expect(staff.get_by_test_id("view-load-failed")).to_contain_text("页面加载失败")
