"""system.clock against real HTTP servers on 127.0.0.1 whose Date header is off by a known
amount, and the bisection estimator against a simulated host with a known offset."""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.utils import formatdate

import pytest

from meetcheck.check import Status
from meetcheck.checks.system.clock import ClockOffset, describe, estimate_offset, host_url
from meetcheck.report.model import CheckResult
from meetcheck.testing import assert_status, make_meeting, measurement, run_check_async

PROFILE = {"thresholds": {"offset_s": {"warn": 5, "fail": 30}}}


@asynccontextmanager
async def date_server(offset: float | None) -> AsyncIterator[str]:
    """A real aiohttp server whose clock runs ``offset`` seconds ahead of ours (None: no Date)."""
    from aiohttp import web

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.Response(text="meeting host")
        if offset is not None:
            response.headers["Date"] = formatdate(time.time() + offset, usegmt=True)
        return response

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def check_against(offset: float | None, profile: dict = PROFILE) -> CheckResult:
    async with date_server(offset) as base:
        meeting = {"platform": {"url": f"{base}/join?token=secret"}}
        return await run_check_async(ClockOffset, profile=profile, meeting=meeting)


def test_known_offsets_are_measured_within_their_uncertainty_in_a_second() -> None:
    truths = [42.0, -7.0, 0.0, 0.3]

    async def main() -> list[CheckResult]:
        return list(await asyncio.gather(*(check_against(t) for t in truths)))

    results = asyncio.run(main())
    for truth, result in zip(truths, results, strict=True):
        assert result.duration_s < 1.2, result.duration_s  # was 3.5-5.8 s with bisection
        signed = measurement(result, "offset_signed_s")
        uncertainty = measurement(result, "uncertainty_s")
        assert abs(signed - truth) <= 1.0, (truth, signed)  # the brief's bar
        assert abs(signed - truth) <= uncertainty + 0.002, (truth, signed, uncertainty)
        assert uncertainty < 0.05, uncertainty  # far below Date's one-second resolution
        assert measurement(result, "offset_s") == pytest.approx(abs(signed), abs=1e-3)
    statuses = [r.status for r in results]
    assert statuses == [Status.FAIL, Status.WARN, Status.PASS, Status.PASS]
    assert "behind" in results[0].findings[0].message  # host ahead = our clock behind
    assert "ahead of" in results[1].findings[0].message
    assert "agrees" in results[2].findings[0].message


def test_only_the_origin_is_contacted_and_no_token_is_sent() -> None:
    meeting = make_meeting({"platform": {"url": "https://rsi.example/room/7?token=abc"}})
    assert host_url(meeting) == "https://rsi.example/"
    fallback = make_meeting({"echo": {"url": "http://127.0.0.1:8123/echo", "token": "t"}})
    assert host_url(fallback) == "http://127.0.0.1:8123/"
    channels = make_meeting({"channels": {"fr": "http://127.0.0.1:9000/whep/fr"}})
    assert host_url(channels) == "http://127.0.0.1:9000/"


def test_unreachable_host_warns_and_says_it_is_not_the_users_fault() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the check runs: connection refused
    meeting = {"platform": {"url": f"http://127.0.0.1:{port}/"}}
    result = asyncio.run(run_check_async(ClockOffset, profile=PROFILE, meeting=meeting))
    assert_status(result, Status.WARN)
    message = result.findings[0].message
    assert "could not reach the meeting host" in message
    assert "not a fault of your computer" in message


def test_host_without_date_header_warns() -> None:
    async def main() -> CheckResult:
        async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(reply, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            meeting = {"platform": {"url": f"http://127.0.0.1:{port}/"}}
            return await run_check_async(ClockOffset, profile=PROFILE, meeting=meeting)

    result = asyncio.run(main())
    assert_status(result, Status.WARN)
    assert "no usable Date header" in result.findings[0].message


def test_skipped_without_meeting_or_host() -> None:
    no_meeting = asyncio.run(run_check_async(ClockOffset, profile=PROFILE))
    assert_status(no_meeting, Status.SKIPPED)
    assert "--meeting" in no_meeting.reason
    no_host = asyncio.run(run_check_async(ClockOffset, profile=PROFILE, meeting={}))
    assert_status(no_host, Status.SKIPPED)
    assert "platform URL" in no_host.reason


class SimulatedHost:
    """A host whose clock is ``offset`` ahead, reached over a link with a random, asymmetric
    delay; it runs in real time, so requests in flight overlap as they do on a network."""

    def __init__(self, offset: float, rtt: float, seed: int) -> None:
        self.offset, self.rtt = offset, rtt
        self.rng = random.Random(seed)

    async def sample(self) -> tuple[float, float, float]:
        sent = time.time()
        there = self.rtt * self.rng.uniform(0.2, 0.8)
        back = self.rtt - there + self.rng.uniform(0, self.rtt / 4)
        await asyncio.sleep(there)
        date = float(int(time.time() + self.offset))  # Date truncates to the second
        await asyncio.sleep(back)
        return sent, time.time(), date


@pytest.mark.parametrize("rtt", [0.002, 0.03, 0.3])
def test_estimator_bounds_always_hold_and_converge_within_a_second(rtt: float) -> None:
    """Eight hosts with random offsets at once: every true offset lies inside the bound,
    the bound is about one round trip wide, and the stream ends within about a second."""
    rng = random.Random(int(rtt * 1000))
    offsets = [rng.uniform(-120, 120) for _ in range(8)]

    async def one(i: int, offset: float) -> tuple[object, float]:
        t0 = time.perf_counter()
        est = await estimate_offset(SimulatedHost(offset, rtt, i).sample, 400)
        return est, time.perf_counter() - t0

    async def main() -> list[tuple[object, float]]:
        return list(await asyncio.gather(*(one(i, o) for i, o in enumerate(offsets))))

    for offset, (est, took) in zip(offsets, asyncio.run(main()), strict=True):
        assert est.consistent
        assert est.low <= offset <= est.high
        assert abs(est.offset - offset) <= est.uncertainty
        # one round trip plus the spacing (5 ms, or a quarter round trip), plus loop slack
        assert est.uncertainty <= (1.5 * rtt + max(0.005, rtt / 4)) / 2 + 0.008, est
        assert took <= 1.1 + 2.5 * rtt, took  # the tick comes within a second


def test_describe_wording() -> None:
    assert describe(0.001, 0.004) == "this computer's clock agrees with the meeting host's (±4 ms)"
    assert describe(-90.0, 0.01).startswith("this computer's clock is 90.0 s ahead of")
