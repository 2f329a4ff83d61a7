"""The network family's collector: each measurement runs once per run, however many checks
read it (``network.stun`` and ``network.mos`` share the STUN trains; ``network.media`` and
``network.mos`` share the echo session).

Also the targets read from the meeting file, and small statistics helpers.
"""

from __future__ import annotations

import contextlib
import statistics
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from meetcheck.context import CheckContext
from meetcheck.webrtc.iceurl import IceUrl, IceUrlError, parse_ice_url

UDP_FIX = (
    "Ask your IT department to allow outgoing UDP to the meeting's servers (port 3478 and "
    "443), or connect from another network (not a guest or hotel Wi-Fi)."
)
SERVER_FIX = (
    "This is not a problem with your connection: tell the meeting secretariat that its "
    "server does not answer, and try again later."
)


# --- statistics -----------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def mean_abs_diff(values: Sequence[float]) -> float:
    """Mean absolute difference of consecutive values (RFC 3550's jitter, unsmoothed)."""
    if len(values) < 2:
        return 0.0
    return statistics.fmean(abs(b - a) for a, b in zip(values, values[1:], strict=False))


# --- targets in the meeting file ------------------------------------------------------


def ice_urls(ctx: CheckContext) -> tuple[list[tuple[IceUrl, Any]], list[str]]:
    """Every parseable ICE URL with its server entry, and the URLs that did not parse."""
    out: list[tuple[IceUrl, Any]] = []
    bad: list[str] = []
    for server in ctx.meeting.ice_servers if ctx.meeting else []:
        for url in server.urls:
            try:
                out.append((parse_ice_url(url), server))
            except IceUrlError as exc:
                bad.append(str(exc))
    return out, bad


def stun_targets(ctx: CheckContext) -> list[IceUrl]:
    """UDP STUN/TURN servers, one per host and port (a TURN server answers Binding too)."""
    seen: dict[tuple[str, int], IceUrl] = {}
    for url, _ in ice_urls(ctx)[0]:
        if url.transport == "udp":
            seen.setdefault((url.host, url.port), url)
    return list(seen.values())


def tcp_ports_of(ctx: CheckContext, host: str, port: int) -> list[int]:
    """TCP ports the meeting says ``host`` listens on: the STUN port itself (STUN over
    TCP), TURN over TCP/TLS, the platform's web port, and 443."""
    ports = [port]
    for url, _ in ice_urls(ctx)[0]:
        if url.host == host and url.transport in ("tcp", "tls"):
            ports.append(url.port)
    platform = urlsplit(ctx.meeting.platform_url) if ctx.meeting else None
    if platform and platform.hostname == host:
        ports.append(platform.port or (443 if platform.scheme == "https" else 80))
    ports.append(443)
    return list(dict.fromkeys(ports))


# --- the STUN trains ------------------------------------------------------------------


@dataclass
class TrainOutcome:
    """One server's train, or why it could not run; ``control_port`` is the TCP port that
    answered when UDP did not (None: none did, or no control was needed)."""

    target: IceUrl
    result: Any = None  # meetcheck.webrtc.stun.TrainResult
    error: str = ""
    control_port: int | None = None
    control_ports: list[int] = field(default_factory=list)


async def stun_trains(
    ctx: CheckContext, probes: int, interval: float, wait: float
) -> list[TrainOutcome]:
    """Run the Binding trains to every STUN server concurrently, once per run."""
    import asyncio

    async def measure() -> list[TrainOutcome]:
        targets = stun_targets(ctx)
        async with (await link_gate(ctx)).probing():
            runs = (_one(ctx, t, probes, interval, wait) for t in targets)
            return list(await asyncio.gather(*runs))

    return await ctx.shared.once("network.stun.trains", measure)


async def _one(
    ctx: CheckContext, target: IceUrl, probes: int, interval: float, wait: float
) -> TrainOutcome:
    from meetcheck.webrtc.netprobe import ReachError, resolve, tcp_control
    from meetcheck.webrtc.stun import StunError, binding_train

    out = TrainOutcome(target)
    try:
        addrs, _ = await resolve(target.host, target.port, timeout=wait + 1)
        out.result = await binding_train(addrs[0], target.port, probes, interval, wait)
    except (ReachError, StunError) as exc:
        out.error = str(exc)
        return out
    if not out.result.received:
        out.control_ports = tcp_ports_of(ctx, target.host, target.port)
        out.control_port = await tcp_control(target.host, out.control_ports, timeout=1.5)
    return out


