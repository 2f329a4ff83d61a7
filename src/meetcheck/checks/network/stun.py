"""``network.stun``: does UDP reach the meeting's STUN/TURN servers, and how well?

Meeting audio travels over UDP. A train of STUN Binding requests paced like an audio stream
(one every 20 ms, each sent once, late answers lost) measures what an audio packet would
meet: round trip, jitter, loss, and the public (server-reflexive) address. When nothing
comes back, a TCP control to the same host tells a network that blocks UDP from a server
that is down, so a delegate is not sent to their IT department for the secretariat's fault.
"""

from __future__ import annotations

from meetcheck.check import Check, Finding, Measurement, Metric, Option, Severity
from meetcheck.checks.network._catalog import N_, _, ngettext
from meetcheck.checks.network._measure import (
    SERVER_FIX,
    UDP_FIX,
    TrainOutcome,
    ice_urls,
    missing,
    stun_trains,
    train_figures,
)
from meetcheck.context import CheckContext
from meetcheck.i18n import localize

RTT_FIX = N_(
    "Use a wired (Ethernet) connection instead of Wi-Fi or mobile data, and stop large "
    "downloads, uploads and video streams on your network during the meeting."
)
LOSS_FIX = N_(
    "Connect with an Ethernet cable, move closer to the router if you must use Wi-Fi, and "
    "stop uploads (cloud backup, file sharing) running in the background."
)


def udp_failure(out: TrainOutcome) -> Finding:
    """The finding when no Binding answer came back, told apart by the TCP control."""
    t, res = out.target, out.result
    facts = {"server": t.label, "probes": res.sent, "loss_pct": 100.0}
    if res.errors:
        return Finding.fail(
            _("{server}: the server answered every probe with an error ({error})").format(
                server=t.label, error=res.error
            ),
            fix=localize(SERVER_FIX),
            facts=facts,
        )
    tried = ", ".join(str(p) for p in out.control_ports)
    if out.control_port is None:
        facts["diagnosis"] = "server down"
        return Finding.fail(
            _(
                "{server}: the server is down or unreachable: no answer over UDP, and no "
                "answer over TCP either (ports {ports})"
            ).format(server=t.label, ports=tried),
            fix=localize(SERVER_FIX),
            facts=facts,
        )
    if res.unreachable:
        facts["diagnosis"] = "stun service down"
        return Finding.fail(
            _(
                "{server}: the host answers over TCP port {tcp_port}, but nothing "
                "listens on UDP port {udp_port} (port unreachable): the STUN service is down"
            ).format(server=t.label, tcp_port=out.control_port, udp_port=t.port),
            fix=localize(SERVER_FIX),
            facts=facts,
        )
    facts["diagnosis"] = "udp blocked"
    return Finding.fail(
        ngettext(
            "{server}: UDP is blocked on this network: {n} probe got no answer, "
            "while the same host answers over TCP port {tcp_port}",
            "{server}: UDP is blocked on this network: {n} probes got no answer, "
            "while the same host answers over TCP port {tcp_port}",
            res.sent,
        ).format(server=t.label, n=res.sent, tcp_port=out.control_port),
        fix=localize(UDP_FIX),
        facts=facts,
    )


class StunProbe(Check):
    """Audio needs a UDP path with low delay, jitter and loss to the meeting's servers."""

    id = "network.stun"
    title = N_("UDP path to the meeting's STUN/TURN servers")
    severity = Severity.HIGH
    timing = True
    imports = ("meetcheck.webrtc.stun", "meetcheck.webrtc.netprobe")
    remediation = RTT_FIX
    metrics = {
        "rtt_ms": Metric("ms", description=N_("median round trip of the STUN probes")),
        "rtt_p95_ms": Metric("ms", description=N_("95th percentile round trip")),
        "jitter_ms": Metric("ms", description=N_("mean absolute difference of consecutive RTTs")),
        "loss_pct": Metric("%", description=N_("probes without an answer before the deadline")),
    }
    options = {
        "probes": Option(int, 50, "Binding requests per server", min=5, max=500),
        "interval_ms": Option(
            float, 20.0, "time between probes (an audio packet's)", min=5, max=200
        ),  # fmt: skip
        "wait_ms": Option(
            float, 1000.0, "after the last probe, how long answers count", min=100, max=5000
        ),  # fmt: skip
    }

    async def run(self, ctx: CheckContext) -> list[Finding]:
        ctx.require_meeting()
        urls, bad = ice_urls(ctx)
        outcomes = await stun_trains(
            ctx,
            ctx.options["probes"],
            ctx.options["interval_ms"] / 1000,
            ctx.options["wait_ms"] / 1000,
        )
        findings = [
            Finding.fail(_("unusable ICE server URL in the meeting file: {error}").format(error=b))
            for b in bad
        ]
        if not outcomes:
            if not findings:
                return missing(ctx, N_("STUN or TURN server reachable over UDP ([[ice_servers]])"))
            return findings
        for out in outcomes:
            findings += self._judge(ctx, out)
        return findings

    def _judge(self, ctx: CheckContext, out: TrainOutcome) -> list[Finding]:
        label = out.target.label
        if out.error:
            message = _("{server}: {error}").format(server=label, error=out.error)
            return [Finding.fail(message, fix=localize(UDP_FIX), facts={"server": label})]
        res = out.result
        if not res.received:
            return [udp_failure(out)]
        fig = train_figures(res)
        srflx = f"{res.srflx[0]}:{res.srflx[1]}" if res.srflx else ""
        extra = [
            Measurement("rtt_p95_ms", fig["rtt_p95_ms"], "ms"),
            Measurement("probes", res.sent),
            Measurement("srflx", srflx),
            Measurement("server", label),
        ]
        note = _("{server}, {answered}/{sent} answered, public address {address}").format(
            server=label, answered=len(res.received), sent=res.sent, address=srflx
        )
        return [
            ctx.judge(
                "rtt_ms",
                fig["rtt_ms"],
                ok=_("round trip {value} {unit} (median)"),
                bad=_("round trip {value} {unit} (median) is above {limit} {unit}"),
                note=note,
                extra=extra,
                fix=RTT_FIX,
            ),
            ctx.judge(
                "jitter_ms",
                fig["jitter_ms"],
                ok=_("jitter {value} {unit}"),
                bad=_("jitter {value} {unit} is above {limit} {unit}"),
                note=label,
                fix=RTT_FIX,
            ),
            ctx.judge(
                "loss_pct",
                fig["loss_pct"],
                ok=_("{value} {unit} of probes lost"),
                bad=_("{value} {unit} of probes lost, above {limit} {unit}"),
                note=label,
                fix=LOSS_FIX,
            ),
        ]
