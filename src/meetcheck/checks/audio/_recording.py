"""The audio family's collector: the speaker's recording, decoded and measured once per
run (``ctx.shared.once``) in a thread, so the event loop stays free for timing checks.

Every audio check awaits :func:`recording`; the first one runs the analysis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from meetcheck.check import Check, Finding
from meetcheck.checks.audio._catalog import N_, _
from meetcheck.i18n import localize

if TYPE_CHECKING:
    from meetcheck.context import CheckContext
    from meetcheck.media.analysis import AudioAnalysis

#: What an audio check imports; the runner imports them before the checks start.
IMPORTS = ("numpy", "av")
KEY = "audio.recording"
#: The sensor reading the family is judged from in a browser self-test (the recording).
SENSES = (KEY,)

NO_INPUT = N_("needs your microphone (--mic [DEVICE]) or a recording of it (--audio FILE)")


class RecordingCheck(Check):
    """An audio check: the family's collector measures the recording once, and each check
    only judges what was measured (:meth:`assess`). A recording that cannot be read is the
    same FAIL for all of them; no recording at all SKIPs them."""

    imports = IMPORTS
    senses = SENSES

    async def run(self, ctx: CheckContext) -> Finding | Sequence[Finding]:
        rec = await recording(ctx)
        if isinstance(rec, Finding):
            return rec
        return await self.assess(ctx, rec)

    async def assess(self, ctx: CheckContext, rec: AudioAnalysis) -> Finding | Sequence[Finding]:
        raise NotImplementedError


class Unreadable(Exception):
    """The recording decoded partly and then failed (corrupt data inside the file)."""


def _analyse(path: str) -> AudioAnalysis | Unreadable:
    from meetcheck.media.audiofile import AudioFileError, analyse_file

    try:
        return analyse_file(path)
    except AudioFileError as exc:
        return Unreadable(str(exc))


def backend(ctx: CheckContext) -> str:
    """The capture backend the run was asked for (``--capture-backend``)."""
    return str(ctx.cli_options.get("capture_backend") or "auto")


def _mic_problem(ctx: CheckContext) -> str:
    from meetcheck.media.capture import CaptureError, find_source, list_sources

    try:
        source = find_source(ctx.participant.mic or "default", list_sources(backend(ctx)))
    except CaptureError as exc:
        return str(exc)
    return _("{device} did not deliver audio").format(device=source.name)


async def recording(ctx: CheckContext) -> AudioAnalysis | Finding:
    """The measured recording, or a FAIL finding saying why it could not be read.

    SKIPPED (through ``ctx.skip``) when the run has no recording at all.
    """
    path = ctx.sensor(KEY) or ctx.participant.audio
    if not path and ctx.participant.mic:
        # the guided recording before the run failed (meetcheck check --mic printed why)
        why = await ctx.shared.once(KEY + ".mic", lambda: ctx.blocking(_mic_problem, ctx))
        return Finding.fail(
            _("no recording from the microphone: {reason}").format(reason=why),
            fix=_(
                "Connect a USB microphone or headset, allow this program to use it, check "
                "the name with 'meetcheck mic list', and run the check again."
            ),
        )
    if not path:
        ctx.skip(localize(NO_INPUT))
    result = await ctx.shared.once(KEY, lambda: ctx.blocking(_analyse, path))
    if isinstance(result, Unreadable):
        return Finding.fail(
            _("could not read the recording {path}: {error}").format(path=path, error=str(result)),
            fix=_("Record yourself again and save the file as WAV or FLAC."),
        )
    return result


def needs_speech(ctx: CheckContext, rec: AudioAnalysis, what: str) -> None:
    """Skip a check that judges speech when the recording has none (audio.speech fails);
    ``what`` is a translated noun phrase (``_("dropouts")``)."""
    if not rec.has_speech:
        # Translators: {what} is what the check measures, e.g. "the frequency range"
        reason = _("no speech in the recording to measure {what} on (see audio.speech)")
        ctx.skip(reason.format(what=what))


def level(value: float) -> float:
    """A level fit for a report (JSON has no -inf): finite, rounded, floored."""
    from meetcheck.media.analysis import floor_db

    return floor_db(value)


def db(value: float, digits: int = 1) -> float:
    """A finite dB figure for a report, capped at +/-120."""
    if math.isnan(value):
        return 0.0
    return round(max(-120.0, min(120.0, value)), digits)


def with_chart(finding: Finding, rec: AudioAnalysis, *names: str) -> Finding:
    """Attach chart series (level over time, spectra) to a finding's ``extra``: the HTML
    report draws them, the text report leaves them out."""
    data = rec.series()
    charts = {n: data[n] for n in names if data.get(n)}
    if charts:
        finding.extra = {"audio_charts": charts}
    return finding


def platform_fix(microphone_status: str, quieter: bool) -> str:
    """What to do when the sound as the platform carries it falls short: the microphone's
    own finding comes first when it fell short too; otherwise the platform made it so."""
    if microphone_status != "PASS":
        return _("Fix the microphone first (see above): the platform carries what it receives.")
    if quieter:
        return _(
            "Your microphone is fine, but the platform makes your voice quieter: tell the "
            "meeting secretariat, and check that the meeting is not set to a low-quality or "
            "'bandwidth saving' audio mode."
        )
    return _(
        "Your microphone is fine, but the platform makes your voice narrower: tell the "
        "meeting secretariat, and check that the meeting is not set to a low-quality or "
        "'bandwidth saving' audio mode."
    )


def _analyse_pcm(pcm, rate: int) -> AudioAnalysis:  # noqa: ANN001 -- float mono
    from meetcheck.media.analysis import AudioAnalyzer

    analyzer = AudioAnalyzer(rate, 1)
    analyzer.feed(pcm.astype("float64")[None, :])
    return analyzer.finish()


async def after_codec(ctx: CheckContext) -> AudioAnalysis | str | None:
    """The recording as the platform carries it: what came back from the run's echo call
    (:mod:`meetcheck.checks._echo_call`, the call ``network.media`` judges too: Opus over
    WebRTC both ways), measured like the original, once per run.

    None without an echo endpoint in the meeting file; a string saying why when nothing
    came back (the network checks say more about the call).
    """
    from meetcheck.checks._echo_call import echo_call

    meeting = ctx.meeting
    if meeting is None or not meeting.echo_url or not ctx.participant.audio:
        return None
    call = await echo_call(ctx)
    if call.figures is None:
        return _("the call to the echo endpoint failed ({error})").format(error=call.error)
    if call.audio_note:
        return call.audio_note
    heard = call.figures.heard
    if heard is None or not heard.size:
        return _("no audio came back from the echo endpoint")

    async def analyse() -> AudioAnalysis:
        from meetcheck.media.frames import SAMPLE_RATE

        return await ctx.blocking(_analyse_pcm, heard, SAMPLE_RATE)

    return await ctx.shared.once(KEY + ".after_codec", analyse)
