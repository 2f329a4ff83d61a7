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
from meetcheck.checks._echo_call import CALL_OPTIONS, echo_call
from meetcheck.checks.network._catalog import N_, _, ngettext
from meetcheck.checks.network._measure import SERVER_FIX, UDP_FIX, missing, semicolons
from meetcheck.context import CheckContext
from meetcheck.i18n import localize

FIX = N_(
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
    title = N_("A real call to the meeting's echo endpoint (WebRTC, Opus)")
    severity = Severity.HIGH
    timing = True
    imports = ("aiortc", "aiohttp", "av", "numpy", "meetcheck.webrtc.echo_probe")
    remediation = FIX
    senses = ("network.media",)  # the browser self-test's own echo call
    metrics = {
        "rtt_ms": Metric("ms", description=N_("median round trip of the data-channel probes")),
        "jitter_ms": Metric("ms", description=N_("RFC 3550 jitter of the audio sent, as received")),
        "loss_pct": Metric("%", description=N_("probes lost, both ways together")),
        "burst_loss_pct": Metric("%", description=N_("worst loss in any 200 ms")),
        "reorder_pct": Metric("%", description=N_("answers arriving after a later one")),
        "bitrate_kbps": Metric("kbit/s", higher_is_worse=False, description=N_("audio sent")),
    }
    options = {
        **CALL_OPTIONS,  # the shared echo call's (the audio family's after-codec audio too)
        "warn_candidates": Option(
            list,
            ["relay/tcp"],
            "paths that work, with more delay, and so warn",
            item_type=str,
            choices=("host/udp", "srflx/udp", "prflx/udp", "relay/udp", "relay/tcp", "host/tcp"),
        ),  # fmt: skip
    }

    async def run(self, ctx: CheckContext) -> list[Finding]:
        if ctx.sensors is None:  # the browser self-test measured its own call
            meeting = ctx.require_meeting()
            if not meeting.echo_url:
                return missing(ctx, N_("[echo] endpoint"))
        out = await echo_call(ctx)
        if out.figures is None:
            facts = {"failure": out.kind, "status": out.status}
            return [
                Finding.fail(
                    _("echo call failed: {error}").format(error=out.error),
                    fix=localize(FAILURE_FIX[out.kind]),
                    facts=facts,
                )
            ]
        f = out.figures
        if not f.answered:
            return [
                Finding.fail(
                    ngettext(
                        "the call connected ({path}) but its {n} probe did not come back",
                        "the call connected ({path}) but none of {n} probes came back",
                        f.probes,
                    ).format(path=f.candidate_type, n=f.probes),
                    fix=localize(UDP_FIX),
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
        path = semicolons([_("over {path}").format(path=f.candidate_type), *f.notes])
        loss = _("up {up} %, down {down} %").format(
            up=f"{f.up_loss_pct:g}", down=f"{f.down_loss_pct:g}"
        )
        judged = [  # metric, ok, bad, note
            (
                "rtt_ms",
                _("round trip {value} {unit}"),
                _("round trip {value} {unit}, above {limit} {unit}"),
                path,
            ),
            (
                "jitter_ms",
                _("jitter {value} {unit}"),
                _("jitter {value} {unit}, above {limit} {unit}"),
                "",
            ),
            (
                "loss_pct",
                _("loss {value} {unit}"),
                _("loss {value} {unit}, above {limit} {unit}"),
                loss,
            ),
            (
                "burst_loss_pct",
                _("worst 200 ms loss {value} {unit}"),
                _("worst 200 ms loss {value} {unit}, above {limit} {unit}"),
                "",
            ),
            (
                "reorder_pct",
                _("reordered {value} {unit}"),
                _("reordered {value} {unit}, above {limit} {unit}"),
                "",
            ),
            (
                "bitrate_kbps",
                _("audio bit rate {value} {unit}"),
                _("audio bit rate {value} {unit}, below {limit} {unit}"),
                "",
            ),
        ]
        unmeasured = [j[0] for j in judged if getattr(f, j[0]) is None]
        if unmeasured:  # the browser's statistics have no per-probe data: said, not faked
            facts.append(Measurement("not_measured", ", ".join(unmeasured)))
        judged = [j for j in judged if getattr(f, j[0]) is not None]
        findings = []
        for i, (metric, ok, bad, note) in enumerate(judged):
            findings.append(
                ctx.judge(
                    metric,
                    getattr(f, metric),
                    ok=ok,
                    bad=bad,
                    note=note,
                    extra=facts if i == 0 else None,
                )
            )
        if f.candidate_type in ctx.options["warn_candidates"]:
            findings.append(
                Finding.warn(
                    _(
                        "the call only got through {path}: it works, with more delay "
                        "and less resilience than UDP"
                    ).format(path=f.candidate_type),
                    fix=localize(UDP_FIX),
                    facts={"candidate_type": f.candidate_type},
                )
            )
        if f.audio_frames == 0:
            findings.append(
                Finding.warn(
                    _("no echoed audio came back, although the probes did"),
                    fix=localize(SERVER_FIX),
                    facts={"audio_frames_received": 0},
                )
            )
        return findings
