"""Answering an SDP offer: the POST logic WHEP and echo share.

:func:`negotiate` reads and checks the offer (:func:`read_offer`, :func:`parse_offer`),
reserves a session slot before any work so concurrent offers cannot overshoot the limits,
answers with every server candidate gathered (no trickle ICE), and returns ``201 Created``
with ``Location``, ``ETag`` and the ICE servers as ``Link`` headers
(:func:`ice_server_links`). A failure at any step releases the slot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from meetcheck.server.problems import problem, too_large
from meetcheck.server.sessions import Full, Session
from meetcheck.server.state import ServerState
from meetcheck.webrtc import loopback

log = logging.getLogger("meetcheck.server.negotiate")

SDP = "application/sdp"


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
