"""The echo data channel's wire format, as the server writes it and a client reads it."""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meetcheck.webrtc.echo_wire import BINARY_TRAILER, echo_reply, read_binary_reply


def test_echo_reply_format():
    assert json.loads(echo_reply('{"seq": 3}', 7, 12.5)) == {
        "seq": 3,
        "server_rx": 12.5,
        "server_seq": 7,
    }
    assert json.loads(echo_reply("[1]", 1, 1.0))["echo"] == "[1]"
    assert echo_reply(b"ab", 2, 1.0) == b"ab" + struct.pack(">dI", 1.0, 2)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=64), st.integers(0, 2**32 - 1), st.floats(allow_nan=False))
def test_binary_echo_replies_read_back(message, seq, rx):
    reply = echo_reply(message, seq, rx)
    assert isinstance(reply, bytes)
    assert read_binary_reply(reply) == (message, rx, seq)


def test_a_reply_shorter_than_the_trailer_is_refused():
    with pytest.raises(ValueError, match="at least 12 bytes"):
        read_binary_reply(b"x" * (BINARY_TRAILER.size - 1))
