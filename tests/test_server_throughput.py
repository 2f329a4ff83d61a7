"""Throughput endpoint over real loopback HTTP: exact counts, limits, bounded memory."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import aiohttp
import pytest
import requests
from aiohttp import web
from support.helpers import run_async as run

from meetcheck.server.throughput import BUFFER_BYTES, THROUGHPUT_STATS, setup_throughput

MB = 1_000_000


def make_app(**kw: Any) -> web.Application:
    app = web.Application()
    setup_throughput(app, **kw)
    return app


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """The app on a real 127.0.0.1 socket in this event loop."""
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@contextmanager
def serve_in_thread(app: web.Application) -> Iterator[str]:
    """The app in its own thread and loop, for blocking clients such as requests."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", 0).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


async def raw_http(port: int, data: bytes, *, send_after: bytes = b"", wait: float = 2.0) -> bytes:
    """Write raw bytes on a socket and read what comes back until close or ``wait`` passes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    if send_after:
        await asyncio.sleep(0.1)
        writer.write(send_after)
    out = b""
    try:
        async with asyncio.timeout(wait):
            while not _complete(out) and (chunk := await reader.read(65536)):
                out += chunk
    except (TimeoutError, ConnectionError):
        pass
    writer.close()
    return out


def _complete(out: bytes) -> bool:
    """True once a final (non-100) response with its whole Content-Length body is in."""
    while out.startswith(b"HTTP/1.1 100"):
        _, sep, out = out.partition(b"\r\n\r\n")
        if not sep:
            return False
    head, sep, body = out.partition(b"\r\n\r\n")
    found = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return bool(sep and found and len(body) >= int(found.group(1)))


def status_of(reply: bytes) -> int:
    """Status of the final response (after any 100 Continue)."""
    while reply.startswith(b"HTTP/1.1 100"):
        reply = reply.partition(b"\r\n\r\n")[2]
    return int(reply.split(b" ", 2)[1])


def vm_rss() -> int:
    """Resident set size of this process in bytes, from /proc (Linux)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


# --- download --------------------------------------------------------------------------


def test_download_exact_sizes_and_headers():
    """Every size arrives exactly, at chunk and buffer boundaries too, uncacheable."""
    sizes = [0, 1, 65535, 65536, 65537, 3 * 65536 + 7, BUFFER_BYTES + 12345]

    async def go() -> None:
        async with serve(make_app()) as base, aiohttp.ClientSession() as s:
            for n in sizes:
                async with s.get(f"{base}/throughput/download?bytes={n}") as r:
                    body = await r.read()
                    assert r.status == 200
                    assert len(body) == n
                    assert r.headers["Content-Length"] == str(n)
                    assert r.headers["Cache-Control"] == "no-store"
                    assert r.headers["Content-Type"] == "application/octet-stream"
                    assert "Content-Encoding" not in r.headers

    run(go)


def test_download_is_incompressible_and_not_a_short_repeat():
    """A compressing proxy must not be able to shrink the test data."""

    async def go() -> bytes:
        async with serve(make_app()) as base, aiohttp.ClientSession() as s:
            async with s.get(f"{base}/throughput/download?bytes={2 * MB}") as r:
                return await r.read()

    body = run(go)
    assert len(zlib.compress(body, 9)) > 0.99 * len(body)
    chunk = 64 * 1024
    assert body[:chunk] != body[chunk : 2 * chunk]


@pytest.mark.parametrize("query", ["", "?bytes=", "?bytes=abc", "?bytes=-5", "?bytes=1e6",
                                   "?bytes=1.5", "?bytes=+5", "?bytes=%205", "?bytes=1_000",
                                   "?bytes=" + "9" * 30])  # fmt: skip
def test_download_bad_size_is_400(query: str):
    async def go() -> None:
        async with serve(make_app()) as base, aiohttp.ClientSession() as s:
            async with s.get(f"{base}/throughput/download{query}") as r:
                assert r.status == 400
                assert "bytes" in (await r.json())["error"]

    run(go)


