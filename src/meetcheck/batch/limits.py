"""How many rows are checked at once: a global limit, and a smaller one per link host so
the meeting platform is not hammered by a secretariat's batch."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit


def host_of(link: str) -> str:
    try:
        return (urlsplit(link).hostname or "").lower()
    except ValueError:
        return ""


class Limits:
    """``async with limits.slot(link):`` waits for a free slot for the link's host, then a
    global one (in that order, so a row waiting on a busy host holds no global slot)."""

    def __init__(self, concurrency: int, per_host: int) -> None:
        self.concurrency = concurrency
        self.per_host = per_host
        self._global = asyncio.Semaphore(concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self.active: dict[str, int] = {}
        self.peak: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def slot(self, link: str) -> AsyncIterator[None]:
        host = host_of(link)
        sem = self._hosts.setdefault(host, asyncio.Semaphore(self.per_host))
        async with sem, self._global:
            self.active[host] = self.active.get(host, 0) + 1
            self.peak[host] = max(self.peak.get(host, 0), self.active[host])
            try:
                yield
            finally:
                self.active[host] -= 1
