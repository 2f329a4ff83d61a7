"""channels.offered: the meeting file lists every channel the profile requires."""

from __future__ import annotations

from meetcheck.check import Check, Finding, Option, Severity
from meetcheck.checks.channels._catalog import N_, _, ngettext
from meetcheck.checks.channels._collect import SENSES
from meetcheck.checks.channels._findings import UN_CHANNELS, channel_fact
from meetcheck.context import CheckContext


class ChannelsOffered(Check):
    """A delegate who cannot find the interpretation into their language cannot follow."""

    id = "channels.offered"
    title = N_("The meeting offers the floor and every interpretation channel")
    severity = Severity.HIGH
    senses = SENSES  # in a browser self-test: the server's own meeting, whose channels it played
    remediation = N_(
        "Ask the secretariat for a meeting file (or link) that includes every interpretation "
        "channel of the meeting."
    )
    options = {
        "required": Option(
            list,
            list(UN_CHANNELS),
            "channel codes the meeting must offer: 'floor' and ISO 639-1 language codes",
            item_type=str,
        ),
    }

    async def run(self, ctx: CheckContext) -> list[Finding]:
        meeting = ctx.require_meeting()
        # A channel counts whether delegates get it from the platform or the webcast.
        offered = sorted(set(meeting.channels) | set(meeting.webcast))
        missing = [c for c in ctx.options["required"] if c not in offered]
        if not missing:
            required = ctx.options["required"]
            message = ngettext(
                "the {n} required channel is offered ({channels})",
                "all {n} required channels are offered ({channels})",
                len(required),
            ).format(n=len(required), channels=", ".join(required))
            return [Finding.passed(message, facts={"offered": ", ".join(offered)})]
        listed = ", ".join(offered) or _("none")
        return [
            Finding.fail(
                _(
                    "{code}: required channel missing from the meeting file ([channels], "
                    "[webcast]) (offered: {offered})"
                ).format(code=code, offered=listed),
                facts=[channel_fact(code)],
            )
            for code in missing
        ]
