"""Reading TOML inputs (profiles, meeting files) from a path or URL, with one-line errors."""

from __future__ import annotations

import math
import os
import queue
import re
import stat
import sys
import threading
import time
import tomllib
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlsplit

from meetcheck.errors import InputError
from meetcheck.readable import CONTROL_CHARS
from meetcheck.redact import redact_text

# Inputs are small text files; a cap keeps a device, a huge file or a hostile server
# from filling the memory. Local files and URLs share it.
MAX_INPUT_BYTES = 1_000_000
MAX_URL_BYTES = MAX_INPUT_BYTES
# One deadline for a whole fetch (name lookup, connect, redirects, body), seconds.
FETCH_TIMEOUT_S = 15.0
_CHUNK = 16 * 1024
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def keypath(*parts: str) -> str:
    """A TOML key path as the user would write it: dotted ids are quoted, and so is any
    key that is not bare, with its control characters escaped so the error stays one line."""
    return ".".join(p if _BARE_KEY.fullmatch(p) else _quoted(p) for p in parts)


def _quoted(key: str) -> str:
    out = []
    for ch in key:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def read_text(source: str, what: str, limit: int = MAX_INPUT_BYTES) -> str:
    """Text of a local file or an http(s) URL, at most ``limit`` bytes; every failure is
    an InputError."""
    if is_url(source):
        shown = redact_text(source)
        data = _fetch(source, shown, what, limit)
    else:
        shown = source
        data = _read_local(source, what, limit)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{shown}: {what} is not UTF-8 text") from None
    if not is_url(source):  # as text mode would: universal newlines
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _read_local(source: str, what: str, limit: int) -> bytes:
    """A regular file only: opened without blocking (a FIFO would wait for a writer)
    and read no further than the cap (a device never ends)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(source, flags)
    except FileNotFoundError:
        raise InputError(f"{source}: {what} not found") from None
    except IsADirectoryError:
        raise InputError(f"{source}: is a directory, expected a {what}") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"{source}: cannot read {what}: {reason}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{source}: is a directory, expected a {what}")
        if not stat.S_ISREG(mode):
            raise InputError(f"{source}: not a regular file, expected a {what}")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise InputError(f"{source}: cannot read {what}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputError(f"{source}: file too large ({what}s are at most {limit} bytes)")
    return data


@dataclass
class _Fetched:
    status: int = 0
    url: str = ""
    body: bytes = b""
    error: BaseException | None = None
    in_body: bool = False  # the error came while reading the body
    late: bool = False  # the deadline passed before the body was complete


def _get(url: str, limit: int, deadline: float, out: queue.Queue[_Fetched]) -> None:
    """The blocking GET, in a worker thread; stops reading once past the deadline."""
    import requests

    got = _Fetched()
    try:
        timeout = max(0.1, deadline - time.monotonic())
        with requests.get(url, timeout=timeout, stream=True) as resp:
            got.status, got.url = resp.status_code, resp.url
            if resp.status_code == 200:
                got.in_body = True
                chunks: list[bytes] = []
                size = 0
                while size <= limit:
                    if time.monotonic() >= deadline:
                        got.late = True
                        break
                    chunk = resp.raw.read(_CHUNK, decode_content=True)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                got.body = b"".join(chunks)
    except Exception as exc:  # handed to the caller, which decides what is input trouble
        got.error = exc
    out.put(got)


def _network_errors() -> tuple[type[BaseException], ...]:
    import http.client

    import requests
    import urllib3

    return (
        requests.RequestException,
        urllib3.exceptions.HTTPError,
        http.client.HTTPException,
        OSError,
        ValueError,
    )


def _fetch(source: str, shown: str, what: str, limit: int) -> bytes:
    """GET ``source`` within one overall deadline (``FETCH_TIMEOUT_S``): a server that
    drips a byte at a time cannot hold the run longer, however short each read is."""
    timeout = FETCH_TIMEOUT_S
    deadline = time.monotonic() + timeout
    out: queue.Queue[_Fetched] = queue.Queue(maxsize=1)
    worker = threading.Thread(
        target=_get, args=(source, limit, deadline, out), name="meetcheck-fetch", daemon=True
    )
    worker.start()
    late = InputError(f"{shown}: cannot fetch {what}: no complete answer within {timeout:g} s")
    try:
        got = out.get(timeout=timeout)
    except queue.Empty:
        raise late from None
    if got.late:
        raise late
    if got.error is not None:
        if not isinstance(got.error, _network_errors()):
            raise got.error
        name = type(got.error).__name__
        if got.in_body:
            raise InputError(
                f"{shown}: cannot fetch {what}: the connection broke while reading it ({name})"
            )
        raise InputError(f"{shown}: cannot fetch {what}: {name}")
    if got.status != 200:
        raise InputError(f"{shown}: cannot fetch {what}: HTTP {got.status}")
    if len(got.body) > limit:
        raise InputError(f"{shown}: file too large ({what}s are at most {limit} bytes)")
    _note_redirect(source, got.url, what)
    return got.body


def _note_redirect(source: str, final: str, what: str) -> None:
    """Say when the server sent us to another host: the file did not come from where
    the user pointed."""
    try:
        asked, landed = urlsplit(source).hostname, urlsplit(final).hostname
    except ValueError:
        return
    if landed and asked != landed:
        sys.stderr.write(
            f"meetcheck: note: {redact_text(source)}: the {what} was redirected to another "
            f"host, {redact_text(landed)}\n"
        )


def parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{redact_text(source)}: invalid TOML: {exc}") from None
    except RecursionError:  # the parser recurses once per nested array or inline table
        raise InputError(f"{redact_text(source)}: invalid TOML: nested too deeply") from None


def load_toml(source: str, what: str) -> dict[str, Any]:
    return parse_toml(read_text(source, what), source)


def type_name(value: Any) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "array",
        dict: "table",
    }.get(type(value), type(value).__name__)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class Validator:
    """Collects the first problem with a location, raising it as an InputError."""

    def __init__(self, source: str, prefix: tuple[str, ...] = ()) -> None:
        self.source = redact_text(source)
        self.prefix = prefix  # where the validated table sits inside the file

    def fail(self, path: tuple[str, ...], message: str) -> NoReturn:
        path = self.prefix + path
        where = keypath(*path) if path else "(top level)"
        raise InputError(f"{self.source}: {where}: {message}")

    def expect(self, path: tuple[str, ...], value: Any, kind: str) -> None:
        """Check ``value`` against a type word: string, boolean, number, integer, table, array."""
        ok = {
            "string": isinstance(value, str),
            "boolean": isinstance(value, bool),
            "number": is_number(value),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "table": isinstance(value, dict),
            "array": isinstance(value, list),
        }[kind]
        if not ok:
            self.fail(path, f"expected {kind}, got {type_name(value)} {value!r}")
        if kind == "number" and not math.isfinite(value):
            self.fail(path, f"expected a finite number, got {value!r}")

    def finite(self, path: tuple[str, ...], value: Any) -> None:
        """Reject nan and inf anywhere below ``value``: nan compares false with every
        limit, so it would silently disable whatever reads it."""
        stack = [(path, value)]
        while stack:  # not recursive: the parser allows deep nesting
            where, item = stack.pop()
            if isinstance(item, float) and not math.isfinite(item):
                self.fail(where, f"expected a finite number, got {item!r}")
            elif isinstance(item, dict):
                stack.extend((where + (str(k),), v) for k, v in item.items())
            elif isinstance(item, list):
                stack.extend((where + (str(i),), v) for i, v in enumerate(item))

    def plain_text(self, path: tuple[str, ...], value: Any) -> None:
        """No control character (tab aside) in any key or string under ``value``: shown
        later, an escape sequence from a fetched file could rewrite the user's terminal."""
        todo = [(path, value)]  # a loop, not recursion: nesting depth is the file's choice
        while todo:
            where, item = todo.pop()
            if isinstance(item, str):
                bad = CONTROL_CHARS.search(item.replace("\t", " "))
                if bad:
                    self.fail(where, f"control character U+{ord(bad.group()):04X} is not allowed")
            elif isinstance(item, dict):
                for key, sub in reversed(item.items()):
                    todo += [(where + (key,), sub), (where + (key,), key)]
            elif isinstance(item, list):
                todo += [(where + (str(i),), sub) for i, sub in reversed(list(enumerate(item)))]

    def known_keys(self, path: tuple[str, ...], table: dict[str, Any], known: Any) -> None:
        for key in table:
            if key not in known:
                self.fail(path + (key,), f"unknown key (known: {', '.join(sorted(known))})")
