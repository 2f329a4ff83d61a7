"""A capture device and the error every capture backend raises: what the backends
(:mod:`meetcheck.media.portaudio`, :mod:`meetcheck.media.pulse`) and their chooser
(:mod:`meetcheck.media.capture`) share."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

CHUNK_S = 0.1
DEVICE_SUFFIX = ".device.json"  # beside a guided recording: the device and what recorded it


class CaptureError(Exception):
    """No capture library, no sound server, no such device, or the recording failed; the
    message says which."""


@dataclass(frozen=True)
class Source:
    """A capture device, as the sound server or PortAudio describes it."""

    name: str
    description: str
    bus: str = ""  # device.bus: bluetooth, usb, pci ...
    form_factor: str = ""  # device.form_factor: headset, microphone, internal, webcam ...
    sample_rate: int = 0
    channels: int = 0
    monitor: bool = False  # the monitor of an output, not a microphone
    backend: str = "pulse"  # what records it: "portaudio" or "pulse"
    host_api: str = ""  # PortAudio's host API: ALSA, Windows WASAPI, Core Audio
    device: int = -1  # PortAudio's device index
    route: str = ""  # the server source PortAudio's ``pulse`` device is pointed at
    alsa_hw: str = ""  # "hw:CARD,DEVICE": how the two lists name the same device
    aliases: tuple[str, ...] = ()  # other names of the same device (PortAudio's)

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

    def recorded_by(self) -> str:
        """Which backend records this device, in words (reported with the recording)."""
        if self.backend == "portaudio":
            via = " through the sound server" if self.route else ""
            return f"PortAudio ({self.host_api or 'default host API'}){via}"
        return "PulseAudio/PipeWire (parec)"


def device_note_path(recording: str | Path) -> Path:
    """Where ``meetcheck check --mic`` notes the device it recorded, for the audio checks."""
    return Path(str(recording) + DEVICE_SUFFIX)


def write_device_note(recording: str | Path, source: Source) -> None:
    note = {**asdict(source), "recorded_by": source.recorded_by(), "kind": source.kind()}
    device_note_path(recording).write_text(json.dumps(note), encoding="utf-8")


def read_device_note(recording: str | Path) -> tuple[Source, str] | None:
    """The device a guided recording came from and what recorded it, or None (a file
    the user gave, or no note)."""
    try:
        data = json.loads(device_note_path(recording).read_text(encoding="utf-8"))
        names = {f.name for f in fields(Source)}
        source = Source(**{k: v for k, v in data.items() if k in names})
        if isinstance(source.aliases, list):
            source = Source(**{**asdict(source), "aliases": tuple(source.aliases)})
        return source, str(data.get("recorded_by", ""))
    except (OSError, ValueError, TypeError):
        return None
