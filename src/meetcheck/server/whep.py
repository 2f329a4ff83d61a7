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

The helpers here (auth, reading an offer, negotiating) are shared with the echo endpoint.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from aiohttp import web

from meetcheck.server.sessions import Full, Session
from meetcheck.webrtc import loopback

if TYPE_CHECKING:
    from meetcheck.server.app import ServerState

log = logging.getLogger("meetcheck.server.whep")

SDP = "application/sdp"
ENDPOINT_METHODS = "OPTIONS, POST, GET"
SESSION_METHODS = "OPTIONS, DELETE, GET"


# -- HTTP helpers ----------------------------------------------------------------------
class Problem(Exception):
    """An HTTP error answered with an RFC 9457 problem document (see app's middleware)."""

    def __init__(
        self, status: int, detail: str, headers: dict[str, str] | None = None, title: str = ""
    ) -> None:
        from http import HTTPStatus

        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})
        self.title = title or HTTPStatus(status).phrase

    def response(self) -> web.Response:
        body = {"type": "about:blank", "title": self.title, "status": self.status}
        body["detail"] = self.detail
        return web.Response(
            status=self.status,
            text=json.dumps(body),
            content_type="application/problem+json",
            headers=self.headers,
        )


def problem(
    status: int, detail: str, *, headers: dict[str, str] | None = None, title: str = ""
) -> NoReturn:
    """Raise an HTTP error with an RFC 9457 problem document as its body."""
    raise Problem(status, detail, headers, title)


def too_large(limit: int, what: str) -> NoReturn:
    problem(413, f"{what} is larger than {limit} bytes", title="Content Too Large")


def authorize(request: web.Request, token: str) -> None:
    """Bearer-token check: 401 when absent, 403 when wrong (no-op without a token)."""
    if not token:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        problem(
            401,
            "this endpoint needs an Authorization: Bearer token (see the meeting file)",
            headers={"WWW-Authenticate": 'Bearer realm="meetcheck"'},
        )
    if not hmac.compare_digest(value.encode(), token.encode()):
        problem(
            403,
            "the bearer token is not valid for this server",
            headers={"WWW-Authenticate": 'Bearer realm="meetcheck", error="invalid_token"'},
        )


def may_see_credentials(request: web.Request, token: str) -> bool:
    """Whether ICE credentials (TURN username and password) may go to this request: always
    without a token (the meeting file is public then), else only with the right bearer."""
    if not token:
        return True
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    value = value.strip()
    return (
        scheme.lower() == "bearer"
        and bool(value)
        and hmac.compare_digest(value.encode(), token.encode())
    )


async def read_offer(request: web.Request, max_bytes: int) -> str:
    """The SDP offer of a POST: 415 for another content type, 413 when too large."""
    if request.content_type != SDP:
        got = request.headers.get("Content-Type", "none")
        problem(415, f"expected Content-Type: {SDP}, got {got}", headers={"Accept-Post": SDP})
    length = request.content_length
    if length is not None and length > max_bytes:
        too_large(max_bytes, "the SDP offer")
    body = bytearray()
    while True:
        chunk = await request.content.read(16384)
        if not chunk:
            break
        body += chunk
        if len(body) > max_bytes:
            too_large(max_bytes, "the SDP offer")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        problem(400, "the SDP offer is not UTF-8 text")


def parse_offer(text: str) -> Any:
    """Parse an offer with aiortc's SDP parser; 400 with a reason when it is not usable."""
    from aiortc.sdp import SessionDescription

    if not text.lstrip().startswith("v=0"):
        problem(400, "not an SDP offer: it must start with v=0")
    try:
        desc = SessionDescription.parse(text)
    except Exception as exc:
        # aiortc's exception text is its own internals: the log gets it, the client not.
        log.info("400: unparseable SDP offer: %s: %s", type(exc).__name__, exc)
        problem(400, "unparseable SDP offer: a line or value is not valid SDP (RFC 8866)")
    if not desc.media:
        problem(400, "the SDP offer has no media section")
    for m in desc.media:
        if m.port != 0 and (not m.ice.usernameFragment or not m.ice.password):
            problem(400, f"m={m.kind} section without ICE credentials (ice-ufrag/ice-pwd)")
        if m.port != 0 and (m.dtls is None or not m.dtls.fingerprints):
            problem(400, f"m={m.kind} section without a DTLS fingerprint")
    return desc


