"""ICE server URLs (RFC 7064 ``stun:``/``stuns:``, RFC 7065 ``turn:``/``turns:``).

The network checks need the host, port and transport of each server in the meeting file:
STUN trains go to every UDP one, TURN allocations to every ``turn:``/``turns:`` one, and
the reachability check connects to their TCP ports.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

DEFAULT_PORTS = {"stun": 3478, "turn": 3478, "stuns": 5349, "turns": 5349}


class IceUrlError(ValueError):
    """The URL is not a well-formed ICE server URL."""


@dataclass(frozen=True)
class IceUrl:
    """One ICE server URL: ``scheme`` (stun, stuns, turn, turns), host, port, transport."""

    scheme: str
    host: str
    port: int
    transport: str  # "udp", "tcp" or "tls"
    url: str

    @property
    def is_turn(self) -> bool:
        return self.scheme in ("turn", "turns")

    @property
    def label(self) -> str:
        """How findings name the server: ``turn 127.0.0.1:3478 over udp``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme} {host}:{self.port} over {self.transport}"


def parse_ice_url(url: str) -> IceUrl:
    """Parse ``stun:host[:port]`` or ``turn[s]:host[:port][?transport=udp|tcp]``.

    ``turns:`` and ``stuns:`` run over TLS; ``turn:`` without a transport is UDP.
    """
    scheme, sep, rest = url.partition(":")
    scheme = scheme.lower()
    if not sep or scheme not in DEFAULT_PORTS:
        raise IceUrlError(f"not a stun:/turn: URL: {url!r}")
    rest, _, query = rest.partition("?")
    rest = rest.removeprefix("//")
    if rest.startswith("["):
        host, _, tail = rest[1:].partition("]")
        port_text = tail.removeprefix(":")
    elif rest.count(":") == 1:
        host, _, port_text = rest.partition(":")
    else:
        host, port_text = rest, ""
    if not host:
        raise IceUrlError(f"no host in {url!r}")
    try:
        port = int(port_text) if port_text else DEFAULT_PORTS[scheme]
    except ValueError:
        raise IceUrlError(f"bad port in {url!r}") from None
    if not 0 < port < 65536:
        raise IceUrlError(f"port out of range in {url!r}")
    transport = (parse_qs(query).get("transport") or [""])[0].lower()
    if scheme in ("stuns", "turns"):
        transport = "tls"
    elif transport not in ("udp", "tcp"):
        if transport:
            raise IceUrlError(f"unknown transport {transport!r} in {url!r}")
        transport = "udp"
    return IceUrl(scheme, host, port, transport, url)