def test_download_limit():
    """Exactly the limit is fine; one byte more is 413 before anything is streamed."""

    async def go() -> None:
        app = make_app(max_download_bytes=MB)
        async with serve(app) as base, aiohttp.ClientSession() as s:
            async with s.get(f"{base}/throughput/download?bytes={MB}") as r:
                assert r.status == 200 and len(await r.read()) == MB
            async with s.get(f"{base}/throughput/download?bytes={MB + 1}") as r:
                assert r.status == 413
                assert (await r.json())["limit"] == MB
        assert app[THROUGHPUT_STATS].bytes_sent == MB

    run(go)


def test_head_gives_length_without_body():
    async def go() -> None:
        app = make_app()
        async with serve(app) as base, aiohttp.ClientSession() as s:
            async with s.head(f"{base}/throughput/download?bytes=12345") as r:
                assert r.status == 200 and r.headers["Content-Length"] == "12345"
                assert await r.read() == b""
        assert app[THROUGHPUT_STATS].bytes_sent == 0

    run(go)


def test_download_200mb_keeps_memory_flat():
    """The body is streamed: 200 MB through the server must not grow memory by more than a
    few MB (a server holding the body would grow by 200 MB)."""
    n = 200 * MB

    async def go() -> tuple[int, int, int, float]:
        app = make_app(max_download_bytes=n)
        async with serve(app) as base, aiohttp.ClientSession() as s:
            async with s.get(f"{base}/throughput/download?bytes={4 * MB}") as r:
                await r.read()  # warm up allocator and buffers
            rss0 = vm_rss()
            peak_rss = rss0
            tracemalloc.start()
            got = 0
            t0 = time.perf_counter()
            async with s.get(f"{base}/throughput/download?bytes={n}") as r:
                async for piece in r.content.iter_chunked(256 * 1024):
                    got += len(piece)
                    if got % (8 * MB) < 256 * 1024:
                        peak_rss = max(peak_rss, vm_rss())
            seconds = time.perf_counter() - t0
            _, traced_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            peak_rss = max(peak_rss, vm_rss())
            assert got == n
            return peak_rss - rss0, traced_peak, got, seconds

    rss_growth, traced_peak, got, seconds = run(go)
    print(f"200 MB download: {got * 8 / seconds / 1e6:.0f} Mbit/s, RSS growth "
          f"{rss_growth / 1e6:.1f} MB, traced peak {traced_peak / 1e6:.2f} MB")  # fmt: skip
    assert rss_growth < 8 * MB
    assert traced_peak < 4 * MB


def test_stalled_download_is_cut_after_idle_timeout():
    """A client that stops reading must not hold the handler forever."""

    async def go() -> None:
        app = make_app(idle_timeout=0.3)
        stats = app[THROUGHPUT_STATS]
        async with serve(app) as base:
            port = int(base.rsplit(":", 1)[1])
            sock = socket.create_connection(("127.0.0.1", port))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(b"GET /throughput/download?bytes=90000000 HTTP/1.1\r\nHost: x\r\n\r\n")
            for _ in range(50):
                await asyncio.sleep(0.1)
                if stats.downloads and not stats.active:
                    break
            sock.close()
            assert stats.downloads == 1 and stats.active == 0
            assert stats.bytes_sent < 90 * MB

    run(go)


# --- upload ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 65537, 3 * MB + 3])
def test_upload_counts_exact_bytes_with_content_length(n: int):
    """requests sends Content-Length; the server reports what it read and a rate."""
    app = make_app()
    with serve_in_thread(app) as base:
        r = requests.post(f"{base}/throughput/upload", data=b"\x00" * n, timeout=30)
    assert r.status_code == 200
    data = r.json()
    assert data["bytes"] == n
    assert data["seconds"] > 0
    assert data["mbit_s"] == pytest.approx(n * 8 / data["seconds"] / 1e6)
    # The receiver's own timing leaves out the first read (bytes already waiting).
    assert 0 <= data["timed_bytes"] < max(n, 1)
    assert 0 <= data["timed_seconds"] <= data["seconds"]
    assert r.headers["Cache-Control"] == "no-store"
    assert app[THROUGHPUT_STATS].bytes_received == n


def test_upload_chunked_counts_exact_bytes():
    async def go() -> None:
        async def body() -> AsyncIterator[bytes]:
            for _ in range(40):
                yield b"z" * 50_001

        async with serve(make_app()) as base, aiohttp.ClientSession() as s:
            async with s.post(f"{base}/throughput/upload", data=body()) as r:
                assert r.request_info.headers.get("Transfer-Encoding") == "chunked"
                assert r.status == 200
                assert (await r.json())["bytes"] == 40 * 50_001

    run(go)


