"""The echo call's data-channel wire format: written by the server's echo endpoint
(:mod:`meetcheck.server.echo`), read by the clients that probe it. One module, so the two
sides cannot disagree.

Create the channel on the client *unordered with maxRetransmits=0*, so lost probes stay
lost and late ones arrive late. The server answers every message at once, on the same
channel, adding its own receive time and a count of what it received, so a client can
tell loss on the way up from loss on the way down:

* a text message holding a JSON object comes back as that object plus
  ``"server_rx"`` (server wall clock, seconds since the epoch, float) and
  ``"server_seq"`` (1 for the first message the server received on this channel);
* any other text comes back as ``{"echo": <text>, "server_rx": ..., "server_seq": ...}``;
* a binary message comes back as the same bytes followed by 12 bytes: ``server_rx`` as a
  big-endian IEEE double and ``server_seq`` as a big-endian unsigned 32-bit integer.
"""

from __future__ import annotations

import json
import struct
import time

BINARY_TRAILER = struct.Struct(">dI")


def echo_reply(message: str | bytes, seq: int, rx: float | None = None) -> str | bytes:
    """The server's answer to one data-channel message (see the module docstring)."""
    rx = time.time() if rx is None else rx
    if isinstance(message, bytes):
        return message + BINARY_TRAILER.pack(rx, seq & 0xFFFFFFFF)
    try:
        obj = json.loads(message)
    except ValueError:
        obj = None
    if not isinstance(obj, dict):
        obj = {"echo": message}
    obj["server_rx"] = rx
    obj["server_seq"] = seq
    return json.dumps(obj, separators=(",", ":"))


def read_binary_reply(reply: bytes) -> tuple[bytes, float, int]:
    """``(sent bytes, server_rx, server_seq)`` of a binary answer; ValueError when it is
    too short to be one."""
    if len(reply) < BINARY_TRAILER.size:
        raise ValueError(f"a binary echo reply has at least {BINARY_TRAILER.size} bytes")
    cut = len(reply) - BINARY_TRAILER.size
    rx, seq = BINARY_TRAILER.unpack_from(reply, cut)
    return reply[:cut], rx, seq
