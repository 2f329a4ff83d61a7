"""Does the microphone hear the loudspeakers? (a live test with --mic)

Why: without headphones the meeting's sound goes back into the speaker's microphone, and
the interpreters hear themselves late: the practices ask speakers to use headphones. The
guided recording plays a 1 s test sound through the default output while recording and
finds it again by cross-correlation; the echo return loss is how much quieter it returns.
"""

from __future__ import annotations

import json

from meetcheck.check import Check, Finding, Measurement, Metric, Severity
from meetcheck.checks.audio._catalog import N_, _
from meetcheck.context import CheckContext


class Echo(Check):
    id = "audio.echo"
    imports = ("numpy",)
    title = N_("The microphone does not hear the loudspeakers (use headphones)")
    severity = Severity.HIGH
    remediation = N_(
        "Use headphones or a headset instead of loudspeakers, so the meeting's sound does not "
        "go back into your microphone."
    )
    metrics = {
        "echo_return_loss_db": Metric(
            "dB", higher_is_worse=False, description=N_("how much quieter the test sound returns")
        ),
    }

    async def run(self, ctx: CheckContext) -> Finding:
        from meetcheck.media.echo import echo_result_path

        if not ctx.participant.mic or not ctx.participant.audio:
            ctx.skip(_("needs a live test: --mic plays a test sound through the loudspeakers"))
        path = echo_result_path(ctx.participant.audio)
        try:
            data = json.loads(await ctx.blocking(path.read_text, "utf-8"))
            loss, found = float(data["return_loss_db"]), bool(data["detected"])
            delay = float(data.get("delay_ms", 0.0))
        except (OSError, ValueError, KeyError, TypeError):
            ctx.skip(_("the loudspeaker test did not run (see the messages before the checks)"))
        facts = [Measurement("echo_detected", found), Measurement("echo_delay_ms", delay, "ms")]
        if not found:
            return ctx.judge(
                "echo_return_loss_db",
                round(loss, 1),
                ok=_("the microphone did not hear the test sound (at least {value} {unit} down)"),
                bad=_(
                    "the test sound was not found, but only {value} {unit} could be ruled out "
                    "(limit {limit} {unit})"
                ),
                extra=facts,
            )
        return ctx.judge(
            "echo_return_loss_db",
            round(loss, 1),
            ok=_("the microphone hears the loudspeakers faintly ({value} {unit} down)"),
            bad=_(
                "the microphone hears the loudspeakers: the test sound came back only {value} "
                "{unit} quieter after {delay} ms (limit {limit} {unit})"
            ),
            values={"delay": f"{delay:.0f}"},
            extra=facts,
        )
