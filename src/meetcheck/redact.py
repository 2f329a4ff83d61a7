"""The one place secrets in links are hidden.

Personal meeting links carry tokens that must not be forwarded; every reporter and log
line passes text through :func:`redact_text` unless the user asked for ``--show-secrets``.
What is hidden is what is known to be secret (link tokens, credentials, bearer values,
JWT-shaped and random-looking strings), not every long word: a meeting called
``UNGA-80-Fifth-Committee-Informal-Consultations`` keeps its name.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from meetcheck.readable import json_visible, visible

ELLIPSIS = "\u2026"
_MASKED = re.compile(f"(?:[^{ELLIPSIS}]{{4}})?{ELLIPSIS}(?:[^{ELLIPSIS}]{{4}})?")
SECRET_PARAMS = {
    "token", "access_token", "auth", "authorization", "key", "apikey", "api_key", "code",
    "sig", "signature", "secret", "password", "pwd", "pass", "credential", "session",
    "sid", "t", "k", "jwt", "ticket", "otp", "invite", "hash",
}  # fmt: skip
# Path words after which the next segment is a personal token whatever its shape.
TOKEN_PREFIX_SEGMENTS = {
    "join", "j", "invite", "i", "t", "token", "access", "link", "s", "w", "selftest",
}  # fmt: skip
_TOKENISH = re.compile(r"^[A-Za-z0-9_\-.~%=+]{16,}$")
# A readable piece of a name: a word (lower, UPPER, Capitalised or CamelCase) with an
# optional number, or a number; separators split a name into pieces.
_WORDISH = r"(?:[a-z]+|[A-Z]{1,10}|[A-Z][a-z]+|(?:[A-Z]{1,6}|[a-z]+)?(?:[A-Z][a-z]{2,})+)"
_READABLE_PIECE = re.compile(rf"\d+|{_WORDISH}\d*|\d+[a-z]{{1,3}}|[a-z]\d+[a-z]?")
_SEPARATORS = re.compile(r"[-_.~%=+]+")
# Report keys whose values are identifiers, never secrets (a long check id must stay readable).
STRUCTURAL_KEYS = {
    "$schema", "schema_version", "digest", "id", "status", "verdict", "msgid", "plural",
}  # fmt: skip
_URL = re.compile(r"\b(?:https?|wss?|turns?|stuns?)://[^\s\"'<>`]+", re.IGNORECASE)
_BEARER = re.compile(r"(?i)\b(bearer\s+)([A-Za-z0-9_\-.~+/=]{8,})")
_AUTHORIZATION = re.compile(
    r"(?i)\b((?:proxy-)?authorization\s*[:=]\s*(?:(?:basic|digest|token|negotiate)\s+)?)"
    r"(?!bearer\s)([^\s'\",;\\]{4,})"
)
# Free text without a scheme: "127.0.0.1:8080/join/<token>", "...?token=<token>".
_PATH_TOKEN = re.compile(
    r"(?i)(/(?:" + "|".join(sorted(TOKEN_PREFIX_SEGMENTS)) + r")/)([A-Za-z0-9_\-.~%=+]{8,})"
)
_QUERY_SECRET = re.compile(
    r"(?i)([?&;](?:" + "|".join(sorted(SECRET_PARAMS)) + r")=)([^&\s#\"'<>\\]+)"
)
_JWT = re.compile(r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{4,}(?:\.[A-Za-z0-9_\-]+){1,2}\.?")
_LONG_TOKEN = re.compile(r"(?<![A-Za-z0-9_\-])([A-Za-z0-9_\-]{20,})(?![A-Za-z0-9_\-])")


def mask(secret: str) -> str:
    """``abcd…wxyz``: enough to tell two tokens apart, not enough to use one.

    A value already masked stays as it is, so text redacted twice reads the same.
    """
    if _MASKED.fullmatch(secret):
        return secret
    if len(secret) < 12:
        return ELLIPSIS
    return f"{secret[:4]}{ELLIPSIS}{secret[-4:]}"


def readable(text: str) -> bool:
    """True for names made of words and numbers (``Fifth-Committee-2026``), which random
    tokens almost never are (``token_urlsafe(24)``: about one in a million)."""
    return all(_READABLE_PIECE.fullmatch(p) for p in _SEPARATORS.split(text) if p)


def _looks_like_token(segment: str) -> bool:
    return bool(_TOKENISH.match(segment)) and not readable(segment)


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


def _mask_second(m: re.Match[str]) -> str:
    return m.group(1) + mask(m.group(2))


def redact_text(text: str, show_secrets: bool = False) -> str:
    """Redact URLs, link tokens and secret parameters (with or without a scheme), bearer
    and Authorization values, JWT-shaped strings and random-looking tokens in free text."""
    if show_secrets or not text:
        return text
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    text = _PATH_TOKEN.sub(_mask_second, text)
    text = _QUERY_SECRET.sub(_mask_second, text)
    text = _BEARER.sub(_mask_second, text)
    text = _AUTHORIZATION.sub(_mask_second, text)
    text = _JWT.sub(lambda m: mask(m.group(0)), text)

    def _long(m: re.Match[str]) -> str:
        tok = m.group(1)
        return tok if readable(tok) else mask(tok)

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


class RedactingFormatter(logging.Formatter):
    """Formats the whole record with ``inner`` (message, traceback, stack), then redacts
    the result and shows control characters escaped.

    Redacting only the message is not enough: aiohttp puts the raw request line, token
    included, into the text of the exception it logs.
    """

    def __init__(self, inner: logging.Formatter | None = None, show_secrets: bool = False):
        super().__init__()
        self.inner = inner or logging.Formatter()
        self.show_secrets = show_secrets

    def format(self, record: logging.LogRecord) -> str:
        text = redact_text(self.inner.format(record), self.show_secrets)
        # DEL and C1 as \u escapes keep a JSON access-log line valid JSON.
        return visible(json_visible(text), keep="\n")


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (click's test runner swaps it)."""

    def __init__(self, level: int = logging.NOTSET) -> None:
        logging.Handler.__init__(self, level)

    @property
    def stream(self) -> Any:  # type: ignore[override]
        return sys.stderr


