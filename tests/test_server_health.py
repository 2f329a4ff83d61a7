"""/healthz counts what the server did: sessions, STUN answers and throughput bytes."""

import asyncio

import requests

from meetcheck.server.app import serve_in_thread
from meetcheck.webrtc.stun import stun_binding


def test_health_counts_stun_answers_and_throughput_bytes():
    with serve_in_thread() as server:
        before = requests.get(server.base_url + "/healthz", timeout=5).json()
        assert before["stun"]["requests_answered"] == 0
        assert before["throughput"]["bytes_sent"] == 0
        mapped, _ = asyncio.run(stun_binding("127.0.0.1", server.stun_port))
        assert mapped[0] == "127.0.0.1"
        body = requests.get(server.base_url + "/throughput/download?bytes=12345", timeout=5)
        assert len(body.content) == 12345
        after = requests.get(server.base_url + "/healthz", timeout=5).json()
        assert after["stun"] == {**before["stun"], "requests_answered": 1}
        assert after["throughput"]["downloads"] == 1
        assert after["throughput"]["bytes_sent"] == 12345
