"""What the test-meeting server's handlers share: its config, sessions and channels, and
what ``MeetingServer.start`` learned (its URL, the STUN port). Its own module so that every
handler module can read it without importing the application that wires them together.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from meetcheck.server.channels import ChannelSet
from meetcheck.server.config import ServerConfig
from meetcheck.server.sessions import SessionRegistry


@dataclass
class ServerState:
    """What the handlers share: config, sessions, channels and what start() learned."""

    config: ServerConfig
    registry: SessionRegistry
    channels: ChannelSet
    started: float = field(default_factory=time.monotonic)
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    base_url: str = ""  # set by MeetingServer once bound
    stun_port: int | None = None
    stun_counters: Any = None  # the STUN responder's StunCounters, once it listens
    stun_host: str = ""
    throughput: Any = None  # ThroughputStats of the throughput endpoint
    links: Any = None  # (signer, roster) of the personal links
    selftest: Any = None  # SelftestStats of the browser self-test
    ice_addresses: tuple[str, ...] | None = None

    @property
    def path_prefix(self) -> str:
        """The path of ``public_url`` (a server behind a reverse proxy under /x)."""
        return urlsplit(self.config.public_url).path.rstrip("/") if self.config.public_url else ""

    def base_for(self, request: web.Request | None = None) -> str:
        if self.config.public_url:
            return self.config.public_url.rstrip("/")
        if self.base_url:
            return self.base_url
        assert request is not None
        return f"{request.scheme}://{request.host}"

    def stun_url(self, base: str = "") -> str:
        if self.stun_port is None:
            return ""
        host = self.stun_host or (urlsplit(base or self.base_url).hostname or "127.0.0.1")
        if ":" in host:
            host = f"[{host}]"
        return f"stun:{host}:{self.stun_port}"


STATE = web.AppKey("meetcheck_server_state", ServerState)


def request_state(request: web.Request) -> ServerState:
    """The state of the server that is answering ``request``."""
    return request.app[STATE]
