"""Capture and playback through PortAudio, with the ``sounddevice`` binding.

Why PortAudio: one library reaches every platform's own audio system (WASAPI on Windows,
Core Audio on macOS, ALSA on Linux, and through ALSA's ``pulse`` device PulseAudio and
PipeWire), and sounddevice's wheels for Windows and macOS bundle it, so a delegate's
``pip install`` is all it takes. It is imported only when a microphone is used: loading it
enumerates the devices, which takes a few hundred milliseconds.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import threading
import wave
from collections.abc import Iterator
from typing import Any

import numpy as np

from meetcheck.media.device import CHUNK_S, CaptureError, Source

#: Host APIs in the order they are preferred: one view of each device (Windows lists every
#: device under MME, DirectSound, WASAPI and WDM-KS; WASAPI has full names and low latency).
HOST_APIS = ("Windows WASAPI", "Core Audio", "ALSA")
#: ALSA's device for the PulseAudio/PipeWire server (Debian ``libasound2-plugins``).
SERVER_DEVICE = "pulse"
STALL_S = 3.0  # no audio for this long: the device stopped
_open_streams = 0  # restarting PortAudio (a fresh device list) would end these
_lock = threading.Lock()


def load() -> Any:
    """The sounddevice module, or a CaptureError saying what to install."""
    try:
        import sounddevice
    except ImportError:
        raise CaptureError(
            "PortAudio capture needs the sounddevice package (pip install sounddevice)"
        ) from None
    except OSError as exc:
        raise CaptureError(
            f"the PortAudio library is missing ({exc}): install libportaudio2 "
            "(Debian/Ubuntu) or portaudio"
        ) from None
    return sounddevice


def available() -> bool:
    try:
        load()
    except CaptureError:
        return False
    return True


def version() -> str:
    """PortAudio's and sounddevice's versions, for saying which backend recorded."""
    sd = load()
    return f"{sd.get_portaudio_version()[1]}, sounddevice {sd.__version__}"


def _host_api(sd: Any) -> int:
    apis = sd.query_hostapis()
    names = [a["name"] for a in apis]
    for name in HOST_APIS:
        if name in names:
            return names.index(name)
    return int(sd.default.hostapi)


def list_sources() -> list[Source]:
    """The input devices of the preferred host API, the default input first."""
    sd = load()
    with _lock:
        if not _open_streams:
            # a fresh device list: a microphone plugged in since, the sound server the
            # environment names now (PortAudio reads the devices once, when it starts)
            sd._terminate()
            sd._initialize()
    api = _host_api(sd)
    api_info = sd.query_hostapis(api)
    default = api_info["default_input_device"]
    found = []
    for d in sd.query_devices():
        if d["hostapi"] != api or d["max_input_channels"] < 1:
            continue
        hw = re.search(r"\((hw:\d+,\d+)\)", d["name"])
        found.append(
            Source(
                name=d["name"],
                description=d["name"],
                sample_rate=int(d["default_samplerate"]),
                channels=min(2, int(d["max_input_channels"])),
                backend="portaudio",
                host_api=api_info["name"],
                device=int(d["index"]),
                alsa_hw=hw.group(1) if hw else "",
            )
        )
    return sorted(found, key=lambda s: s.device != default)


@contextlib.contextmanager
def _server_source(name: str) -> Iterator[None]:
    """Point ALSA's ``pulse`` device at one source: libpulse reads PULSE_SOURCE when the
    device opens."""
    if not name:
        yield
        return
    old = os.environ.get("PULSE_SOURCE")
    os.environ["PULSE_SOURCE"] = name
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PULSE_SOURCE", None)
        else:
            os.environ["PULSE_SOURCE"] = old


def record(source: Source, rate: int, chans: int, seconds: float) -> Iterator[np.ndarray]:
    """``seconds`` of ``source`` as (channels, n) float chunks of 100 ms."""
    sd = load()
    block = int(CHUNK_S * rate)
    chunks: queue.Queue[np.ndarray] = queue.Queue()

    def arrived(indata: np.ndarray, frames: int, when: Any, status: Any) -> None:
        chunks.put(indata.copy())

    global _open_streams
    try:
        with _lock, _server_source(source.route):
            stream = sd.InputStream(
                device=source.device,
                samplerate=rate,
                channels=chans,
                dtype="float32",
                blocksize=block,
                callback=arrived,
            )
            try:
                stream.start()
            except sd.PortAudioError:
                stream.close()
                raise
            _open_streams += 1
    except (sd.PortAudioError, ValueError) as exc:
        raise CaptureError(f"could not open {source.name}: {exc}") from None
    want = int(round(seconds * rate))
    got = 0
    try:
        while got < want:
            try:
                data = chunks.get(timeout=STALL_S)
            except queue.Empty:
                raise CaptureError(
                    f"recording from {source.name} stopped: no audio for {STALL_S:.0f} s"
                ) from None
            pcm = data.T.astype("float64")[:, : want - got]
            got += pcm.shape[1]
            yield pcm
    finally:
        stream.abort()
        stream.close()
        with _lock:
            _open_streams -= 1


def play(path: str) -> None:
    """Play one of our own 16-bit WAV recordings on the default output, waiting for its end."""
    sd = load()
    with wave.open(path, "rb") as w:
        rate, chans = w.getframerate(), w.getnchannels()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, chans)
    try:
        sd.play(pcm.astype("float32") / 32768.0, rate, blocking=True)
    except sd.PortAudioError as exc:
        raise CaptureError(f"could not play the recording back ({exc})") from None
