"""What the self-test page uploads, checked, and turned into sensor readings.

The page measures and never judges: it sends its raw ``getStats()`` samples, what each
channel's receiver saw, and the captured audio. The conversion into the figures the checks
judge (RTT, jitter, loss, bit rate per echo call; loss, jitter and concealment per channel)
happens here, in Python, once, with the units written down:

* ``roundTripTime`` (``remote-inbound-rtp``) and ``currentRoundTripTime`` (``candidate-pair``)
  are seconds; ``jitter`` is seconds in browsers (WebRTC stats spec), unlike aiortc's RTP
  clock units; packet and byte counters are cumulative, so figures use the last sample
  (and deltas for rates).

:func:`check_measurements` is pure Python and fast (the server calls it before it accepts
an upload, so a malformed one is a 4xx); :func:`echo_figures` and
:func:`channel_collection` run in the judging worker.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from typing import Any

SOURCE = "browser"
STATS_SOURCE = "browser getStats()"
MAX_SAMPLES = 600  # getStats() samples of the echo call (the page takes about 2 a second)
MAX_CHANNELS = 16
MAX_TEXT = 500  # user agent, device labels, messages


class BadUpload(ValueError):
    """The upload is not what the self-test page sends: one line saying what is wrong."""

    def for_delegate(self) -> str:
        """The reason as the page shows it: what to do, in the delegate's language, with
        the technical detail (the key at fault) kept as it is."""
        from meetcheck.selftest._catalog import _

        return _(
            "The page sent measurements this server cannot read ({detail}). "
            "Reload the page and test again."
        ).format(detail=str(self))


def _number(value: Any, where: str, *, optional: bool = True) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadUpload(f"{where}: expected a finite number, got {value!r:.40}")
    return float(value)


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadUpload(f"{where}: expected text, got {type(value).__name__}")
    return value[:MAX_TEXT]


def _table(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadUpload(f"{where}: expected an object, got {type(value).__name__}")
    return value


STAT_FIELDS = {
    "remote-inbound-rtp": ("roundTripTime", "jitter", "packetsLost", "fractionLost"),
    "outbound-rtp": ("packetsSent", "bytesSent"),
    "inbound-rtp": ("packetsReceived", "packetsLost", "jitter", "concealedSamples",
                    "totalSamplesReceived", "bytesReceived"),  # fmt: skip
    "candidate-pair": ("currentRoundTripTime",),
}
TEXT_FIELDS = {"candidate-pair": ("localCandidateType", "protocol")}


def _sample(raw: Any, where: str) -> dict[str, Any]:
    """One getStats() sample as the page reduces it: ``t`` (ms) and one dict per type."""
    raw = _table(raw, where)
    out: dict[str, Any] = {"t": _number(raw.get("t"), f"{where}.t", optional=False)}
    for kind, fields in STAT_FIELDS.items():
        stat = _table(raw.get(kind), f"{where}.{kind}")
        clean: dict[str, Any] = {}
        for name in fields:
            value = _number(stat.get(name), f"{where}.{kind}.{name}")
            if value is not None:
                clean[name] = value
        for name in TEXT_FIELDS.get(kind, ()):
            if stat.get(name) is not None:
                clean[name] = _text(stat.get(name), f"{where}.{kind}.{name}")
        if clean:
            out[kind] = clean
    return out


def _channel(raw: Any, where: str) -> dict[str, Any]:
    raw = _table(raw, where)
    code = _text(raw.get("code"), f"{where}.code")
    if not code or not code.isascii() or not (code.isalpha() and code.islower()):
        raise BadUpload(f"{where}.code: expected a channel code such as 'fr', got {code!r:.20}")
    status = raw.get("http_status")
    if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
        raise BadUpload(f"{where}.http_status: expected an HTTP status, got {status!r:.20}")
    stats = _table(raw.get("stats"), f"{where}.stats")
    before = _table(raw.get("stats_before"), f"{where}.stats_before")
    return {
        "code": code,
        "label": _text(raw.get("label"), f"{where}.label"),
        "ok": bool(raw.get("ok")),
        "problem": _text(raw.get("problem"), f"{where}.problem"),
        "stage": _text(raw.get("stage"), f"{where}.stage"),
        "http_status": status,
        "first_audio_ms": _number(raw.get("first_audio_ms"), f"{where}.first_audio_ms"),
        "stats": _inbound(stats, f"{where}.stats"),
        "stats_before": _inbound(before, f"{where}.stats_before"),
    }


def _inbound(stats: dict[str, Any], where: str) -> dict[str, float]:
    return {
        k: v
        for k in STAT_FIELDS["inbound-rtp"]
        if (v := _number(stats.get(k), f"{where}.{k}")) is not None
    }


def check_measurements(data: Any) -> dict[str, Any]:
    """The page's JSON, validated and reduced to the fields used (unknown ones dropped)."""
    data = _table(data, "measurements")
    if data.get("version") != 1:
        raise BadUpload("measurements.version: expected 1 (a page of this server)")
    echo = _table(data.get("echo"), "measurements.echo")
    samples = echo.get("samples") or []
    if not isinstance(samples, list) or len(samples) > MAX_SAMPLES:
        raise BadUpload(f"measurements.echo.samples: expected a list of at most {MAX_SAMPLES}")
    channels = data.get("channels") or []
    if not isinstance(channels, list) or len(channels) > MAX_CHANNELS:
        raise BadUpload(f"measurements.channels: expected a list of at most {MAX_CHANNELS}")
    devices = _table(data.get("devices"), "measurements.devices")
    return {
        "version": 1,
        "user_agent": _text(data.get("user_agent"), "measurements.user_agent"),
        "devices": {k: _text(devices.get(k), f"measurements.devices.{k}")
                    for k in ("microphone", "headphones")},  # fmt: skip
        "recording": {
            "seconds": _number(
                _table(data.get("recording"), "measurements.recording").get("seconds"),
                "measurements.recording.seconds",
            )
        },
        "echo": {
            "error": _text(echo.get("error"), "measurements.echo.error"),
            "connect_ms": _number(echo.get("connect_ms"), "measurements.echo.connect_ms"),
            "samples": [
                _sample(s, f"measurements.echo.samples.{i}") for i, s in enumerate(samples)
            ],
        },
        "channels": [_channel(c, f"measurements.channels.{i}") for i, c in enumerate(channels)],
        "listen_s": _number(data.get("listen_s"), "measurements.listen_s"),
        # the id under which the page sent the channels' audio ahead (/channels)
        "channels_id": _text(data.get("channels_id"), "measurements.channels_id")[:64],
    }


