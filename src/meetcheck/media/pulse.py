"""PulseAudio / PipeWire through ``pactl``, ``parec`` and ``paplay`` (Debian
``pulseaudio-utils``).

Why keep it beside PortAudio: only the sound server knows a device's bus (``bluetooth``,
``usb``, ``pci``) and form factor (``headset``, ``internal``...), which is how a built-in or
Bluetooth microphone is recognised; PortAudio's ALSA layer hides those properties. The
tools speak to PulseAudio and PipeWire alike; they also record and play when PortAudio is
missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator

import numpy as np

from meetcheck.media.device import CHUNK_S, CaptureError, Source


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise CaptureError(
            f"{name} not found: live microphones need PortAudio (pip install sounddevice) or "
            "PulseAudio/PipeWire with pulseaudio-utils; record yourself instead and pass the "
            "file with --audio FILE"
        )
    return path


def available() -> bool:
    return bool(shutil.which("pactl") and shutil.which("parec"))


def list_sources(timeout: float = 10.0) -> list[Source]:
    """Every capture device the sound server knows, in its order."""
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
        card, dev = props.get("alsa.card"), props.get("alsa.device")
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
                backend="pulse",
                alsa_hw=f"hw:{card},{dev}" if card is not None and dev is not None else "",
            )
        )
    return sources


def record(source: Source, rate: int, chans: int, seconds: float) -> Iterator[np.ndarray]:
    """``seconds`` of ``source`` through ``parec`` as (channels, n) chunks of 100 ms."""
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
