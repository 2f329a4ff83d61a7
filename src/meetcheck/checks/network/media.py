"""``network.media``: a real WebRTC call to the meeting's echo endpoint.

The STUN probes say whether UDP gets through; this says how a real call fares: ICE picks a
path (direct, through NAT, or through the TURN relay), DTLS and SRTP are set up, Opus goes
both ways, and timestamped probes on an unordered, non-retransmitting data channel measure
round trip, loss, loss bursts and reordering as the audio meets them. aiortc's statistics
give jitter in RTP clock units, converted here to milliseconds (see
:mod:`meetcheck.webrtc.echo_probe`).
"""

from __future__ import annotations

from meetcheck.check import Check, Finding, Measurement, Metric, Option, Severity
from meetcheck.checks.network._measure import SERVER_FIX, UDP_FIX, echo_session, missing
from meetcheck.context import CheckContext

FIX = (
    "Use a wired (Ethernet) connection instead of Wi-Fi, and stop uploads, downloads and "
    "video streams on your network during the meeting."
)
FAILURE_FIX = {
    "refused": SERVER_FIX,
    "unreachable": SERVER_FIX,
    "connect": UDP_FIX,
    "ended": SERVER_FIX,
    "error": SERVER_FIX,
}


class MediaPath(Check):
    """The audio path as a real call meets it: what the interpreters will hear."""

    id = "network.media"
    title = "A real call to the meeting's echo endpoint (WebRTC, Opus)"
    severity = Severity.HIGH
    timing = True
    imports = ("aiortc", "aiohttp", "av", "numpy", "meetcheck.webrtc.echo_probe")
    remediation = FIX
    senses = ("network.media",)  # the browser self-test's own echo call
    metrics = {
        "rtt_ms": Metric("ms", description="median round trip of the data-channel probes"),
        "jitter_ms": Metric("ms", description="RFC 3550 jitter of the audio sent, as received"),
        "loss_pct": Metric("%", description="probes lost, both ways together"),
        "burst_loss_pct": Metric("%", description="worst loss in any 200 ms"),
        "reorder_pct": Metric("%", description="answers arriving after a later one"),
        "bitrate_kbps": Metric("kbit/s", higher_is_worse=False, description="audio sent"),
    }
    options = {
        "seconds": Option(float, 3.0, "how long to measure the call", min=1, max=60),
        "interval_ms": Option(float, 20.0, "time between probes", min=5, max=200),
        "wait_ms": Option(
            float, 1000.0, "how long answers count after the last probe", min=100, max=5000
        ),  # fmt: skip
        "connect_timeout_s": Option(
            float, 8.0, "time allowed to set up the call", min=1, max=60
        ),  # fmt: skip
        "use_ice_servers": Option(
            bool, True, "gather candidates from the meeting's STUN/TURN servers"
        ),  # fmt: skip
        "relay_only": Option(bool, False, "use only TURN relay candidates"),
        "warn_candidates": Option(
            list,
            ["relay/tcp"],
            "paths that work, with more delay, and so warn",
            item_type=str,
            choices=("host/udp", "srflx/udp", "prflx/udp", "relay/udp", "relay/tcp", "host/tcp"),
        ),  # fmt: skip
    }

    async def run(self, ctx: CheckContext) -> list[Finding]:
        if ctx.sensors is None:
            meeting = ctx.require_meeting()
            if not meeting.echo_url:
                return missing(ctx, "[echo] endpoint")
        out = await echo_session(ctx, ctx.options)
        if out.figures is None:
            facts = {"failure": out.kind, "status": out.status}
            return [
                Finding.fail(
                    f"echo call failed: {out.error}", fix=FAILURE_FIX[out.kind], facts=facts
                )
            ]
        f = out.figures
        if not f.answered:
            return [
                Finding.fail(
                    f"the call connected ({f.candidate_type}) but none of {f.probes} probes "
                    "came back",
                    fix=UDP_FIX,
                    facts={"candidate_type": f.candidate_type, "loss_pct": 100.0},
                )
            ]
        facts = [
            Measurement("candidate_type", f.candidate_type),
            Measurement("up_loss_pct", f.up_loss_pct, "%"),
            Measurement("down_loss_pct", f.down_loss_pct, "%"),
            Measurement("probe_jitter_ms", f.probe_jitter_ms, "ms"),
            Measurement("echo_jitter_ms", f.echo_jitter_ms, "ms"),
            Measurement("probes", f.probes),
            Measurement("audio_frames_received", f.audio_frames),
            Measurement("connect_ms", f.connect_ms, "ms"),
        ]
        if f.source:  # measured elsewhere: by the browser, from its getStats()
            facts.append(Measurement("source", f.source))
        path = f"over {f.candidate_type}" + (f"; {'; '.join(f.notes)}" if f.notes else "")
        judged = [
            ("rtt_ms", "round trip", path),
            ("jitter_ms", "jitter", ""),
            ("loss_pct", "loss", f"up {f.up_loss_pct:g} %, down {f.down_loss_pct:g} %"),
            ("burst_loss_pct", "worst 200 ms loss", ""),
            ("reorder_pct", "reordered", ""),
            ("bitrate_kbps", "audio bit rate", ""),
        ]
        unmeasured = [m for m, _, _ in judged if getattr(f, m) is None]
        if unmeasured:  # the browser's statistics have no per-probe data: said, not faked
            facts.append(Measurement("not_measured", ", ".join(unmeasured)))
        judged = [j for j in judged if getattr(f, j[0]) is not None]
        findings = []
        for i, (metric, label, note) in enumerate(judged):
            word = "below" if metric == "bitrate_kbps" else "above"
            findings.append(
                ctx.judge(
                    metric,
                    getattr(f, metric),
                    ok=f"{label} {{value}} {{unit}}",
                    bad=f"{label} {{value}} {{unit}}, {word} {{limit}} {{unit}}",
                    note=note,
                    extra=facts if i == 0 else None,
                )
            )
        if f.candidate_type in ctx.options["warn_candidates"]:
            findings.append(
                Finding.warn(
                    f"the call only got through {f.candidate_type}: it works, with more delay "
                    "and less resilience than UDP",
                    fix=UDP_FIX,
                    facts={"candidate_type": f.candidate_type},
                )
            )
        if f.audio_frames == 0:
            findings.append(
                Finding.warn(
                    "no echoed audio came back, although the probes did",
                    fix=SERVER_FIX,
                    facts={"audio_frames_received": 0},
                )
            )
        return findings
