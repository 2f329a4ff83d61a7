"""Live microphones: which capture backend records, and the devices as one list.

Two backends, chosen explicitly (``--capture-backend``, ``auto`` by default):

- ``portaudio`` (:mod:`meetcheck.media.portaudio`, the sounddevice binding): Windows
  (WASAPI), macOS (Core Audio) and Linux (ALSA, and through ALSA's ``pulse`` device the
  PulseAudio/PipeWire server). ``auto`` takes it whenever it loads.
- ``pulse`` (:mod:`meetcheck.media.pulse`, ``pactl``/``parec``): Linux without PortAudio.

Whichever records, the sound server is asked about the devices it knows when it runs:
only it tells a device's bus (bluetooth, usb, pci) and form factor (headset, internal),
how a Bluetooth or built-in microphone is recognised. Its sources and PortAudio's devices
are merged where they are the same device (the same ALSA card and device, or the same
name); a server source is recorded through PortAudio's ``pulse`` device when there is one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np

from meetcheck.media import portaudio, pulse
from meetcheck.media.device import CHUNK_S, CaptureError, Source

__all__ = ["CHUNK_S", "CaptureError", "Source", "find_source", "list_sources", "play", "record"]

BACKENDS = ("auto", "portaudio", "pulse")


def choose_backend(wanted: str = "auto") -> str:
    """``portaudio`` or ``pulse``: the one asked for, or for ``auto`` PortAudio when it
    loads, else the sound server's tools; a CaptureError saying what to install."""
    if wanted not in BACKENDS:
        raise CaptureError(f"unknown capture backend {wanted!r} (one of {', '.join(BACKENDS)})")
    if wanted == "portaudio":
        portaudio.load()
        return wanted
    if wanted == "pulse" or not portaudio.available() and pulse.available():
        return "pulse"
    if portaudio.available():
        return "portaudio"
    raise CaptureError(
        "no capture library: install sounddevice (pip install sounddevice; on Linux also "
        "libportaudio2), or on Linux pulseaudio-utils; or record yourself and pass the file "
        "with --audio FILE"
    )


def _same(server: Source, dev: Source) -> bool:
    if server.alsa_hw and server.alsa_hw == dev.alsa_hw:
        return True
    names = {server.name.casefold(), server.description.casefold()}
    return dev.name.casefold() in names


def merge(devices: list[Source], server: list[Source]) -> list[Source]:
    """PortAudio's devices and the sound server's sources as one list: a server source
    keeps its metadata and is recorded through PortAudio's ``pulse`` device when there is
    one (by ``parec`` otherwise); a PortAudio device that is one of them becomes its alias."""
    via = next((d for d in devices if d.name == portaudio.SERVER_DEVICE), None)
    merged, twins = [], set()
    for src in server:
        twin = next((d for d in devices if _same(src, d)), None)
        if twin is not None:
            twins.add(twin.device)
        aliases = (twin.name,) if twin is not None else ()
        if via is not None:
            src = replace(src, backend="portaudio", host_api=via.host_api, device=via.device,
                          route=src.name)  # fmt: skip
        merged.append(replace(src, aliases=aliases))
    return merged + [d for d in devices if d.device not in twins]


def list_sources(backend: str = "auto") -> list[Source]:
    """Every capture device, microphones first (the default input first with PortAudio
    alone, the server's order with a sound server)."""
    if choose_backend(backend) == "pulse":
        return sorted(pulse.list_sources(), key=lambda s: s.monitor)
    devices = portaudio.list_sources()
    server: list[Source] = []
    if pulse.available():
        try:
            server = pulse.list_sources()
        except CaptureError:
            if not devices:
                raise  # Linux with no sound server and no device: say why
    return sorted(merge(devices, server), key=lambda s: s.monitor)


def find_source(device: str, sources: list[Source]) -> Source:
    """The source named (or described) ``device``; "default" is the first microphone."""
    mics = [s for s in sources if not s.monitor]
    if device in ("", "default"):
        if not mics:
            raise CaptureError("no microphone found: connect one and check it is switched on")
        return mics[0]
    for s in sources:
        if device in (s.name, s.description, *s.aliases):
            return s
    known = ", ".join(s.name for s in mics) or "none"
    raise CaptureError(f"unknown microphone {device!r} (microphones: {known})")


def record(
    source: Source,
    seconds: float,
    sample_rate: int | None = None,
    channels: int | None = None,
    on_level: Callable[[float], None] | None = None,
) -> Iterator[np.ndarray]:
    """Record ``seconds`` from ``source`` with its backend, as (channels, n) float chunks
    of 100 ms; ``on_level`` gets each chunk's RMS level in dBFS (a live meter)."""
    rate = sample_rate or source.sample_rate or 48000
    chans = channels or max(1, min(2, source.channels or 1))
    backend = portaudio if source.backend == "portaudio" else pulse
    chunks = backend.record(source, rate, chans, seconds)
    try:
        for pcm in chunks:
            if on_level is not None and pcm.size:
                ms = float(np.mean(pcm * pcm))
                on_level(10 * math.log10(ms) if ms > 0 else -math.inf)
            yield pcm
    finally:
        chunks.close()


def play(path: str, backend: str = "auto") -> None:
    """Play a recording on the default output with the chosen backend, to its end."""
    if choose_backend(backend) == "portaudio":
        portaudio.play(path)
    else:
        pulse.play(path)