# -- the echo call's figures -------------------------------------------------------------


def _series(samples: list[dict[str, Any]], kind: str, name: str) -> list[float]:
    return [s[kind][name] for s in samples if name in s.get(kind, {})]


def _last(samples: list[dict[str, Any]], kind: str, name: str, default: float = 0.0) -> float:
    values = _series(samples, kind, name)
    return values[-1] if values else default


def echo_figures(echo: Mapping[str, Any]) -> Any:
    """The browser's echo call as :class:`~meetcheck.webrtc.echo_probe.EchoFigures`, or
    None when it produced no round trip (the call failed: ``echo["error"]`` says why).

    ``burst_loss_pct`` and ``reorder_pct`` need per-probe data that ``getStats()`` does not
    give: None, which ``network.media`` reports as not measured.
    """
    from meetcheck.checks.network._measure import mean_abs_diff
    from meetcheck.webrtc.echo_probe import EchoFigures

    samples = list(echo.get("samples") or [])
    rtts = _series(samples, "remote-inbound-rtp", "roundTripTime")
    how = "remote-inbound-rtp roundTripTime"
    if not rtts:
        rtts = _series(samples, "candidate-pair", "currentRoundTripTime")
        how = "candidate-pair currentRoundTripTime"
    if not rtts:
        return None
    rtts_ms = [r * 1000 for r in rtts]
    sent = _last(samples, "outbound-rtp", "packetsSent")
    up_lost = max(0.0, _last(samples, "remote-inbound-rtp", "packetsLost"))
    received = _last(samples, "inbound-rtp", "packetsReceived")
    down_lost = max(0.0, _last(samples, "inbound-rtp", "packetsLost"))
    up = 100.0 * up_lost / sent if sent else 0.0
    down = 100.0 * down_lost / (received + down_lost) if received + down_lost else 0.0
    jitters = _series(samples, "remote-inbound-rtp", "jitter")
    echo_jitter = _series(samples, "inbound-rtp", "jitter")
    jitter_ms = 1000.0 * (jitters or echo_jitter or [0.0])[-1]
    sent_bytes = [
        (s["t"], s["outbound-rtp"]["bytesSent"])
        for s in samples
        if "bytesSent" in s.get("outbound-rtp", {})
    ]
    bitrate = 0.0
    if len(sent_bytes) >= 2 and sent_bytes[-1][0] > sent_bytes[0][0]:
        (t0, b0), (t1, b1) = sent_bytes[0], sent_bytes[-1]
        bitrate = (b1 - b0) * 8 / (t1 - t0)  # bits per ms = kbit/s
    pair = next((s["candidate-pair"] for s in reversed(samples) if "candidate-pair" in s), {})
    candidate = f"{pair.get('localCandidateType', 'unknown')}/{pair.get('protocol', 'udp')}"
    span = (samples[-1]["t"] - samples[0]["t"]) / 1000 if len(samples) > 1 else 0.0
    return EchoFigures(
        rtt_ms=round(statistics.median(rtts_ms), 2),
        jitter_ms=round(jitter_ms, 2),
        loss_pct=round(100.0 * (1 - (1 - up / 100) * (1 - down / 100)), 2),
        up_loss_pct=round(up, 2),
        down_loss_pct=round(down, 2),
        burst_loss_pct=None,
        reorder_pct=None,
        bitrate_kbps=round(bitrate, 1),
        candidate_type=candidate,
        probes=int(sent),
        answered=int(received),
        probe_jitter_ms=round(mean_abs_diff(rtts_ms), 2),
        echo_jitter_ms=round(1000.0 * echo_jitter[-1], 2) if echo_jitter else None,
        audio_frames=int(received),
        connect_ms=round(float(echo.get("connect_ms") or 0.0), 1),
        notes=[f"{len(samples)} getStats() samples over {span:.1f} s; RTT from {how}"],
        source=STATS_SOURCE,
    )


