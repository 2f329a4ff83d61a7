"""channels.identity: each channel is the channel its label says (no crossed patch)."""

from __future__ import annotations

from meetcheck.check import Check, Finding, Measurement, Severity
from meetcheck.checks.channels._collect import IMPORTS, SENSES, ChannelData, Collection, collect
from meetcheck.checks.channels._findings import channel_facts, not_received
from meetcheck.context import CheckContext


class ChannelsIdentity(Check):
    """A crossed patch (French label, Spanish audio) is a classic interpretation fault that
    no label or metadata reveals: the channel-identity signal in the audio does
    (docs/channel-identity.md). A platform that does not send it cannot be verified, which
    is never a failure."""

    id = "channels.identity"
    title = "Every channel carries the language its label says"
    severity = Severity.HIGH
    remediation = (
        "Tell the secretariat or the technicians: the channels are crossed, so delegates "
        "choosing one language hear another."
    )
    timing = True
    imports = IMPORTS
    senses = SENSES

    async def run(self, ctx: CheckContext) -> list[Finding]:
        data = await collect(ctx)
        out = not_received(ctx, data)
        out += [self._one(c, data) for c in data.received]
        return out

    def _one(self, c: ChannelData, data: Collection) -> Finding:
        facts = [*channel_facts(c), Measurement("marks", c.marks)]
        if c.identity is not None:
            facts += [
                Measurement("identity", c.identity),
                Measurement("confidence", round(c.identity_confidence, 3)),
            ]
            if c.identity == c.code:
                return Finding.passed(f"{c.name}: the identity signal says {c.code}", facts=facts)
            return Finding.fail(
                f"{c.name}: crossed channel, labelled {c.code!r} but carrying {c.identity!r}",
                fix=(
                    f"Tell the secretariat or the technicians: the {c.code} channel carries "
                    f"the {c.identity} audio, so delegates choosing {c.code} hear {c.identity}."
                ),
                facts=facts,
            )
        facts.append(Measurement("verifiable", False))
        if c.marks:
            return Finding.warn(
                f"{c.name}: the identity signal is there but unreadable (two channels mixed?)",
                fix="Tell the technicians: this channel may carry two sources at once.",
                facts=facts,
            )
        declared = (
            c.via == "whep"
            and data.identity_channels is not None
            and c.code in data.identity_channels
        )
        why = (
            "the server says it sends the identity signal, but none was found"
            if declared
            else "no identity signal (the platform does not send one)"
        )
        return Finding.passed(f"{c.name}: not verifiable, {why}", facts=facts)
