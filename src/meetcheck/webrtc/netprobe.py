"""Timed DNS, TCP and TLS steps towards a server, each failing with its own error.

``network.reach`` times the steps a browser takes before a meeting starts; ``network.stun``
uses :func:`tcp_control` to tell "UDP is blocked here" from "the server is down".
Everything runs on the event loop (DNS in the loop's resolver thread), so timings of other
checks are not disturbed.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass


class ReachError(Exception):
    """A step failed; ``step`` is ``dns``, ``tcp`` or ``tls``, ``kind`` says how."""

    def __init__(self, step: str, kind: str, message: str) -> None:
        super().__init__(message)
        self.step = step
        self.kind = kind


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


async def resolve(host: str, port: int, timeout: float) -> tuple[list[str], float | None]:
    """Addresses of ``host`` and the lookup time in seconds (None for an IP literal).

    Names under ``.invalid`` fail at once without a query, as RFC 6761 section 6.4 asks.
    """
    if is_ip(host):
        return [host], None
    if host.rstrip(".").lower().endswith(".invalid") or host.lower() == "invalid":
        raise ReachError("dns", "nxdomain", f"the name {host} does not exist (DNS)")
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout
        )
    except TimeoutError:
        raise ReachError(
            "dns", "timeout", f"looking up {host} took longer than {timeout:g} s (DNS)"
        ) from None
    except socket.gaierror as exc:
        raise ReachError(
            "dns", "nxdomain", f"the name {host} could not be resolved (DNS: {exc.strerror})"
        ) from None
    seconds = time.perf_counter() - start
    addrs = list(dict.fromkeys(str(info[4][0]) for info in infos))
    return addrs, seconds


async def tcp_connect(
    addr: str, port: int, timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, float]:
    """Open a TCP connection; returns the streams and the connect time in seconds."""
    start = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(addr, port), timeout)
    except TimeoutError:
        raise ReachError(
            "tcp", "timeout", f"no answer from {addr} port {port} within {timeout:g} s (TCP)"
        ) from None
    except ConnectionRefusedError:
        raise ReachError(
            "tcp", "refused", f"{addr} refused a connection on port {port} (TCP)"
        ) from None
    except OSError as exc:
        raise ReachError(
            "tcp", "unreachable", f"cannot connect to {addr} port {port}: {exc.strerror or exc}"
        ) from None
    return reader, writer, time.perf_counter() - start


async def tls_handshake(
    writer: asyncio.StreamWriter,
    server_hostname: str,
    timeout: float,
    context: ssl.SSLContext | None = None,
) -> tuple[float, str]:
    """Upgrade the connection to TLS, verifying the certificate for ``server_hostname``
    against the system's trust store (``SSL_CERT_FILE`` adds one); returns the handshake
    time in seconds and the TLS version. Pass a ``context`` made beforehand (in a thread):
    loading the trust store takes tens of milliseconds."""
    context = context or ssl.create_default_context()
    start = time.perf_counter()
    try:
        await asyncio.wait_for(writer.start_tls(context, server_hostname=server_hostname), timeout)
    except TimeoutError:
        raise ReachError(
            "tls", "timeout", f"the TLS handshake with {server_hostname} took over {timeout:g} s"
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise ReachError(
            "tls",
            "certificate",
            f"the certificate of {server_hostname} is not valid: {exc.verify_message}",
        ) from None
    except (ssl.SSLError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
        raise ReachError(
            "tls", "handshake", f"the TLS handshake with {server_hostname} failed: {reason}"
        ) from None
    obj = writer.get_extra_info("ssl_object")
    version = obj.version() if obj is not None else ""
    return time.perf_counter() - start, version or ""


@dataclass
class Reach:
    """Timings of one target in milliseconds (None where the step did not apply)."""

    host: str
    port: int
    address: str
    dns_ms: float | None
    tcp_ms: float
    tls_ms: float | None = None
    tls_version: str = ""


async def reach(
    host: str, port: int, tls: bool, timeout: float, context: ssl.SSLContext | None = None
) -> Reach:
    """DNS, TCP and (with ``tls``) TLS towards ``host:port``; raises :class:`ReachError`."""
    addrs, dns_s = await resolve(host, port, timeout)
    last: ReachError | None = None
    for addr in addrs[:4]:
        try:
            _, writer, tcp_s = await tcp_connect(addr, port, timeout)
        except ReachError as exc:
            last = exc
            continue
        try:
            tls_s, version = (None, "")
            if tls:
                tls_s, version = await tls_handshake(writer, host, timeout, context)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1)
        return Reach(
            host,
            port,
            addr,
            None if dns_s is None else dns_s * 1000,
            tcp_s * 1000,
            None if tls_s is None else tls_s * 1000,
            version,
        )
    assert last is not None
    raise last


async def tcp_control(host: str, ports: list[int], timeout: float) -> int | None:
    """The first of ``ports`` on ``host`` that accepts a TCP connection, or None: the
    control that tells a blocked UDP path from a server that is down."""
    for port in dict.fromkeys(ports):
        try:
            addrs, _ = await resolve(host, port, timeout)
            _, writer, _ = await tcp_connect(addrs[0], port, timeout)
        except ReachError:
            continue
        writer.close()
        return port
    return None
