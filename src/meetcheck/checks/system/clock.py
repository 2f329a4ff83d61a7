"""How far this computer's clock is from the meeting host's, from its HTTP ``Date`` header.

A wrong clock shows the sessions at the wrong time, breaks one-time login codes and, when
far off, secure (TLS) connections. ``Date`` has a resolution of one second, so each sample
only bounds the offset: if the header says ``D`` and the request left at local ``t0`` and
its answer came back at ``t1``, the server's reading lay in ``[D, D+1)`` at some local
moment in ``[t0, t1]``, hence ``D - t1 <= offset < D + 1 - t0``. A paced stream of
requests catches the moment the host's second ticks over, within one second: the readings
either side of it bound the offset to about one round trip.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from meetcheck.check import Check, Finding, Measurement, Metric, Option, Severity
from meetcheck.checks.system._catalog import N_, _
from meetcheck.context import CheckContext

if TYPE_CHECKING:
    import aiohttp

    from meetcheck.meeting import Meeting

# A sample: (local time sent, local time answered, the Date header as epoch seconds).
Sample = tuple[float, float, float]
Sampler = Callable[[], Awaitable[Sample]]


class NoDate(Exception):
    """The host answered without a usable Date header."""


@dataclass
class Estimate:
    """The host's clock minus ours, bounded by ``[low, high]`` in seconds."""

    low: float = -math.inf
    high: float = math.inf
    samples: int = 0
    min_rtt: float = math.inf
    consistent: bool = True
    midpoints: list[float] = field(default_factory=list)

    @property
    def offset(self) -> float:
        if not self.consistent:
            ordered = sorted(self.midpoints)
            return ordered[len(ordered) // 2]
        return (self.low + self.high) / 2

    @property
    def uncertainty(self) -> float:
        if not self.consistent:
            return 0.5 + self.min_rtt / 2
        return (self.high - self.low) / 2

    def add(self, sent: float, answered: float, date: float) -> None:
        """Intersect with one sample's bound; a host whose samples contradict each other
        (a cache replaying old headers, a clock step) falls back to the median."""
        low, high = date - answered, date + 1 - sent
        self.samples += 1
        self.min_rtt = min(self.min_rtt, answered - sent)
        self.midpoints.append((low + high) / 2)
        if max(low, self.low) > min(high, self.high):
            self.consistent = False
        self.low, self.high = max(low, self.low), min(high, self.high)


async def estimate_offset(
    sample: Sampler,
    samples: int,
    spacing: float = 0.005,
) -> Estimate:
    """Sample in a paced stream until the host's ``Date`` ticks over, at most ``samples``.

    The last reading before the tick and the first after it bound the offset to about one
    round trip plus the spacing, and the tick comes within a second of the first reading.
    Requests overlap (one every ``spacing``, or a quarter of the fastest round trip when
    that is longer), so a slow link does not widen the bound by whole round trips.
    Readings after a failed request still count; a host without ``Date`` raises NoDate.
    """
    import asyncio

    est = Estimate()
    dates: set[float] = set()
    ticked = asyncio.Event()
    failures: list[BaseException] = []

    async def one() -> None:
        try:
            sent, answered, date = await sample()
        except Exception as exc:  # the stream stops; the caller decides what it means
            failures.append(exc)
            ticked.set()
            return
        est.add(sent, answered, date)
        dates.add(date)
        if len(dates) > 1 or not est.consistent:
            ticked.set()

    pending: set[asyncio.Task[None]] = set()
    started = 0
    first = time.monotonic()
    while started < samples and not ticked.is_set():
        pending.add(asyncio.create_task(one()))
        started += 1
        # A quarter of the fastest round trip: overlapping, not flooding. Before the first
        # answer, a quarter of the time waited so far stands in for it.
        quarter = est.min_rtt if est.samples else time.monotonic() - first
        gap = max(spacing, quarter / 4)
        try:
            await asyncio.wait_for(ticked.wait(), gap)
        except TimeoutError:
            pass
    if pending:
        await asyncio.wait(pending)
    if failures and not est.samples:
        raise failures[0]
    if failures and isinstance(failures[0], NoDate):
        raise failures[0]
    return est


def host_url(meeting: Meeting) -> str:
    """The origin whose clock counts: the platform, else a test endpoint of the meeting."""
    candidates = [meeting.platform_url, meeting.echo_url]
    candidates += [meeting.throughput.get(k, "") for k in ("download_url", "upload_url")]
    candidates += [c.url for c in meeting.channels.values()]
    for url in candidates:
        if url:
            parts = urlsplit(url)
            return f"{parts.scheme}://{parts.netloc}/"  # the origin only: no path, no token
    return ""


def _http_sampler(session: aiohttp.ClientSession, url: str, timeout: float) -> Sampler:
    import aiohttp

    limit = aiohttp.ClientTimeout(total=timeout)
    headers = {"Cache-Control": "no-cache"}

    from email.utils import parsedate_to_datetime

    async def sample() -> Sample:
        sent = time.time()
        async with session.head(url, timeout=limit, headers=headers, allow_redirects=False) as r:
            answered = time.time()
            raw = r.headers.get("Date", "")
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            raise NoDate(raw) from None
        if when.tzinfo is None:  # "-0000": HTTP dates are always UTC
            when = when.replace(tzinfo=dt.UTC)
        return sent, answered, when.timestamp()

    return sample


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if abs(value) < 1 else f"{value:.1f} s"


def describe(offset: float, uncertainty: float) -> str:
    """'this computer's clock is 42.0 s behind the meeting host's (±6 ms)'."""
    pm = f"±{_seconds(uncertainty)}"
    if abs(offset) <= uncertainty:
        return _("this computer's clock agrees with the meeting host's ({uncertainty})").format(
            uncertainty=pm
        )
    if offset > 0:
        text = _("this computer's clock is {offset} behind the meeting host's ({uncertainty})")
    else:
        text = _("this computer's clock is {offset} ahead of the meeting host's ({uncertainty})")
    return text.format(offset=_seconds(abs(offset)), uncertainty=pm)


class ClockOffset(Check):
    """Sessions, one-time login codes and secure connections all depend on the clock."""

    id = "system.clock"
    title = N_("Computer clock compared with the meeting host")
    severity = Severity.MEDIUM
    remediation = N_(
        "Turn on 'Set time automatically' in your computer's date and time settings, "
        "then run the check again."
    )
    metrics = {
        "offset_s": Metric("s", higher_is_worse=True, description=N_("absolute clock offset")),
    }
    imports = ("aiohttp",)
    timing = True  # each bound is as wide as the round trips it was measured with
    options = {
        "samples": Option(
            int, 250, "HTTP requests at most, in a paced stream of about 1 s", min=1, max=2000
        ),
        "spacing_ms": Option(
            float, 5.0, "least time between two requests, milliseconds", min=1, max=500
        ),
        "request_timeout_s": Option(
            float, 5.0, "timeout of each request, seconds", min=0.1, max=60
        ),
    }

    async def run(self, ctx: CheckContext) -> Finding:
        meeting = ctx.require_meeting()
        url = host_url(meeting)
        if not url:
            ctx.skip(_("the meeting file names no platform URL or endpoint to compare clocks with"))
        import aiohttp

        samples = max(1, int(ctx.options["samples"]))
        timeout = float(ctx.options["request_timeout_s"])
        try:
            async with aiohttp.ClientSession(trust_env=True) as session:
                sampler = _http_sampler(session, url, timeout)
                spacing = float(ctx.options["spacing_ms"]) / 1000
                est = await estimate_offset(sampler, samples, spacing=spacing)
        except NoDate:
            return Finding.warn(
                _("{host} sent no usable Date header, so the clocks could not be compared").format(
                    host=url
                ),
                fix=_("Nothing to do on your side; tell the meeting secretariat."),
                facts={"host": url},
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return Finding.warn(
                _(
                    "could not reach the meeting host {host} to compare clocks ({error}); "
                    "this is not a fault of your computer"
                ).format(host=url, error=type(exc).__name__),
                fix=_(
                    "Check your internet connection; if the other network checks pass, "
                    "you can ignore this warning."
                ),
                facts={"host": url},
            )
        offset = est.offset
        text = describe(offset, est.uncertainty)
        return ctx.judge(
            "offset_s",
            round(abs(offset), 3),
            ok=_("{clock}"),
            bad=_("{clock}; the limit is {limit} s"),
            values={"clock": text},
            note=""
            if est.consistent
            else _("the host's Date headers were inconsistent, median used"),
            extra=[
                Measurement("offset_signed_s", round(offset, 3), "s"),
                Measurement("uncertainty_s", round(est.uncertainty, 3), "s"),
                Measurement("min_rtt_ms", round(est.min_rtt * 1000, 1), "ms"),
                Measurement("samples", est.samples),
                Measurement("host", url),
            ],
        )
