"""Running the channel checks against a real `meetcheck serve`, and reading their findings."""

from __future__ import annotations

import math
import shutil
import subprocess
import wave
from pathlib import Path
from typing import Any

import numpy as np

from meetcheck import Participant
from meetcheck.plugins import Plugins
from meetcheck.run import load_inputs, run_participant

# Short sentences espeak-ng speaks in each language (real speech for a programme source).
SENTENCES = {
    "en": "The meeting is called to order. I give the floor to the distinguished delegate.",
    "fr": "La séance est ouverte. Je donne la parole à la distinguée déléguée.",
    "es": "Se abre la sesión. Tiene la palabra la distinguida delegada.",
    "ar": "افتتحت الجلسة. أعطي الكلمة للمندوبة الموقرة.",
    "ru": "Заседание открыто. Я предоставляю слово уважаемому делегату.",
    "zh": "现在开会。我请尊敬的代表发言。",
}


def run_family(meeting: str, profile: str = "un-rsi-speaker") -> dict[str, dict[str, Any]]:
    """Run every channels.* check against a meeting file (path or URL) as a delegate does:
    `meetcheck check` in a process of its own (so the server in the test's process and the
    checker never share an interpreter lock); results by id."""
    import json
    import sys
    import tempfile

    from support.helpers import same_code_env

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "meetcheck", "check", "-q", "--meeting", meeting]
        cmd += ["--profile", profile, "--only", "channels", "--format", "json", "-o", str(out)]
        done = subprocess.run(cmd, env=same_code_env(), capture_output=True, text=True, timeout=120)
        assert done.returncode in (0, 1), done.stderr
        return {r["id"]: r for r in json.loads(out.read_text())["results"]}


def run_family_here(meeting: str, profile: str = "un-rsi-speaker") -> dict[str, dict[str, Any]]:
    """As :func:`run_family`, in this process (for tests that patch the collector)."""
    plugins = Plugins(entry_points=False, use_default_dir=False)
    prof, mtg = load_inputs(plugins, profile, meeting)
    report = run_participant(
        plugins, Participant(name="T"), prof, mtg, only=["channels"], quiet=True
    )
    return {r["id"]: r for r in report.redacted()["results"]}


def per_channel(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A check's findings by the channel they name: {code: {status, message, values}}."""
    out = {}
    for f in result["findings"]:
        values = {m["name"]: m["value"] for m in f["measurements"]}
        if "channel" in values:
            out[values["channel"]] = {
                "status": f["status"],
                "message": f["message"],
                "remediation": f["remediation"],
                **values,
            }
    return out


def write_wav(path: Path, pcm: np.ndarray, rate: int = 48000) -> Path:
    data = (np.clip(pcm, -1, 1) * 32767).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data)
    return path


def silent_wav(path: Path, seconds: float = 1.0) -> Path:
    return write_wav(path, np.zeros(int(48000 * seconds), np.float32))


def tone_wav(path: Path, freq: float = 440.0, dbfs: float = -20.0, seconds: float = 2.0) -> Path:
    t = np.arange(int(48000 * seconds)) / 48000
    return write_wav(path, 10 ** (dbfs / 20) * math.sqrt(2) * np.sin(2 * np.pi * freq * t))


def speech_wav(path: Path, lang: str) -> Path | None:
    """Real speech from espeak-ng (None when it is not installed)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return None
    text = " ".join([SENTENCES[lang]] * 2)
    subprocess.run([exe, "-v", lang, "-s", "150", "-w", str(path), text], check=True, timeout=60)
    return path
