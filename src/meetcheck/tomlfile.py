"""Reading TOML inputs (profiles, meeting files) from a path or URL, with one-line errors."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, NoReturn

from meetcheck.errors import InputError
from meetcheck.redact import redact_text
from meetcheck.report.plain import CONTROL_CHARS

MAX_URL_BYTES = 1_000_000


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def keypath(*parts: str) -> str:
    """A TOML key path as the user would write it: dotted ids are quoted."""
    out = []
    for p in parts:
        out.append(f'"{p}"' if ("." in p or " " in p) else p)
    return ".".join(out)


def read_text(source: str, what: str) -> str:
    """Text of a local file or an http(s) URL; every failure is an InputError."""
    if is_url(source):
        import requests

        shown = redact_text(source)
        try:
            resp = requests.get(source, timeout=10, stream=True)
            body = resp.raw.read(MAX_URL_BYTES + 1, decode_content=True)
        except requests.RequestException as exc:
            raise InputError(f"{shown}: cannot fetch {what}: {type(exc).__name__}") from None
        if resp.status_code != 200:
            raise InputError(f"{shown}: cannot fetch {what}: HTTP {resp.status_code}")
        if len(body) > MAX_URL_BYTES:
            raise InputError(f"{shown}: {what} is larger than {MAX_URL_BYTES} bytes")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{shown}: {what} is not UTF-8 text") from None
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{source}: {what} not found") from None
    except IsADirectoryError:
        raise InputError(f"{source}: is a directory, expected a {what}") from None
    except UnicodeDecodeError:
        raise InputError(f"{source}: {what} is not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read {what}: {exc.strerror}") from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{redact_text(source)}: invalid TOML: {exc}") from None


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