def ice_server_links(state: ServerState, credentials: bool = True) -> list[str]:
    """``Link: <...>; rel="ice-server"`` values for the server's STUN and meeting servers.

    Without ``credentials`` the servers that need a username (TURN) are left out.
    """
    links = []
    stun = state.stun_url()
    if stun:
        links.append(f'<{stun}>; rel="ice-server"')
    for server in state.config.ice_servers:
        if server.get("username") and not credentials:
            continue
        urls = server.get("urls", [])
        for url in [urls] if isinstance(urls, str) else urls:
            value = f'<{url}>; rel="ice-server"'
            if server.get("username"):
                user, secret = server["username"], server.get("credential", "")
                value += f'; username="{user}"; credential="{secret}"; credential-type="password"'
            links.append(value)
    return links


async def negotiate(
    state: ServerState,
    request: web.Request,
    kind: str,
    channel: str,
    setup: Callable[[Any, Session], None],
    check: Callable[[Any], None] | None = None,
) -> web.Response:
    """Shared POST logic: reserve a slot, answer the offer, return 201 (or an error).

    ``check(parsed_offer)`` may reject the offer before any resource is taken;
    ``setup(pc, session)`` runs after the remote description is set and before the answer
    is created: it attaches tracks and data-channel handlers.
    """
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

    cfg = state.config
    text = await read_offer(request, cfg.max_sdp_bytes)
    desc = parse_offer(text)
    if check is not None:
        check(desc)
    try:
        session = state.registry.reserve(kind, channel)
    except Full as full:
        what = f"channel {channel!r}" if full.scope == "channel" else "the server"
        if kind == "echo" and full.scope == "channel":
            what = "the echo endpoint"
        problem(
            503,
            f"{what} is full ({full.limit} sessions); try again later",
            headers={"Retry-After": str(cfg.retry_after)},
        )
    ok = False
    try:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        state.registry.attach(session, pc)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=text, type="offer"))
        except Exception as exc:
            log.info("400 on %s: cannot use the offer: %s: %s", kind, type(exc).__name__, exc)
            problem(
                400,
                "cannot use this offer: it has no codec, transport or section this "
                "server supports in a combination it can answer",
            )
        setup(pc, session)
        try:
            answer = await pc.createAnswer()
            with loopback.host_addresses(state.ice_addresses):
                await pc.setLocalDescription(answer)
        except Exception as exc:
            log.info("400 on %s: cannot answer the offer: %s: %s", kind, type(exc).__name__, exc)
            problem(400, "cannot answer this offer: nothing in it that this server can send")
        if session.closed:
            problem(409, "the session ended while it was being set up")
        ok = True
    finally:
        if not ok:
            await state.registry.close(session, "negotiation failed")
    headers = {
        "Location": state.path_prefix + session.path,
        "ETag": session.etag,
        "Content-Type": SDP,
    }
    resp = web.Response(status=201, text=pc.localDescription.sdp, headers=headers)
    for link in ice_server_links(state):
        resp.headers.add("Link", link)
    return resp


# -- handlers --------------------------------------------------------------------------
def _state(request: web.Request) -> ServerState:
    from meetcheck.server.app import STATE

    return request.app[STATE]


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
    state = _state(request)
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
    state = _state(request)
    authorize(request, state.config.token)
    source = _channel(state, request)
    session = _session(state, request, "whep", source.code)
    await state.registry.close(session, "deleted by client")
    return web.Response(status=200)


async def get_endpoint(request: web.Request) -> web.Response:
    state = _state(request)
    authorize(request, state.config.token)
    _channel(state, request)
    return web.Response(status=204)


async def get_session(request: web.Request) -> web.Response:
    state = _state(request)
    authorize(request, state.config.token)
    source = _channel(state, request)
    _session(state, request, "whep", source.code)
    return web.Response(status=204)


async def patch_session(request: web.Request) -> web.Response:
    state = _state(request)
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
        state = _state(request)
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
