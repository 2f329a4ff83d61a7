"""Throughput endpoint: download N bytes, upload and discard, both bounded.

Mounted by the ``meetcheck serve`` app with :func:`setup_throughput`; the network checks
time these transfers to estimate the bandwidth between a delegate and the meeting.

``GET {prefix}/download?bytes=N``
    N bytes of ``application/octet-stream`` with ``Content-Length: N`` and
    ``Cache-Control: no-store``.  The body is streamed in ``chunk``-sized writes taken in
    turn from one random buffer made at setup (``BUFFER_BYTES``, 4 MiB): it does not repeat
    within the window of deflate/gzip (32 KiB) or brotli's default (4 MiB), so a
    compressing proxy cannot inflate the figure, and the server never holds N bytes.
    ``HEAD`` gives the headers only.  400 if N is missing or not a whole number, 413 above
    ``max_download_bytes``.

``POST {prefix}/upload``
    Reads the body in pieces and throws it away, then answers
    ``{"bytes": n, "seconds": t, "mbit_s": r, "timed_bytes": m, "timed_seconds": u}``
    where ``t`` runs from the handler's start to the last byte, and ``m`` bytes arrived in
    the ``u`` seconds between the first read of the body and the last: the receiver's
    rate without the bytes that were already waiting when the handler started.
    The limit is enforced on the bytes actually read, so chunked transfer encoding cannot
    get round it; a declared ``Content-Length`` above the limit is refused before reading
    (and, with ``Expect: 100-continue``, before the client sends the body).  Statuses:

    * 413 past ``max_upload_bytes``, with ``Connection: close``; aiohttp then drains the
      rest of the body for at most its lingering time (10 s by default) so that the client
      gets to read the answer instead of a connection reset;
    * 415 for a compressed body (``Content-Encoding`` other than identity): a small gzip
      body would unpack to far more than was sent, a lie about throughput and a
      decompression bomb;
    * 400 for bad framing (a bad chunk size, ``Content-Length`` together with
      ``Transfer-Encoding``, extra bytes after the declared length), answered by aiohttp's
      parser itself;
    * 408 if nothing arrives for ``idle_timeout`` seconds; the socket is closed at once.
      This also ends a body whose framing breaks after the handler started, because
      aiohttp's parser does not pass that error on to the handler.

With a ``token``, both need ``Authorization: Bearer <token>`` (401 without it, 403 with a
wrong one), as WHEP and echo do.  At most ``max_active`` transfers run at once; one more
gets 503 with ``Retry-After`` (an upload with ``Expect: 100-continue`` before its body).

Errors are JSON ``{"error": "...", "limit": ...}`` so a check can show the reason.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import re
import time
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import HttpVersion11, web
from aiohttp.http_exceptions import HttpProcessingError

log = logging.getLogger("meetcheck.server.throughput")

BUFFER_BYTES = 4 * 1024 * 1024
_DIGITS = re.compile(r"[0-9]{1,20}")
_NO_STORE = {"Cache-Control": "no-store"}


@dataclass
class ThroughputStats:
    """Totals since start, for the health endpoint."""

    downloads: int = 0
    uploads: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    refused: int = 0
    active: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


THROUGHPUT_STATS = web.AppKey("meetcheck_throughput_stats", ThroughputStats)


def _error(
    status: int, message: str, headers: dict[str, str] | None = None, **extra: object
) -> web.Response:
    headers = {**_NO_STORE, **(headers or {})}
    resp = web.json_response({"error": message, **extra}, status=status, headers=headers)
    if status == 413:
        resp.force_close()  # the rest of an oversized body is not worth keeping the socket for
    return resp


def setup_throughput(
    app: web.Application,
    *,
    prefix: str = "/throughput",
    max_download_bytes: int = 100_000_000,
    max_upload_bytes: int = 100_000_000,
    chunk: int = 64 * 1024,
    idle_timeout: float = 30.0,
    token: str = "",
    max_active: int = 0,
    retry_after: int = 5,
) -> None:
    """Add ``GET {prefix}/download`` and ``POST {prefix}/upload`` to ``app``.

    Call before the app starts.  Totals are kept in ``app[THROUGHPUT_STATS]``.  A transfer
    that makes no progress for ``idle_timeout`` seconds (a client that stops reading its
    download or stops sending its upload) is ended, so stalled clients do not pin sockets.
    ``token`` (if set) is the bearer token both need; ``max_active`` (0: no cap) bounds
    the transfers at once, and ``retry_after`` is the seconds a refused client is told.
    """
    if chunk <= 0 or chunk > BUFFER_BYTES:
        raise ValueError(f"chunk must be between 1 and {BUFFER_BYTES} bytes")
    if max_download_bytes < 0 or max_upload_bytes < 0:
        raise ValueError("limits must not be negative")
    prefix = prefix.rstrip("/")
    buffer = memoryview(os.urandom(BUFFER_BYTES))
    stats = ThroughputStats()
    app[THROUGHPUT_STATS] = stats
    slots = {"busy": 0}

    def refusal(request: web.BaseRequest) -> web.Response | None:
        """401/403 without the right bearer token, 503 when every slot is taken."""
        if token:
            scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
            value = value.strip()
            if scheme.lower() != "bearer" or not value:
                return _error(
                    401,
                    "this endpoint needs an Authorization: Bearer token (see the meeting file)",
                    {"WWW-Authenticate": 'Bearer realm="meetcheck"'},
                )
            if not hmac.compare_digest(value.encode(), token.encode()):
                return _error(
                    403,
                    "the bearer token is not valid for this server",
                    {"WWW-Authenticate": 'Bearer realm="meetcheck", error="invalid_token"'},
                )
        if max_active and slots["busy"] >= max_active:
            return _error(
                503,
                "too many transfers at once; try again later",
                {"Retry-After": str(retry_after)},
                limit=max_active,
            )
        return None

    def guarded(handler: Any) -> Any:
        """``handler`` behind :func:`refusal`, holding a slot while it runs."""

        async def run(request: web.Request) -> web.StreamResponse:
            refused = refusal(request)
            if refused is not None:
                stats.refused += 1
                return refused
            slots["busy"] += 1
            try:
                return await handler(request)
            finally:
                slots["busy"] -= 1

        return run

    async def download(request: web.Request) -> web.StreamResponse:
        """Stream N bytes from the shared random buffer, never building the body."""
        raw = request.query.get("bytes")
        if raw is None or not _DIGITS.fullmatch(raw):
            stats.refused += 1
            return _error(400, "bytes must be a whole number of bytes, e.g. ?bytes=1000000")
        n = int(raw)
        if n > max_download_bytes:
            stats.refused += 1
            return _error(413, "download larger than this server allows", limit=max_download_bytes)
        resp = web.StreamResponse(headers={**_NO_STORE, "Content-Type": "application/octet-stream"})
        resp.content_length = n
        await resp.prepare(request)
        if request.method == "HEAD":
            return resp
        stats.downloads += 1
        stats.active += 1
        offset = 0
        remaining = n
        try:
            while remaining:
                size = min(chunk, remaining, BUFFER_BYTES - offset)
                async with asyncio.timeout(idle_timeout):
                    await resp.write(buffer[offset : offset + size])
                stats.bytes_sent += size
                remaining -= size
                offset = (offset + size) % BUFFER_BYTES
            await resp.write_eof()
        except ConnectionError:
            log.debug("throughput: client left a download with %d bytes unsent", remaining)
        except TimeoutError:
            log.info("throughput: download stalled for %g s, closing", idle_timeout)
            if request.transport is not None:
                request.transport.abort()
        finally:
            stats.active -= 1
        return resp

    async def upload(request: web.Request) -> web.StreamResponse:
        """Count and discard the body; the limit applies to bytes read, not to headers."""
        start = time.perf_counter()
        encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            stats.refused += 1
            return _error(415, "send the upload uncompressed (no Content-Encoding)")
        declared = request.content_length
        if declared is not None and declared > max_upload_bytes:
            stats.refused += 1
            return _error(413, "upload larger than this server allows", limit=max_upload_bytes)
        stats.uploads += 1
        stats.active += 1
        n = 0
        first_read: tuple[int, float] | None = None
        last_at = start
        try:
            while True:
                async with asyncio.timeout(idle_timeout):
                    data = await request.content.readany()
                if not data:
                    break
                n += len(data)
                last_at = time.perf_counter()
                if first_read is None:
                    first_read = (len(data), last_at)
                stats.bytes_received += len(data)
                if n > max_upload_bytes:
                    stats.refused += 1
                    return _error(
                        413, "upload larger than this server allows", limit=max_upload_bytes
                    )
        except TimeoutError:
            log.info("throughput: upload stalled for %g s after %d bytes", idle_timeout, n)
            # Answer, then close at once: lingering to drain a stalled body would only
            # keep the socket open for aiohttp's lingering time.
            resp = _error(408, "upload stalled", bytes=n)
            resp.force_close()
            await resp.prepare(request)
            await resp.write_eof()
            request.protocol.force_close()
            return resp
        except (HttpProcessingError, ConnectionError, ValueError) as exc:
            log.debug("throughput: broken upload after %d bytes: %s", n, type(exc).__name__)
            return _error(400, f"upload body is broken: {type(exc).__name__}", bytes=n)
        finally:
            stats.active -= 1
        seconds = time.perf_counter() - start
        mbit_s = n * 8 / seconds / 1e6 if seconds > 0 else None
        timed_bytes = n - first_read[0] if first_read else 0
        timed_seconds = last_at - first_read[1] if first_read else 0.0
        answer = {
            "bytes": n,
            "seconds": seconds,
            "mbit_s": mbit_s,
            "timed_bytes": timed_bytes,
            "timed_seconds": timed_seconds,
        }
        return web.json_response(answer, headers=_NO_STORE)

    async def expect_continue(request: web.Request) -> web.StreamResponse | None:
        """Refuse an oversized or unauthorised upload before the client sends its body."""
        refused = refusal(request)
        if refused is not None:
            stats.refused += 1
            refused.force_close()  # the body that may follow is not worth reading
            return refused
        declared = request.content_length
        if declared is not None and declared > max_upload_bytes:
            stats.refused += 1
            return _error(413, "upload larger than this server allows", limit=max_upload_bytes)
        expect = request.headers.get("Expect", "")
        if request.version != HttpVersion11:
            return None
        if expect.lower() != "100-continue":
            return _error(417, "unknown Expect header; only 100-continue is supported")
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        request.writer.output_size = 0  # as aiohttp's default: the body has not started
        return None

    app.router.add_get(f"{prefix}/download", guarded(download))
    app.router.add_post(f"{prefix}/upload", guarded(upload), expect_handler=expect_continue)
