"""Keeping WebRTC on the addresses we choose: the one patch point for ICE host candidates.

Why this module exists
----------------------
aioice (the ICE stack under aiortc) gathers a host candidate on every address of every
interface *except* 127.0.0.1, and has no option to choose them (aioice 0.13:
``aioice.ice.get_host_addresses(use_ipv4, use_ipv6)``, called from
``Connection.gather_candidates``). Two aiortc peers on one machine therefore talk over the
machine's own LAN address, which our tests and ``meetcheck demo`` must never do, and a
server bound to 127.0.0.1 would advertise addresses it was not asked to serve on.

What it does
------------
:func:`install` wraps ``aioice.ice.get_host_addresses`` once per process. The wrapper
reads a :class:`contextvars.ContextVar`: when unset (the default) it returns exactly what
aioice would; when set to a tuple of addresses it returns those instead (filtered by the
IPv4/IPv6 flags aioice passes). aiortc gathers candidates inside
``RTCPeerConnection.setLocalDescription``, in the calling task and in sub-tasks that
inherit its context, so the restriction applies to exactly the peer connections whose
``setLocalDescription`` runs inside :func:`host_addresses` (or after
:func:`restrict_host_addresses` in the same task) and to nothing else in the process: a
server restricted to loopback and a checker talking to a remote meeting can share one
process (``meetcheck demo``).

How to use it
-------------
* Server side: ``meetcheck serve`` (:mod:`meetcheck.server`) does it for every session,
  with the addresses from ``ServerConfig.ice_addresses`` (by default 127.0.0.1 when it
  binds a loopback host, unrestricted otherwise).
* Client side (tests, checks against a loopback meeting)::

      from meetcheck.webrtc import loopback
      with loopback.host_addresses(loopback.addresses_for_url(meeting_url)):
          await pc.setLocalDescription(await pc.createOffer())

  ``addresses_for_url`` returns ``("127.0.0.1",)`` for a loopback URL and ``None``
  (no restriction) otherwise. Always also pass ``RTCConfiguration(iceServers=[])`` (or the
  meeting's own servers): ``None`` makes aiortc ask a public STUN server.
* Proving it: :func:`candidate_addresses` lists the addresses in an SDP's
  ``a=candidate`` lines; the tests assert they are all 127.0.0.1.

The alternative, running the peers inside a network namespace whose only address is
127.0.0.2 (see testing-notes), needs root and a subprocess per test; this patch point
works everywhere, in-process, and is what the network checks can reuse.
"""

from __future__ import annotations

import contextvars
import ipaddress
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1",)

_addresses: contextvars.ContextVar[tuple[str, ...] | None] = contextvars.ContextVar(
    "meetcheck_ice_host_addresses", default=None
)
_original: Any = None


def install() -> None:
    """Wrap aioice's host-address lookup (idempotent; imports aioice)."""
    global _original
    import aioice.ice

    current = aioice.ice.get_host_addresses
    if getattr(current, "_meetcheck_wrapper", False):
        return
    _original = current

    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        chosen = _addresses.get()
        if chosen is None:
            return list(_original(use_ipv4, use_ipv6))
        out = []
        for address in chosen:
            version = ipaddress.ip_address(address).version
            if (version == 4 and use_ipv4) or (version == 6 and use_ipv6):
                out.append(address)
        return out

    get_host_addresses._meetcheck_wrapper = True  # type: ignore[attr-defined]
    aioice.ice.get_host_addresses = get_host_addresses


def _normalise(addresses: Sequence[str] | None) -> tuple[str, ...] | None:
    if addresses is None:
        return None
    out = []
    for a in addresses:
        ipaddress.ip_address(a)  # ValueError for a host name: ICE needs literal addresses
        out.append(a)
    return tuple(out)


def restrict_host_addresses(addresses: Sequence[str] | None) -> contextvars.Token[Any]:
    """Restrict host candidates gathered from now on in this task (and its children).

    ``None`` lifts the restriction. Returns a token for :func:`reset`.
    """
    install()
    return _addresses.set(_normalise(addresses))


def reset(token: contextvars.Token[Any]) -> None:
    _addresses.reset(token)


@contextmanager
def host_addresses(addresses: Sequence[str] | None) -> Iterator[None]:
    """Within the block, peer connections gather host candidates only on ``addresses``."""
    token = restrict_host_addresses(addresses)
    try:
        yield
    finally:
        _addresses.reset(token)


def loopback_only() -> Any:
    """Shorthand for ``host_addresses(("127.0.0.1",))``."""
    return host_addresses(LOOPBACK)


def current() -> tuple[str, ...] | None:
    """The restriction in force in this context (None: none)."""
    return _addresses.get()


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 and "localhost" (a host name is never resolved here)."""
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def addresses_for_host(host: str) -> tuple[str, ...] | None:
    """The host-candidate restriction that suits a peer reached at (or bound to) ``host``."""
    host = host.strip("[]")
    if not is_loopback_host(host):
        return None
    if host.lower() == "localhost":
        return LOOPBACK
    ip = ipaddress.ip_address(host)
    # aioice never binds ::1 itself; an IPv6 loopback server still gets IPv4 loopback.
    return (host,) if ip.version == 4 else LOOPBACK


def addresses_for_url(url: str) -> tuple[str, ...] | None:
    """Like :func:`addresses_for_host` for the host of an http(s) URL."""
    return addresses_for_host(urlsplit(url).hostname or "")


def candidate_addresses(sdp: str) -> list[str]:
    """The connection addresses of every ``a=candidate`` line in an SDP (in order)."""
    out = []
    for line in sdp.splitlines():
        line = line.strip()
        if line.startswith("a=candidate:"):
            fields = line.split()
            if len(fields) >= 6:
                out.append(fields[4])
    return out
