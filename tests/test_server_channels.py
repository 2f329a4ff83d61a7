"""Channel sources: file decoding in a loop, pacing, fan-out, and a file-fed channel."""

from __future__ import annotations

import asyncio
import fractions
import time
import wave
from pathlib import Path

import av
import numpy as np
import pytest

from meetcheck.errors import InputError
from meetcheck.media.frames import FRAME_SAMPLES as FRAME
from meetcheck.server.app import serve_in_thread
from meetcheck.server.channels import (
    ArrayLoopReader,
    ChannelSource,
    FileLoopReader,
    ProgrammeClock,
    probe_source,
)
from meetcheck.server.config import ChannelConfig, ServerConfig
from meetcheck.webrtc.client import WhepClient


def write_wav(path: Path, freq: float, seconds: float, rate: int, channels: int = 1) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    mono = (0.3 * np.sin(2 * np.pi * freq * t) * 32767).astype("<i2")
    data = np.repeat(mono, channels) if channels > 1 else mono
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data.tobytes())
    return path


def write_flac(path: Path, freq: float, seconds: float, rate: int = 44100) -> Path:
    with av.open(str(path), "w", format="flac") as container:
        stream = container.add_stream("flac", rate=rate)
        stream.layout = "stereo"
        t = np.arange(int(seconds * rate)) / rate
        mono = (0.3 * np.sin(2 * np.pi * freq * t) * 32767).astype(np.int16)
        for i in range(0, len(mono), 4096):
            chunk = np.repeat(mono[i : i + 4096], 2).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="stereo")
            frame.sample_rate = rate
            frame.pts = i
            frame.time_base = fractions.Fraction(1, rate)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def peak_hz(pcm: np.ndarray, rate: int = 48000) -> float:
    spectrum = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm))))
    return float(np.argmax(spectrum) * rate / len(pcm))


def test_file_reader_resamples_downmixes_and_loops(tmp_path):
    path = write_wav(tmp_path / "t.wav", 500, 0.25, 16000, channels=2)
    reader = FileLoopReader(str(path))
    try:
        out = reader.read(48000)  # 1 s from a 0.25 s file: four passes
    finally:
        reader.close()
    assert out.dtype == np.float32 and len(out) == 48000
    assert abs(peak_hz(out) - 500) < 5
    assert 0.19 < np.sqrt(np.mean(out**2)) < 0.23  # 0.3 peak sine: rms 0.21, no +3 dB


def test_flac_source_decodes(tmp_path):
    path = write_flac(tmp_path / "t.flac", 700, 0.5)
    probe_source(str(path))
    reader = FileLoopReader(str(path))
    assert abs(peak_hz(reader.read(24000)) - 700) < 5
    reader.close()


def test_undecodable_source_is_an_input_error(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("not audio at all\n" * 10)
    with pytest.raises(InputError, match="channels.fr.source: .*notes.txt: cannot decode"):
        probe_source(str(bad), "channels.fr.source")
    with pytest.raises(InputError, match="cannot decode"):
        with serve_in_thread(
            ServerConfig(channels=[ChannelConfig("fr", source=str(bad))], stun=False)
        ):
            pass


def test_array_reader_loops():
    reader = ArrayLoopReader(np.arange(5, dtype=np.float32))
    assert reader.read(12).tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]


def test_source_is_paced_in_real_time_and_shared():
    async def main():
        clock = ProgrammeClock()
        src = ChannelSource("fr", "French", clock, identity=False, programme_seconds=2, linger=0.1)
        await src.prepare()
        a, b = src.subscribe(), src.subscribe()
        t0 = time.monotonic()
        got_a, got_b = [], []
        for _ in range(25):
            got_a.append(await a.recv())
            got_b.append(await b.recv())
        elapsed = time.monotonic() - t0
        a.stop()
        b.stop()
        await asyncio.sleep(0.4)
        running = src.running
        await src.close()
        return got_a, got_b, elapsed, running, src

    got_a, got_b, elapsed, running, src = asyncio.run(main())
    assert 0.35 < elapsed < 1.0  # 25 frames of 20 ms, started at the live edge
    assert [p.pts for p in got_a] == [p.pts for p in got_b]  # one encode, two listeners
    assert all(p.pts % FRAME == 0 for p in got_a)
    assert [q.pts - p.pts for p, q in zip(got_a, got_a[1:], strict=False)] == [FRAME] * 24
    assert not running and not src.listeners  # stopped after its last listener left


def test_file_fed_channel_plays_the_file(tmp_path):
    path = write_wav(tmp_path / "floor.wav", 1000, 0.5, 22050)
    cfg = ServerConfig(
        channels=[ChannelConfig("floor", "Floor", source=str(path), identity=False)],
        stun=False,
    )
    with serve_in_thread(cfg) as srv:

        async def main():
            async with WhepClient(srv.channel_url("floor")) as client:
                await client.first_frame(10)
                await client.read(0.2)
                return await client.read(1.0)

        audio = asyncio.run(main())
    assert abs(peak_hz(audio) - 1000) < 10
    assert np.sqrt(np.mean(audio**2)) > 0.1
