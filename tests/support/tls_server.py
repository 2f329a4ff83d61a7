"""Real HTTPS servers on 127.0.0.1 with certificates made by the tests' own CA: valid,
expired, for the wrong host, self-signed, and expiring before the meeting ends. Each
serves the same routes: a welcome page, redirects, loops, 404/410, a 200 page that says
the link expired, redirects to refused addresses, a slow answer, and token links.

Also an in-process socket audit (``sys.addaudithook``): every ``connect()`` this process
makes while it is active, to prove refused addresses are never contacted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import ipaddress
import ssl
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("valid", "expired", "wrong-host", "self-signed", "short")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _name(cn: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca() -> tuple[Any, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("meetcheck test CA")
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - dt.timedelta(days=1))
        .not_valid_after(_now() + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_leaf(
    ca: tuple[Any, Any] | None,
    names: list[str],
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> tuple[Any, Any]:
    """A server certificate for ``names`` (DNS names or IP addresses), signed by ``ca``
    or, with ``ca=None``, by itself."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    key = ec.generate_private_key(ec.SECP256R1())
    sans: list[Any] = []
    for n in names:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            sans.append(x509.DNSName(n))
    issuer_key, issuer_cert = ca if ca else (key, None)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(issuer_cert.subject if issuer_cert else _name(names[0]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer_cert is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    return key, builder.sign(issuer_key, hashes.SHA256())


def _pem(key: Any, cert: Any) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives import serialization

    return (
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        cert.public_bytes(serialization.Encoding.PEM),
    )


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, tls: ssl.SSLContext, routes: dict[str, Any]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls = tls
        self.routes = routes
        self.stopping = threading.Event()

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = self.socket.accept()
        return self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that refused our certificate is what several tests want


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        routes = self.server.routes  # type: ignore[attr-defined]
        for prefix in sorted(routes, key=len, reverse=True):
            if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
                routes[prefix](self)
                return
        _page(404, "<h1>Not here</h1>")(self)


def _page(status: int, html: str, headers: dict[str, str] | None = None) -> Any:
    data = html.encode("utf-8")

    def send(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    return send


def _redirect(target: Any, status: int = 302) -> Any:
    def send(h: http.server.BaseHTTPRequestHandler) -> None:
        where = target(h) if callable(target) else target
        h.send_response(status)
        h.send_header("Location", where)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return send


def _slow(seconds: float) -> Any:
    def send(h: http.server.BaseHTTPRequestHandler) -> None:
        if h.server.stopping.wait(seconds):  # type: ignore[attr-defined]
            return  # the test is over: no thread outlives it
        _page(200, "<p>finally</p>")(h)

    return send


WELCOME = "<html><body><h1>Welcome, Jane Doe</h1><p>Join the meeting.</p></body></html>"


def routes() -> dict[str, Any]:
    def port(h: Any) -> int:
        return h.server.server_address[1]

    return {
        "/ok": _page(200, WELCOME),
        "/t/": _page(200, WELCOME),  # token links: /t/<token>
        "/redirect": _redirect("/hop2"),
        "/hop2": _redirect("/ok", 301),
        "/loop-a": _redirect("/loop-b"),
        "/loop-b": _redirect("/loop-a"),
        **{f"/chain/{n}": _redirect(f"/chain/{n - 1}" if n > 1 else "/ok") for n in range(1, 10)},
        "/gone": _page(410, "<h1>Gone</h1>"),
        "/missing": _page(404, "<h1>Not found</h1>"),
        "/forbidden": _page(403, "<h1>Forbidden</h1>"),
        "/busy": _page(429, "<h1>Too many requests</h1>"),
        "/not-modified": _page(304, ""),
        "/expired-en": _page(200, "<h1>Sorry</h1><p>This meeting link has expired.</p>"),
        "/expired-fr": _page(200, "<p>Désolé : ce lien a expiré.</p>"),
        "/expired-zh": _page(200, "<p>链接已过期</p>"),
        "/custom": _page(200, "<p>Invitación caducada, pida otra.</p>"),
        "/to-private": _redirect("https://10.1.2.3/steal"),
        "/to-metadata": _redirect("http://169.254.169.254/latest/meta-data/"),
        "/to-localhost": _redirect(lambda h: f"https://localhost:{port(h)}/ok"),
        "/to-lookalike": _redirect("https://interprefy.com.example.net/ok"),
        "/slow": _slow(40.0),
        "/slowish": _slow(1.0),
    }


@dataclass
class TlsServers:
    """One server per certificate kind; ``url(kind, path)``; ``ca_path`` trusts them."""

    ca_path: Path
    ports: dict[str, int] = field(default_factory=dict)

    def url(self, kind: str, path: str = "/ok", host: str = "127.0.0.1") -> str:
        return f"https://{host}:{self.ports[kind]}{path}"


@contextlib.contextmanager
def tls_servers(tmp: Path, short_days: float = 5) -> Iterator[TlsServers]:
    """Start the five servers; ``short`` expires ``short_days`` from now."""
    ca = make_ca()
    ca_key_pem, ca_pem = _pem(*ca)
    ca_path = tmp / "test-ca.pem"
    ca_path.write_bytes(ca_pem)
    now = _now()
    year = dt.timedelta(days=365)
    leaves = {
        "valid": make_leaf(ca, ["127.0.0.1", "localhost"], now - dt.timedelta(days=1), now + year),
        "expired": make_leaf(
            ca, ["127.0.0.1"], now - dt.timedelta(days=100), now - dt.timedelta(days=2)
        ),
        "wrong-host": make_leaf(ca, ["other.example"], now - dt.timedelta(days=1), now + year),
        "self-signed": make_leaf(None, ["127.0.0.1"], now - dt.timedelta(days=1), now + year),
        "short": make_leaf(
            ca, ["127.0.0.1"], now - dt.timedelta(days=1), now + dt.timedelta(days=short_days)
        ),
    }
    servers: list[_Server] = []
    out = TlsServers(ca_path)
    try:
        for kind, (key, cert) in leaves.items():
            key_pem, cert_pem = _pem(key, cert)
            (tmp / f"{kind}.key").write_bytes(key_pem)
            (tmp / f"{kind}.pem").write_bytes(cert_pem)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tmp / f"{kind}.pem", tmp / f"{kind}.key")
            server = _Server(ctx, routes())
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers.append(server)
            out.ports[kind] = server.server_address[1]
        del ca_key_pem
        yield out
    finally:
        for server in servers:
            server.stopping.set()
            server.shutdown()
            server.server_close()


# --- the socket audit -----------------------------------------------------------------------

_audit: dict[str, Any] = {"records": None, "installed": False}
_lock = threading.Lock()


class Audit(list):  # type: ignore[type-arg]
    """The addresses connected to; ``lookups`` the host names resolved."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups: list[str] = []


def _hook(event: str, args: tuple[Any, ...]) -> None:
    records = _audit["records"]
    if records is None:
        return
    if event == "socket.connect":
        records.append(args[1])
    elif event == "socket.getaddrinfo":
        records.lookups.append(str(args[0]))


@contextlib.contextmanager
def connects() -> Iterator[Audit]:
    """Every address this process ``connect()``s to inside the block (all threads), and
    every name it looks up (``.lookups``)."""
    with _lock:
        if not _audit["installed"]:
            sys.addaudithook(_hook)
            _audit["installed"] = True
    records = Audit()
    _audit["records"] = records
    try:
        yield records
    finally:
        _audit["records"] = None
