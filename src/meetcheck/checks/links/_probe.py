"""The link checks' collector: open the personal link once per run, hop by hop.

Every hop (the link, then each redirect) is judged by the form rules first, then resolved
once; when any address is private, loopback, link-local, multicast or reserved and the
host is not one of the meeting's ``[platform] hosts``, the hop is refused and nothing is
connected to. Otherwise the probe connects to an address it just vetted (never resolving
again, so DNS cannot change its answer in between), checks the certificate, sends one GET
and reads the head and at most :data:`MAX_BODY` bytes of the answer.

A small HTTP/1.1 client of its own, because it must choose the address it connects to,
see the certificate, and time the first byte: the checks read ``Probe`` and ``Hop``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import socket
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from meetcheck.checks.links._catalog import N_, _, ngettext
from meetcheck.checks.links.form import MAX_CONTACT_LENGTH, assess
from meetcheck.checks.links.lookalike import is_listed
from meetcheck.i18n import Text, localize

if TYPE_CHECKING:
    import ssl

    from meetcheck.context import CheckContext

MAX_HEAD = 64 * 1024
MAX_BODY = 64 * 1024
USER_AGENT = "meetcheck-link-check/1 (+https://github.com/meetcheck)"
SHARED_KEY = "links.probe"
CA_BUNDLE_VARS = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
# What the probe imports (cryptography reads a refused certificate's dates): the runner
# imports these in a thread before the checks start, off the shared event loop.
PROBE_IMPORTS = ("ssl", "cryptography.x509")


@dataclass
class Hop:
    """One request of the chain: where it went and what came back."""

    url: str
    host: str = ""
    port: int = 0
    listed: bool | None = None
    addresses: list[str] = field(default_factory=list)
    refused: str = ""  # why this hop was not contacted (a translated text, as error is)
    connected_to: str = ""
    tls: bool = False
    tls_error: str = ""
    cert_not_after: dt.datetime | None = None
    cert_subject: str = ""
    cert_issuer: str = ""
    status: int | None = None
    reason: str = ""
    location: str = ""
    content_type: str = ""
    body: str = ""
    ttfb_ms: float | None = None  # this request alone: request sent to first byte
    first_byte_at: float = 0.0  # time.monotonic() of the answer's first byte
    error: str = ""


@dataclass
class Probe:
    """The chain of hops and how it ended.

    ``outcome``: ``answered`` (the last hop gave a final status), ``not-contacted`` (the
    link's form forbids it), ``refused`` (an address the rules refuse), ``redirect-refused``
    (a redirect target's form forbids it), ``dns``, ``tls``, ``timeout``, ``error``,
    ``loop``, ``too-many-redirects`` or ``ca-bundle`` (the CA bundle named in the
    environment cannot be read: nothing was contacted).
    """

    hops: list[Hop] = field(default_factory=list)
    outcome: str = ""
    detail: str = ""
    ttfb_ms: float | None = None  # start of the probe to the final answer's first byte
    elapsed_ms: float = 0.0

    @property
    def last(self) -> Hop | None:
        return self.hops[-1] if self.hops else None


ADDRESS_KINDS = (
    ("is_loopback", N_("loopback")),
    ("is_link_local", N_("link-local")),
    ("is_multicast", N_("multicast")),
    ("is_unspecified", N_("unspecified")),
    ("is_private", N_("private")),
    ("is_reserved", N_("reserved")),
)


def refused_reason(ip: str) -> str:
    """Why an address may not be contacted ('' when it is a public unicast address)."""
    try:
        addr: Any = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return _("not an address")
    if addr.version == 6 and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    for attr, label in ADDRESS_KINDS:
        if getattr(addr, attr):
            return localize(label)
    if not addr.is_global:
        return _("not public")  # 100.64.0.0/10 (carrier-grade NAT) and other special ranges
    return ""


def ssl_context() -> ssl.SSLContext:
    """Verifying TLS, with the CA bundle requests and curl would use: REQUESTS_CA_BUNDLE or
    CURL_CA_BUNDLE when set, else the system's (OpenSSL honours SSL_CERT_FILE/_DIR)."""
    import ssl

    for var in CA_BUNDLE_VARS:
        path = os.environ.get(var, "")
        if path:
            try:
                if os.path.isdir(path):
                    return ssl.create_default_context(capath=path)
                return ssl.create_default_context(cafile=path)
            except (OSError, ssl.SSLError) as exc:
                why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                text = _("{setting} cannot be read as a CA bundle ({error})")
                raise OSError(text.format(setting=f"{var}={path}", error=str(why))) from None
    return ssl.create_default_context()


_CONTEXTS: dict[tuple[str, ...], ssl.SSLContext] = {}


def _context_key() -> tuple[str, ...]:
    """What the CA store depends on: the variables naming it."""
    return tuple(os.environ.get(v, "") for v in (*CA_BUNDLE_VARS, "SSL_CERT_FILE", "SSL_CERT_DIR"))


def shared_ssl_context() -> ssl.SSLContext:
    """:func:`ssl_context`, built once per CA configuration and process: loading the
    system's store takes about 50 ms, and a batch run opens a thousand links (a context
    is safe to share between connections). A bundle that cannot be read is not kept."""
    key = _context_key()
    ctx = _CONTEXTS.get(key)
    if ctx is None:
        ctx = _CONTEXTS[key] = ssl_context()
    return ctx


def _name(parts: Any) -> str:
    """'CN=rsi.example.org, O=Example' from getpeercert()'s nested tuples."""
    try:
        return ", ".join(f"{k}={v}" for rdn in parts for k, v in rdn)
    except (TypeError, ValueError):
        return ""


async def _cert_dates_unverified(addr: str, port: int, host: str, timeout: float) -> Any:
    """The certificate a server shows, read without trusting it: to say *why* it failed
    (expired on which day). Connects to the same vetted address."""
    import asyncio
    import ssl

    from cryptography import x509

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # no CA store to load: nothing is trusted
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    async with asyncio.timeout(timeout):
        _reader, writer = await asyncio.open_connection(addr, port, ssl=ctx, server_hostname=host)
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        writer.close()
    return x509.load_der_x509_certificate(der) if der else None


def ascii_host(host: str) -> str:
    """The name as DNS, SNI and the Host header carry it (IDNA for a Unicode name)."""
    return host if host.isascii() else host.encode("idna").decode("ascii")


def _host_header(host: str, port: int, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return shown if port == default else f"{shown}:{port}"


def _dechunk(data: bytes) -> bytes:
    out, pos = bytearray(), 0
    while pos < len(data):
        end = data.find(b"\r\n", pos)
        if end < 0:
            break
        try:
            size = int(data[pos:end].split(b";", 1)[0], 16)
        except ValueError:
            break
        if size == 0:
            break
        out += data[end + 2 : end + 2 + size]
        pos = end + 2 + size + 2
    return bytes(out)


_CHARSET = re.compile(r"charset=[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


async def _request(hop: Hop, parts: Any, ctx: ssl.SSLContext | None, deadline: float) -> None:
    """Connect to a vetted address of ``hop``, send one GET, read the answer's head and body."""
    import asyncio

    writer = None
    last_exc: BaseException | None = None
    reader = None
    for addr in hop.addresses:
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                reader, writer = await asyncio.open_connection(
                    addr, hop.port, ssl=ctx, server_hostname=ascii_host(hop.host) if ctx else None
                )
            hop.connected_to = addr
            break
        except TimeoutError:
            raise
        except OSError as exc:  # ssl.SSLError is an OSError: the first one decides
            import ssl

            if isinstance(exc, ssl.SSLError):
                hop.connected_to = addr
                raise
            last_exc = exc
    if writer is None or reader is None:
        raise last_exc or OSError(_("no address to connect to"))
    try:
        if ctx is not None:
            sslobj = writer.get_extra_info("ssl_object")
            cert = sslobj.getpeercert() if sslobj else None
            if cert:
                import ssl

                after = ssl.cert_time_to_seconds(cert["notAfter"])
                hop.cert_not_after = dt.datetime.fromtimestamp(after, dt.UTC)
                hop.cert_subject = _name(cert.get("subject", ()))
                hop.cert_issuer = _name(cert.get("issuer", ()))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request = (
            f"GET {target} HTTP/1.1\r\n"
            f"Host: {_host_header(ascii_host(hop.host), hop.port, parts.scheme.lower())}\r\n"
            f"User-Agent: {USER_AGENT}\r\n"
            "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n"
            "Accept-Encoding: identity\r\n"
            "Connection: close\r\n\r\n"
        )
        writer.write(request.encode("ascii", "replace"))
        sent = time.monotonic()
        async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
            await writer.drain()
            first = await reader.read(1)
            hop.first_byte_at = time.monotonic()
            hop.ttfb_ms = round((hop.first_byte_at - sent) * 1000, 1)
            if not first:
                raise ConnectionError(_("the server closed the connection without answering"))
            head = first + await reader.readuntil(b"\r\n\r\n")
        if len(head) > MAX_HEAD:
            raise ConnectionError(_("the answer's headers are too long"))
        lines = head.decode("iso-8859-1").split("\r\n")
        status = lines[0].split(" ", 2)
        if len(status) < 2 or not status[0].startswith("HTTP/") or not status[1].isdigit():
            raise ConnectionError(_("the answer is not HTTP"))
        hop.status, hop.reason = int(status[1]), status[2] if len(status) > 2 else ""
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        hop.location = headers.get("location", "")
        hop.content_type = headers.get("content-type", "")
        if 300 <= hop.status < 400 and hop.location:
            return
        length = headers.get("content-length", "")
        want = min(int(length), MAX_BODY) if length.isdigit() else MAX_BODY
        body = b""
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                while len(body) < want:
                    chunk = await reader.read(want - len(body))
                    if not chunk:
                        break
                    body += chunk
        except TimeoutError:
            pass  # the head arrived: judge what came of the body
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = _dechunk(body)
        match = _CHARSET.search(hop.content_type)
        charset = match.group(1) if match else "utf-8"
        try:
            hop.body = body.decode(charset, "replace")
        except LookupError:
            hop.body = body.decode("utf-8", "replace")
    finally:
        writer.close()


async def run_probe(
    url: str,
    hosts: list[str],
    *,
    allow_http: bool = False,
    max_edits: int = 1,
    max_redirects: int = 5,
    timeout: float = 10.0,
) -> Probe:
    """Follow the link and its redirects under every rule; never raises for a bad link."""
    import asyncio
    import ssl

    probe = Probe()
    started = time.monotonic()
    deadline = started + timeout
    seen: set[str] = set()
    loop = asyncio.get_running_loop()
    try:
        # Loading the CA store takes tens of milliseconds: not on the event loop, which
        # timing checks share.
        tls_ctx: ssl.SSLContext | None = _CONTEXTS.get(_context_key())
        if tls_ctx is None:
            tls_ctx = await loop.run_in_executor(None, shared_ssl_context)
    except (OSError, ssl.SSLError) as exc:
        probe.outcome, probe.detail = "ca-bundle", _said(exc)
        return probe
    current = url
    try:
        for index in range(max_redirects + 1):
            form = assess(current, hosts, allow_http=allow_http, max_edits=max_edits)
            hop = Hop(current, host=form.host, listed=form.listed)
            probe.hops.append(hop)
            if form.blocking or len(current) > MAX_CONTACT_LENGTH:
                fails = (m for s, m, _fix in form.problems if s.value == "FAIL")
                # Translators: why a link or redirect was not requested: its address is too long.
                why = next(fails, None) or _("too long")
                hop.refused = why
                probe.outcome = "not-contacted" if index == 0 else "redirect-refused"
                probe.detail = why
                return probe
            parts = urlsplit(current)
            hop.tls = form.scheme == "https"
            hop.port = form.port or (443 if hop.tls else 80)
            seen.add(current)
            try:
                async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                    infos = await loop.getaddrinfo(hop.host, hop.port, type=socket.SOCK_STREAM)
            except TimeoutError:
                raise
            except (OSError, ValueError) as exc:  # ValueError: a name IDNA cannot encode
                why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                hop.error = _("the host name {host} does not resolve ({error})").format(
                    host=repr(hop.host), error=str(why)
                )
                probe.outcome, probe.detail = "dns", hop.error
                return probe
            hop.addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
            bad = [(a, r) for a in hop.addresses if (r := refused_reason(a))]
            if bad and not is_listed(hop.host, hosts):
                shown = ", ".join(f"{a} ({r})" for a, r in bad)
                if hop.addresses == [hop.host.strip("[]")]:  # the link names the address
                    why = _(
                        "{addresses} is not a public address, and the host is not one of the "
                        "meeting's platform hosts"
                    )
                else:
                    why = _(
                        "{host} resolves to {addresses}, not a public address, and the host is "
                        "not one of the meeting's platform hosts"
                    )
                hop.refused = why.format(host=hop.host, addresses=shown)
                probe.outcome = "refused"
                probe.detail = hop.refused
                return probe
            try:
                await _request(hop, parts, tls_ctx if hop.tls else None, deadline)
            except TimeoutError:  # an OSError too: the outer handler says what timed out
                raise
            except ssl.SSLCertVerificationError as exc:
                hop.tls_error = exc.verify_message or str(exc)
                probe.outcome, probe.detail = "tls", hop.tls_error
                try:
                    cert = await _cert_dates_unverified(
                        hop.connected_to, hop.port, hop.host, max(0.1, deadline - time.monotonic())
                    )
                    if cert is not None:
                        hop.cert_not_after = cert.not_valid_after_utc
                        hop.cert_subject = cert.subject.rfc4514_string()
                        hop.cert_issuer = cert.issuer.rfc4514_string()
                except (OSError, TimeoutError, ValueError):
                    pass
                return probe
            except ssl.SSLError as exc:
                hop.tls_error = exc.reason or str(exc)
                probe.outcome, probe.detail = "tls", hop.tls_error
                return probe
            except (
                OSError,
                ValueError,  # UnicodeError too: a name IDNA cannot encode
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
            ) as exc:
                hop.error = _describe(exc)
                probe.outcome, probe.detail = "error", hop.error
                return probe
            if hop.status is not None and 300 <= hop.status < 400 and hop.location:
                nxt = urljoin(current, hop.location)
                if nxt in seen:
                    back = [h.url for h in probe.hops].index(nxt) + 1
                    probe.outcome = "loop"
                    probe.detail = _("the redirects go round in a loop (back to hop {hop})").format(
                        hop=back
                    )
                    return probe
                current = nxt
                continue
            probe.outcome = "answered"
            # As web.dev measures TTFB: from the start (DNS, connect, TLS, redirects
            # included) to the first byte of the final answer.
            probe.ttfb_ms = round((hop.first_byte_at - started) * 1000, 1)
            return probe
        probe.outcome = "too-many-redirects"
        probe.detail = ngettext(
            "more than {n} redirect", "more than {n} redirects", max_redirects
        ).format(n=max_redirects)
        return probe
    except TimeoutError:
        probe.outcome = "timeout"
        probe.detail = _("no complete answer within {seconds} s").format(seconds=f"{timeout:g}")
        if probe.hops:
            probe.hops[-1].error = probe.detail
        return probe
    finally:
        probe.elapsed_ms = round((time.monotonic() - started) * 1000, 1)


def _describe(exc: BaseException) -> str:
    import asyncio

    if isinstance(exc, asyncio.IncompleteReadError):
        return _("the server closed the connection in the middle of its answer")
    if isinstance(exc, ConnectionRefusedError):
        return _("the server refused the connection")
    if isinstance(exc, ConnectionError) and str(exc):
        return _said(exc)
    if isinstance(exc.args[0] if exc.args else None, Text):  # ours: "no address to connect to"
        return _said(exc)
    return f"{type(exc).__name__}: {exc.strerror if isinstance(exc, OSError) else exc}"


def _said(exc: BaseException) -> str:
    """An exception's text; one this module raised keeps its translation recipe."""
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, Text) else str(exc)


# links.http's options, read here too: the probe runs for whichever link check asks first.
HTTP_DEFAULTS = {"max_redirects": 5, "timeout_s": 10.0}


def probe_settings(ctx: CheckContext) -> dict[str, Any]:
    """The probe's settings: ``links.form``'s and ``links.http``'s options in the profile,
    whichever check starts the probe."""
    from meetcheck.checks.links.form import LinkForm

    out: dict[str, Any] = {}
    for cid, defaults in ((LinkForm.id, LinkForm.option_defaults()), ("links.http", HTTP_DEFAULTS)):
        values = dict(defaults)
        settings = ctx.profile.checks.get(cid) if ctx.profile else None
        if settings is not None:
            values.update({k: v for k, v in settings.options.items() if k in defaults})
        out.update(values)
    return out


async def probe_link(ctx: CheckContext) -> Probe:
    """The participant's link, probed once per run whichever link check asks first.

    Without a meeting file nothing is contacted: the hosts a link may lead to (and the
    private ones it may reach) are the meeting file's to say.
    """
    ctx.require_meeting(_("a meeting file with the platform's hosts (--meeting)"))

    async def measure() -> Probe:
        s = probe_settings(ctx)
        hosts = ctx.meeting.hosts if ctx.meeting else []
        return await run_probe(
            ctx.participant.link,
            hosts,
            allow_http=bool(s["allow_http"]),
            max_edits=int(s["lookalike_edits"]),
            max_redirects=int(s["max_redirects"]),
            timeout=float(s["timeout_s"]),
        )

    return await ctx.shared.once(SHARED_KEY, measure)
