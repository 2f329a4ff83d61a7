"""``meetcheck serve`` in its own process, as a secretariat runs it: its event loop and
interpreter lock are not the test's, so round trips measured against it are not inflated
by the test process's own work."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[2] / "src"


@dataclass
class ServeProcess:
    meeting_url: str
    meeting: dict[str, Any]
    pid: int


@contextmanager
def serve_process(*args: str) -> Iterator[ServeProcess]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "meetcheck", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        url = ""
        while not url:
            line = proc.stdout.readline() if proc.stdout else ""
            if not line or time.monotonic() > deadline:
                raise RuntimeError("meetcheck serve did not start")
            if line.startswith("# meeting file served at"):
                url = line.split()[-1]
        with urllib.request.urlopen(url, timeout=10) as resp:
            meeting = tomllib.loads(resp.read().decode())
        yield ServeProcess(url, meeting, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
