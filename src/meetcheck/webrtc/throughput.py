"""Download and upload rate against a throughput endpoint (``meetcheck serve``'s
``/throughput/download?bytes=N`` and ``/throughput/upload``, or any server speaking the
same protocol), stopping early once the rate is stable.

The rate is sampled in windows of ``window`` seconds; once ``min_seconds`` have passed and
the last ``stable_windows`` windows stay within ``tolerance`` of their mean, the transfer
stops (Vonage's network test stops when its bitrate is stable in the same way), as it does
once every one of those windows is above ``enough_mbps``. It never runs past
``max_seconds``. The download figure is the mean of those last windows; the
upload figure is what the server says it received, over the time it took.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

CHUNK = 64 * 1024


class ThroughputError(Exception):
    """The endpoint refused or broke the transfer (``status`` 0 when there was no answer)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Rate:
    mbps: float
    seconds: float
    bytes: int
    stable: bool
    windows: list[float] = field(default_factory=list)


class _Sampler:
    """Bytes per window; says when the last windows agree."""

    def __init__(self, window: float, stable_windows: int, tolerance: float, min_s: float):
        self.window = window
        self.n = stable_windows
        self.tolerance = tolerance
        self.min_s = min_s
        self.start = time.perf_counter()
        self.mark = self.start
        self.in_window = 0
        self.total = 0
        self.rates: list[float] = []

    def add(self, n: int) -> None:
        self.total += n
        self.in_window += n
        now = time.perf_counter()
        while now - self.mark >= self.window:
            # Bytes that arrived in a late read belong to the window they closed.
            self.rates.append(self.in_window * 8 / (now - self.mark) / 1e6)
            self.in_window = 0
            self.mark = now

    def stable(self, enough: float | None = None) -> bool:
        if len(self.rates) < self.n:
            return False
        last = self.rates[-self.n :]
        if enough is not None and min(last) >= enough:
            return True  # far above any threshold: more seconds cannot change the verdict
        if time.perf_counter() - self.start < self.min_s:
            return False
        mean = statistics.fmean(last)
        return mean > 0 and all(abs(r - mean) <= self.tolerance * mean for r in last)

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def figure(self) -> float:
        if len(self.rates) >= self.n:
            return statistics.fmean(self.rates[-self.n :])
        elapsed = self.elapsed()
        return self.total * 8 / elapsed / 1e6 if elapsed > 0 else 0.0


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


async def _error(resp: Any) -> ThroughputError:
    try:
        detail = (await resp.json()).get("error", "")
    except Exception:  # noqa: BLE001 - a body that is not our JSON
        detail = resp.reason or ""
    return ThroughputError(f"HTTP {resp.status} {detail}".strip(), resp.status)


async def download(
    session: Any,
    url: str,
    token: str = "",
    *,
    max_seconds: float = 4.0,
    min_seconds: float = 1.0,
    window: float = 0.2,
    stable_windows: int = 5,
    tolerance: float = 0.1,
    request_bytes: int = 100_000_000,
    enough_mbps: float | None = None,
) -> Rate:
    """Download until the rate is stable or ``max_seconds`` pass; repeats the request if
    one body ends first."""
    import aiohttp

    sampler = _Sampler(window, stable_windows, tolerance, min_seconds)
    deadline = time.perf_counter() + max_seconds
    stable = False
    sep = "&" if "?" in url else "?"
    while not stable and time.perf_counter() < deadline:
        try:
            async with session.get(
                f"{url}{sep}bytes={request_bytes}", headers=_headers(token)
            ) as resp:
                if resp.status == 413:
                    limit = int((await resp.json()).get("limit") or 0)
                    if 0 < limit < request_bytes:
                        request_bytes = limit
                        continue
                if resp.status != 200:
                    raise await _error(resp)
                reads = 0
                while time.perf_counter() < deadline:
                    left = deadline - time.perf_counter()
                    data = await asyncio.wait_for(resp.content.readany(), max(left, 0.01))
                    if not data:
                        break
                    sampler.add(len(data))
                    reads += 1
                    if reads % 16 == 0:
                        await asyncio.sleep(0)  # buffered data never suspends: let others run
                    if sampler.stable(enough_mbps):
                        stable = True
                        break
                resp.close()  # stop the rest of the body
        except TimeoutError:
            break
        except aiohttp.ClientError as exc:
            raise ThroughputError(f"download broke off: {exc}") from None
    if sampler.total == 0:
        raise ThroughputError(f"no data within {max_seconds:g} s")
    return Rate(round(sampler.figure(), 3), sampler.elapsed(), sampler.total, stable, sampler.rates)


