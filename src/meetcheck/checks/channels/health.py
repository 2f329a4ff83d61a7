"""channels.health: packet loss, jitter and concealment per channel, from the receiver."""

from __future__ import annotations

from meetcheck.check import Finding, Measurement, Metric, Severity
from meetcheck.checks.channels._base import ReceivedChannelsCheck
from meetcheck.checks.channels._catalog import N_, _
from meetcheck.checks.channels._collect import Collection
from meetcheck.checks.channels._findings import channel_facts, worst
from meetcheck.context import CheckContext


class ChannelsHealth(ReceivedChannelsCheck):
    """Lost packets and late packets are heard as gaps and warbles in the interpretation:
    measured per channel, as the listener's own receiver saw them."""

    id = "channels.health"
    title = N_("Channels arrive without loss or jitter")
    severity = Severity.MEDIUM
    remediation = N_(
        "Use a wired (Ethernet) connection and close programs that use the network; if only "
        "some channels suffer, tell the secretariat."
    )
    metrics = {
        "loss_pct": Metric("%", description=N_("packets lost of packets expected")),
        "jitter_ms": Metric("ms", description=N_("RTP interarrival jitter (RFC 3550)")),
        "concealed_pct": Metric(
            "%", description=N_("share of the audio filled in for lost packets")
        ),
    }

    def assess(self, ctx: CheckContext, data: Collection) -> list[Finding]:
        out: list[Finding] = []
        for c in data.received:
            named = {"channel": c.name}
            ch = channel_facts(c)
            if c.via != "whep":
                out.append(
                    Finding.passed(
                        _(
                            "{channel}: not measured, a webcast over HTTP has no packet statistics"
                        ).format(channel=c.name),
                        facts=ch,
                    )
                )
                continue
            stats = c.stats
            found = [
                ctx.judge(
                    "loss_pct",
                    round(stats.get("loss_pct", 0.0), 2),
                    ok=_("{channel}: {value} {unit} loss"),
                    bad=_("{channel}: {value} {unit} of packets lost (limit {limit} {unit})"),
                    values=named,
                    extra=ch
                    + [
                        Measurement("packets_received", int(stats.get("packets_received", 0))),
                        Measurement("packets_lost", int(stats.get("packets_lost", 0))),
                    ],
                ),
                ctx.judge(
                    "jitter_ms",
                    round(stats.get("jitter_ms", 0.0), 1),
                    ok=_("{value} {unit} jitter"),
                    bad=_("{channel}: {value} {unit} jitter (limit {limit} {unit})"),
                    values=named,
                    extra=ch,
                ),
                ctx.judge(
                    "concealed_pct",
                    round(c.concealed_pct, 2),
                    ok=_("{value} {unit} concealed"),
                    bad=_(
                        "{channel}: {value} {unit} of the audio concealed (limit {limit} {unit})"
                    ),
                    values=named,
                    extra=ch,
                ),
            ]
            out.append(worst(found))
        return out
