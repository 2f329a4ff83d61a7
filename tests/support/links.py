"""Helpers for the link tests: JWTs made here (unsigned: the checks never verify them)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def make_jwt(**claims: Any) -> str:
    """A JWT with these claims; datetimes become Unix seconds. The signature is random-ish
    bytes: the link checks read tokens, they never verify them."""
    payload = {
        k: int(v.timestamp()) if isinstance(v, dt.datetime) else v for k, v in claims.items()
    }
    signature = base64.urlsafe_b64encode(b"not-a-real-signature-0123456789ab").rstrip(b"=")
    return f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(payload)}.{signature.decode()}"


def days(n: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=n)


def meeting_with_sessions(hosts: list[str], first: float = 10, last: float = 12) -> dict[str, Any]:
    """A meeting file (as a dict) whose sessions start ``first`` days from now and end
    ``last`` days from now."""
    start, end = days(first), days(last)
    return {
        "name": "Link test meeting",
        "timezone": "UTC",
        "platform": {"hosts": hosts},
        "sessions": [
            {
                "title": "Session 1",
                "start": start.isoformat(),
                "end": (start + dt.timedelta(hours=2)).isoformat(),
            },
            {
                "title": "Session 2",
                "start": (end - dt.timedelta(hours=2)).isoformat(),
                "end": end.isoformat(),
            },
        ],
    }
