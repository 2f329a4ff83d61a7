"""Token formats of personal links, readable on both sides without a key.

``meetcheck serve`` signs its ``/join/<token>`` links (server/links.py) and the link checks
read them (checks/links/): the encoding both need lives here, so the checks never import
the server. Reading is not verifying: whoever holds a link can read who it is for, so the
checks only compare what a token *says* (its holder, its expiry) with the participant and
the meeting. Nothing here ever returns or prints the token itself.

Two shapes are recognised:

- a JWT (RFC 7519): ``header.payload.signature``, each part base64url JSON (the signature
  opaque), with ``exp``, ``nbf``, ``iat`` as Unix seconds and a holder in ``email``,
  ``sub``, ``upn``, ``preferred_username`` or ``unique_name``;
- a ``meetcheck serve`` link token (version 1): ``base64url(payload).base64url(mac)`` with
  ``v`` = 1, ``email``, ``name``, ``delegation``, ``role``, ``iat``, ``exp``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

B64URL = re.compile(r"[A-Za-z0-9_-]+")
MAX_TOKEN_CHARS = 4096
# Time stamps a token may hold: 1970 up to the year 3000, far from datetime's limits.
MAX_STAMP = 32_503_680_000
HOLDER_CLAIMS = ("email", "upn", "preferred_username", "unique_name", "sub")
_EMAILISH = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def b64e(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    """Strict unpadded base64url: wrong alphabet or non-canonical trailing bits fail."""
    if not B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64e(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def mask_email(email: str) -> str:
    """``j***@example.org``: recognisable to its owner, not harvestable from a screen share."""
    local, at, domain = email.rpartition("@")
    if not at:
        return (email[:1] + "***") if email else ""
    return f"{local[:1]}***@{domain}"


@dataclass(frozen=True)
class TokenClaims:
    """What a token says about itself; ``where`` names its place in the link, never it."""

    kind: str  # "jwt" or "meetcheck"
    where: str  # "path segment 2", "query parameter 'token'"
    claims: dict[str, Any] = field(default_factory=dict)

    def _time(self, key: str) -> dt.datetime | None:
        value = self.claims.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if not 0 <= value <= MAX_STAMP:
            return None
        return dt.datetime.fromtimestamp(value, dt.UTC)

    @property
    def expires_at(self) -> dt.datetime | None:
        return self._time("exp")

    @property
    def not_before(self) -> dt.datetime | None:
        return self._time("nbf")

    @property
    def issued_at(self) -> dt.datetime | None:
        return self._time("iat")

    @property
    def holder(self) -> tuple[str, str]:
        """(claim name, e-mail address) of the person the token names, or ('', '')."""
        for key in HOLDER_CLAIMS:
            value = self.claims.get(key)
            if isinstance(value, str) and _EMAILISH.match(value.strip()):
                return key, value.strip()
        return "", ""


def _json_object(part: str) -> dict[str, Any] | None:
    try:
        data = json.loads(b64d(part).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def read_token(text: str, where: str = "") -> TokenClaims | None:
    """The claims of a JWT or a meetcheck link token, or None for anything else."""
    if not text or len(text) > MAX_TOKEN_CHARS or not text.isascii():
        return None
    parts = text.split(".")
    if len(parts) == 3 and text.startswith("eyJ"):
        header = _json_object(parts[0])
        payload = _json_object(parts[1])
        if header is not None and payload is not None and "alg" in header:
            return TokenClaims("jwt", where, payload)
        return None
    if len(parts) == 2:
        payload = _json_object(parts[0])
        if payload is not None and payload.get("v") == 1 and "exp" in payload:
            return TokenClaims("meetcheck", where, payload)
    return None


def described_expiry(url: str, param: str) -> TokenClaims | None:
    """The expiry a meeting file says the platform's links carry in query parameter
    ``param`` (Unix seconds or an ISO 8601 date-time, UTC unless it says otherwise)."""
    if not param:
        return None
    try:
        query = parse_qsl(urlsplit(url).query)
    except ValueError:
        return None
    for key, value in query:
        if key != param:
            continue
        value = value.strip()
        try:
            stamp = int(value) if value.isdigit() else None
            if stamp is None:
                when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
                when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
                stamp = int(when.timestamp())
        except (ValueError, OverflowError, OSError):
            return None
        return TokenClaims("meeting-file", f"query parameter {key!r}", {"exp": stamp})
    return None


def tokens_in_url(url: str) -> list[TokenClaims]:
    """Every readable token in a link: path segments, query values and the fragment."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found: list[TokenClaims] = []
    for index, segment in enumerate(parts.path.split("/")):
        segment = unquote(segment)
        for candidate in (segment, segment.removesuffix(".json")):
            claims = read_token(candidate, f"path segment {index}")
            if claims is not None:
                found.append(claims)
                break
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        claims = read_token(value, f"query parameter {key!r}")
        if claims is not None:
            found.append(claims)
    if parts.fragment:
        for _key, value in parse_qsl(parts.fragment) or [("", parts.fragment)]:
            claims = read_token(value, "fragment")
            if claims is not None:
                found.append(claims)
    return found
