"""One call to the meeting's echo endpoint per run, shared by two families: the network
family judges the call (round trip, jitter, loss of a real WebRTC call) and the audio
family judges what came back (the speaker's recording as the platform carries it).

Why one call: the network figures and the after-codec audio then describe the same call,
and the echo endpoint and the link carry one call instead of two. The call sends the
first :data:`LISTEN_S` of the speaker's recording (``--audio``, or the guided ``--mic``
recording) when there is one, a tone otherwise, while timed probes cross its data channel.

Why the timing rules hold: ``network.media`` is a timing check, and the runner's
PhaseGate lets no other check run beside the timing phase, which goes first. When
``network.media`` (or ``network.mos``) is in the run, the call starts in the timing phase
and the audio checks, which come after it, find it done; when only audio checks run,
they start it themselves, with no timing check left to disturb. Either way the call runs
on an event loop of its own in a worker thread (aiortc's DTLS, certificate and Opus work
would make other checks' timers late), after the STUN trains and never beside a bulk
transfer (:class:`meetcheck.checks._link_gate.LinkGate`). The options are
``network.media``'s as the profile sets them, whichever family starts the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meetcheck.check import Option
from meetcheck.checks._link_gate import link_gate
from meetcheck.context import CheckContext
from meetcheck.i18n.core import _

#: The ``ctx.shared.once`` key of the call: every check that needs it awaits this one.
ECHO_CALL = "echo.call"
#: The check whose options set the call up (the profile's ``[checks."network.media"]``).
CALL_CHECK = "network.media"
LISTEN_S = 4.0  # how much of the recording is sent and heard back (real time)

#: The call's options (``network.media`` declares them).
CALL_OPTIONS = {
    "seconds": Option(float, 3.0, "how long to measure the call", min=1, max=60),
    "interval_ms": Option(float, 20.0, "time between probes", min=5, max=200),
    "wait_ms": Option(
        float, 1000.0, "how long answers count after the last probe", min=100, max=5000
    ),  # fmt: skip
    "connect_timeout_s": Option(float, 8.0, "time allowed to set up the call", min=1, max=60),
    "use_ice_servers": Option(
        bool, True, "gather candidates from the meeting's STUN/TURN servers"
    ),  # fmt: skip
    "relay_only": Option(bool, False, "use only TURN relay candidates"),
}


def settings_of(ctx: CheckContext, check_id: str, defaults: dict[str, Any]) -> dict[str, Any]:
    """Another check's options as the profile sets them (its defaults when it is not in
    the profile), so a shared measurement runs the same whichever check starts it."""
    out = dict(defaults)
    if ctx.profile is not None and check_id in ctx.profile.checks:
        out.update(ctx.profile.checks[check_id].options)
    if ctx.check.id == check_id:
        out.update(ctx.options)
    return out


@dataclass
class EchoOutcome:
    """The call's figures, or how it failed (``kind``: refused, unreachable, connect,
    ended, error); ``audio_note`` says why the recording was not sent."""

    figures: Any = None  # meetcheck.webrtc.echo_probe.EchoFigures
    kind: str = ""
    error: str = ""
    status: int = 0
    audio_note: str = ""


def rtc_ice_servers(ctx: CheckContext) -> list[Any]:
    """The meeting's STUN/TURN servers for aiortc (never a public default)."""
    from aiortc import RTCIceServer

    out = []
    for server in ctx.meeting.ice_servers if ctx.meeting else []:
        urls = [u for u in server.urls if not u.startswith("stuns:")]  # aioice has no STUNS
        if urls:
            out.append(
                RTCIceServer(
                    urls=urls,
                    username=server.username or None,
                    credential=server.credential or None,
                )
            )
    return out


def _call(recording: str | None, url: str, token: str, opts: dict[str, Any], ice: list) -> Any:
    """In a worker thread: the recording's first seconds, then the call on a loop of its
    own. Returns (figures, why the recording was not sent)."""
    import asyncio

    from meetcheck.media.audiofile import AudioFileError, read_mono
    from meetcheck.media.frames import SAMPLE_RATE
    from meetcheck.webrtc.echo_probe import measure_echo

    pcm, note = None, ""
    if recording:
        try:
            pcm = read_mono(recording, SAMPLE_RATE, LISTEN_S)
        except AudioFileError as exc:
            note = str(exc)
        if pcm is not None and pcm.size < SAMPLE_RATE:
            pcm, note = None, "the recording is too short to send"
    figures = asyncio.run(
        measure_echo(
            url,
            token,
            opts["seconds"],
            opts["interval_ms"] / 1000,
            opts["wait_ms"] / 1000,
            ice,
            opts["relay_only"],
            opts["connect_timeout_s"],
            pcm=pcm,
            listen=pcm.size / SAMPLE_RATE if pcm is not None else 0.0,
        )
    )
    return figures, note


async def echo_call(ctx: CheckContext) -> EchoOutcome:
    """The run's echo call (the meeting file must name an echo endpoint); in a browser
    self-test, the browser's own call (the ``network.media`` sensor reading)."""
    if ctx.sensors is not None:
        figures = ctx.sensor("network.media")
        if figures is None:
            ctx.skip(ctx.sensors.says(_("the browser did not measure an echo call"),
                                      "the {source} did not measure an echo call"))  # fmt: skip
        return EchoOutcome(figures=figures)
    defaults = {name: opt.default for name, opt in CALL_OPTIONS.items()}
    opts = settings_of(ctx, CALL_CHECK, defaults)

    async def measure() -> EchoOutcome:
        import aiohttp

        from meetcheck.webrtc.client import EndpointError

        meeting = ctx.meeting
        assert meeting is not None
        gate = await link_gate(ctx)
        await gate.after_probes()
        async with gate.measuring():
            try:
                figures, note = await ctx.blocking(
                    _call,
                    ctx.participant.audio,
                    meeting.echo_url,
                    meeting.echo_token,
                    opts,
                    rtc_ice_servers(ctx) if opts["use_ice_servers"] else [],
                )
            except EndpointError as exc:
                return EchoOutcome(kind="refused", error=str(exc), status=exc.status)
            except aiohttp.ClientError as exc:
                return EchoOutcome(kind="unreachable", error=f"{type(exc).__name__}: {exc}")
            except TimeoutError:
                return EchoOutcome(
                    kind="connect",
                    error=_("the call did not connect within {seconds} s").format(
                        seconds=f"{opts['connect_timeout_s']:g}"
                    ),
                )
            except ConnectionError as exc:
                return EchoOutcome(kind="ended", error=str(exc))
            except Exception as exc:  # noqa: BLE001 -- aiortc's own errors: findings, not ERRORs
                return EchoOutcome(kind="error", error=f"{type(exc).__name__}: {exc}")
        return EchoOutcome(figures=figures, audio_note=note)

    return await ctx.shared.once(ECHO_CALL, measure)
