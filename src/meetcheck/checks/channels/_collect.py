"""The channel family's one measurement: every channel of the meeting, listened to at once.

Each check of the family is a thin judgement over this collection, so the channels are
subscribed to once per run, concurrently (one WHEP session each, over aiortc), for
``LISTEN_S`` seconds of audio each. Per channel it keeps how the WHEP exchange ended (HTTP
status and meaning), the time from request to first decoded audio, the audio window on its
RTP timeline, and the receiver's statistics. The analysis (levels, the identity decoder,
the delay against the floor) follows in the same process.

The collection runs in a process of its own (so the shared loop never waits for WebRTC
set-up or decoding, not even for the interpreter lock, and other checks never skew these
timings), as one future: a check that times out while waiting for it does not cancel it
for its siblings.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from meetcheck.checks.channels._catalog import N_, _

if TYPE_CHECKING:  # asyncio and the meeting parser load when the checks run, not at --help
    import asyncio

    from meetcheck.context import CheckContext
    from meetcheck.meeting import Channel, Meeting

KEY = "channels.collect"
#: The reading a browser self-test gives instead (a Collection the browser received).
KEY_SENSOR = "channels.receive"
SENSES = (KEY_SENSOR,)
# The checks import nothing heavy: aiortc, PyAV and numpy load in the listening process.
IMPORTS: tuple[str, ...] = ()
LISTEN_S = 4.0  # audio per channel: the identity code needs 3 s, 4 s decodes 42/42 (docs)
CONNECT_TIMEOUT_S = 8.0  # offer, POST and answer
FIRST_AUDIO_TIMEOUT_S = 6.0  # after the answer, until the first decoded audio
CLOSE_TIMEOUT_S = 3.0
CHILD_TIMEOUT_S = 45.0  # the listening process ends well before; this only guards a hang
LIMITS = ("LISTEN_S", "CONNECT_TIMEOUT_S", "FIRST_AUDIO_TIMEOUT_S", "CLOSE_TIMEOUT_S")
# Worst case per channel (all channels run at once): 8 + 1 + 6 + (4 + 2) + 3 = 24 s, inside
# the profiles' 30 s check timeout, so a hanging endpoint is a finding, never a TIMEOUT.
PERIOD_S = 2.0  # the timing marks' period: delays are known modulo this
AHEAD_TOLERANCE_S = 0.05  # a channel cannot be ahead of the floor by more than this

STATUS_MEANING = {
    400: N_("the server rejected the request as malformed"),
    401: N_("the server wants a token: the meeting file gives none for this channel"),
    403: N_("the server refused the token: it is wrong or has expired"),
    404: N_("the server has no such channel"),
    405: N_("the URL is not a WHEP endpoint"),
    413: N_("the server found the request too large"),
    415: N_("the URL is not a WHEP endpoint"),
    429: N_("the server is rate-limiting requests"),
    503: N_("the server is full and takes no more listeners for now"),
}


@dataclass
class ChannelData:
    """What was received on one channel, and what the analysis made of it."""

    code: str
    label: str
    url: str
    via: str = "whep"  # or "webcast" (an HLS playlist or HTTP audio stream, read by PyAV)
    # reception
    ok: bool = False
    # One line: what went wrong, when not ok. Written in the listening process, which runs
    # in English: a translatable Text, so ``localize(problem)`` shows it in the run's language.
    problem: str = ""
    stage: str = ""  # where it went wrong: request, answer, connect, audio
    http_status: int | None = None
    retry_after: str = ""
    first_audio_ms: float | None = None
    stats: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    concealed_pct: float = 0.0
    # analysis
    level_dbfs: float = -math.inf
    peak_dbfs: float = -math.inf
    clipped_runs: int = 0
    modulation_db: float = 0.0
    identity: str | None = None  # code decoded from the identity signal
    identity_confidence: float = 0.0
    marks: int = 0  # timing marks found
    delay_ms: float | None = None  # against the floor (floor: 0)
    start_s: float = 0.0

    @property
    def key(self) -> str:
        return self.code if self.via == "whep" else f"{self.via}:{self.code}"

    @property
    def floor_key(self) -> str:
        """The channel this one's delay and level are compared with."""
        return "floor" if self.via == "whep" else f"{self.via}:floor"

    @property
    def name(self) -> str:
        name = self.code if self.via == "whep" else f"{self.via} {self.code}"
        return name if not self.label or self.label == self.code else f"{name} ({self.label})"