def test_upload_limit_with_content_length():
    """At the limit: accepted; one byte over: 413 (and the connection is not reused)."""
    limit = 100_000
    with serve_in_thread(make_app(max_upload_bytes=limit)) as base:
        ok = requests.post(f"{base}/throughput/upload", data=b"a" * limit, timeout=10)
        over = requests.post(f"{base}/throughput/upload", data=b"a" * (limit + 1), timeout=10)
    assert ok.status_code == 200 and ok.json()["bytes"] == limit
    assert over.status_code == 413
    assert over.json()["limit"] == limit
    assert over.headers.get("Connection") == "close"


def test_upload_limit_holds_for_chunked_transfer_encoding():
    """No Content-Length to check up front: the bytes actually read are counted."""
    limit = 100_000

    async def go() -> None:
        app = make_app(max_upload_bytes=limit)

        async def body() -> AsyncIterator[bytes]:
            for _ in range(100):
                yield b"z" * 10_000

        async with serve(app) as base, aiohttp.ClientSession() as s:
            async with s.post(f"{base}/throughput/upload", data=body()) as r:
                assert r.status == 413
        assert limit < app[THROUGHPUT_STATS].bytes_received

    run(go)


def test_declared_oversize_is_refused_before_the_body_is_sent():
    """With Expect: 100-continue a too-large upload gets 413 instead of 100 Continue."""

    async def go() -> None:
        async with serve(make_app(max_upload_bytes=1000)) as base:
            port = int(base.rsplit(":", 1)[1])
            head = (
                b"POST /throughput/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
                b"Expect: 100-continue\r\n\r\n"
            )
            reply = await raw_http(port, head)
            assert status_of(reply) == 413
            assert b"100 Continue" not in reply
            reply = await raw_http(
                port,
                b"POST /throughput/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                b"Expect: 100-continue\r\n\r\n",
                send_after=b"hello",
            )
            assert reply.startswith(b"HTTP/1.1 100 Continue")
            assert json.loads(reply.rpartition(b"\r\n\r\n")[2])["bytes"] == 5

    run(go)


def test_lying_and_bad_framing_is_refused():
    """Content-Length together with chunked (a smuggling trick) and bad chunks are 400."""

    async def go() -> None:
        app = make_app(max_upload_bytes=1000)
        async with serve(app) as base:
            port = int(base.rsplit(":", 1)[1])
            both = (
                b"POST /throughput/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n" + b"7d0\r\n" + b"a" * 2000 + b"\r\n0\r\n\r\n"
            )
            assert status_of(await raw_http(port, both)) == 400
            bad_chunk = (
                b"POST /throughput/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                b"\r\nzz\r\nabc\r\n0\r\n\r\n"
            )
            assert status_of(await raw_http(port, bad_chunk)) == 400
        assert app[THROUGHPUT_STATS].bytes_received == 0

    run(go)


def test_compressed_upload_is_415():
    """A gzip body would be counted after unpacking: refuse it rather than misreport."""
    import gzip

    with serve_in_thread(make_app()) as base:
        r = requests.post(
            f"{base}/throughput/upload",
            data=gzip.compress(b"\x00" * 100_000),
            headers={"Content-Encoding": "gzip"},
            timeout=10,
        )
    assert r.status_code == 415


def test_stalled_upload_gets_408_and_the_socket_is_closed():
    """A client that sends part of its body and stops is answered and dropped at once."""

    async def go() -> None:
        app = make_app(idle_timeout=0.3)
        async with serve(app) as base:
            port = int(base.rsplit(":", 1)[1])
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                b"POST /throughput/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"
            )
            t0 = time.perf_counter()
            reply = await asyncio.wait_for(reader.read(), 2)  # read() waits for the close
            elapsed = time.perf_counter() - t0
            writer.close()
            assert status_of(reply) == 408
            assert json.loads(reply.rpartition(b"\r\n\r\n")[2])["bytes"] == 3
            assert 0.25 < elapsed < 1.0
        assert app[THROUGHPUT_STATS].active == 0

    run(go)


