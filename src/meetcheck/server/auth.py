"""Bearer-token authorisation of the WebRTC endpoints (WHEP and echo).

With no token configured the meeting file is public and so is everything here; with one,
only its holders may open sessions or see TURN credentials. Tokens are compared in
constant time.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from meetcheck.server.problems import problem


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
