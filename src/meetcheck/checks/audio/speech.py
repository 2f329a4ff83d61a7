"""Is there speech in the recording at all? None is a FAIL, never a crash.

Why: a muted or wrong microphone records silence or hiss; every later audio figure would
be meaningless, so this check says it plainly first.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from meetcheck.check import Finding, Measurement, Metric, Severity
from meetcheck.checks.audio._catalog import N_, _
from meetcheck.checks.audio._recording import RecordingCheck, level
from meetcheck.context import CheckContext

if TYPE_CHECKING:
    from meetcheck.media.analysis import AudioAnalysis


class Speech(RecordingCheck):
    id = "audio.speech"
    title = N_("Speech is heard in the recording")
    severity = Severity.CRITICAL
    remediation = N_(
        "Check that the right microphone is selected and not muted, speak close to it, and "
        "record again while reading the passage aloud."
    )
    metrics = {"speech_s": Metric("s", higher_is_worse=False, description=N_("seconds of speech"))}

    async def assess(self, ctx: CheckContext, rec: AudioAnalysis) -> Finding:
        facts = [
            Measurement("duration_s", round(rec.duration_s, 2), "s"),
            Measurement("active_level_dbfs", level(rec.active_level_dbfs), "dBFS"),
        ]
        if not rec.has_speech:
            if not math.isfinite(rec.active_level_dbfs):
                why = _("the recording is silent (digital silence)")
            elif rec.active_level_dbfs < -70:
                why = _("the recording is almost silent ({level} dBFS)").format(
                    level=level(rec.active_level_dbfs)
                )
            else:
                why = _("the recording holds only a steady sound (noise or a tone), no speech")
            return Finding.fail(
                _("no speech found: {reason}").format(reason=why),
                facts=[Measurement("speech_s", 0.0, "s"), *facts],
            )
        ratio = 100.0 * rec.speech_s / rec.duration_s if rec.duration_s else 0.0
        facts.append(Measurement("speech_pct", round(ratio, 1), "%"))
        return ctx.judge(
            "speech_s",
            round(rec.speech_s, 2),
            ok=_("{value} {unit} of speech"),
            bad=_("only {value} {unit} of speech, less than {limit} {unit}"),
            fix=_("Record again and read the passage aloud for the whole recording."),
            extra=facts,
        )
