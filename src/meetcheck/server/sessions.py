"""The sessions a server holds (WHEP listeners and echo calls), their limits and reaping.

A session is reserved *before* negotiation starts, so concurrent POSTs cannot overshoot the
limits, and it is released on every way out: HTTP DELETE, the peer connection turning
``failed`` or ``closed`` (client closed, ICE consent lost), the idle reaper (a client that
never completes ICE, or stays disconnected), the optional life-time cap, and shutdown.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from meetcheck.aio import cancel_and_wait

log = logging.getLogger("meetcheck.server.sessions")


class Full(Exception):
    """No room for another session; ``scope`` is "channel" or "server"."""

    def __init__(self, scope: str, limit: int) -> None:
        super().__init__(f"{scope} is full ({limit} sessions)")
        self.scope = scope
        self.limit = limit


@dataclass(eq=False)
class Session:
    id: str
    kind: str  # "whep" | "echo"
    channel: str  # channel code, or "echo"
    etag: str
    created: float = field(default_factory=time.monotonic)
    pc: Any = None
    state: str = "new"
    state_since: float = field(default_factory=time.monotonic)
    connected_at: float | None = None
    closed: bool = False
    reason: str = ""
    tracks: list[Any] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    _closing: asyncio.Task[None] | None = None

    @property
    def path(self) -> str:
        base = "/echo" if self.kind == "echo" else f"/whep/{self.channel}"
        return f"{base}/{self.id}"

    def describe(self) -> dict[str, Any]:
        now = time.monotonic()
        return {
            "kind": self.kind,
            "channel": self.channel,
            "state": self.state,
            "age_s": round(now - self.created, 3),
        }


class SessionRegistry:
    """Open sessions by id, with per-channel and total limits and the idle reaper."""

    def __init__(
        self,
        max_per_channel: int,
        max_total: int,
        idle_timeout: float,
        max_life: float = 0.0,
    ) -> None:
        self.max_per_channel = max_per_channel
        self.max_total = max_total
        self.idle_timeout = idle_timeout
        self.max_life = max_life
        self.sessions: dict[str, Session] = {}
        self.opened = 0
        self.closed_count = 0
        self.reaped = 0
        self._reaper: asyncio.Task[None] | None = None

    # -- counting --------------------------------------------------------------------
    def count(self, channel: str | None = None) -> int:
        if channel is None:
            return len(self.sessions)
        return sum(1 for s in self.sessions.values() if s.channel == channel)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.sessions.values():
            out[s.channel] = out.get(s.channel, 0) + 1
        return out

    def get(self, session_id: str) -> Session | None:
        return self.sessions.get(session_id)

    # -- life cycle ------------------------------------------------------------------
    def reserve(self, kind: str, channel: str) -> Session:
        """Take a slot for a new session or raise :class:`Full`."""
        if self.count(channel) >= self.max_per_channel:
            raise Full("channel", self.max_per_channel)
        if len(self.sessions) >= self.max_total:
            raise Full("server", self.max_total)
        session = Session(
            id=secrets.token_urlsafe(16),
            kind=kind,
            channel=channel,
            etag=f'"{secrets.token_hex(8)}"',
        )
        self.sessions[session.id] = session
        self.opened += 1
        _event("session.reserved", session)
        return session

    def attach(self, session: Session, pc: Any) -> None:
        """Follow the peer connection: close the session when it fails or closes."""
        session.pc = pc

        @pc.on("connectionstatechange")
        def _on_state() -> None:
            state = pc.connectionState
            if state == session.state:
                return
            session.state = state
            session.state_since = time.monotonic()
            if state == "connected" and session.connected_at is None:
                session.connected_at = session.state_since
                _event("session.connected", session)
            if state in ("failed", "closed") and not session.closed:
                self.close_soon(session, f"connection {state}")

    def close_soon(self, session: Session, reason: str) -> None:
        if session._closing is None and not session.closed:
            session._closing = asyncio.ensure_future(self.close(session, reason))

    async def close(self, session: Session, reason: str) -> None:
        """Stop the session's tracks, close its peer connection, free its slot."""
        if session.closed:
            return
        session.closed = True
        session.reason = reason
        self.sessions.pop(session.id, None)
        self.closed_count += 1
        for track in session.tracks:
            try:
                track.stop()
            except Exception:  # a track must never keep a session alive
                log.exception("stopping a track failed")
        pc = session.pc
        if pc is not None:
            try:
                await pc.close()
            except Exception:
                log.exception("closing a peer connection failed")
        _event("session.closed", session, reason=reason)

    async def close_all(self, reason: str = "shutdown") -> None:
        sessions = list(self.sessions.values())
        await asyncio.gather(*(self.close(s, reason) for s in sessions), return_exceptions=True)
        pending = [s._closing for s in sessions if s._closing is not None]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    # -- reaping ---------------------------------------------------------------------
    def due_for_reaping(self, now: float | None = None) -> list[tuple[Session, str]]:
        now = time.monotonic() if now is None else now
        out = []
        for s in list(self.sessions.values()):
            if s.pc is None:
                # Still negotiating inside its POST; the POST handler owns it.
                if now - s.created > max(self.idle_timeout, 30.0):
                    out.append((s, "negotiation timeout"))
                continue
            if s.state != "connected" and now - s.state_since > self.idle_timeout:
                what = "never connected" if s.connected_at is None else f"{s.state} too long"
                out.append((s, f"idle: {what}"))
            elif self.max_life and now - s.created > self.max_life:
                out.append((s, "maximum session time reached"))
        return out

    async def reap(self) -> int:
        due = self.due_for_reaping()
        for session, reason in due:
            self.reaped += 1
            await self.close(session, reason)
        return len(due)

    def start_reaper(self) -> None:
        if self._reaper is None:
            self._reaper = asyncio.ensure_future(self._reap_forever())

    async def _reap_forever(self) -> None:
        interval = min(1.0, max(0.05, self.idle_timeout / 4))
        while True:
            await asyncio.sleep(interval)
            try:
                await self.reap()
            except Exception:
                log.exception("reaper pass failed")

    async def stop_reaper(self) -> None:
        await cancel_and_wait(self._reaper)
        self._reaper = None


def _event(name: str, session: Session, **extra: Any) -> None:
    if log.isEnabledFor(logging.INFO):
        record = {"event": name, "kind": session.kind, "channel": session.channel}
        record["session"] = session.id[:6]  # enough to follow one session, not to DELETE it
        record.update(extra)
        log.info(json.dumps(record, ensure_ascii=False))
