"""Live microphones through the system's sound server (PulseAudio, or PipeWire's
PulseAudio service, which every current Linux desktop runs).

Why ``pactl`` and ``parec`` (Debian ``pulseaudio-utils``) rather than a Python binding:
the sound server is what knows a device's bus (``bluetooth``, ``usb``, ``pci``) and form
factor (``headset``, ``internal``...), which is how a built-in or Bluetooth microphone is
recognised; PyAV's wheels have no PulseAudio input, and sounddevice reaches the server only
through PortAudio's ALSA layer, which hides those properties. Both tools speak to
PulseAudio and PipeWire alike. macOS and Windows capture is not built yet.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

CHUNK_S = 0.1


class CaptureError(Exception):
    """No sound server, no such device, or the recording failed; the message says which."""


@dataclass(frozen=True)
class Source:
    """A capture device as the sound server describes it."""

    name: str
    description: str
    bus: str = ""  # device.bus: bluetooth, usb, pci ...
    form_factor: str = ""  # device.form_factor: headset, microphone, internal, webcam ...
    sample_rate: int = 0
    channels: int = 0
    monitor: bool = False  # the monitor of an output, not a microphone

    def kind(self) -> str:
        """A plain-words description of what this device probably is."""
        if self.monitor:
            return "monitor of an output (not a microphone)"
        if self.bus == "bluetooth":
            return "Bluetooth device"
        if self.form_factor == "internal" or self.bus == "pci" and not self.form_factor:
            return "built-in microphone"
        parts = [p for p in (self.bus.upper() if self.bus else "", self.form_factor) if p]
        return " ".join(parts) or "microphone"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise CaptureError(
            f"{name} not found: live microphones need PulseAudio or PipeWire with "
            "pulseaudio-utils; record yourself instead and pass the file with --audio FILE"
        )
    return path


def list_sources(timeout: float = 10.0) -> list[Source]:
    """Every capture device the sound server knows, microphones first."""
    try:
        done = subprocess.run(
            [_tool("pactl"), "--format=json", "list", "sources"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise CaptureError("the sound server did not answer within 10 s") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no answer"])[-1]
        raise CaptureError(f"no PulseAudio or PipeWire sound server is running ({reason})")
    try:
        raw = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        raise CaptureError("pactl is too old to list devices as JSON (PulseAudio 16+)") from None
    sources = []
    for item in raw:
        props = item.get("properties") or {}
        spec = str(item.get("sample_specification", "")).split()
        rate = next((int(p[:-2]) for p in spec if p.endswith("Hz") and p[:-2].isdigit()), 0)
        chans = next((int(p[:-2]) for p in spec if p.endswith("ch") and p[:-2].isdigit()), 0)
        sources.append(
            Source(
                name=str(item.get("name", "")),
                description=str(item.get("description") or props.get("device.description", "")),
                bus=str(props.get("device.bus", "")),
                form_factor=str(props.get("device.form_factor", "")),
                sample_rate=rate,
                channels=chans,
                monitor=bool(item.get("monitor_of_sink") not in (None, "", "n/a"))
                or str(props.get("device.class", "")) == "monitor",
            )
        )
    return sorted(sources, key=lambda s: s.monitor)


def find_source(device: str, sources: list[Source]) -> Source:
    """The source named (or described) ``device``; "default" is the first microphone."""
    mics = [s for s in sources if not s.monitor]
    if device in ("", "default"):
        if not mics:
            raise CaptureError("no microphone found: connect one and check it is switched on")
        return mics[0]
    for s in sources:
        if device in (s.name, s.description):
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
    """Record ``seconds`` from ``source`` through ``parec``, as (channels, n) float chunks
    of 100 ms; ``on_level`` gets each chunk's RMS level in dBFS (a live meter)."""
    rate = sample_rate or source.sample_rate or 48000
    chans = channels or max(1, min(2, source.channels or 1))
    cmd = [_tool("parec"), f"--device={source.name}", "--raw", "--format=s16le"]
    cmd += [f"--rate={rate}", f"--channels={chans}", "--latency-msec=50"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    want = int(round(seconds * rate))
    step = int(CHUNK_S * rate) * chans * 2
    got = 0
    deadline = time.monotonic() + seconds + 10.0
    # a device that stops delivering would block the read for ever: end the recorder
    watchdog = threading.Timer(seconds + 10.0, proc.kill)
    watchdog.daemon = True
    watchdog.start()
    try:
        while got < want:
            data = proc.stdout.read(step) if proc.stdout else b""
            if not data:
                err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
                why = err.splitlines()[-1] if err else "no audio"
                raise CaptureError(f"recording from {source.name} stopped: {why}")
            usable = len(data) - len(data) % (2 * chans)
            pcm = np.frombuffer(data[:usable], dtype="<i2").reshape(-1, chans).T / 32768.0
            pcm = pcm[:, : want - got]
            got += pcm.shape[1]
            if on_level is not None and pcm.size:
                ms = float(np.mean(pcm * pcm))
                on_level(10 * math.log10(ms) if ms > 0 else -math.inf)
            yield pcm
            if time.monotonic() > deadline:
                raise CaptureError(f"recording from {source.name} is far slower than real time")
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait()


def play(path: str, sink: str | None = None, timeout: float = 60.0) -> None:
    """Play a recording through the sound server (``paplay``), waiting for its end."""
    cmd = [_tool("paplay"), "--latency-msec=50"] + ([f"--device={sink}"] if sink else []) + [path]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CaptureError("playback did not finish") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no output device"])[-1]
        raise CaptureError(f"could not play the recording back ({reason})")