@dataclass
class Collection:
    channels: dict[str, ChannelData]
    seconds: float  # wall time of the whole collection
    identity_channels: list[str] | None  # channels the server says carry the signal

    @property
    def received(self) -> list[ChannelData]:
        return [c for c in self.channels.values() if c.ok]


async def collect(ctx: CheckContext) -> Collection:
    """The run's collection (measured by the first check that asks; shared by all), or
    in a browser self-test the channels as the browser received them."""
    import asyncio

    if ctx.sensors is not None:
        given = ctx.sensor(KEY_SENSOR)
        if given is None:
            ctx.skip(f"the {ctx.sensors.source} did not listen to the channels")
        return given
    meeting = ctx.require_meeting()
    if not meeting.channels and not meeting.webcast:
        ctx.skip(_("the meeting file lists no interpretation channels ([channels] or [webcast])"))
    task = await ctx.shared.once(KEY, lambda: _start(meeting))
    return await asyncio.shield(task)


async def _start(meeting: Meeting) -> asyncio.Future[Collection]:
    import asyncio

    return asyncio.ensure_future(_collect_isolated(meeting))


def _limits() -> dict[str, float]:
    return {k: globals()[k] for k in LIMITS}


async def _collect_isolated(meeting: Meeting) -> Collection:
    """The whole collection in a process of its own.

    Why a process: seven WebRTC sessions' set-up (key generation, DTLS handshakes) and the
    audio decoding hold the interpreter lock for milliseconds at a time, which a thread
    would add to every timer of the checks sharing the run's event loop (and those checks
    would skew these timings); a crash in a media library ends the listener, not the run.
    A plain ``python -c`` child, not multiprocessing: that would re-import the caller's
    main script, which breaks scripts that run checks without a ``__main__`` guard. An
    asyncio subprocess, so an interrupted run kills the child instead of waiting for it.
    """
    import asyncio
    import pickle

    from meetcheck.aio import python_child

    # Only what the listener needs (a plugin's table in the meeting need not pickle).
    from meetcheck.meeting import Meeting

    light = Meeting(
        name=meeting.name,
        source=meeting.source,
        ice_servers=list(meeting.ice_servers),
        channels=dict(meeting.channels),
        webcast=dict(meeting.webcast),
        server_info={"identity_channels": meeting.server_info.get("identity_channels")},
    )
    code = "from meetcheck.checks.channels._collect import _child_main; _child_main()"
    proc = await python_child(code)
    try:
        out, err = await asyncio.wait_for(
            proc.communicate(pickle.dumps((light, _limits()))), CHILD_TIMEOUT_S
        )
    except TimeoutError:
        why = _("the listener did not finish within {seconds} s")
        return _crashed(light, why.format(seconds=f"{CHILD_TIMEOUT_S:g}"))
    finally:
        if proc.returncode is None:  # timed out, or the run was interrupted
            proc.kill()
            await asyncio.shield(proc.wait())
    if proc.returncode != 0 or not out:
        last = (err.decode(errors="replace").strip().splitlines() or [""])[-1]
        why = _("the listening process failed (exit {code}: {error})")
        return _crashed(light, why.format(code=proc.returncode, error=last[:200]))
    return pickle.loads(out)  # our own child's output


def _child_main() -> None:
    """The listening process: a pickled (meeting, limits) in, a pickled Collection out."""
    import asyncio
    import pickle
    import sys

    meeting, limits = pickle.loads(sys.stdin.buffer.read())
    globals().update(limits)  # the parent's values (a test may have shortened them)
    collection = asyncio.run(_collect(meeting))
    sys.stdout.buffer.write(pickle.dumps(collection))
    sys.stdout.buffer.flush()


