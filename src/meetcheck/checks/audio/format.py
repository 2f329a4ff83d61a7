"""The recording's format: sample rate and channels.

Why: a Bluetooth headset in hands-free mode (HFP/HSP) records at 8 kHz, 16 kHz with mSBC,
which carries 3.4 or 7 kHz of audio: far short of the 125 Hz - 15 kHz the interpreters'
platforms ask for (ISO 24019). The sample rate alone points to it before any listening.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from meetcheck.check import Finding, Measurement, Metric, Severity
from meetcheck.checks.audio._catalog import N_, _, ngettext
from meetcheck.checks.audio._recording import (
    RecordingCheck,
    backend,
    db,
    level,
)
from meetcheck.context import CheckContext

# Device or file names that say "hands-free headset": Bluetooth HFP/HSP, the narrowband mode.
_HANDS_FREE = re.compile(
    r"blue ?tooth|\bbt\b|bluez|hands[- ]?free|\bhfp\b|\bhsp\b|headset[ _-]?head", re.I
)

if TYPE_CHECKING:
    from meetcheck.media.analysis import AudioAnalysis


def hands_free_hint(name: str) -> str:
    """Why a device name suggests a narrowband Bluetooth headset, or ''."""
    m = _HANDS_FREE.search(name or "")
    return _("the name '{name}' says {word}").format(name=name, word=m.group(0)) if m else ""


def _device_hint(source) -> str:  # noqa: ANN001 -- a media.device.Source
    """What the sound server says about the device: Bluetooth, or a built-in microphone."""
    if source.bus == "bluetooth" or hands_free_hint(source.name + " " + source.description):
        return _("the sound server reports {device} as a Bluetooth device").format(
            device=source.name
        )
    if source.kind() == "built-in microphone":
        return _("the sound server reports {device} as a built-in microphone").format(
            device=source.name
        )
    return ""


def _device(recording: str, device: str, backend: str):  # noqa: ANN202 -- (Source, str) | None
    """The device the recording came from and what recorded it: the guided recording's
    note, else the device list (``--mic`` beside a file of one's own)."""
    from meetcheck.media.capture import CaptureError, find_source, list_sources
    from meetcheck.media.device import read_device_note

    noted = read_device_note(recording)
    if noted is not None:
        return noted
    try:
        return find_source(device, list_sources(backend)), ""
    except CaptureError:
        return None


class AudioFormat(RecordingCheck):
    """Sample rate and channels: 8 or 16 kHz capture means a narrowband headset mode."""

    id = "audio.format"
    title = N_("Microphone recording format (sample rate, channels)")
    severity = Severity.HIGH
    remediation = N_(
        "Use a wired USB microphone or headset. If you use a Bluetooth headset, it records in "
        "telephone quality while it is a microphone: connect a wired one instead."
    )
    metrics = {
        "sample_rate_hz": Metric("Hz", higher_is_worse=False, description=N_("sample rate")),
    }

    async def assess(self, ctx: CheckContext, rec: AudioAnalysis) -> Finding:
        if rec.channels == 1:
            shape = _("mono")
        else:
            shape = ngettext("{n} channel", "{n} channels", rec.channels).format(n=rec.channels)
        extra = [
            Measurement("channels", rec.channels),
            Measurement("codec", rec.codec),
            Measurement("container", rec.container),
            Measurement("duration_s", round(rec.duration_s, 2), "s"),
        ]
        finding = ctx.judge(
            "sample_rate_hz",
            rec.sample_rate,
            ok=_("{value} {unit}, {shape}, {codec}"),
            bad=_(
                "recorded at {value} {unit} ({shape}): below {limit} {unit}, the rate of a "
                "narrowband (telephone or Bluetooth hands-free) microphone"
            ),
            values={"shape": shape, "codec": rec.codec},
            extra=extra,
        )
        # the device's name: --mic, or the label the browser self-test reported
        hint = hands_free_hint(ctx.participant.mic or ctx.sensor("audio.device") or "")
        if ctx.participant.mic:
            found = await ctx.blocking(
                _device, ctx.participant.audio, ctx.participant.mic, backend(ctx)
            )
            if found is not None:
                source, recorded_by = found
                hint = hint or _device_hint(source)
                if recorded_by:
                    finding.measurements.append(Measurement("recorded_by", recorded_by))
        if hint and finding.status.value == "PASS":
            return Finding.warn(
                _(
                    "{message}; {hint}: RSI guidance rules out Bluetooth and built-in microphones"
                ).format(message=finding.message, hint=hint),
                facts=finding.measurements,
                threshold=finding.threshold,
            )
        return finding


class AudioChannels(RecordingCheck):
    """A dead or much quieter channel: testrtc users met it as a 'silent' microphone."""

    id = "audio.channels"
    title = N_("Both channels carry the voice")
    severity = Severity.MEDIUM
    remediation = N_(
        "One channel of your microphone is silent or much quieter: set the microphone to mono "
        "in your computer's sound settings, or plug the microphone into the right socket."
    )
    metrics = {
        "channel_diff_db": Metric(
            "dB", higher_is_worse=True, description=N_("loudest minus quietest channel")
        ),
    }

    async def assess(self, ctx: CheckContext, rec: AudioAnalysis) -> Finding:
        if rec.channels == 1:
            return Finding.passed(_("mono recording: one channel"), facts={"channels": 1})
        levels = [level(v) for v in rec.channel_levels_dbfs]
        diff = db(max(levels) - min(levels))
        quiet = levels.index(min(levels)) + 1
        extra = [Measurement(f"channel_{i + 1}_dbfs", v, "dBFS") for i, v in enumerate(levels)]
        silent = min(levels) <= -100
        if silent:
            bad = _("channel {channel} is silent (limit {limit} {unit})")
        else:
            bad = _(
                "channel {channel} is {value} {unit} quieter than the loudest "
                "(limit {limit} {unit})"
            )
        return ctx.judge(
            "channel_diff_db",
            diff,
            ok=ngettext(
                "{n} channel within {value} {unit} of each other",
                "{n} channels within {value} {unit} of each other",
                rec.channels,
            ),
            bad=bad,
            values={"channel": quiet, "n": rec.channels},
            extra=extra,
        )
