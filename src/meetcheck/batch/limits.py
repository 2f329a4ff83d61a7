"""How many rows are checked at once: a global limit, and a smaller one per link host so
the meeting platform is not hammered by a secretariat's batch.

``concurrency`` workers take rows from per-host queues, round robin over the hosts with a
free slot; a worker waits only when every host with rows left is at its limit. Only as many
rows are in flight as there are workers, so a roster of 10,000 costs no more memory or
scheduling than one of 100.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")


def host_of(link: str) -> str:
    try:
        return (urlsplit(link).hostname or "").lower()
    except ValueError:
        return ""


class Limits:
    def __init__(self, concurrency: int, per_host: int) -> None:
        self.concurrency = concurrency
        self.per_host = per_host
        self.peak: Counter[str] = Counter()  # the most rows in flight per host, seen

    def workers(
        self, items: Iterable[T], host: Callable[[T], str], work: Callable[[T], Awaitable[Any]]
    ) -> list[Coroutine[Any, Any, None]]:
        """The worker coroutines that run ``work`` on every item within the limits."""
        pending: dict[str, deque[T]] = {}
        for item in items:
            pending.setdefault(host(item), deque()).append(item)
        hosts = deque(pending)  # hosts with rows left, in round-robin order
        active: Counter[str] = Counter()
        changed = asyncio.Condition()

        def take() -> tuple[str, T] | None:
            for _ in range(len(hosts)):
                h = hosts[0]
                hosts.rotate(-1)
                if active[h] < self.per_host:
                    item = pending[h].popleft()
                    if not pending[h]:
                        hosts.remove(h)
                    active[h] += 1
                    self.peak[h] = max(self.peak[h], active[h])
                    return h, item
            return None

        async def worker() -> None:
            while True:
                async with changed:
                    while (found := take()) is None:
                        if not hosts:
                            return
                        await changed.wait()
                h, item = found
                try:
                    await work(item)
                finally:
                    async with changed:
                        active[h] -= 1
                        changed.notify_all()

        total = sum(len(q) for q in pending.values())
        return [worker() for _ in range(min(self.concurrency, total))]
