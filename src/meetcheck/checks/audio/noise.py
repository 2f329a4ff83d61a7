"""What the microphone hears besides the voice: background noise, mains hum, DC offset.

Why: interpreters hear every fan, street and hum a speaker's microphone picks up, and
noise masks the quiet consonants they need. The noise floor is measured in the pauses of
the recording; the speech-to-noise ratio compares it with the speech's active level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meetcheck.check import Finding, Measurement, Metric, Severity
from meetcheck.checks.audio._catalog import N_, _
from meetcheck.checks.audio._recording import (
    RecordingCheck,
    db,
    level,
    needs_speech,
    with_chart,
)
from meetcheck.context import CheckContext

if TYPE_CHECKING:
    from meetcheck.media.analysis import AudioAnalysis


class Noise(RecordingCheck):
    id = "audio.noise"
    title = N_("Background noise and speech-to-noise ratio")
    severity = Severity.HIGH
    remediation = N_(
        "Move to a quiet room, close windows and doors, switch off fans and air conditioning "
        "near you, and use a directional (cardioid) microphone close to your mouth."
    )
    metrics = {
        "noise_floor_dbfs": Metric(
            "dBFS", higher_is_worse=True, description=N_("level in the pauses")
        ),
        "snr_db": Metric("dB", higher_is_worse=False, description=N_("speech-to-noise ratio")),
    }

    async def assess(self, ctx: CheckContext, rec: AudioAnalysis) -> list[Finding] | Finding:
        needs_speech(ctx, rec, _("the speech-to-noise ratio"))
        floor = level(rec.noise_floor_dbfs)
        silent = floor <= -120
        noise = ctx.judge(
            "noise_floor_dbfs",
            floor,
            ok=_("digital silence in the pauses") if silent else _("noise floor {value} {unit}"),
            bad=_("noise floor {value} {unit} in the pauses, above {limit} {unit}"),
            note=_("a noise gate or noise suppression is on") if silent else "",
        )
        snr = ctx.judge(
            "snr_db",
            db(rec.snr_db),
            ok=_("speech {value} {unit} above the noise"),
            bad=_("speech only {value} {unit} above the noise (limit {limit} {unit})"),
            extra=[Measurement("speech_level_dbfs", level(rec.speech_level_dbfs), "dBFS")],
        )
        return [with_chart(noise, rec, "pause_spectrum"), snr]


class Hum(RecordingCheck):
    """50/60 Hz mains hum and its harmonics: a ground loop or an unshielded cable."""

    id = "audio.hum"
    title = N_("No mains hum (50/60 Hz)")
    severity = Severity.MEDIUM
    remediation = N_(
        "Plug the microphone straight into the computer (not through an extension or a "
        "docking station), run the laptop on battery for a moment to test, and keep "
        "microphone cables away from power cables."
    )
    metrics = {"hum_dbfs": Metric("dBFS", higher_is_worse=True, description=N_("hum level"))}

    async def assess(self, ctx: CheckContext, rec: AudioAnalysis) -> Finding:
        value = level(rec.hum_dbfs)
        hz = int(rec.hum_hz)
        return ctx.judge(
            "hum_dbfs",
            value,
            ok=_("{hz} Hz hum at {value} {unit}") if hz else _("no mains hum found"),
            bad=_("{hz} Hz mains hum at {value} {unit}, above {limit} {unit}"),
            values={"hz": hz},
            extra=[Measurement("hum_hz", hz, "Hz")],
        )


class DcOffset(RecordingCheck):
    """A constant offset: a faulty sound card or microphone preamplifier."""

    id = "audio.dc"
    title = N_("No DC offset")
    severity = Severity.LOW
    remediation = N_(
        "The microphone or sound card adds a constant offset: try another USB port or "
        "another microphone."
    )
    metrics = {
        "dc_offset_pct": Metric("%", higher_is_worse=True, description=N_("mean of full scale")),
    }

    async def assess(self, ctx: CheckContext, rec: AudioAnalysis) -> Finding:
        worst = max(rec.dc, key=abs) if rec.dc else 0.0
        pct = round(100.0 * abs(worst), 3)
        return ctx.judge(
            "dc_offset_pct",
            pct,
            ok=_("DC offset {value} {unit} of full scale"),
            bad=_("DC offset {value} {unit} of full scale, above {limit} {unit}"),
            extra=[Measurement("dc_offset_signed", round(worst, 6))],
        )
