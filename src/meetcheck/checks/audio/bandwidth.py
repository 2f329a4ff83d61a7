"""How much of the voice's frequency range reaches the recording.

Why: ISO 24019 asks for 125 Hz to 15 kHz from a speaker's microphone. A telephone-band
(3.4 kHz) or 7 kHz microphone, typical of Bluetooth headsets and built-in laptop
microphones behind speech processing, loses the consonants interpreters rely on. The edge
is measured on the speech itself: the highest and lowest frequencies where the speech is
within 60 dB of its strongest band and clearly above the pauses' noise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meetcheck.check import Finding, Measurement, Metric, Severity
from meetcheck.checks.audio._catalog import N_, _
from meetcheck.checks.audio._recording import (
    IMPORTS,
    RecordingCheck,
    after_codec,
    needs_speech,
    platform_fix,
    with_chart,
)
from meetcheck.context import CheckContext
from meetcheck.i18n import localize

if TYPE_CHECKING:
    from meetcheck.media.analysis import AudioAnalysis

_BAND_WORDS = {
    "narrowband": N_("telephone band (about 3.4 kHz)"),
    "wideband": N_("wideband (about 7 kHz)"),
    "super-wideband": N_("super-wideband (about 11-12 kHz)"),
    "fullband": N_("15 kHz and above"),
}


class Bandwidth(RecordingCheck):
    id = "audio.bandwidth"
    title = N_("Frequency range of the voice (125 Hz - 15 kHz)")
    severity = Severity.HIGH
    remediation = N_(
        "Use a wired USB microphone or a headset with a boom microphone; Bluetooth headsets "
        "and built-in laptop microphones cut the high frequencies interpreters need."
    )
    metrics = {
        "bandwidth_hz": Metric(
            "Hz", higher_is_worse=False, description=N_("highest frequency of the speech")
        ),
        "low_hz": Metric("Hz", higher_is_worse=True, description=N_("lowest frequency reached")),
        "bandwidth_after_codec_hz": Metric(
            "Hz",
            higher_is_worse=False,
            description=N_("highest frequency of the speech back from the echo call"),
        ),
    }
    imports = (*IMPORTS, "aiohttp", "aiortc")

    async def assess(self, ctx: CheckContext, rec: AudioAnalysis) -> list[Finding] | Finding:
        needs_speech(ctx, rec, _("the frequency range"))
        words = localize(_BAND_WORDS.get(rec.band, rec.band))
        nyquist = rec.sample_rate // 2
        if nyquist < 15000:
            bad = _(
                "speech reaches only {value} {unit}: {band}, short of {limit} {unit}; "
                "the {rate} Hz sample rate cannot carry more than {nyquist} Hz"
            )
        else:
            bad = _("speech reaches only {value} {unit}: {band}, short of {limit} {unit}")
        noisy = rec.snr_db < 20
        top = ctx.judge(
            "bandwidth_hz",
            round(rec.bandwidth_hz),
            ok=_("speech reaches {value} {unit}: {band}"),
            bad=bad,
            values={"band": words, "rate": rec.sample_rate, "nyquist": nyquist},
            note=_("background noise may hide the higher frequencies") if noisy else "",
            extra=[Measurement("band", rec.band)],
        )
        low = ctx.judge(
            "low_hz",
            round(rec.low_hz),
            ok=_("low frequencies reach down to {value} {unit}"),
            bad=_("low frequencies reach down only to {value} {unit} (limit {limit} {unit})"),
            fix=_(
                "Switch off 'low cut' or 'voice isolation' filters in the microphone's "
                "software, or use a microphone with a fuller low range (a high voice has "
                "little sound below 200 Hz, so this is only a warning)."
            ),
        )
        out = [with_chart(top, rec, "speech_spectrum", "pause_spectrum"), low]
        carried = await after_codec(ctx)
        if isinstance(carried, str):
            message = _("not measured as the platform carries it: {reason}")
            out.append(Finding.passed(message.format(reason=carried)))
        elif carried is not None and carried.has_speech:
            out.append(
                ctx.judge(
                    "bandwidth_after_codec_hz",
                    round(carried.bandwidth_hz),
                    ok=_(
                        "as the platform carries it (through the meeting's echo endpoint): "
                        "speech reaches {value} {unit}: {band}"
                    ),
                    bad=_(
                        "as the platform carries it (through the meeting's echo endpoint): "
                        "speech reaches only {value} {unit}: {band}, short of {limit} {unit}"
                    ),
                    values={"band": localize(_BAND_WORDS.get(carried.band, carried.band))},
                    fix=platform_fix(top.status.value, quieter=False),
                    extra=[Measurement("band_after_codec", carried.band)],
                )
            )
        return out
