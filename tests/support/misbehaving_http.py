"""A real HTTP server on 127.0.0.1 that misbehaves on purpose (slow, truncated, dripping,
redirecting), for the tests of fetching meeting files and profiles from a URL."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Callable, Iterator

Route = Callable[[http.server.BaseHTTPRequestHandler], None]


def body(text: str, status: int = 200) -> Route:
    data = text.encode()

    def send(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    return send


def truncated(text: str, claimed: int) -> Route:
    """Announces ``claimed`` bytes, sends fewer, then closes the connection."""
    data = text.encode()

    def send(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(claimed))
        h.end_headers()
        h.wfile.write(data)
        h.wfile.flush()
        h.close_connection = True

    return send


def drip(text: str, every: float) -> Route:
    """One byte every ``every`` seconds: each read is quick, the whole body is not."""
    data = text.encode()

    def send(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        for i in range(len(data)):
            try:
                h.wfile.write(data[i : i + 1])
                h.wfile.flush()
            except OSError:  # the client gave up
                return
            if h.server.stopping.wait(every):  # type: ignore[attr-defined]
                return  # the test is over: no thread outlives it

    return send


def hold(seen: threading.Event, release: threading.Event, text: str = "") -> Route:
    """Sets ``seen`` when the request arrives and answers only once ``release`` is set."""

    def send(h: http.server.BaseHTTPRequestHandler) -> None:
        seen.set()
        release.wait(60)
        with contextlib.suppress(OSError):
            body(text)(h)

    return send


def redirect(location: str) -> Route:
    def send(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return send


@contextlib.contextmanager
def serve(routes: dict[str, Route]) -> Iterator[str]:
    """Serve ``routes`` (path -> behaviour) on 127.0.0.1; yields the base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            route = routes.get(self.path.split("?")[0])
            (route or body("not found", 404))(self)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.stopping = threading.Event()  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.stopping.set()  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()
