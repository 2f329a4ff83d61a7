"""A real PulseAudio server for the live-microphone tests: user mode, its own socket and
runtime directory, pipe sources fed from numpy arrays (what a microphone would hear)."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

#: A USB microphone as PulseAudio describes it: (rate, channels, properties).
USB_MIC = (48000, 1, "device.description='RODE NT-USB' device.bus=usb "
           "device.form_factor=microphone")  # fmt: skip

HAVE_PULSE = bool(shutil.which("pulseaudio") and shutil.which("pactl") and shutil.which("parec"))


class PulseServer:
    """``sources``: name -> (rate, channels, properties). Feed each with :meth:`feed`."""

    def __init__(self, root: Path, sources: dict[str, tuple[int, int, str]]) -> None:
        self.root = root
        self.socket = root / "native"
        self.sources = sources
        lines = [
            f"load-module module-native-protocol-unix socket={self.socket} auth-anonymous=1",
            "load-module module-null-sink sink_name=room rate=48000 channels=1 "
            "sink_properties=device.description=Loudspeakers",
            "set-default-sink room",
        ]
        for name, (rate, channels, props) in sources.items():
            lines.append(
                f"load-module module-pipe-source source_name={name} file={root / name}.fifo "
                f'format=s16le rate={rate} channels={channels} source_properties="{props}"'
            )
        (root / "default.pa").write_text("\n".join(lines) + "\n")
        env = dict(os.environ, HOME=str(root), XDG_RUNTIME_DIR=str(root))
        self.proc = subprocess.Popen(
            ["pulseaudio", "-n", "-F", str(root / "default.pa"), "--daemonize=no",
             "--exit-idle-time=-1", "--disallow-exit", "--use-pid-file=no",
             "--log-target=file:" + str(root / "pulse.log")],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while not self.socket.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("pulseaudio did not start: " + self.log())
            time.sleep(0.05)
        self.server = f"unix:{self.socket}"
        self._stops: dict[str, threading.Event] = {}

    def log(self) -> str:
        path = self.root / "pulse.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def feed(self, name: str, pcm: np.ndarray, speed: float = 4.0) -> None:
        """Loop (channels, n) or (n,) float PCM into the source's pipe, ``speed`` times real
        time, as a microphone delivers sound without end, until the next feed or close."""
        rate, channels, _ = self.sources[name]
        data = (np.clip(np.atleast_2d(pcm).T, -1, 1) * 32767).astype("<i2").tobytes()
        step = int(0.1 * rate) * channels * 2
        if name in self._stops:
            self._stops[name].set()
        stop = self._stops[name] = threading.Event()

        def write() -> None:
            try:
                with open(self.root / f"{name}.fifo", "wb") as fifo:
                    while not stop.is_set():
                        for i in range(0, len(data), step):
                            if stop.is_set():
                                return
                            fifo.write(data[i : i + step])
                            fifo.flush()
                            time.sleep(0.1 / speed)
            except (BrokenPipeError, OSError):
                pass  # the server went away at the end of the test

        threading.Thread(target=write, daemon=True).start()

    def close(self) -> None:
        for stop in self._stops.values():
            stop.set()
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def running(root: Path, sources: dict[str, tuple[int, int, str]]) -> Iterator[PulseServer]:
    """A server with ``usb_mic`` (:data:`USB_MIC`) and ``sources``, closed at the end."""
    server = PulseServer(root, {"usb_mic": USB_MIC, **sources})
    try:
        yield server
    finally:
        server.close()
