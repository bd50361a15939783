"""Collecting a catalogue that arrives in pages (one MESSAGE each, same SN).

A lower platform with thousands of channels answers a Catalog query with many
MESSAGEs of a few items each, in any order, possibly repeated. The query is
complete when SumNum distinct items are in; if pages stop coming for
`page_timeout_s`, what arrived is the answer, marked incomplete.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from signaling.gb28181.manscdp import CatalogItem


@dataclass
class CatalogResult:
    items: list[CatalogItem]
    sum_num: int | None
    complete: bool
    pages: int


@dataclass
class CatalogCollector:
    sn: int
    page_timeout_s: float = 5.0
    items: dict[str, CatalogItem] = field(default_factory=dict)
    sum_num: int | None = None
    pages: int = 0
    _event: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, sum_num: int | None, items: list[CatalogItem]) -> None:
        self.pages += 1
        if sum_num is not None:
            self.sum_num = sum_num
        for item in items:
            self.items[item.device_id] = item
        self._event.set()

    @property
    def complete(self) -> bool:
        return self.sum_num is not None and len(self.items) >= self.sum_num

    async def wait(self, first_timeout_s: float) -> CatalogResult:
        timeout = first_timeout_s
        while not self.complete:
            self._event.clear()
            try:
                await asyncio.wait_for(self._event.wait(), timeout)
            except TimeoutError:
                break
            timeout = self.page_timeout_s
        return CatalogResult(list(self.items.values()), self.sum_num, self.complete, self.pages)
