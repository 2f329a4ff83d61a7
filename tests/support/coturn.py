"""A real coturn TURN server on 127.0.0.1 for one test module (Debian package ``coturn``).

Started on free ports with one test user, TURN over UDP and TCP on ``port`` and over TLS
on ``tls_port`` with a certificate the tests made; stopped by its process id.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER, PASSWORD, REALM = "delegate", "s3cret-turn-pass", "meetcheck.test"


@dataclass
class Coturn:
    port: int
    tls_port: int
    user: str = USER
    password: str = PASSWORD
    log: Path | None = None

    def ice_server(self, password: str | None = None, transports=("udp", "tcp", "tls")) -> dict:
        urls = []
        if "udp" in transports:
            urls.append(f"turn:127.0.0.1:{self.port}?transport=udp")
        if "tcp" in transports:
            urls.append(f"turn:127.0.0.1:{self.port}?transport=tcp")
        if "tls" in transports:
            urls.append(f"turns:127.0.0.1:{self.tls_port}?transport=tcp")
        return {
            "urls": urls,
            "username": self.user,
            "credential": self.password if password is None else password,
        }


def _free_port_pair() -> int:
    """A port free over both TCP and UDP."""
    for _ in range(50):
        with socket.socket() as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                try:
                    u.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port")


def have_coturn() -> bool:
    return shutil.which("turnserver") is not None


@contextmanager
def run_coturn(folder: Path, cert: Path, key: Path) -> Iterator[Coturn]:
    """Start ``turnserver`` and wait until it accepts TCP on both ports."""
    port, tls_port = _free_port_pair(), _free_port_pair()
    log = folder / "turnserver.log"
    cmd = [
        "turnserver", "-n", "--no-cli", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
        f"--listening-port={port}", f"--tls-listening-port={tls_port}",
        "--alt-listening-port=0", "--alt-tls-listening-port=0",
        "--lt-cred-mech", f"--user={USER}:{PASSWORD}", f"--realm={REALM}",
        "--allow-loopback-peers", "--no-dtls", f"--cert={cert}", f"--pkey={key}",
        "--min-port=40000", "--max-port=40999", "--no-stdout-log", "--simple-log",
        f"--log-file={log}", f"--pidfile={folder / 'turnserver.pid'}",
        "--no-software-attribute", "--no-multicast-peers", f"--userdb={folder / 'turndb'}",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        ready = set()
        while ready != {port, tls_port}:
            if proc.poll() is not None or time.monotonic() > deadline:
                text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"turnserver did not start: {text}")
            for p in {port, tls_port} - ready:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", p)) == 0:
                        ready.add(p)
            time.sleep(0.05)
        yield Coturn(port, tls_port, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
