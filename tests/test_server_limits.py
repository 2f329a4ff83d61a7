"""The whole server against clients that hold its resources: idle sockets, throughput."""

from __future__ import annotations

import socket
import time
import tomllib

import requests

from meetcheck.meeting import parse_meeting
from meetcheck.server.app import serve_in_thread
from meetcheck.server.config import ChannelConfig, ServerConfig

TOKEN = "limits-token-0123456789"


def small(**kw) -> ServerConfig:
    return ServerConfig(
        channels=[ChannelConfig("floor", "Floor")], programme_seconds=2, stun=False, **kw
    )


def closed_within(sock: socket.socket, seconds: float, drip: bytes = b"") -> float | None:
    """Seconds until the server closes ``sock`` (sending ``drip`` a byte at a time every
    0.1 s meanwhile), or None if it is still open after ``seconds``."""
    t0 = time.monotonic()
    sock.settimeout(0.1)
    i = 0
    while time.monotonic() - t0 < seconds:
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - t0
        except TimeoutError:
            pass
        except ConnectionError:
            return time.monotonic() - t0
        if drip:
            try:
                sock.send(drip[i % len(drip) : i % len(drip) + 1])
            except OSError:
                return time.monotonic() - t0
            i += 1
    return None


def test_sockets_that_never_send_a_whole_request_head_are_closed():
    """Silent sockets, a partial request line, and headers dripped a byte at a time would
    each hold a connection forever; the header timeout closes them all."""
    with serve_in_thread(small(header_timeout=0.5)) as srv:
        port = int(srv.base_url.rsplit(":", 1)[1])
        cases = {
            "silent": (b"", b""),
            "partial request line": (b"GET /healthz HT", b""),
            "dripped headers": (b"GET /healthz HTTP/1.1\r\n", b"X-Slow: aaaaaaaa\r\n"),
        }
        for name, (first, drip) in cases.items():
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(first)
                took = closed_within(sock, 4.0, drip)
            assert took is not None, f"{name}: still open after 4 s"
            assert took < 2.0, f"{name}: closed only after {took:.1f} s"
        # after an answer, a kept-alive connection has the same time for its next head
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.settimeout(5)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
            took = closed_within(sock, 4.0, b"GET /")
        assert took is not None and took < 2.0, "kept-alive connection still open"
        # a request whose head arrives in time is answered, even on a slow client
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\n")
            time.sleep(0.2)
            sock.sendall(b"Host: x\r\nConnection: close\r\n\r\n")
            sock.settimeout(5)
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 200")
        assert requests.get(srv.base_url + "/healthz", timeout=5).status_code == 200


def test_throughput_honours_the_server_token_and_its_cap():
    """/throughput needed no token and had no concurrency cap; the meeting file gives
    the token to token holders, as for channels and echo."""
    with serve_in_thread(small(token=TOKEN, max_throughput_transfers=3)) as srv:
        down = srv.base_url + "/throughput/download?bytes=100"
        assert requests.get(down, timeout=5).status_code == 401
        r = requests.get(down, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
        assert r.status_code == 200 and len(r.content) == 100
        meeting = parse_meeting(tomllib.loads(srv.meeting_toml(include_tokens=True)), "stdout")
        assert meeting.throughput["token"] == TOKEN
        public = requests.get(srv.meeting_url, timeout=5).text
        assert TOKEN not in public
        health = requests.get(srv.base_url + "/healthz", timeout=5).json()
        assert health["limits"]["max_throughput_transfers"] == 3
