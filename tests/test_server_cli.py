"""`meetcheck serve` as a real process, and the server over TLS."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import ssl
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest
import requests

from meetcheck.meeting import load_meeting, parse_meeting

SERVED_AT = "# meeting file served at "


def _start(*args: str, cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "meetcheck", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=env,
    )


class _Output:
    """Drains a child's stdout and stderr in threads; notes the meeting-file URL."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.out: list[str] = []
        self.err: list[str] = []
        self.url = ""
        self.found = threading.Event()
        self._threads = [
            threading.Thread(target=self._read, args=(proc.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(proc.stderr, self.err), daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _read(self, stream, sink: list[str]) -> None:
        for line in stream:
            sink.append(line)
            if line.startswith(SERVED_AT) and not self.url:
                self.url = line[len(SERVED_AT) :].strip()
                self.found.set()

    def wait_for_url(self, timeout: float = 30.0) -> str:
        if not self.found.wait(timeout):
            self.proc.kill()
            self.finish()
            raise AssertionError(f"no URL printed; stdout={self.stdout} stderr={self.stderr}")
        return self.url

    def finish(self, timeout: float = 20.0) -> int:
        rc = self.proc.wait(timeout)
        for t in self._threads:
            t.join(5)
        return rc

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_a_loadable_meeting_file_and_stops_cleanly(tmp_path, sig):
    proc = _start("--port", "0", cwd=tmp_path)
    output = _Output(proc)
    try:
        url = output.wait_for_url()
        meeting = load_meeting(url)
        assert sorted(meeting.channels) == sorted(["floor", "ar", "zh", "en", "fr", "ru", "es"])
        base = url.split("/.well-known/")[0]
        assert meeting.echo_url == base + "/echo"
        assert requests.get(base + "/healthz", timeout=5).json()["status"] == "ok"
    finally:
        proc.send_signal(sig)
        rc = output.finish()
    out, err = output.stdout, output.stderr
    assert rc == 0, err
    printed = tomllib.loads(out)  # all of stdout is the meeting file
    assert printed["channels"]["fr"]["url"] == base + "/whep/fr"
    assert "Traceback" not in err
    # the access log went to stderr as JSON lines
    assert any(line.startswith("{") and '/healthz"' in line for line in err.splitlines())


def test_serve_with_config_print_meeting_and_token(tmp_path):
    (tmp_path / "serve.toml").write_text(
        """
[server]
token = "cli-token-0123456789"
[channels.floor]
[channels.fr]
[meeting]
name = "CLI test meeting"
"""
    )
    out = subprocess.run(
        [sys.executable, "-m", "meetcheck", "serve", "--config", "serve.toml", "--print-meeting"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    raw = tomllib.loads(out.stdout)
    meeting = parse_meeting(raw, "stdout")
    assert meeting.name == "CLI test meeting"
    assert sorted(meeting.channels) == ["floor", "fr"]
    assert meeting.channels["fr"].token == "cli-token-0123456789"  # printed for the operator


@pytest.mark.parametrize(
    "args, message",
    [
        (["--config", "missing.toml"], "missing.toml: server config not found"),
        (["--config", "bad.toml"], "bad.toml: limits.max_sessions: expected integer"),
        (["--cert", "bad.toml"], "--cert and --key go together"),
        (["--public-url", "ftp://x"], "--public-url"),
    ],
)
def test_serve_bad_input_exits_2_with_one_line(tmp_path, args, message):
    (tmp_path / "bad.toml").write_text('[limits]\nmax_sessions = "many"\n')
    out = subprocess.run(
        [sys.executable, "-m", "meetcheck", "serve", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert out.returncode == 2
    assert message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert out.stdout == ""


def test_port_in_use_is_a_clean_error(tmp_path):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    port = sock.getsockname()[1]
    try:
        out = subprocess.run(
            [sys.executable, "-m", "meetcheck", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
        )
    finally:
        sock.close()
    assert out.returncode == 2
    assert f"cannot listen on 127.0.0.1 port {port}" in out.stderr


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_tls(tmp_path):
    from meetcheck.server.app import serve_in_thread
    from meetcheck.server.config import ServerConfig
    from meetcheck.webrtc.client import WhepClient

    cert, key = _self_signed(tmp_path)
    cfg = ServerConfig(cert=str(cert), key=str(key), programme_seconds=2)
    with serve_in_thread(cfg) as srv:
        assert srv.base_url.startswith("https://127.0.0.1:")
        r = requests.get(srv.base_url + "/healthz", verify=str(cert), timeout=5)
        assert r.status_code == 200
        meeting = parse_meeting(
            tomllib.loads(requests.get(srv.meeting_url, verify=str(cert), timeout=5).text), "x"
        )
        assert meeting.channels["en"].url.startswith("https://")

        async def main():
            ctx = ssl.create_default_context(cafile=str(cert))
            async with WhepClient(srv.channel_url("en"), ssl=ctx) as client:
                return await client.first_frame(10)

        assert asyncio.run(main()) < 10


@pytest.mark.parametrize(
    "toml, message",
    [
        ("[links]\nttl_hours = 1e9\n", "links.ttl_hours"),
        (
            '[server]\ntoken = "serve-token-0123456789"\n'
            '[meeting]\nice_servers = [{urls = ["turn:127.0.0.1:3478"], username = "u", '
            'credential = "secret\\r\\nX-Injected: yes"}]\n',
            "meeting.ice_servers.0.credential: contains a control character",
        ),
    ],
)
def test_serve_refuses_configs_that_would_break_it_later(tmp_path, toml, message):
    """ttl_hours = 1e9 ended serve in an OverflowError traceback; a CR/LF in a TURN
    credential started a server that then dropped every WHEP and echo request."""
    (tmp_path / "serve.toml").write_text(toml)
    out = subprocess.run(
        [sys.executable, "-m", "meetcheck", "serve", "--config", "serve.toml", "--print-meeting"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert out.returncode == 2, out.stderr
    assert message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "Traceback" not in out.stderr and "X-Injected" not in out.stderr
    assert out.stdout == ""