def stderr_handler(
    formatter: logging.Formatter | None = None,
    *,
    show_secrets: bool = False,
    level: int = logging.NOTSET,
) -> logging.Handler:
    """A stderr log handler that lets no token and no raw control character through."""
    handler = _StderrHandler(level)
    handler.setFormatter(RedactingFormatter(formatter, show_secrets))
    return handler


def _write_redacted(text: str) -> None:
    try:
        sys.stderr.write(visible(redact_text(text), keep="\n"))
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed: nothing better to do
        pass


def _thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    trace = traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
    _write_redacted(f"Exception in thread {name}:\n{''.join(trace)}")


def _unraisable(unraisable: Any) -> None:
    head = unraisable.err_msg or "Exception ignored in"
    where = f": {unraisable.object!r}" if unraisable.object is not None else ""
    trace = traceback.format_exception(
        unraisable.exc_type, unraisable.exc_value, unraisable.exc_traceback
    )
    _write_redacted(f"{head}{where}\n{''.join(trace)}")


@contextlib.contextmanager
def redacted_last_resort() -> Iterator[None]:
    """Redact what Python prints when nothing else takes it, for the duration of a command:
    ``logging.lastResort`` (records no handler took, tracebacks included), exceptions that
    end a thread, and exceptions nobody can raise (``__del__``, finalisers), whose text
    may quote a link."""
    saved = logging.lastResort, threading.excepthook, sys.unraisablehook
    logging.lastResort = stderr_handler(level=logging.WARNING)
    threading.excepthook = _thread_exception
    sys.unraisablehook = _unraisable
    try:
        yield
    finally:
        logging.lastResort, threading.excepthook, sys.unraisablehook = saved


class RedactingFilter(logging.Filter):
    """For a handler whose formatter is not ours: redacts the message, the exception text
    and the stack in the record itself (prefer :func:`stderr_handler`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True
