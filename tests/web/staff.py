"""Helpers for the staff shell's browser tests (Element Plus controls, readability)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from playwright.sync_api import Page, expect

from rooms.demo import DEMO_PASSWORD


def log_in(page: Page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(base + "/console")
    page.get_by_test_id("username").fill(username)
    page.get_by_test_id("password").fill(password)
    page.get_by_test_id("login").click()
    # Argon2 runs on a small pool: on a busy machine a login takes a few seconds
    expect(page.get_by_test_id("who")).to_be_visible(timeout=30_000)


def choose(page: Page, testid: str, label: str) -> None:
    """Pick an option of an Element Plus select (its dropdown is teleported to <body>)."""
    page.get_by_test_id(testid).click()
    page.locator(".el-select-dropdown__item:visible", has_text=label).first.click()


def settled(page: Page) -> None:
    """No loading mask left (Element Plus fades them out)."""
    page.wait_for_function("() => !document.querySelector('.el-loading-mask')")


# Every visible piece of text on the page: its font size, and the contrast of its colour
# against the nearest opaque background (WCAG relative luminance).
READABILITY = """() => {
  const lum = (c) => {
    const [r, g, b] = c.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const rgba = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length === 3 || c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    const skip = "[aria-hidden=true], .is-disabled, [disabled], .el-loading-mask";
    if (!text || !el || el.closest(skip)) continue;
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    const shown = rect.width && rect.height && style.visibility !== "hidden";
    if (!shown || rect.bottom < 0 || rect.top > innerHeight) continue;
    const fg = lum(rgba(style.color).slice(0, 3)), bg = lum(background(el));
    const contrast = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize);
    out.push({ text: text.slice(0, 30), size, contrast: Math.round(contrast * 10) / 10 });
  }
  return out;
}"""


def check_readable(page: Page, *, min_px: float = 14, min_contrast: float = 4.5) -> None:
    """No text under `min_px` and none with less contrast than WCAG AA's 4.5:1."""
    page.mouse.move(0, 0)  # nothing hovered
    texts = page.evaluate(READABILITY)
    assert texts, "no text on the page"
    small = [t for t in texts if t["size"] < min_px]
    faint = [t for t in texts if t["contrast"] < min_contrast]
    assert not small, f"{page.url}: text under {min_px}px: {small[:8]}"
    assert not faint, f"{page.url}: contrast under {min_contrast}: {faint[:8]}"


def rest(base: str, method: str, path: str, body: object = None, token: str = "") -> Any:
    request = urllib.request.Request(
        base + "/api/v1" + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def token_of(base: str, username: str, password: str = DEMO_PASSWORD) -> str:
    return str(rest(base, "POST", "/login", {"username": username, "password": password})["token"])


def org_id(base: str, token: str, code: str) -> str:
    return str(
        next(o["id"] for o in rest(base, "GET", "/organisations", token=token) if o["code"] == code)
    )