# -- the channels, as the browser received them --------------------------------------------


class BrowserCapture:
    """A channel's audio as the browser played it (mono float PCM at 48 kHz), in the shape
    the channel family's analysis reads. Every capture started at the same moment of the
    page's one audio clock, so ``start_s`` is 0 for all and delays compare directly."""

    def __init__(self, pcm: Any, rate: int, concealed_pct: float) -> None:
        self.pcm = pcm
        self.seconds = len(pcm) / rate
        self.start_s = 0.0
        self.concealed_samples = int(round(len(pcm) * concealed_pct / 100.0))


def channel_collection(
    channels: list[dict[str, Any]], pcm: Mapping[str, Any], seconds: float
) -> Any:
    """A :class:`~meetcheck.checks.channels._collect.Collection` of what the browser
    received: the reception fields from its receivers' statistics, then the family's own
    analysis (levels, identity, delay) on the audio it captured."""
    from meetcheck.checks.channels._collect import ChannelData, Collection, _analyse
    from meetcheck.media.frames import SAMPLE_RATE

    data: dict[str, ChannelData] = {}
    captures: dict[str, Any] = {}
    for ch in channels:
        d = ChannelData(ch["code"], ch["label"] or ch["code"], f"/whep/{ch['code']}")
        d.http_status = ch["http_status"]
        d.first_audio_ms = ch["first_audio_ms"]
        d.stage = ch["stage"]
        d.problem = ch["problem"]
        # Counters over the captured window (the last sample minus the one at its start):
        # the set-up before the first packet is no loss and no concealment.
        end, start = ch["stats"], ch.get("stats_before") or {}
        stats = {k: v - start.get(k, 0.0) if k != "jitter" else v for k, v in end.items()}
        received = stats.get("packetsReceived", 0.0)
        lost = max(0.0, stats.get("packetsLost", 0.0))
        d.stats = {
            "packets_received": received,
            "packets_lost": lost,
            "loss_pct": 100.0 * lost / (received + lost) if received + lost else 0.0,
            "jitter_ms": 1000.0 * stats.get("jitter", 0.0),
        }
        total = stats.get("totalSamplesReceived", 0.0)
        concealed = 100.0 * stats.get("concealedSamples", 0.0) / total if total else 0.0
        audio = pcm.get(ch["code"])
        if ch["ok"] and audio is not None and len(audio) >= SAMPLE_RATE * seconds / 2:
            d.ok, d.stage, d.problem = True, "", ""
            captures[d.key] = BrowserCapture(audio, SAMPLE_RATE, concealed)
        elif ch["ok"]:
            d.problem, d.stage = "the browser captured too little of its audio", "audio"
        data[d.key] = d
    _analyse(data, captures)
    return Collection(data, seconds, None)
