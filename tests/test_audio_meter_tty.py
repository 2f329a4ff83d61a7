"""The guided recording's level meter on a real terminal: tmux runs ``meetcheck check
--mic`` in a 40-column pane while a real PulseAudio server feeds the microphone. The meter
redraws in place (one line per phase stays on the screen), never reaches the last column
(a wrapped line would leave a row behind at every redraw), and the terminal is left clean:
what follows starts at the left margin, also after Ctrl-C."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from support.audio import voice
from support.pulse import HAVE_PULSE, running

from meetcheck.levelmeter import render

COLUMNS = 40
DRIVER = """
import signal, subprocess, sys
signal.signal(signal.SIGINT, lambda *a: None)  # Ctrl-C is for meetcheck, not for us
rc = subprocess.call(sys.argv[1:])
print(f"DONE-MARK rc={rc}")
"""


def test_render_fits_any_width():
    for columns in range(10, 200):
        for level in (-np.inf, -90.0, -60.0, -30.0, -3.0, 0.0):
            assert len(render(level, columns)) <= columns - 1
    # the bar follows the level
    bars = [render(level, 80).count("#") for level in (-60.0, -45.0, -30.0, -15.0, 0.0)]
    assert bars == sorted(bars) and bars[0] == 0 and bars[-1] == 30
    assert render(-23.04, 80).endswith("] -23.0 dBFS")


pytestmark_tty = pytest.mark.skipif(
    not (HAVE_PULSE and shutil.which("tmux")), reason="pulseaudio or tmux missing"
)


class Pane:
    """A tmux server of its own with one pane of COLUMNS x 30."""

    def __init__(self, root: Path, command: list[str], env: dict[str, str]) -> None:
        self.sock = str(root / "tmux.sock")
        self.raw = root / "raw.txt"
        inner = " ".join(f"{k}={_q(v)}" for k, v in env.items())
        cmd = f"env {inner} {' '.join(map(_q, command))}; sleep 60"
        self.tmux("new-session", "-d", "-x", str(COLUMNS), "-y", "30", cmd)
        self.tmux("pipe-pane", "-o", f"cat >> {_q(str(self.raw))}")

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-S", self.sock, "-f", "/dev/null", *args],
                              capture_output=True, text=True, timeout=20)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    def screen(self) -> list[str]:
        return self.tmux("capture-pane", "-p", "-J").rstrip("\n").splitlines()

    def wait_for(self, text: str, timeout: float = 90.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.screen()
            if any(text in line for line in lines):
                return lines
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared:\n" + "\n".join(self.screen()))

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.sock, "kill-server"], capture_output=True)


def _q(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


@pytest.fixture
def pane_for(tmp_path):
    made: list[Pane] = []

    def start(server, *args: str) -> Pane:
        driver = tmp_path / "driver.py"
        driver.write_text(DRIVER)
        env = {
            "PULSE_SERVER": server.server,
            "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
            "TERM": "xterm",
            "HOME": str(tmp_path),
        }
        command = [sys.executable, str(driver), sys.executable, "-m", "meetcheck", "check",
                   "--mic", "usb_mic", "--no-echo-test", "-q", "--only", "audio.speech",
                   "--format", "json", "-o", str(tmp_path / "r.json"), *args]  # fmt: skip
        made.append(Pane(tmp_path, command, env))
        return made[-1]

    yield start
    for pane in made:
        pane.close()


def _meter_rows(lines: list[str]) -> list[str]:
    return [line for line in lines if line.lstrip().startswith("[") and "dBFS" in line]


@pytestmark_tty
def test_the_meter_redraws_in_place_within_the_width(tmp_path_factory, pane_for):
    with running(tmp_path_factory.mktemp("pulse"), {}) as server:
        server.feed("usb_mic", voice(10.0, 48000, room_noise_dbfs=-70.0))
        pane = pane_for(server)
        lines = pane.wait_for("DONE-MARK")
        raw = pane.raw.read_bytes().decode(errors="replace")
    assert "DONE-MARK rc=0" in lines or "DONE-MARK rc=1" in lines, lines
    # one meter row per phase stays: every redraw overwrote the last
    rows = _meter_rows(lines)
    assert len(rows) == 2, lines
    assert all(len(row) <= COLUMNS - 1 for row in rows)
    # what was drawn: many redraws, each starting with a carriage return, none too wide
    draws = [d for d in raw.replace("\n", "\r").split("\r") if "dBFS" in d]
    assert len(draws) >= 50  # 10 s of 100 ms levels, redrawn in place
    assert all(len(d) <= COLUMNS - 1 for d in draws), max(draws, key=len)
    assert "\x1b" not in raw.split("Read this aloud")[1].split("DONE-MARK")[0]  # plain text
    # clean: the silent phase's prompt and what follows start at the left margin
    assert any(line.startswith("Now stay silent") for line in lines), lines
    after = lines[lines.index(rows[1]) + 1]
    assert after.startswith(("Verdict:", "DONE-MARK")), lines


@pytestmark_tty
def test_ctrl_c_during_the_recording_leaves_a_clean_line(tmp_path_factory, pane_for):
    with running(tmp_path_factory.mktemp("pulse"), {}) as server:
        server.feed("usb_mic", voice(10.0, 48000, room_noise_dbfs=-70.0), speed=1.0)
        pane = pane_for(server)
        pane.wait_for("dBFS")  # the meter is running
        time.sleep(1.0)
        pane.tmux("send-keys", "C-c")
        lines = pane.wait_for("DONE-MARK")
    assert "DONE-MARK rc=3" in lines, lines  # interrupted before the checks: exit 3
    message = [line for line in lines if "interrupted" in line]
    assert message and message[0].startswith("meetcheck: interrupted"), lines
    assert "Traceback" not in "\n".join(lines)
    assert len(_meter_rows(lines)) == 1
