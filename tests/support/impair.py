"""A seeded user-space UDP impairment relay: delay, jitter and loss per direction.

This machine has no netem, so tests put this relay between a client and a server on
127.0.0.1. Every datagram the client sends to ``relay.port`` goes to ``upstream``; every
answer comes back from the relay's port. Each direction has its own delay (ms), uniform
jitter (+- ms), loss probability and counters of what was forwarded and dropped, so a test
can compare a check's figures with what the relay really did (its ground truth).
``drop_all`` blocks the path entirely, as a firewall that drops UDP would.
"""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Direction:
    """Impairment of one direction, and what it did."""

    delay_ms: float = 0.0
    jitter_ms: float = 0.0
    loss: float = 0.0
    forwarded: int = 0
    dropped: int = 0

    def total(self) -> int:
        return self.forwarded + self.dropped


@dataclass
class Impairment:
    up: Direction = field(default_factory=Direction)  # client -> server
    down: Direction = field(default_factory=Direction)  # server -> client
    drop_all: bool = False


class _Upstream(asyncio.DatagramProtocol):
    def __init__(self, relay: UdpRelay, client: tuple[str, int]) -> None:
        self.relay = relay
        self.client = client
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.relay._forward(self.relay.impair.down, data, self.relay._front_send, self.client)


class _Front(asyncio.DatagramProtocol):
    def __init__(self, relay: UdpRelay) -> None:
        self.relay = relay

    def connection_made(self, transport: Any) -> None:
        self.relay._front = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.relay._from_client(data, addr)


class UdpRelay:
    """Relay ``127.0.0.1:port`` to ``upstream`` on its own event loop in a thread.

    Delays are scheduled with ``call_at`` from the arrival time, so jitter may reorder
    packets as a real network's would. The random generator is seeded: the same seed and
    traffic give the same drops.
    """

    def __init__(
        self, upstream: tuple[str, int], impair: Impairment | None = None, seed: int = 1
    ) -> None:
        self.upstream = upstream
        self.impair = impair or Impairment()
        self.rng = random.Random(seed)
        self.port = 0
        self._front: Any = None
        self._clients: dict[Any, _Upstream] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    # -- life cycle --------------------------------------------------------------------
    def __enter__(self) -> UdpRelay:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        fut.result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        def close() -> None:
            if self._front is not None:
                self._front.close()
            for up in self._clients.values():
                if up.transport is not None:
                    up.transport.close()

        self._loop.call_soon_threadsafe(close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    async def _start(self) -> None:
        await self._loop.create_datagram_endpoint(lambda: _Front(self), local_addr=("127.0.0.1", 0))
        self.port = self._front.get_extra_info("sockname")[1]

    # -- forwarding --------------------------------------------------------------------
    def _front_send(self, data: bytes, addr: Any) -> None:
        if self._front is not None and not self._front.is_closing():
            self._front.sendto(data, addr)

    def _from_client(self, data: bytes, addr: Any) -> None:
        up = self._clients.get(addr)
        if up is None:
            up = _Upstream(self, addr)
            self._clients[addr] = up
            self._loop.create_task(self._connect(up, data))
            return
        self._send_up(up, data)

    async def _connect(self, up: _Upstream, first: bytes) -> None:
        await self._loop.create_datagram_endpoint(lambda: up, remote_addr=self.upstream)
        self._send_up(up, first)

    def _send_up(self, up: _Upstream, data: bytes) -> None:
        def send(payload: bytes, _addr: Any) -> None:
            if up.transport is not None and not up.transport.is_closing():
                up.transport.sendto(payload)

        self._forward(self.impair.up, data, send, None)

    def _forward(self, d: Direction, data: bytes, send: Any, addr: Any) -> None:
        if self.impair.drop_all or self.rng.random() < d.loss:
            d.dropped += 1
            return
        d.forwarded += 1
        delay = d.delay_ms + (self.rng.uniform(-d.jitter_ms, d.jitter_ms) if d.jitter_ms else 0)
        delay = max(delay, 0.0) / 1000
        if delay <= 0:
            send(data, addr)
        else:
            self._loop.call_later(delay, send, data, addr)

    # -- ground truth ------------------------------------------------------------------
    def counters(self) -> dict[str, int]:
        """Forwarded and dropped datagrams each way (read from the relay's thread)."""

        async def read() -> dict[str, int]:
            up, down = self.impair.up, self.impair.down
            return {
                "up_forwarded": up.forwarded,
                "up_dropped": up.dropped,
                "down_forwarded": down.forwarded,
                "down_dropped": down.dropped,
            }

        return asyncio.run_coroutine_threadsafe(read(), self._loop).result(timeout=5)


class TcpRelay:
    """Relay TCP ``127.0.0.1:port`` to ``upstream``, each direction paced to a rate in
    Mbit/s (None: unpaced), on its own event loop in a thread. Counts the bytes each way.

    Pacing is by schedule: a chunk of n bytes is released at start + total_bits / rate, so
    the long-run rate is exact whatever the chunk sizes; small socket buffers keep the
    kernel from hiding megabytes in flight.
    """

    BUFFER = 64 * 1024

    def __init__(
        self,
        upstream: tuple[str, int],
        down_mbps: float | None = None,
        up_mbps: float | None = None,
    ) -> None:
        self.upstream = upstream
        self.down_mbps = down_mbps
        self.up_mbps = up_mbps
        self.bytes_up = 0
        self.bytes_down = 0
        self.port = 0
        self._server: Any = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> TcpRelay:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            self._server.close()
            for t in list(self._tasks):
                t.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    async def _start(self) -> None:
        import socket

        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.BUFFER)
        sock.bind(("127.0.0.1", 0))
        self._server = await asyncio.start_server(self._handle, sock=sock)
        self.port = sock.getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        import socket

        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            up_r, up_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            self._tasks.discard(task)
            return
        for w in (writer, up_w):
            s = w.get_extra_info("socket")
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.BUFFER)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.BUFFER)
        try:
            await asyncio.gather(
                self._pipe(reader, up_w, self.up_mbps, "bytes_up"),
                self._pipe(up_r, writer, self.down_mbps, "bytes_down"),
            )
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            for w in (writer, up_w):
                w.close()
            self._tasks.discard(task)

    async def _pipe(self, r: Any, w: Any, mbps: float | None, counter: str) -> None:
        start = self._loop.time()
        sent = 0
        try:
            while data := await r.read(16 * 1024):
                if mbps:
                    due = start + (sent + len(data)) * 8 / (mbps * 1e6)
                    if (pause := due - self._loop.time()) > 0:
                        await asyncio.sleep(pause)
                    elif pause < -0.2:
                        start -= pause + 0.2  # idle time does not become a burst
                sent += len(data)
                setattr(self, counter, getattr(self, counter) + len(data))
                w.write(data)
                await w.drain()
            if w.can_write_eof():
                w.write_eof()
        except (ConnectionError, OSError):
            w.close()
