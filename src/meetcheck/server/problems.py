"""HTTP errors of the server's endpoints as RFC 9457 problem documents.

A handler raises :class:`Problem` (through :func:`problem`) from any depth; the app's
middleware turns it into the response, so no handler builds error bodies by hand.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import NoReturn

from aiohttp import web


class Problem(Exception):
    """An HTTP error answered with an RFC 9457 problem document (see app's middleware)."""

    def __init__(
        self, status: int, detail: str, headers: dict[str, str] | None = None, title: str = ""
    ) -> None:
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
