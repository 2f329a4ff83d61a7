"""Real Opus encode/decode of float PCM, through PyAV's libopus (the codec aiortc uses).

Why: identity marks and programme audio must be proven to survive the codec a WebRTC
channel really applies, with lost packets either concealed as silence (a receiver that
places decoded frames by their RTP timestamp) or simply missing (one that concatenates).
"""

from __future__ import annotations

from typing import Literal

import av
import numpy as np

from meetcheck.media.frames import FRAME_SAMPLES, SAMPLE_RATE, TIME_BASE


def _to_s16(pcm: np.ndarray) -> np.ndarray:
    return (np.clip(pcm, -1.0, 1.0) * 32767.0).round().astype(np.int16)


def opus_roundtrip(
    pcm: np.ndarray,
    bitrate: int | None = None,
    *,
    channels: int = 1,
    application: str = "voip",
    loss: float = 0.0,
    seed: int | None = None,
    lost: Literal["silence", "drop"] = "silence",
) -> np.ndarray:
    """Encode `pcm` (float32 mono, 48 kHz) to 20 ms Opus packets and decode them again.

    bitrate None leaves libopus's own default. `loss` drops that fraction of packets at
    random; `lost="silence"` puts 20 ms of zeros in their place (timeline kept), "drop"
    leaves them out (timeline shortened). Returns float32 mono; the codec's own delay
    (312 samples pre-skip) is kept, as a WebRTC receiver would see it.
    """
    layout = "mono" if channels == 1 else "stereo"
    enc = av.CodecContext.create("libopus", "w")
    enc.sample_rate = SAMPLE_RATE
    enc.layout = layout
    enc.format = "s16"
    enc.time_base = TIME_BASE
    if bitrate is not None:
        enc.bit_rate = bitrate
    enc.options = {"application": application, "frame_duration": "20"}
    dec = av.CodecContext.create("libopus", "r")
    dec.sample_rate = SAMPLE_RATE
    dec.layout = layout
    dec.format = "s16"

    pcm = np.asarray(pcm, dtype=np.float32)
    n = len(pcm)
    padded = np.zeros(-(-n // FRAME_SAMPLES) * FRAME_SAMPLES, dtype=np.float32)
    padded[:n] = pcm
    s16 = _to_s16(padded)
    rng = np.random.default_rng(seed)
    out: list[np.ndarray] = []

    def _decode(packet: av.Packet | None) -> None:
        for frame in dec.decode(packet):
            arr = frame.to_ndarray().reshape(-1, channels)
            out.append(arr[:, 0].astype(np.float32) / 32768.0)

    packets: list[av.Packet] = []
    for i in range(0, len(s16), FRAME_SAMPLES):
        chunk = s16[i : i + FRAME_SAMPLES]
        if channels == 2:
            chunk = np.repeat(chunk, 2)
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout=layout)
        frame.sample_rate = SAMPLE_RATE
        frame.pts = i
        frame.time_base = TIME_BASE
        packets.extend(enc.encode(frame))
    packets.extend(enc.encode(None))
    for packet in packets:
        if loss > 0 and rng.random() < loss:
            if lost == "silence":
                out.append(np.zeros(FRAME_SAMPLES, dtype=np.float32))
            continue
        _decode(packet)
    result = np.concatenate(out) if out else np.zeros(0, dtype=np.float32)
    return result[:n] if lost == "silence" else result


def aiortc_roundtrip(
    pcm: np.ndarray,
    *,
    loss: float = 0.0,
    seed: int | None = None,
    lost: Literal["silence", "drop"] = "silence",
) -> np.ndarray:
    """Like `opus_roundtrip`, through aiortc's own OpusEncoder/OpusDecoder: the exact
    settings a WebRTC channel served by aiortc uses (96 kbit/s stereo, "voip")."""
    from aiortc.codecs.opus import OpusDecoder, OpusEncoder
    from aiortc.jitterbuffer import JitterFrame

    enc, dec = OpusEncoder(), OpusDecoder()
    pcm = np.asarray(pcm, dtype=np.float32)
    n = len(pcm)
    s16 = np.zeros(-(-n // FRAME_SAMPLES) * FRAME_SAMPLES, dtype=np.int16)
    s16[:n] = _to_s16(pcm)
    rng = np.random.default_rng(seed)
    out: list[np.ndarray] = []
    for i in range(0, len(s16), FRAME_SAMPLES):
        frame = av.AudioFrame.from_ndarray(
            s16[i : i + FRAME_SAMPLES].reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = SAMPLE_RATE
        frame.pts = i
        frame.time_base = TIME_BASE
        payloads, timestamp = enc.encode(frame)
        for payload in payloads:
            if loss > 0 and rng.random() < loss:
                if lost == "silence":
                    out.append(np.zeros(FRAME_SAMPLES, dtype=np.float32))
                continue
            for decoded in dec.decode(JitterFrame(payload, timestamp)):
                arr = decoded.to_ndarray().reshape(-1, 2)
                out.append(arr[:, 0].astype(np.float32) / 32768.0)
    result = np.concatenate(out) if out else np.zeros(0, dtype=np.float32)
    return result[:n] if lost == "silence" else result
