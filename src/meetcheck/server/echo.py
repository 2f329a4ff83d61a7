"""The echo endpoint: a WHIP-style call that sends the caller's own audio back.

``POST /echo`` with an SDP offer (``application/sdp``) holding a send-and-receive audio
section and/or a data channel answers ``201 Created`` with the answer and a ``Location``;
``DELETE`` of that location ends the call. Errors and CORS are as for WHEP.

Audio: whatever the caller sends is decoded and sent back, re-encoded (so the caller
hears itself through a real Opus round trip, as an interpreter would hear a speaker).

Data channel: create it on the client *unordered with maxRetransmits=0*, so lost probes
stay lost and late ones arrive late. The server answers every message at once, on the
same channel, adding its own receive time and a count of what it received, so a client can
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
from typing import Any

from aiohttp import web
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from meetcheck.server.sessions import Session
from meetcheck.server.whep import (
    SDP,
    _state,
    authorize,
    ice_server_links,
    may_see_credentials,
    negotiate,
    problem,
)

BINARY_TRAILER = struct.Struct(">dI")
SESSION_METHODS = "OPTIONS, DELETE, GET"


class EchoTrack(MediaStreamTrack):
    """Sends back the frames received on the caller's own audio track."""

    kind = "audio"

    def __init__(self, source: MediaStreamTrack, session: Session) -> None:
        super().__init__()
        self.source = source
        self.session = session

    async def recv(self) -> Any:  # type: ignore[override]
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self.source.recv()
        self.session.stats["audio_frames"] = self.session.stats.get("audio_frames", 0) + 1
        return frame


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


def _attach_data_channel(channel: Any, session: Session) -> None:
    counter = {"n": 0}

    @channel.on("message")
    def on_message(message: str | bytes) -> None:
        rx = time.time()
        counter["n"] += 1
        session.stats["probes"] = counter["n"]
        if channel.readyState == "open":
            channel.send(echo_reply(message, counter["n"], rx))


def _check(desc: Any) -> None:
    audio = [m for m in desc.media if m.kind == "audio" and m.port != 0]
    data = [m for m in desc.media if m.kind == "application" and m.port != 0]
    if not audio and not data:
        problem(400, "the echo needs an audio section (sendrecv) or a data channel")
    for m in audio:
        if m.direction not in (None, "sendrecv"):
            problem(
                400,
                f"the echo needs sendrecv audio to send it back; the offer says {m.direction}",
            )


async def post_offer(request: web.Request) -> web.Response:
    state = _state(request)
    authorize(request, state.config.token)

    def setup(pc: Any, session: Session) -> None:
        @pc.on("datachannel")
        def on_datachannel(channel: Any) -> None:
            _attach_data_channel(channel, session)

        chosen = None
        for t in pc.getTransceivers():
            if chosen is None and t.kind == "audio" and t.receiver.track is not None:
                chosen = t
                track = EchoTrack(t.receiver.track, session)
                session.tracks.append(track)
                t.sender.replaceTrack(track)
                t.direction = "sendrecv"
            else:
                t.direction = "inactive"

    return await negotiate(state, request, "echo", "echo", setup, _check)


def _session(request: web.Request) -> Session:
    state = _state(request)
    authorize(request, state.config.token)
    session = state.registry.get(request.match_info["session"])
    if session is None or session.kind != "echo":
        problem(404, "no such echo session (it ended, or never existed)")
    return session


async def delete_session(request: web.Request) -> web.Response:
    session = _session(request)
    await _state(request).registry.close(session, "deleted by client")
    return web.Response(status=200)


async def get_session(request: web.Request) -> web.Response:
    _session(request)
    return web.Response(status=204)


async def patch_session(request: web.Request) -> web.Response:
    _session(request)
    problem(
        405,
        "trickle ICE and ICE restarts are not supported; send every candidate in the offer",
        headers={"Allow": SESSION_METHODS},
    )


async def get_endpoint(request: web.Request) -> web.Response:
    authorize(request, _state(request).config.token)
    return web.Response(status=204)


async def options(request: web.Request) -> web.Response:
    resp = web.Response(status=200)
    if "session" in request.match_info:
        resp.headers["Allow"] = SESSION_METHODS
    else:
        resp.headers["Allow"] = "OPTIONS, POST, GET"
        resp.headers["Accept-Post"] = SDP
        state = _state(request)
        credentials = may_see_credentials(request, state.config.token)
        for link in ice_server_links(state, credentials):
            resp.headers.add("Link", link)
    return resp


def add_routes(app: web.Application, path: str = "/echo") -> None:
    app.router.add_route("OPTIONS", path, options)
    app.router.add_route("POST", path, post_offer)
    app.router.add_route("GET", path, get_endpoint)
    app.router.add_route("OPTIONS", path + "/{session}", options)
    app.router.add_route("DELETE", path + "/{session}", delete_session)
    app.router.add_route("GET", path + "/{session}", get_session)
    app.router.add_route("PATCH", path + "/{session}", patch_session)
