"""The one place secrets in links are hidden.

Personal meeting links carry tokens that must not be forwarded; every reporter and log
line passes text through :func:`redact_text` unless the user asked for ``--show-secrets``.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

ELLIPSIS = "\u2026"
SECRET_PARAMS = {
    "token", "access_token", "auth", "authorization", "key", "apikey", "api_key", "code",
    "sig", "signature", "secret", "password", "pwd", "pass", "credential", "session",
    "sid", "t", "k", "jwt", "ticket", "otp", "invite", "hash",
}  # fmt: skip
# Path words after which the next segment is a personal token whatever its shape.
TOKEN_PREFIX_SEGMENTS = {"join", "j", "invite", "i", "t", "token", "access", "link", "s", "w"}
_TOKENISH = re.compile(r"^[A-Za-z0-9_\-.~%=+]{16,}$")
# Report keys whose values are identifiers, never secrets (a long check id must stay readable).
STRUCTURAL_KEYS = {"$schema", "schema_version", "digest", "id", "status", "verdict"}
_URL = re.compile(r"\b(?:https?|wss?|turns?|stuns?)://[^\s\"'<>`]+", re.IGNORECASE)
_BEARER = re.compile(r"(?i)\b(bearer\s+)([A-Za-z0-9_\-.~+/=]{8,})")
_LONG_TOKEN = re.compile(r"(?<![A-Za-z0-9_\-/.])([A-Za-z0-9_\-]{32,})(?![A-Za-z0-9_\-/])")


def mask(secret: str) -> str:
    """``abcd…wxyz``: enough to tell two tokens apart, not enough to use one."""
    if len(secret) < 12:
        return ELLIPSIS
    return f"{secret[:4]}{ELLIPSIS}{secret[-4:]}"


def _looks_like_token(segment: str) -> bool:
    if not _TOKENISH.match(segment):
        return False
    has_digit = any(c.isdigit() for c in segment)
    has_alpha = any(c.isalpha() for c in segment)
    return has_digit and has_alpha or len(segment) >= 32


def redact_url(url: str) -> str:
    """Hide tokens in the query, the path, the fragment and any password of a URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:{ELLIPSIS}@{host}"
    segments = parts.path.split("/")
    out_segments = []
    prev = ""
    for seg in segments:
        if seg and (prev.lower() in TOKEN_PREFIX_SEGMENTS or _looks_like_token(seg)):
            out_segments.append(mask(seg))
        else:
            out_segments.append(seg)
        prev = seg
    path = "/".join(out_segments)
    query = parts.query
    if query:
        shown = []
        for pair in query.split("&"):
            key, eq, value = pair.partition("=")
            plain = unquote_plus(value)
            if value and (unquote_plus(key).lower() in SECRET_PARAMS or _looks_like_token(plain)):
                value = mask(plain)
            shown.append(key + eq + value)
        query = "&".join(shown)
    fragment = mask(parts.fragment) if parts.fragment else ""
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


def redact_text(text: str, show_secrets: bool = False) -> str:
    """Redact every URL, bearer token and long opaque token inside free text."""
    if show_secrets or not text:
        return text
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    text = _BEARER.sub(lambda m: m.group(1) + mask(m.group(2)), text)

    def _long(m: re.Match[str]) -> str:
        tok = m.group(1)
        return mask(tok) if _looks_like_token(tok) else tok

    return _LONG_TOKEN.sub(_long, text)


def redact_obj(obj: Any, show_secrets: bool = False) -> Any:
    """Apply :func:`redact_text` to every string inside nested dicts and lists."""
    if show_secrets:
        return obj
    if isinstance(obj, str):
        return redact_text(obj)
    if isinstance(obj, dict):
        return {k: v if k in STRUCTURAL_KEYS else redact_obj(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [redact_obj(v) for v in obj]
    return obj


class RedactingFilter(logging.Filter):
    """Put on a log handler so no log line, ours or a library's, shows a token."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(record.getMessage())
        record.args = None
        return True
