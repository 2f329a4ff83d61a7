"""channels.receive: every channel answers over WHEP and its audio starts playing."""

from __future__ import annotations

from meetcheck.check import Check, Finding, Measurement, Metric, Severity
from meetcheck.checks.channels._catalog import N_, _
from meetcheck.checks.channels._collect import IMPORTS, SENSES, ChannelData, collect
from meetcheck.checks.channels._findings import channel_facts
from meetcheck.context import CheckContext
from meetcheck.i18n import localize

FIX_BY_STATUS = {
    401: N_(
        "Use the meeting link or file the secretariat sent you personally: it carries your "
        "access token."
    ),
    403: N_(
        "Your access token was refused: use the latest link the secretariat sent you, or ask "
        "for a new one."
    ),
    404: N_("Tell the secretariat: the meeting file points at a channel the server does not have."),
}
FIX_NETWORK = N_(
    "Check that your network allows WebRTC audio (UDP, or TCP port 443 through the meeting's "
    "relay); on an office network ask IT, or try another connection. If it persists, tell "
    "the secretariat."
)


def _fix(c: ChannelData) -> str:
    if c.http_status == 503 and c.retry_after:
        return _(
            "The meeting's server is full: try again in {seconds} seconds. If it stays full, "
            "tell the secretariat."
        ).format(seconds=c.retry_after)
    if c.http_status == 503:
        return _(
            "The meeting's server is full: try again in a minute. If it stays full, tell the "
            "secretariat."
        )
    if c.http_status in FIX_BY_STATUS:
        return localize(FIX_BY_STATUS[c.http_status])
    if c.http_status is not None:
        return _("Tell the secretariat which channel failed and the HTTP status shown.")
    return localize(FIX_NETWORK)


class ChannelsReceive(Check):
    """Subscribing to a channel is the first thing that breaks behind a firewall, with a
    stale token, or when the meeting's server is full."""

    id = "channels.receive"
    title = N_("Every channel can be received")
    severity = Severity.CRITICAL
    remediation = FIX_NETWORK
    metrics = {
        "first_audio_ms": Metric("ms", description=N_("from the WHEP request to the first audio"))
    }
    timing = True
    imports = IMPORTS
    senses = SENSES

    async def run(self, ctx: CheckContext) -> list[Finding]:
        data = await collect(ctx)
        out = []
        for c in data.channels.values():
            facts = channel_facts(c)
            if c.ok:
                assert c.first_audio_ms is not None
                out.append(
                    ctx.judge(
                        "first_audio_ms",
                        round(c.first_audio_ms, 1),
                        ok=_("{channel}: first audio {value} {unit} after the request"),
                        bad=_(
                            "{channel}: first audio only {value} {unit} after the request "
                            "(limit {limit} {unit})"
                        ),
                        values={"channel": c.name},
                        extra=facts,
                    )
                )
                continue
            if c.http_status is not None:
                facts.append(Measurement("http_status", c.http_status))
            if c.retry_after:
                facts.append(Measurement("retry_after", c.retry_after, "s"))
            if c.stage:
                facts.append(Measurement("stage", c.stage))
            message = _("{channel}: {problem}").format(channel=c.name, problem=localize(c.problem))
            out.append(Finding.fail(message, fix=_fix(c), facts=facts))
        return out
