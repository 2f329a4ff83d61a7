"""Sudden digital silence inside speech: samples lost between microphone and recording.

Why: a USB microphone on a busy hub, an overloaded computer or a wireless link drops
blocks of samples; the voice stops mid-word, and interpreters lose the word. A dropout is
a run of exact zeros that cuts speech off abruptly (speech level in the 2 ms either side),
which natural pauses and noise gates never do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meetcheck.check import Finding, Measurement, Metric, Option, Severity
from meetcheck.checks.audio._catalog import N_, _, ngettext
from meetcheck.checks.audio._recording import (
    RecordingCheck,
    needs_speech,
)
from meetcheck.context import CheckContext

if TYPE_CHECKING:
    from meetcheck.media.analysis import AudioAnalysis


class Dropouts(RecordingCheck):
    id = "audio.dropouts"
    title = N_("No dropouts (sudden digital silence) in the speech")
    severity = Severity.HIGH
    remediation = N_(
        "Plug the microphone straight into the computer, not through a USB hub, close other "
        "programs, and record again."
    )
    metrics = {"dropouts": Metric("", higher_is_worse=True, description=N_("dropouts in speech"))}
    options = {
        "min_ms": Option(float, 5.0, "shortest digital silence counted, ms", min=0.5, max=200),
    }

    async def assess(self, ctx: CheckContext, rec: AudioAnalysis) -> Finding:
        needs_speech(ctx, rec, _("dropouts"))
        if rec.gated:
            return Finding.passed(
                _(
                    "the pauses are digital silence (a noise gate, noise suppression or a "
                    "synthetic voice), so a silent gap cannot be told from a dropout"
                ),
                facts={"gated": True},
            )
        found = rec.dropouts_inside_speech(float(ctx.options["min_ms"]) / 1000.0)
        total_ms = round(1000.0 * sum(d.length_s for d in found), 1)
        at = ", ".join(f"{d.start_s:.2f} s" for d in found[:5])
        if len(found) > 5:
            # Translators: {times} lists the first five, e.g. "1.36 s, 3.63 s"; the plural
            # form follows the number of dropouts {value}
            bad = ngettext(
                "{value} dropout cut the speech off (at {times} and {more} more)",
                "{value} dropouts cut the speech off (at {times} and {more} more)",
                len(found),
            )
        else:
            bad = ngettext(
                "{value} dropout cut the speech off (at {times})",
                "{value} dropouts cut the speech off (at {times})",
                len(found),
            )
        return ctx.judge(
            "dropouts",
            len(found),
            ok=_("no dropouts in the speech"),
            bad=bad,
            values={"times": at, "more": len(found) - 5},
            extra=[Measurement("dropout_ms", total_ms, "ms")],
        )
