"""The audio family's collector: the speaker's recording, decoded and measured once per
run (``ctx.shared.once``) in a thread, so the event loop stays free for timing checks.

Every audio check awaits :func:`recording`; the first one runs the analysis.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from meetcheck.check import Finding

if TYPE_CHECKING:
    from meetcheck.context import CheckContext
    from meetcheck.media.analysis import AudioAnalysis

#: What an audio check imports; the runner imports them before the checks start.
IMPORTS = ("numpy", "av")
KEY = "audio.recording"
#: The sensor reading the family is judged from in a browser self-test (the recording).
SENSES = (KEY,)

NO_INPUT = "needs your microphone (--mic [DEVICE]) or a recording of it (--audio FILE)"


class Unreadable(Exception):
    """The recording decoded partly and then failed (corrupt data inside the file)."""


def _analyse(path: str) -> AudioAnalysis | Unreadable:
    from meetcheck.media.audiofile import AudioFileError, analyse_file

    try:
        return analyse_file(path)
    except AudioFileError as exc:
        return Unreadable(str(exc))


def _mic_problem(ctx: CheckContext) -> str:
    from meetcheck.media.capture import CaptureError, find_source, list_sources

    try:
        source = find_source(ctx.participant.mic or "default", list_sources())
    except CaptureError as exc:
        return str(exc)
    return f"{source.name} did not deliver audio"


async def recording(ctx: CheckContext) -> AudioAnalysis | Finding:
    """The measured recording, or a FAIL finding saying why it could not be read.

    SKIPPED (through ``ctx.skip``) when the run has no recording at all.
    """
    path = ctx.sensor(KEY) or ctx.participant.audio
    if not path and ctx.participant.mic:
        # the guided recording before the run failed (meetcheck check --mic printed why)
        why = await ctx.shared.once(KEY + ".mic", lambda: ctx.blocking(_mic_problem, ctx))
        return Finding.fail(
            f"no recording from the microphone: {why}",
            fix="Connect a USB microphone or headset, allow this program to use it, check "
            "the name with 'meetcheck mic list', and run the check again.",
        )
    if not path:
        ctx.skip(NO_INPUT)
    result = await ctx.shared.once(KEY, lambda: ctx.blocking(_analyse, path))
    if isinstance(result, Unreadable):
        return Finding.fail(
            f"could not read the recording {path}: {result}",
            fix="Record yourself again and save the file as WAV or FLAC.",
        )
    return result


def needs_speech(ctx: CheckContext, rec: AudioAnalysis, what: str) -> None:
    """Skip a check that judges speech when the recording has none (audio.speech fails)."""
    if not rec.has_speech:
        ctx.skip(f"no speech in the recording to measure {what} on (see audio.speech)")


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


AFTER_CODEC_S = 4.0  # how much of the recording goes through the echo endpoint (real time)


def _analyse_pcm(pcm, rate: int) -> AudioAnalysis:  # noqa: ANN001 -- float mono
    from meetcheck.media.analysis import AudioAnalyzer

    analyzer = AudioAnalyzer(rate, 1)
    analyzer.feed(pcm[None, :])
    return analyzer.finish()


async def after_codec(ctx: CheckContext) -> AudioAnalysis | str | None:
    """The recording as the platform carries it: sent through the meeting's echo endpoint
    (Opus over WebRTC, both ways) and measured like the original, once per run.

    None without an echo endpoint in the meeting file; a string saying why when the call
    failed (the network checks say more about that).
    """
    meeting = ctx.meeting
    if meeting is None or not meeting.echo_url or not ctx.participant.audio:
        return None  # also in a browser self-test: its echo call is network.media's

    return await ctx.shared.once(KEY + ".after_codec", lambda: _through_echo(ctx))


async def _through_echo(ctx: CheckContext) -> AudioAnalysis | str:

    import aiohttp

    from meetcheck.media.audiofile import AudioFileError, read_mono
    from meetcheck.media.frames import SAMPLE_RATE
    from meetcheck.webrtc.client import EchoClient, EndpointError

    meeting = ctx.meeting
    assert meeting is not None
    try:
        pcm = await ctx.blocking(read_mono, ctx.participant.audio, SAMPLE_RATE, AFTER_CODEC_S)
    except AudioFileError as exc:
        return str(exc)
    seconds = pcm.size / SAMPLE_RATE
    if seconds < 1.0:
        return "the recording is too short to send"
    try:
        async with EchoClient(
            meeting.echo_url, meeting.echo_token, pcm=pcm, data_channel=False
        ) as call:
            await call.wait_connected()
            await call.first_frame(10)
            await call.read(0.3)  # the codecs and jitter buffers settle
            back = await call.read(seconds, timeout=seconds + 10)
    except (EndpointError, TimeoutError, OSError, aiohttp.ClientError) as exc:
        return f"the echo endpoint could not be used ({type(exc).__name__})"
    except Exception as exc:  # noqa: BLE001 -- aiortc's own errors: a finding, not an ERROR
        return f"the call to the echo endpoint failed ({type(exc).__name__}: {exc})"
    return await ctx.blocking(_analyse_pcm, back.astype("float64"), SAMPLE_RATE)