def train_figures(result: Any) -> dict[str, float]:
    """rtt_ms (median), rtt_p95_ms, jitter_ms, loss_pct of a train with answers."""
    rtts = [r * 1000 for r in result.received]
    return {
        "rtt_ms": round(statistics.median(rtts), 2),
        "rtt_p95_ms": round(percentile(rtts, 95), 2),
        "jitter_ms": round(mean_abs_diff(rtts), 2),
        "loss_pct": round(result.loss_pct, 2),
    }


# --- keeping latency probes and bulk transfers apart ----------------------------------


class LinkGate:
    """Latency measurements (STUN trains, the echo session) run beside each other, but
    never beside a throughput test, which fills the link's queues and would add its own
    queueing delay to every round trip measured then. Bulk transfers wait for the latency
    measurements that have started (or start in the same moment) to finish."""

    def __init__(self) -> None:
        import asyncio

        self.active = 0
        self.idle = asyncio.Event()
        self.idle.set()
        self.bulk = asyncio.Lock()
        self.probes_done = asyncio.Event()
        self.probes_done.set()

    @contextlib.asynccontextmanager
    async def probing(self) -> AsyncIterator[None]:
        """The STUN trains: light, but timed to the millisecond, so the echo call (whose
        set-up and codec work compete for the processor) waits until they are done."""
        self.probes_done.clear()
        try:
            async with self.measuring():
                yield
        finally:
            self.probes_done.set()

    async def after_probes(self) -> None:
        import asyncio

        for _ in range(5):  # let trains started in the same tick of the runner register
            await asyncio.sleep(0.01)
        await self.probes_done.wait()

    @contextlib.asynccontextmanager
    async def measuring(self) -> AsyncIterator[None]:
        async with self.bulk:  # not while a transfer is running
            self.active += 1
            self.idle.clear()
        try:
            yield
        finally:
            self.active -= 1
            if self.active == 0:
                self.idle.set()

    @contextlib.asynccontextmanager
    async def saturating(self) -> AsyncIterator[None]:
        # Let latency checks started in the same tick of the runner register first.
        import asyncio

        for _ in range(5):
            await asyncio.sleep(0.01)
        async with self.bulk:
            await self.idle.wait()
            yield


async def link_gate(ctx: CheckContext) -> LinkGate:
    async def make() -> LinkGate:
        return LinkGate()

    return await ctx.shared.once("network.link_gate", make)


# --- the echo session -----------------------------------------------------------------


def settings_of(ctx: CheckContext, check_id: str, defaults: dict[str, Any]) -> dict[str, Any]:
    """Another check's options as the profile sets them (its defaults when it is not in
    the profile), so a shared measurement runs the same whichever check starts it."""
    out = dict(defaults)
    if ctx.profile is not None and check_id in ctx.profile.checks:
        out.update(ctx.profile.checks[check_id].options)
    if ctx.check.id == check_id:
        out.update(ctx.options)
    return out


@dataclass
class EchoOutcome:
    """The echo session's figures, or how it failed (``kind``: refused, unreachable,
    connect, ended, error)."""

    figures: Any = None  # meetcheck.webrtc.echo_probe.EchoFigures
    kind: str = ""
    error: str = ""
    status: int = 0


def rtc_ice_servers(ctx: CheckContext) -> list[Any]:
    """The meeting's STUN/TURN servers for aiortc (never a public default)."""
    from aiortc import RTCIceServer

    out = []
    for server in ctx.meeting.ice_servers if ctx.meeting else []:
        urls = [u for u in server.urls if not u.startswith("stuns:")]  # aioice has no STUNS
        if urls:
            out.append(
                RTCIceServer(
                    urls=urls,
                    username=server.username or None,
                    credential=server.credential or None,
                )
            )
    return out


def _run_on_own_loop(fn: Any, *args: Any) -> Any:
    """Run coroutine function ``fn(*args)`` to completion on a fresh loop (in a thread)."""
    import asyncio

    return asyncio.run(fn(*args))


