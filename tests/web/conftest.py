"""Browser tests: a real hub process, real invitations from the CLI, and Debian's
Chromium driven by Playwright (never a downloaded browser) with a fake camera/mic."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from tests.services import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--mute-audio",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
DESKTOP = {"viewport": {"width": 1366, "height": 800}, "locale": "zh-CN"}


@dataclass
class HubProcess:
    base_url: str
    data_dir: Path

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "hub.cli", *args, "--data-dir", str(self.data_dir)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        return result.stdout

    def invite(self, room: str, name: str, role: str = "party", ttl: str = "2h") -> str:
        out = self.cli(
            "invite",
            "--room",
            room,
            "--name",
            name,
            "--role",
            role,
            "--ttl",
            ttl,
            "--base-url",
            self.base_url,
        )
        return out.strip().splitlines()[0]


@pytest.fixture(scope="session")
def hub_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    if not (ROOT / "web" / "node_modules" / "socket.io-client").exists():
        raise RuntimeError("web/node_modules missing: run `make web-deps` (npm ci in web/)")
    data = tmp_path_factory.mktemp("hub-data")
    port = free_port()
    log = open(data / "server.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hub.cli",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data),
            "--ice-address",
            "127.0.0.1",
            "--no-ice-discover",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_for_port(port, limit=30)
        base = f"http://127.0.0.1:{port}"
        urllib.request.urlopen(base + "/healthz", timeout=10).read()
        yield HubProcess(base_url=base, data_dir=data)
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


# One browser per module: Playwright's sync API keeps an event loop running while it is
# open, which would break async tests that pytest runs after this module.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError("chromium missing: run scripts/install-test-deps.sh")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Every page a test opens reports what its Content-Security-Policy blocked (an init script
# runs before the page's own and isn't subject to its CSP); Chromium also logs each block
# to the console as an error.
CSP_WATCH = """document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile || location.pathname}:${e.lineNumber}`));"""


class Contexts(list[BrowserContext]):
    """The browser contexts a test made, and the CSP violations their pages saw."""

    def __init__(self) -> None:
        super().__init__()
        self.violations: list[str] = []


@pytest.fixture
def contexts(browser: Browser) -> Iterator[Contexts]:
    made = Contexts()
    yield made
    for context in made:
        context.close()
    assert not made.violations, "pages broke their Content-Security-Policy:\n" + "\n".join(
        made.violations
    )


def watch_csp(page: Page, contexts: list[BrowserContext]) -> None:
    """Print the page's console errors; count CSP violations against the test."""

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type != "error":
            return
        print(f"[{msg.type}] {msg.text}")
        if "Content Security Policy" in msg.text or msg.text.startswith("CSP violation"):
            if isinstance(contexts, Contexts):
                contexts.violations.append(f"{page.url}: {msg.text}")

    page.on("console", on_console)


def open_page(
    browser: Browser, contexts: list[BrowserContext], phone: bool, **options: object
) -> Page:
    context = browser.new_context(**{**(PHONE if phone else DESKTOP), **options})  # type: ignore[arg-type]
    context.add_init_script(CSP_WATCH)
    contexts.append(context)
    watched: set[Page] = set()

    def watch(page: Page) -> None:  # also pages the page opens (window.open)
        if page not in watched:
            watched.add(page)
            watch_csp(page, contexts)

    context.on("page", watch)
    page = context.new_page()
    watch(page)
    return page


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def clean_artifacts() -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
