"""Latency measurements and bulk transfers kept apart on the link, for every family that
measures it: the network family's STUN trains and throughput test, and the echo call the
network and audio families share (:mod:`meetcheck.checks._echo_call`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from meetcheck.context import CheckContext


class LinkGate:
    """Latency measurements (STUN trains, the echo session) run beside each other, but
    never beside a throughput test, which fills the link's queues and would add its own
    queueing delay to every round trip measured then. Bulk transfers wait for the latency
    measurements that have started (or start in the same moment) to finish."""

    def __init__(self) -> None:
        import asyncio

        self.active = 0
        self.idle = asyncio.Event()
        self.idle.set()
        self.bulk = asyncio.Lock()
        self.probes_done = asyncio.Event()
        self.probes_done.set()

    @contextlib.asynccontextmanager
    async def probing(self) -> AsyncIterator[None]:
        """The STUN trains: light, but timed to the millisecond, so the echo call (whose
        set-up and codec work compete for the processor) waits until they are done."""
        self.probes_done.clear()
        try:
            async with self.measuring():
                yield
        finally:
            self.probes_done.set()

    async def after_probes(self) -> None:
        import asyncio

        for _ in range(5):  # let trains started in the same tick of the runner register
            await asyncio.sleep(0.01)
        await self.probes_done.wait()

    @contextlib.asynccontextmanager
    async def measuring(self) -> AsyncIterator[None]:
        async with self.bulk:  # not while a transfer is running
            self.active += 1
            self.idle.clear()
        try:
            yield
        finally:
            self.active -= 1
            if self.active == 0:
                self.idle.set()

    @contextlib.asynccontextmanager
    async def saturating(self) -> AsyncIterator[None]:
        # Let latency checks started in the same tick of the runner register first.
        import asyncio

        for _ in range(5):
            await asyncio.sleep(0.01)
        async with self.bulk:
            await self.idle.wait()
            yield


async def link_gate(ctx: CheckContext) -> LinkGate:
    async def make() -> LinkGate:
        return LinkGate()

    return await ctx.shared.once("network.link_gate", make)
