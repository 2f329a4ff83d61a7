"""A measured echo call: Opus both ways plus timestamped probes on an unordered,
non-retransmitting data channel, as ``network.media`` needs it.

Figures and their units:

* ``rtt_ms``: median round trip of the probes (sent every ``interval``);
* ``jitter_ms``: RFC 3550 interarrival jitter of our audio as the meeting's side received
  it (aiortc's ``remote-inbound-rtp``, from the server's RTCP receiver reports), converted
  from RTP clock units (48 kHz for Opus) to ms: the speaker's direction, network only.
  Without a receiver report yet, the probes' jitter (mean absolute difference of
  consecutive round trips, both directions) stands in. ``echo_jitter_ms`` is the jitter
  of the echoed audio (``inbound-rtp``), which also holds the echo server's re-timing;
* ``loss_pct``: probes sent without an answer before the deadline (loss on the way up
  and on the way back together); ``up_loss_pct``/``down_loss_pct`` split it using the
  server's receive count (``server_seq`` of the echo wire format);
* ``burst_loss_pct``: the worst loss among the probes sent in any ``burst_window``
  (200 ms, Microsoft Teams' burst window);
* ``reorder_pct``: answers that arrived after an answer to a later probe;
* ``bitrate_kbps``: the audio bit rate sent (``outbound-rtp`` bytes, as deltas);
* ``candidate_type``: the local candidate of the nominated ICE pair (host, srflx, relay)
  and its transport;
* ``heard``: with ``listen``, that many seconds of the audio that came back (48 kHz mono
  float32), read after it settles: ``pcm`` (the speaker's recording, looped) as the
  platform carries it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

OPUS_CLOCK = 48000
SETTLE_S = 0.3  # the codecs and jitter buffers settle before the audio heard back counts


@dataclass
class EchoFigures:
    rtt_ms: float
    jitter_ms: float
    loss_pct: float
    up_loss_pct: float
    down_loss_pct: float
    burst_loss_pct: float | None  # None: not measurable (a browser's statistics)
    reorder_pct: float | None
    bitrate_kbps: float
    candidate_type: str
    probes: int
    answered: int
    probe_jitter_ms: float
    echo_jitter_ms: float | None
    audio_frames: int
    connect_ms: float
    notes: list[str] = field(default_factory=list)
    heard: Any = None  # np.ndarray: the audio that came back, with ``listen``
    source: str = ""  # "" measured here; else who measured it ("browser getStats()")


def probe_figures(
    sent: list[float], replies: list[tuple[int, float, int]], burst: int
) -> dict[str, float]:
    """Loss, burst loss, reorder and RTT statistics from probes.

    ``sent``: send time of probe i; ``replies``: (seq, receive time, server_seq) in
    arrival order. Pure, so it is tested on its own.
    """
    n = len(sent)
    first: dict[int, tuple[float, int]] = {}
    reordered = 0
    highest = -1
    for seq, rx, server_seq in replies:
        if seq in first or not 0 <= seq < n:
            continue
        first[seq] = (rx, server_seq)
        if seq < highest:
            reordered += 1
        highest = max(highest, seq)
    answered = len(first)
    rtts = [(first[i][0] - sent[i]) * 1000 for i in range(n) if i in first]
    lost = [i not in first for i in range(n)]
    worst = 0.0
    if n:
        span = min(burst, n)
        run = sum(lost[:span])
        worst = run / span
        for i in range(span, n):
            run += lost[i] - lost[i - span]
            worst = max(worst, run / span)
    server_count = max((s for _, s in first.values()), default=0)
    up = 1 - server_count / n if n else 0.0
    down = 1 - answered / server_count if server_count else 0.0
    diffs = [abs(b - a) for a, b in zip(rtts, rtts[1:], strict=False)]
    return {
        "rtt_ms": statistics.median(rtts) if rtts else float("nan"),
        "probe_jitter_ms": statistics.fmean(diffs) if diffs else 0.0,
        "loss_pct": 100 * (n - answered) / n if n else 0.0,
        "up_loss_pct": 100 * max(up, 0.0),
        "down_loss_pct": 100 * max(down, 0.0),
        "burst_loss_pct": 100 * worst,
        "reorder_pct": 100 * reordered / answered if answered else 0.0,
        "answered": answered,
    }


def candidate_type(pc: Any) -> str:
    """``relay/udp``-style name of the nominated pair's local candidate, or ``unknown``.

    For a relay candidate the transport is that of the leg to the TURN server (as WebRTC
    statistics' ``relayProtocol``): ``relay/tcp`` when TURN runs over TCP or TLS."""
    try:
        transport = pc.sctp.transport if pc.sctp is not None else None
        if transport is None:
            transport = pc.getTransceivers()[0].sender.transport
        connection = transport.transport._connection  # aioice.Connection
        pair = connection._nominated.get(1)
        cand = pair.local_candidate
        transport = cand.transport.lower()
        if cand.type == "relay":
            turn = getattr(pair.protocol, "transport", None)  # aioice's TurnTransport
            inner = getattr(turn, "_TurnTransport__inner_protocol", None)
            if inner is not None and "Tcp" in type(inner).__name__:
                transport = "tcp"
        return f"{cand.type}/{transport}"
    except (AttributeError, IndexError, KeyError, TypeError):
        return "unknown"


async def _rtp_stats(pc: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    report = await pc.getStats()
    for stat in report.values():
        kind = getattr(stat, "type", "")
        if kind == "outbound-rtp":
            out["bytes_sent"] = out.get("bytes_sent", 0) + (stat.bytesSent or 0)
        elif kind == "remote-inbound-rtp" and stat.jitter is not None:
            out["up_jitter_units"] = max(out.get("up_jitter_units", 0), stat.jitter)
        elif kind == "inbound-rtp":
            out["jitter_units"] = max(out.get("jitter_units", 0), stat.jitter or 0)
            out["packets_received"] = out.get("packets_received", 0) + (stat.packetsReceived or 0)
    return out


async def measure_echo(
    url: str,
    token: str = "",
    seconds: float = 3.0,
    interval: float = 0.02,
    wait: float = 1.0,
    ice_servers: list[Any] | None = None,
    relay_only: bool = False,
    connect_timeout: float = 8.0,
    burst_window: float = 0.2,
    pcm: Any = None,
    listen: float = 0.0,
) -> EchoFigures:
    """Call the echo endpoint sending ``pcm`` (48 kHz mono, looped; a 440 Hz tone when
    None), measure for ``seconds`` and keep ``listen`` seconds of the audio that comes
    back, hang up; raises :class:`meetcheck.webrtc.client.EndpointError` if the endpoint
    refuses the call and ``TimeoutError`` if the call does not connect."""
    from meetcheck.webrtc.client import EchoClient, tone

    client = EchoClient(
        url,
        token,
        pcm=tone(440.0, 1.0, 0.2) if pcm is None else pcm,
        data_channel=True,
        ice_servers=ice_servers or [],
        ice_transport_policy="relay" if relay_only else "all",
    )
    start = time.monotonic()
    try:
        await asyncio.wait_for(client.connect(connect_timeout), connect_timeout)
        left = connect_timeout - (time.monotonic() - start)
        await asyncio.wait_for(client.channel_open.wait(), max(left, 0.1))
        connect_ms = (time.monotonic() - start) * 1000
        assert client.pc is not None

        async def hear() -> Any:
            await client.first_frame(connect_timeout)
            await client.read(SETTLE_S)
            return await client.read(listen, timeout=listen + 10)

        # beside the probes, on the same call
        listener = asyncio.ensure_future(hear()) if listen > 0 else None
        before = await _rtp_stats(client.pc)
        t0 = time.monotonic()
        count = max(int(seconds / interval), 1)
        sent: list[float] = []
        replies: list[tuple[int, float, int]] = []

        async def collect() -> None:
            while True:
                rx, message = await client.replies.get()
                try:
                    obj = json.loads(message)
                    replies.append((int(obj["seq"]), rx, int(obj.get("server_seq", 0))))
                except (ValueError, KeyError, TypeError):
                    continue

        collector = asyncio.ensure_future(collect())
        loop = asyncio.get_running_loop()
        begin = loop.time()
        try:
            for i in range(count):
                due = begin + i * interval
                if (pause := due - loop.time()) > 0:
                    await asyncio.sleep(pause)
                if client.channel.readyState != "open":
                    raise ConnectionError("the echo call ended during the test")
                sent.append(time.time())
                client.channel.send(json.dumps({"seq": i, "t": sent[-1]}))
            deadline = loop.time() + wait
            while loop.time() < deadline and len({r[0] for r in replies}) < count:
                await asyncio.sleep(0.01)
        finally:
            collector.cancel()
        after = await _rtp_stats(client.pc)
        elapsed = time.monotonic() - t0
        figures = probe_figures(sent, replies, max(int(round(burst_window / interval)), 1))
        sent_bytes = after.get("bytes_sent", 0) - before.get("bytes_sent", 0)
        audio_frames = client.receiver.frames
        notes = []
        heard = None
        if listener is not None:
            with contextlib.suppress(TimeoutError):  # heard stays None: nothing came back
                heard = await asyncio.wait_for(listener, listen + SETTLE_S + 15)
        echo_jitter = None
        if "jitter_units" in after and after.get("packets_received", 0) > 10:
            echo_jitter = round(after["jitter_units"] / OPUS_CLOCK * 1000, 2)
        if "up_jitter_units" in after:
            jitter_ms = after["up_jitter_units"] / OPUS_CLOCK * 1000
        else:
            jitter_ms = figures["probe_jitter_ms"]
            notes.append("no RTCP receiver report yet: jitter from the probes")
        return EchoFigures(
            rtt_ms=round(figures["rtt_ms"], 2),
            jitter_ms=round(jitter_ms, 2),
            loss_pct=round(figures["loss_pct"], 2),
            up_loss_pct=round(figures["up_loss_pct"], 2),
            down_loss_pct=round(figures["down_loss_pct"], 2),
            burst_loss_pct=round(figures["burst_loss_pct"], 2),
            reorder_pct=round(figures["reorder_pct"], 2),
            bitrate_kbps=round(sent_bytes * 8 / elapsed / 1000, 1) if elapsed > 0 else 0.0,
            candidate_type=candidate_type(client.pc),
            probes=count,
            answered=int(figures["answered"]),
            probe_jitter_ms=round(figures["probe_jitter_ms"], 2),
            echo_jitter_ms=echo_jitter,
            audio_frames=audio_frames,
            connect_ms=round(connect_ms, 1),
            notes=notes,
            heard=heard,
        )
    finally:
        try:
            await asyncio.wait_for(client.close(), 3)
        except (TimeoutError, OSError, Exception):  # noqa: BLE001 - hanging up is best effort
            pass
