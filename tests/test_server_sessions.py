"""Session registry: limits, reaping rules, closing (no network needed)."""

from __future__ import annotations

import asyncio
import time

import pytest

from meetcheck.server.sessions import Full, SessionRegistry


class FakePC:
    """Stands in for an RTCPeerConnection where only close() matters."""

    def __init__(self) -> None:
        self.closed = 0
        self.handlers = {}

    def on(self, event):
        def register(fn):
            self.handlers[event] = fn
            return fn

        return register

    async def close(self) -> None:
        self.closed += 1


class FakeTrack:
    def __init__(self) -> None:
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


def test_limits_per_channel_and_total():
    reg = SessionRegistry(max_per_channel=2, max_total=3, idle_timeout=10)
    reg.reserve("whep", "fr")
    reg.reserve("whep", "fr")
    with pytest.raises(Full) as info:
        reg.reserve("whep", "fr")
    assert info.value.scope == "channel"
    reg.reserve("echo", "echo")
    with pytest.raises(Full) as info:
        reg.reserve("whep", "en")
    assert info.value.scope == "server"
    assert reg.counts() == {"fr": 2, "echo": 1} and reg.count() == 3


def test_reaping_rules_and_close():
    async def main():
        reg = SessionRegistry(max_per_channel=5, max_total=5, idle_timeout=1.0, max_life=60)
        now = time.monotonic()
        never = reg.reserve("whep", "fr")
        reg.attach(never, FakePC())
        never.state_since = now - 2  # attached, never connected, 2 s ago
        live = reg.reserve("whep", "fr")
        live.pc, live.state, live.connected_at = FakePC(), "connected", now
        old = reg.reserve("whep", "en")
        old.pc, old.state, old.connected_at = FakePC(), "connected", now - 100
        old.created = now - 100
        dropped = reg.reserve("echo", "echo")
        dropped.pc, dropped.state, dropped.connected_at = FakePC(), "disconnected", now - 5
        dropped.state_since = now - 3
        due = dict((s.id, why) for s, why in reg.due_for_reaping(now))
        assert set(due) == {never.id, old.id, dropped.id}
        assert "never connected" in due[never.id]
        assert "maximum" in due[old.id]
        assert "disconnected" in due[dropped.id]
        track = FakeTrack()
        never.tracks.append(track)
        assert await reg.reap() == 3
        assert reg.count() == 1 and reg.reaped == 3
        assert track.stopped and never.pc.closed == 1
        await reg.close(never, "again")  # idempotent
        assert never.pc.closed == 1
        # a failing connection closes its session by itself
        live.pc.connectionState = "failed"
        reg.attach(live, live.pc)
        live.pc.handlers["connectionstatechange"]()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert reg.count() == 0 and live.reason == "connection failed"

    asyncio.run(main())