def _crashed(meeting: Meeting, why: str) -> Collection:
    data = {}
    for table, via in ((meeting.channels, "whep"), (meeting.webcast, "webcast")):
        for code, ch in table.items():
            d = ChannelData(code, ch.label, ch.url, via=via, problem=why, stage="audio")
            data[d.key] = d
    return Collection(data, 0.0, None)


def _ice_servers(meeting: Meeting) -> list[Any]:
    from aiortc import RTCIceServer

    return [
        RTCIceServer(
            urls=list(s.urls), username=s.username or None, credential=s.credential or None
        )
        for s in meeting.ice_servers
    ]


async def _collect(meeting: Meeting) -> Collection:
    import asyncio

    started = time.monotonic()
    ice = _ice_servers(meeting)
    loop = asyncio.get_running_loop()
    data: dict[str, ChannelData] = {}
    jobs = []
    for code, ch in meeting.channels.items():
        d = data[code] = ChannelData(code, ch.label, ch.url)
        jobs.append(_listen(ch, d, ice))
    for code, ch in meeting.webcast.items():
        d = ChannelData(code, ch.label, ch.url, via="webcast")
        data[d.key] = d
        jobs.append(loop.run_in_executor(None, _listen_webcast, ch, d))
    captures = await asyncio.gather(*jobs)
    # Own process, the sessions closed: analysing here blocks nothing else.
    _analyse(data, dict(zip(data, captures, strict=True)))
    info = meeting.server_info.get("identity_channels")
    return Collection(
        data, time.monotonic() - started, list(info) if isinstance(info, list) else None
    )


async def _listen(channel: Channel, out: ChannelData, ice: list[Any]) -> Any:
    """Receive one channel; fills ``out``'s reception fields, returns the capture."""
    import asyncio

    import aiohttp

    from meetcheck.webrtc.client import EndpointError
    from meetcheck.webrtc.listen import ChannelListener, inbound_stats

    client = ChannelListener(channel.url, channel.token, ice_servers=ice, keep_seconds=LISTEN_S + 2)
    capture = None
    try:
        out.stage = "request"
        try:
            await asyncio.wait_for(client.connect(CONNECT_TIMEOUT_S), CONNECT_TIMEOUT_S + 1)
        except EndpointError as exc:
            out.http_status = exc.status
            out.retry_after = str(exc.headers.get("Retry-After", "") or "")
            meaning = STATUS_MEANING.get(exc.status, N_("the server refused the request"))
            if out.retry_after:
                text = _("HTTP {status}: {meaning} (Retry-After: {seconds} s)")
            else:
                text = _("HTTP {status}: {meaning}")
            out.problem = text.format(status=exc.status, meaning=meaning, seconds=out.retry_after)
            return None
        except TimeoutError:
            out.problem = _("no answer within {seconds} s").format(seconds=f"{CONNECT_TIMEOUT_S:g}")
            return None
        except aiohttp.ClientError as exc:
            out.problem = _("cannot reach the endpoint ({error})").format(error=_error(exc))
            return None
        except (OSError, ValueError) as exc:
            out.problem = _("the exchange failed ({error})").format(error=_error(exc))
            return None
        out.stage = "audio"
        try:
            first = await client.first_frame(FIRST_AUDIO_TIMEOUT_S)
        except TimeoutError:
            state = client.pc.connectionState if client.pc is not None else "none"
            out.problem = _(
                "answered, but no audio within {seconds} s (connection {state})"
            ).format(seconds=f"{FIRST_AUDIO_TIMEOUT_S:g}", state=state)
            if state != "connected":
                out.stage = "connect"
            return None
        out.first_audio_ms = first * 1000.0
        try:
            capture = await client.capture(LISTEN_S, timeout=LISTEN_S + 2)
        except TimeoutError as exc:
            out.problem = _("audio stopped after it started ({error})").format(error=str(exc))
            return None
        if capture.seconds < LISTEN_S / 2:
            out.problem = _("audio stopped after {seconds} s").format(
                seconds=f"{capture.seconds:.1f}"
            )
            return None
        out.stats = await inbound_stats(client)
        out.ok = True
        out.stage = ""
        return capture
    finally:
        try:
            await asyncio.wait_for(client.close(), CLOSE_TIMEOUT_S)
        except (TimeoutError, OSError, aiohttp.ClientError):
            pass


