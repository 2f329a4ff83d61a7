"""The echo endpoint: a WHIP-style call that sends the caller's own audio back.

``POST /echo`` with an SDP offer (``application/sdp``) holding a send-and-receive audio
section and/or a data channel answers ``201 Created`` with the answer and a ``Location``;
``DELETE`` of that location ends the call. Errors and CORS are as for WHEP.

Audio: whatever the caller sends is decoded and sent back, re-encoded (so the caller
hears itself through a real Opus round trip, as an interpreter would hear a speaker).

Data channel: every message is answered at once on the same channel, with the server's
receive time and count added; the format is :mod:`meetcheck.webrtc.echo_wire`.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from meetcheck.server.auth import authorize, may_see_credentials
from meetcheck.server.negotiate import SDP, ice_server_links, negotiate
from meetcheck.server.problems import problem
from meetcheck.server.sessions import Session
from meetcheck.server.state import request_state
from meetcheck.webrtc.echo_wire import echo_reply

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
    state = request_state(request)
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
    state = request_state(request)
    authorize(request, state.config.token)
    session = state.registry.get(request.match_info["session"])
    if session is None or session.kind != "echo":
        problem(404, "no such echo session (it ended, or never existed)")
    return session


async def delete_session(request: web.Request) -> web.Response:
    session = _session(request)
    await request_state(request).registry.close(session, "deleted by client")
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
    authorize(request, request_state(request).config.token)
    return web.Response(status=204)


async def options(request: web.Request) -> web.Response:
    resp = web.Response(status=200)
    if "session" in request.match_info:
        resp.headers["Allow"] = SESSION_METHODS
    else:
        resp.headers["Allow"] = "OPTIONS, POST, GET"
        resp.headers["Accept-Post"] = SDP
        state = request_state(request)
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