def test_concurrent_downloads_and_uploads():
    """Several transfers at once each get their own exact count."""
    n = 20 * MB

    async def go() -> None:
        app = make_app()

        async def down(s: aiohttp.ClientSession, base: str) -> int:
            got = 0
            async with s.get(f"{base}/throughput/download?bytes={n}") as r:
                async for piece in r.content.iter_chunked(65536):
                    got += len(piece)
            return got

        async def up(s: aiohttp.ClientSession, base: str) -> int:
            async def body() -> AsyncIterator[bytes]:
                block = b"u" * 100_000
                for _ in range(n // len(block)):
                    yield block

            async with s.post(f"{base}/throughput/upload", data=body()) as r:
                return (await r.json())["bytes"]

        async with serve(app) as base, aiohttp.ClientSession() as s:
            results = await asyncio.gather(down(s, base), up(s, base), down(s, base), up(s, base))
        assert results == [n, n, n, n]
        stats = app[THROUGHPUT_STATS]
        assert stats.bytes_sent == 2 * n and stats.bytes_received == 2 * n
        assert stats.active == 0

    run(go)


def test_setup_rejects_bad_parameters():
    with pytest.raises(ValueError):
        make_app(chunk=0)
    with pytest.raises(ValueError):
        make_app(max_upload_bytes=-1)


# --- token and concurrency cap ---------------------------------------------------------

TOKEN = "throughput-token-0123456789"


def test_token_is_required_when_set():
    """Same bearer rule as WHEP and echo: 401 without it, 403 with a wrong one."""
    with serve_in_thread(make_app(token=TOKEN)) as base:
        down = f"{base}/throughput/download?bytes=1000"
        up = f"{base}/throughput/upload"
        r = requests.get(down, timeout=5)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
        assert "token" in r.json()["error"]
        r = requests.get(down, headers={"Authorization": "Bearer wrong-token-xxxx"}, timeout=5)
        assert r.status_code == 403
        r = requests.post(up, data=b"x" * 1000, timeout=5)
        assert r.status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        r = requests.get(down, headers=auth, timeout=5)
        assert r.status_code == 200 and len(r.content) == 1000
        r = requests.post(up, data=b"x" * 1000, headers=auth, timeout=5)
        assert r.status_code == 200 and r.json()["bytes"] == 1000


def test_upload_without_token_is_refused_before_the_body_is_sent():
    """With Expect: 100-continue the refusal comes instead of the 100."""

    async def go() -> None:
        async with serve(make_app(token=TOKEN)) as base:
            port = int(base.rsplit(":", 1)[1])
            reply = await raw_http(
                port,
                b"POST /throughput/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n"
                b"Expect: 100-continue\r\n\r\n",
            )
        assert not reply.startswith(b"HTTP/1.1 100")
        assert status_of(reply) == 401

    run(go)


def test_concurrent_transfers_are_capped_with_503_and_retry_after():
    """Each transfer holds a slot until it ends; one past the cap gets 503 at once."""

    async def go() -> None:
        app = make_app(max_active=2, retry_after=7)
        stats = app[THROUGHPUT_STATS]
        async with serve(app) as base, aiohttp.ClientSession() as s:
            port = int(base.rsplit(":", 1)[1])
            held = []
            for _ in range(2):  # two uploads that stall half-way hold both slots
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(
                    b"POST /throughput/upload HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Length: 1000\r\n\r\nabc"
                )
                held.append(writer)
            for _ in range(50):
                if stats.active == 2:
                    break
                await asyncio.sleep(0.05)
            assert stats.active == 2
            async with s.get(f"{base}/throughput/download?bytes=10") as r:
                assert r.status == 503 and r.headers["Retry-After"] == "7"
                assert (await r.json())["limit"] == 2
            async with s.post(f"{base}/throughput/upload", data=b"x" * 10) as r:
                assert r.status == 503
            for writer in held:
                writer.close()
            for _ in range(50):  # the slots come back once those clients are gone
                async with s.get(f"{base}/throughput/download?bytes=10") as r:
                    if r.status == 200:
                        assert len(await r.read()) == 10
                        break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("slots were not released")
        assert stats.active == 0

    run(go)