async def echo_session(ctx: CheckContext, defaults: dict[str, Any]) -> EchoOutcome:
    """One measured echo call per run (``network.media`` and ``network.mos`` share it);
    in a browser self-test, the browser's own call (the ``network.media`` reading)."""
    if ctx.sensors is not None:
        figures = ctx.sensor("network.media")
        if figures is None:
            ctx.skip(f"the {ctx.sensors.source} did not measure an echo call")
        return EchoOutcome(figures=figures)
    opts = settings_of(ctx, "network.media", defaults)

    async def measure() -> EchoOutcome:
        import aiohttp

        from meetcheck.webrtc.client import EndpointError
        from meetcheck.webrtc.echo_probe import measure_echo

        meeting = ctx.meeting
        assert meeting is not None
        gate = await link_gate(ctx)
        await gate.after_probes()
        async with gate.measuring():
            try:
                # On its own event loop in a worker thread: aiortc does its DTLS handshake,
                # certificate and Opus work on the loop, tens of milliseconds at a time,
                # which would make every other timing check wake late.
                figures = await ctx.blocking(
                    _run_on_own_loop,
                    measure_echo,
                    meeting.echo_url,
                    meeting.echo_token,
                    opts["seconds"],
                    opts["interval_ms"] / 1000,
                    opts["wait_ms"] / 1000,
                    rtc_ice_servers(ctx) if opts["use_ice_servers"] else [],
                    opts["relay_only"],
                    opts["connect_timeout_s"],
                )
            except EndpointError as exc:
                return EchoOutcome(kind="refused", error=str(exc), status=exc.status)
            except aiohttp.ClientError as exc:
                return EchoOutcome(kind="unreachable", error=f"{type(exc).__name__}: {exc}")
            except TimeoutError:
                return EchoOutcome(
                    kind="connect",
                    error=f"the call did not connect within {opts['connect_timeout_s']:g} s",
                )
            except ConnectionError as exc:
                return EchoOutcome(kind="ended", error=str(exc))
        return EchoOutcome(figures=figures)

    return await ctx.shared.once("network.media.session", measure)


async def path_figures(
    ctx: CheckContext, media_defaults: dict[str, Any], stun_defaults: dict[str, Any]
) -> tuple[float, float, float, str] | None:
    """(RTT ms, jitter ms, loss %, where from) for the E-model: the echo call when the
    meeting has one, else the first STUN train with answers. The defaults are those of
    network.media and network.stun, used when the profile does not set them."""
    if ctx.sensors is not None:  # judge what the browser measured, never measure here
        f = (await echo_session(ctx, media_defaults)).figures
        loss = max(f.up_loss_pct, f.down_loss_pct)
        return f.rtt_ms, f.jitter_ms, loss, f"the {ctx.sensors.source}'s echo call (network.media)"
    if ctx.meeting is None:
        return None
    if ctx.meeting.echo_url:
        out = await echo_session(ctx, media_defaults)
        f = out.figures
        if f is not None and f.answered:
            loss = max(f.up_loss_pct, f.down_loss_pct)
            return f.rtt_ms, f.jitter_ms, loss, "the echo call (network.media)"
    opts = settings_of(ctx, "network.stun", stun_defaults)
    trains = await stun_trains(
        ctx, opts["probes"], opts["interval_ms"] / 1000, opts["wait_ms"] / 1000
    )
    for t in trains:
        if t.result is not None and t.result.received:
            fig = train_figures(t.result)
            where = f"STUN probes to {t.target.label}"
            return fig["rtt_ms"], fig["jitter_ms"], fig["loss_pct"], where
    return None


def missing(ctx: CheckContext, what: str) -> Any:
    """The meeting file lacks what the check needs: SKIPPED with the reason, or a FAIL
    when the profile requires the check (a required measurement cannot be left out)."""
    from meetcheck.check import Finding

    if ctx.settings.required:
        return [
            Finding.fail(
                f"the meeting file has no {what}, which this profile requires",
                fix="Ask the meeting secretariat for a complete meeting file.",
                facts={"missing": what},
            )
        ]
    ctx.skip(f"the meeting file has no {what}")
