"""The staff shell's page and libraries: /console, its sub-paths and /admin serve one
page whose import map is allowed by its hash alone (no 'unsafe-inline' or
'unsafe-eval'); Vue and Element Plus come from web/node_modules, gzipped, with ETags;
/ is the landing page."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from pathlib import Path

import aiohttp

from tests.signaling.conftest import Hub

NODE_MODULES = Path(__file__).resolve().parents[2] / "web" / "node_modules"
IMPORT_MAP = re.compile(r'<script type="importmap">(.*?)</script>', re.S)


async def test_every_staff_address_serves_the_shell_with_its_import_map_hashed(hub: Hub) -> None:
    async with aiohttp.ClientSession() as http:
        for path in (
            "console",
            "console/cases/x",
            "console/recordings/r1",
            "admin",
            "admin/users",
            "command",
        ):
            async with http.get(hub.url + path) as r:
                assert r.status == 200, path
                assert r.headers["Cache-Control"] == "no-store"
                policy = r.headers["Content-Security-Policy"]
                html = await r.text()
            assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
            (script,) = IMPORT_MAP.findall(html)
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            script_src = next(d for d in policy.split("; ") if d.startswith("script-src"))
            assert script_src == f"script-src 'self' 'sha256-{digest}'", script_src
            imports = json.loads(script)["imports"]
            assert imports["vue"] == "/vendor/vue.runtime.esm-browser.prod.js"
            assert '<script type="module" src="/static/console/shell.js">' in html
            # the only inline script on the page is the map
            assert len(re.findall(r"<script(?![^>]*\bsrc=)", html)) == 1
        # other pages keep the strict policy without any hash
        async with http.get(hub.url + "join") as r:
            assert "script-src 'self';" in r.headers["Content-Security-Policy"]


async def test_libraries_are_served_gzipped_with_etags(hub: Hub) -> None:
    original = (NODE_MODULES / "element-plus/dist/index.full.min.mjs").read_bytes()
    async with aiohttp.ClientSession(auto_decompress=False) as http:
        url = hub.url + "vendor/element-plus.mjs"
        async with http.get(url, headers={"Accept-Encoding": "gzip"}) as r:
            assert r.status == 200 and r.headers["Content-Encoding"] == "gzip"
            assert r.headers["Content-Type"].startswith("text/javascript")
            packed = await r.read()
            etag = r.headers["ETag"]
        assert gzip.decompress(packed) == original and len(packed) < len(original) / 2
        async with http.get(url, headers={"Accept-Encoding": "identity"}) as r:
            assert "Content-Encoding" not in r.headers and await r.read() == original
        async with http.get(url, headers={"If-None-Match": etag}) as r:
            assert r.status == 304
        async with http.get(hub.url + "vendor/element-plus.css") as r:
            assert r.headers["Content-Type"].startswith("text/css")
        vue = hub.url + "vendor/vue.runtime.esm-browser.prod.js"
        async with http.get(vue, headers={"Accept-Encoding": "identity"}) as r:
            body = await r.read()
            assert r.status == 200 and b"export" in body
            # the runtime-only build: no template compiler (which would need 'unsafe-eval')
            assert b"new Function" not in body


async def test_landing_page_offers_both_ways_in(hub: Hub) -> None:
    async with aiohttp.ClientSession() as http, http.get(hub.url) as r:
        html = await r.text()
    assert r.status == 200
    assert 'href="/join"' in html and 'href="/console"' in html