async def upload(
    session: Any,
    url: str,
    token: str = "",
    *,
    max_seconds: float = 4.0,
    min_seconds: float = 1.0,
    window: float = 0.25,
    stable_windows: int = 3,
    tolerance: float = 0.1,
    request_bytes: int = 100_000_000,
    enough_mbps: float | None = None,
) -> Rate:
    """Upload bodies sized to take about ``window`` seconds each at the rate seen so far,
    until the last ``stable_windows`` agree or time runs out.

    Each sample is the server's own count over the server's own time, so bytes parked in
    the computer's socket buffers never count as sent; and no body is bigger than what
    the time left allows at the rate seen, so the bound holds on a slow link.
    """
    import aiohttp

    start = time.perf_counter()
    deadline = start + max_seconds
    block = os.urandom(CHUNK)  # random: a compressing proxy cannot shrink it
    size = CHUNK
    samples: list[tuple[int, float]] = []  # (bytes, seconds) as the server saw them
    stable = False
    headers = {**_headers(token), "Content-Type": "application/octet-stream"}
    while time.perf_counter() < deadline:
        size = max(size // CHUNK, 1) * CHUNK

        async def body(blocks: int = size // CHUNK) -> Any:
            # Streamed block by block: a 100 MB body is never built in memory, and the
            # event loop is never held up copying it.
            for _ in range(blocks):
                yield block

        try:
            async with asyncio.timeout(max(deadline - time.perf_counter(), 0) + 2):
                async with session.post(url, data=body(), headers=headers) as resp:
                    if resp.status == 413:
                        limit = int((await resp.json()).get("limit") or 0)
                        if 0 < limit < request_bytes:
                            request_bytes, size = limit, min(size, limit)
                            continue
                    if resp.status != 200:
                        raise await _error(resp)
                    answer = await resp.json()
        except TimeoutError:
            break
        except aiohttp.ClientError as exc:
            raise ThroughputError(f"upload broke off: {exc}") from None
        got = int(answer.get("bytes", 0))
        if got < size:
            raise ThroughputError(f"the server received {got} of {size} bytes")
        if "timed_seconds" in answer:  # the receiver's own clock, first read to last
            got, seconds = int(answer["timed_bytes"]), float(answer["timed_seconds"] or 0.0)
        else:
            seconds = float(answer.get("seconds") or 0.0)
        if seconds < 0.02:
            size = min(size * 4, request_bytes)  # too small to time: grow
            continue
        samples.append((got, seconds))
        rate = got / seconds  # bytes per second
        left = deadline - time.perf_counter()
        size = int(max(CHUNK, min(rate * window, rate * left * 0.8, request_bytes)))
        last = [b * 8 / t / 1e6 for b, t in samples[-stable_windows:]]
        if len(last) == stable_windows and enough_mbps is not None and min(last) >= enough_mbps:
            stable = True
            break
        if len(last) == stable_windows and time.perf_counter() - start >= min_seconds:
            mean = statistics.fmean(last)
            if all(abs(r - mean) <= tolerance * mean for r in last):
                stable = True
                break
        if left < 0.05:
            break
    if not samples:
        raise ThroughputError(f"no upload could be timed within {max_seconds:g} s")
    used = samples[-stable_windows:]
    total, seconds = sum(b for b, _ in used), sum(t for _, t in used)
    rates = [b * 8 / t / 1e6 for b, t in samples]
    return Rate(round(total * 8 / seconds / 1e6, 3), seconds, total, stable, rates)
