"""WHEP (draft-ietf-wish-whep): one endpoint per interpretation channel.

``POST /whep/{channel}`` with an SDP offer (``application/sdp``) answers ``201 Created``
with the SDP answer, ``Location: /whep/{channel}/{session}`` and an ``ETag``; ``DELETE`` of
that location ends the session (200). ``OPTIONS`` answers CORS preflights with
``Accept-Post: application/sdp``; ``GET`` of an endpoint or session is 204 (the draft's
"2XX with no content"); ``PATCH`` (trickle ICE, ICE restart) is 405: this server gathers
every candidate before it answers, as the draft requires, and does not restart ICE.

Errors follow the draft and RFC 9110 and carry an RFC 9457 problem document: 400 bad or
unparseable SDP, or an offer without audio; 401 no bearer token / 403 a wrong one (when a
token is configured); 404 unknown channel or session; 413 offer too large; 415 wrong
content type; 503 with ``Retry-After`` when the channel or the server is full.

The POST logic shared with the echo endpoint is in :mod:`.negotiate`, the token check in
:mod:`.auth`, the problem documents in :mod:`.problems`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meetcheck.server.auth import authorize, may_see_credentials
from meetcheck.server.negotiate import SDP, ice_server_links, negotiate
from meetcheck.server.problems import problem
from meetcheck.server.sessions import Session
from meetcheck.server.state import ServerState, request_state

ENDPOINT_METHODS = "OPTIONS, POST, GET"
SESSION_METHODS = "OPTIONS, DELETE, GET"


# -- handlers --------------------------------------------------------------------------
def _channel(state: ServerState, request: web.Request) -> Any:
    code = request.match_info["channel"]
    source = state.channels.get(code)
    if source is None:
        known = ", ".join(state.channels.sources)
        problem(404, f"no channel {code!r} on this server (channels: {known})")
    return source


def _session(state: ServerState, request: web.Request, kind: str, channel: str) -> Session:
    session = state.registry.get(request.match_info["session"])
    if session is None or session.kind != kind or session.channel != channel:
        problem(404, "no such session (it ended, or never existed)")
    return session


async def post_offer(request: web.Request) -> web.Response:
    state = request_state(request)
    authorize(request, state.config.token)
    source = _channel(state, request)

    def check(desc: Any) -> None:
        if not any(m.kind == "audio" and m.port != 0 for m in desc.media):
            problem(400, "the offer has no audio section: WHEP channels are audio")

    def setup(pc: Any, session: Session) -> None:
        audio = [t for t in pc.getTransceivers() if t.kind == "audio"]
        if not audio:
            problem(400, "the offer has no audio section: WHEP channels are audio")
        for t in pc.getTransceivers():
            if t is not audio[0]:
                t.direction = "inactive"
        track = source.subscribe()
        session.tracks.append(track)
        audio[0].sender.replaceTrack(track)
        audio[0].direction = "sendonly"

    return await negotiate(state, request, "whep", source.code, setup, check)


async def delete_session(request: web.Request) -> web.Response:
    state = request_state(request)
    authorize(request, state.config.token)
    source = _channel(state, request)
    session = _session(state, request, "whep", source.code)
    await state.registry.close(session, "deleted by client")
    return web.Response(status=200)


async def get_endpoint(request: web.Request) -> web.Response:
    state = request_state(request)
    authorize(request, state.config.token)
    _channel(state, request)
    return web.Response(status=204)


async def get_session(request: web.Request) -> web.Response:
    state = request_state(request)
    authorize(request, state.config.token)
    source = _channel(state, request)
    _session(state, request, "whep", source.code)
    return web.Response(status=204)


async def patch_session(request: web.Request) -> web.Response:
    state = request_state(request)
    authorize(request, state.config.token)
    source = _channel(state, request)
    _session(state, request, "whep", source.code)
    problem(
        405,
        "trickle ICE and ICE restarts are not supported: the answer already holds every "
        "server candidate; send all of yours in the offer",
        headers={"Allow": SESSION_METHODS},
    )


async def options(request: web.Request) -> web.Response:
    """CORS preflight and WHEP discovery: 200 with Accept-Post (never needs a token).

    TURN credentials are in its Link headers only for a request with the bearer token.
    """
    methods = SESSION_METHODS if "session" in request.match_info else ENDPOINT_METHODS
    resp = web.Response(status=200)
    resp.headers["Allow"] = methods
    if "session" not in request.match_info:
        resp.headers["Accept-Post"] = SDP
        state = request_state(request)
        credentials = may_see_credentials(request, state.config.token)
        for link in ice_server_links(state, credentials):
            resp.headers.add("Link", link)
    return resp


def add_routes(app: web.Application, prefix: str = "/whep") -> None:
    app.router.add_route("OPTIONS", prefix + "/{channel}", options)
    app.router.add_route("POST", prefix + "/{channel}", post_offer)
    app.router.add_route("GET", prefix + "/{channel}", get_endpoint)
    app.router.add_route("OPTIONS", prefix + "/{channel}/{session}", options)
    app.router.add_route("DELETE", prefix + "/{channel}/{session}", delete_session)
    app.router.add_route("GET", prefix + "/{channel}/{session}", get_session)
    app.router.add_route("PATCH", prefix + "/{channel}/{session}", patch_session)
