"""channels.identity: each channel is the channel its label says (no crossed patch)."""

from __future__ import annotations

from meetcheck.check import Finding, Measurement, Severity
from meetcheck.checks.channels._base import ReceivedChannelsCheck
from meetcheck.checks.channels._catalog import N_, _
from meetcheck.checks.channels._collect import ChannelData, Collection
from meetcheck.checks.channels._findings import channel_facts
from meetcheck.context import CheckContext


class ChannelsIdentity(ReceivedChannelsCheck):
    """A crossed patch (French label, Spanish audio) is a classic interpretation fault that
    no label or metadata reveals: the channel-identity signal in the audio does
    (docs/channel-identity.md). A platform that does not send it cannot be verified, which
    is never a failure."""

    id = "channels.identity"
    title = N_("Every channel carries the language its label says")
    severity = Severity.HIGH
    remediation = N_(
        "Tell the secretariat or the technicians: the channels are crossed, so delegates "
        "choosing one language hear another."
    )

    def assess(self, ctx: CheckContext, data: Collection) -> list[Finding]:
        return [self._one(c, data) for c in data.received]

    def _one(self, c: ChannelData, data: Collection) -> Finding:
        facts = [*channel_facts(c), Measurement("marks", c.marks)]
        if c.identity is not None:
            facts += [
                Measurement("identity", c.identity),
                Measurement("confidence", round(c.identity_confidence, 3)),
            ]
            if c.identity == c.code:
                message = _("{channel}: the identity signal says {code}")
                return Finding.passed(message.format(channel=c.name, code=c.code), facts=facts)
            return Finding.fail(
                _("{channel}: crossed channel, labelled {label} but carrying {heard}").format(
                    channel=c.name, label=repr(c.code), heard=repr(c.identity)
                ),
                fix=_(
                    "Tell the secretariat or the technicians: the {label} channel carries "
                    "the {heard} audio, so delegates choosing {label} hear {heard}."
                ).format(label=c.code, heard=c.identity),
                facts=facts,
            )
        facts.append(Measurement("verifiable", False))
        if c.marks:
            return Finding.warn(
                _(
                    "{channel}: the identity signal is there but unreadable (two channels mixed?)"
                ).format(channel=c.name),
                fix=_("Tell the technicians: this channel may carry two sources at once."),
                facts=facts,
            )
        declared = (
            c.via == "whep"
            and data.identity_channels is not None
            and c.code in data.identity_channels
        )
        why = (
            _("the server says it sends the identity signal, but none was found")
            if declared
            else _("no identity signal (the platform does not send one)")
        )
        message = _("{channel}: not verifiable, {why}").format(channel=c.name, why=why)
        return Finding.passed(message, facts=facts)