def _listen_webcast(channel: Channel, out: ChannelData) -> Any:
    """Read one webcast stream through PyAV (blocking: runs in a thread)."""
    from meetcheck.webrtc.webcast import WebcastError, listen

    out.stage = "request"
    try:
        capture = listen(channel.url, LISTEN_S, token=channel.token, timeout=CONNECT_TIMEOUT_S)
    except WebcastError as exc:
        out.http_status = exc.status
        meaning = STATUS_MEANING.get(exc.status or 0)
        if exc.status and meaning:
            out.problem = _("HTTP {status}: {meaning}").format(status=exc.status, meaning=meaning)
        else:
            out.problem = str(exc)
        return None
    out.first_audio_ms = capture.first_audio_s * 1000.0
    if capture.seconds < LISTEN_S / 2:
        out.problem = _("the stream ended after {seconds} s of audio").format(
            seconds=f"{capture.seconds:.1f}"
        )
        return None
    out.ok = True
    out.stage = ""
    return capture


def _error(exc: BaseException) -> str:
    """'ClientConnectorError: Cannot connect to host ...' (an exception text, not translated)."""
    return f"{type(exc).__name__}: {exc}"


def _modulation_db(pcm: Any) -> float:
    """Spread of 50 ms levels (90th minus 10th percentile, dB): speech rises and falls by
    tens of dB between syllables and pauses; a tone or steady noise stays within a few."""
    import numpy as np

    block = 2400
    n = len(pcm) // block
    if n < 4:
        return 0.0
    frames = pcm[: n * block].astype(np.float64).reshape(n, block)
    levels = 10 * np.log10(np.mean(frames * frames, axis=1) + 1e-12)
    return float(np.percentile(levels, 90) - np.percentile(levels, 10))


def _analyse(data: dict[str, ChannelData], captures: dict[str, Any]) -> None:
    """Levels, identity and delay of every received channel (blocking: run in a thread)."""
    from meetcheck.media.frames import SAMPLE_RATE
    from meetcheck.media.identity import IdentityDecoder, mark_offset_s
    from meetcheck.media.levels import active_level_dbfs, clipped_runs, peak_dbfs

    detections = {}
    for key, cap in captures.items():
        if cap is None:
            continue
        d = data[key]
        pcm = cap.pcm
        d.seconds = cap.seconds
        d.start_s = cap.start_s
        concealed = getattr(cap, "concealed_samples", 0)
        d.concealed_pct = 100.0 * concealed / len(pcm) if len(pcm) else 0.0
        d.level_dbfs = active_level_dbfs(pcm, SAMPLE_RATE)
        d.peak_dbfs = peak_dbfs(pcm)
        d.clipped_runs = len(clipped_runs(pcm))
        d.modulation_db = _modulation_db(pcm)
        decoder = IdentityDecoder(max_seconds=LISTEN_S + 1)
        decoder.feed(pcm)
        det = decoder.result()
        detections[key] = det
        d.identity = det.code
        d.identity_confidence = det.confidence
        d.marks = len(det.marks_s)
    for key, det in detections.items():
        d = data[key]
        floor = detections.get(d.floor_key)
        if floor is None or not floor.marks_s:
            continue
        if key == d.floor_key:
            d.delay_ms = 0.0
            continue
        offset = mark_offset_s(
            floor, det, reference_start_s=data[d.floor_key].start_s, other_start_s=d.start_s
        )
        if offset is None:
            continue
        # Marks repeat every 2 s, so the offset is known in [-1 s, +1 s); a channel cannot
        # be ahead of the floor it interprets, so "ahead" means one period later.
        if offset < -AHEAD_TOLERANCE_S:
            offset += PERIOD_S
        d.delay_ms = offset * 1000.0
