"""The network family's collector: each measurement runs once per run, however many checks
read it (``network.stun`` and ``network.mos`` share the STUN trains; ``network.media``,
``network.mos`` and the audio family share the echo call, :mod:`meetcheck.checks._echo_call`).

Also the targets read from the meeting file, and small statistics helpers.
"""

from __future__ import annotations

import functools
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from meetcheck.checks._echo_call import echo_call, settings_of
from meetcheck.checks._link_gate import link_gate
from meetcheck.checks.network._catalog import N_, _
from meetcheck.context import CheckContext
from meetcheck.i18n import localize
from meetcheck.webrtc.iceurl import IceUrl, IceUrlError, parse_ice_url

UDP_FIX = N_(
    "Ask your IT department to allow outgoing UDP to the meeting's servers (port 3478 and "
    "443), or connect from another network (not a guest or hotel Wi-Fi)."
)
SERVER_FIX = N_(
    "This is not a problem with your connection: tell the meeting secretariat that its "
    "server does not answer, and try again later."
)


def semicolons(parts: Iterable[str]) -> str:
    """``a; b; c`` as one translatable text (a Chinese report joins with ``；``)."""
    return functools.reduce(
        lambda message, note: _("{message}; {note}").format(message=message, note=note),
        parts,
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
    for url, _server in ice_urls(ctx)[0]:
        if url.transport == "udp":
            seen.setdefault((url.host, url.port), url)
    return list(seen.values())


def tcp_ports_of(ctx: CheckContext, host: str, port: int) -> list[int]:
    """TCP ports the meeting says ``host`` listens on: the STUN port itself (STUN over
    TCP), TURN over TCP/TLS, the platform's web port, and 443."""
    ports = [port]
    for url, _server in ice_urls(ctx)[0]:
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
        addrs, _family = await resolve(target.host, target.port, timeout=wait + 1)
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


# --- the path figures -----------------------------------------------------------------


async def path_figures(
    ctx: CheckContext, stun_defaults: dict[str, Any]
) -> tuple[float, float, float, str] | None:
    """(RTT ms, jitter ms, loss %, where from) for the E-model: the echo call when the
    meeting has one, else the first STUN train with answers. The defaults are those of
    network.stun, used when the profile does not set them."""
    if ctx.sensors is not None:  # judge what the browser measured, never measure here
        f = (await echo_call(ctx)).figures
        loss = max(f.up_loss_pct, f.down_loss_pct)
        return f.rtt_ms, f.jitter_ms, loss, f"the {ctx.sensors.source}'s echo call (network.media)"
    if ctx.meeting is None:
        return None
    if ctx.meeting.echo_url:
        out = await echo_call(ctx)
        f = out.figures
        if f is not None and f.answered:
            loss = max(f.up_loss_pct, f.down_loss_pct)
            return f.rtt_ms, f.jitter_ms, loss, N_("the echo call (network.media)")
    opts = settings_of(ctx, "network.stun", stun_defaults)
    trains = await stun_trains(
        ctx, opts["probes"], opts["interval_ms"] / 1000, opts["wait_ms"] / 1000
    )
    for t in trains:
        if t.result is not None and t.result.received:
            fig = train_figures(t.result)
            where = N_("STUN probes to {server}").format(server=t.target.label)
            return fig["rtt_ms"], fig["jitter_ms"], fig["loss_pct"], where
    return None


def missing(ctx: CheckContext, what: str) -> Any:
    """The meeting file lacks what the check needs: SKIPPED with the reason, or a FAIL
    when the profile requires the check (a required measurement cannot be left out).
    ``what`` is an ``N_`` text: English in the facts, translated in the message."""
    from meetcheck.check import Finding

    if ctx.settings.required:
        return [
            Finding.fail(
                _("the meeting file has no {what}, which this profile requires").format(
                    what=localize(what)
                ),
                fix=_("Ask the meeting secretariat for a complete meeting file."),
                facts={"missing": str(what)},
            )
        ]
    ctx.skip(_("the meeting file has no {what}").format(what=localize(what)))
