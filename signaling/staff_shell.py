"""The staff shell page and the libraries it loads.

Element Plus's ES module imports "vue" by its bare name; a browser resolves bare names
only through an import map, and an import map must be an inline script. So the hub
writes the map into the page itself (where the page says `<!-- importmap -->`) and
allows exactly that script by its SHA-256 in the page's Content-Security-Policy: no
'unsafe-inline', no 'unsafe-eval', nothing rewritten in the libraries.

The libraries are large (Element Plus ~0.9 MB): they are served gzipped when the
browser accepts it (compressed once, off the event loop), with an ETag so a revisit
costs a 304."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

MARKER = "<!-- importmap -->"
IMPORT_MAP = {
    "imports": {
        "vue": "/vendor/vue.runtime.esm-browser.prod.js",
        "element-plus": "/vendor/element-plus.mjs",
        "element-plus/locale/zh-cn": "/vendor/element-plus-zh-cn.mjs",
        "element-plus/locale/en": "/vendor/element-plus-en.mjs",
        "echarts": "/vendor/echarts.esm.min.mjs",
    }
}
_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css"}


@dataclass(frozen=True)
class ShellPage:
    html: str
    import_map_hash: str  # "sha256-<base64>" of the inline map, for script-src


class StaffShell:
    """The shell's HTML with its import map in, re-read when the file changes."""

    def __init__(self, import_map: dict[str, dict[str, str]]) -> None:
        self.script = json.dumps(import_map, separators=(",", ":"))
        digest = hashlib.sha256(self.script.encode()).digest()
        self.hash = "sha256-" + base64.b64encode(digest).decode()
        self._cache: tuple[Path, float, ShellPage] | None = None

    def page(self, path: Path) -> ShellPage:
        mtime = path.stat().st_mtime
        if self._cache is not None and self._cache[:2] == (path, mtime):
            return self._cache[2]
        template = path.read_text(encoding="utf-8")
        if MARKER not in template:
            raise RuntimeError(f"{path} has no {MARKER}")
        html = template.replace(MARKER, f'<script type="importmap">{self.script}</script>', 1)
        page = ShellPage(html, self.hash)
        self._cache = (path, mtime, page)
        return page


@dataclass(frozen=True)
class _Packed:
    etag: str
    raw: bytes
    gz: bytes


class VendorCache:
    """npm files as responses: read and gzipped once per process, when first asked for
    (they change only with `npm ci`, which a restart follows), with ETags."""

    def __init__(self) -> None:
        self._files: dict[Path, _Packed] = {}
        self._lock = asyncio.Lock()

    async def _packed(self, path: Path) -> _Packed:
        packed = self._files.get(path)
        if packed is None:
            async with self._lock:
                packed = self._files.get(path)
                if packed is None:
                    packed = self._files[path] = await asyncio.to_thread(_pack, path)
        return packed

    async def respond(self, request: web.Request, path: Path) -> web.StreamResponse:
        packed = await self._packed(path)
        content_type = _TYPES.get(path.suffix, "application/octet-stream")
        headers = {"ETag": packed.etag, "Vary": "Accept-Encoding"}
        if packed.etag in request.headers.get("If-None-Match", ""):
            return web.Response(status=304, headers=headers)
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            headers["Content-Encoding"] = "gzip"
            body = packed.gz
        else:
            body = packed.raw
        return web.Response(body=body, headers=headers, content_type=content_type, charset="utf-8")


def _pack(path: Path) -> _Packed:
    raw = path.read_bytes()
    etag = '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'
    return _Packed(etag, raw, gzip.compress(raw, compresslevel=6, mtime=0))


STAFF_SHELL: web.AppKey[StaffShell] = web.AppKey("staff_shell", StaffShell)
VENDOR_CACHE: web.AppKey[VendorCache] = web.AppKey("vendor_cache", VendorCache)
