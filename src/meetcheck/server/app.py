"""The test-meeting server: one aiohttp application, one process, everything on one port.

Routes
------
=========================================  ===============================================
``POST /whep/{channel}``                   WHEP: listen to a channel (see :mod:`.whep`)
``DELETE /whep/{channel}/{session}``       end that session
``POST /echo`` / ``DELETE /echo/{id}``     echo call (see :mod:`.echo`)
``GET /throughput/download?bytes=N``       streamed download (see :mod:`.throughput`)
``POST /throughput/upload``
``GET /join/{token}``                      personal demo links (see :mod:`.links`)
``GET /selftest``, ``/selftest/{token}``    the browser self-test (see :mod:`.selftest`)
``POST /selftest[/{token}]/report``         its upload, judged and stored as a report
``GET /.well-known/meetcheck/meeting.toml`` the meeting file (also ``/meeting.toml``)
``GET /healthz``                           JSON: sessions per channel, totals, uptime
``GET /``                                  a page listing all of the above
=========================================  ===============================================

A STUN binding responder (:mod:`.stun`) listens on UDP next to it.

:class:`MeetingServer` runs it in-process (``meetcheck serve``, ``meetcheck demo``,
tests): ``await start()``, read ``base_url``, ``await stop()``. ``stop`` closes every peer
connection and session. Every response carries CORS headers; every request is logged as
one JSON line on the ``meetcheck.server.access`` logger with tokens redacted.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from meetcheck import __version__
from meetcheck.aio import cancel_and_wait
from meetcheck.errors import InputError
from meetcheck.media.frames import SAMPLE_RATE
from meetcheck.redact import redact_text
from meetcheck.server import echo, whep
from meetcheck.server.channels import ChannelSet
from meetcheck.server.config import ServerConfig
from meetcheck.server.problems import Problem
from meetcheck.server.sessions import SessionRegistry
from meetcheck.server.state import STATE, ServerState

log = logging.getLogger("meetcheck.server")
access_log = logging.getLogger("meetcheck.server.access")

MEETING_PATH = "/.well-known/meetcheck/meeting.toml"
EXPOSE_HEADERS = "Location, ETag, Link, Accept-Post, Retry-After"
ALLOW_HEADERS = "Authorization, Content-Type, If-Match"
ALLOW_METHODS = "OPTIONS, GET, HEAD, POST, DELETE, PATCH"


# -- middleware, CORS, access log ------------------------------------------------------
@web.middleware
async def _problems(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except Problem as p:
        return p.response()


async def _cors(request: web.Request, response: web.StreamResponse) -> None:
    state = request.app[STATE]
    origins = state.config.cors_origins
    origin = request.headers.get("Origin")
    if "*" in origins:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin and origin in origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers.add("Vary", "Origin")
    response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    if request.method == "OPTIONS":
        wanted = request.headers.get("Access-Control-Request-Headers")
        response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
        response.headers["Access-Control-Allow-Headers"] = (
            ALLOW_HEADERS if not wanted else f"{ALLOW_HEADERS}, {wanted}"
        )
        response.headers["Access-Control-Max-Age"] = "86400"


class JsonAccessLogger(AbstractAccessLogger):
    """One JSON object per request; URLs, referrers and agents pass through redact_text."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        try:
            url = redact_text(f"{request.scheme}://{request.host}{request.path_qs}")
            record: dict[str, Any] = {
                "ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                "remote": request.remote,
                "method": request.method,
                "url": url,
                "status": response.status,
                "bytes": response.body_length,
                "ms": round(time * 1000, 2),
            }
            for header, key in (("User-Agent", "agent"), ("Referer", "referer")):
                if header in request.headers:
                    record[key] = redact_text(request.headers[header])
            self.logger.info(json.dumps(record, ensure_ascii=False))
        except Exception:  # logging must never break a response
            self.logger.exception("access log failed")


# -- meeting file ----------------------------------------------------------------------
DEFAULT_DAY = (("Morning", 10, 12), ("Afternoon", 13, 15), ("Evening", 16, 18))


def default_sessions(timezone: str) -> list[dict[str, Any]]:
    """Tomorrow's three two-hour sessions in the meeting's zone, as in a UN meeting notice."""
    from zoneinfo import ZoneInfo

    day = dt.datetime.now(ZoneInfo(timezone)).date() + dt.timedelta(days=1)
    return [
        {
            "title": title,
            "start": dt.datetime.combine(day, dt.time(start)),
            "end": dt.datetime.combine(day, dt.time(end)),
        }
        for title, start, end in DEFAULT_DAY
    ]


def meeting_document(state: ServerState, base: str, include_tokens: bool) -> dict[str, Any]:
    """The meeting file pointing at everything this server offers (a TOML-ready dict).

    Without ``include_tokens`` it holds no secret: no bearer tokens, and no ICE server
    that needs credentials (TURN).
    """
    cfg = state.config
    token = cfg.token if include_tokens else ""
    doc: dict[str, Any] = {"name": cfg.meeting_name, "timezone": cfg.timezone}
    if cfg.sessions:
        doc["sessions"] = [dict(s) for s in cfg.sessions]
    else:
        doc["sessions"] = default_sessions(cfg.timezone)
    hosts = [urlsplit(base).hostname or ""] + [h for h in cfg.hosts]
    doc["platform"] = {"url": base + "/", "hosts": [h for h in dict.fromkeys(hosts) if h]}
    ice: list[dict[str, Any]] = []
    stun = state.stun_url(base)
    if stun:
        ice.append({"urls": [stun]})
    ice += [dict(s) for s in cfg.ice_servers if include_tokens or not s.get("username")]
    if ice:
        doc["ice_servers"] = ice
    doc["echo"] = {"url": base + "/echo"}
    if token:
        doc["echo"]["token"] = token
    channels: dict[str, Any] = {}
    for src in state.channels.sources.values():
        entry = {"url": f"{base}/whep/{src.code}", "label": src.label}
        if token:
            entry["token"] = token
        channels[src.code] = entry
    doc["channels"] = channels
    doc["throughput"] = {
        "download_url": base + "/throughput/download",
        "upload_url": base + "/throughput/upload",
    }
    if token:
        doc["throughput"]["token"] = token
    doc["meetcheck"] = {
        "server": f"meetcheck serve {__version__}",
        "health_url": base + "/healthz",
        # Channels whose audio carries identity and timing marks.
        "identity_channels": [
            s.code for s in state.channels.sources.values() if s.identity_enabled
        ],
        "sample_rate": SAMPLE_RATE,
        "tokens_included": bool(token),
    }
    return doc


def meeting_toml(state: ServerState, base: str, include_tokens: bool = True) -> str:
    import tomli_w

    return tomli_w.dumps(meeting_document(state, base, include_tokens))


def _request_has_token(request: web.Request, token: str) -> bool:
    import hmac

    if not token:
        return False
    offered = request.query.get("token", "")
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        offered = value.strip() or offered
    return bool(offered) and hmac.compare_digest(offered.encode(), token.encode())


async def _meeting(request: web.Request) -> web.Response:
    state = request.app[STATE]
    # Without a token everything is public; with one, its secrets go to its holders only.
    include = not state.config.token or _request_has_token(request, state.config.token)
    text = meeting_toml(state, state.base_for(request), include)
    if not include:
        text = (
            "# Channel and echo tokens and TURN servers are left out: fetch this file with\n"
            "# ?token=... or an Authorization: Bearer header to get them.\n" + text
        )
    return web.Response(
        text=text,
        content_type="application/toml",
        charset="utf-8",
        headers={"Cache-Control": "no-store"},
    )


# -- health and index ------------------------------------------------------------------
def health(state: ServerState) -> dict[str, Any]:
    reg = state.registry
    by_channel = {code: 0 for code in state.channels.sources}
    by_channel["echo"] = 0
    by_channel.update(reg.counts())
    whep_total = sum(n for c, n in by_channel.items() if c != "echo")
    data: dict[str, Any] = {
        "status": "ok",
        "version": __version__,
        "uptime_s": round(time.monotonic() - state.started, 3),
        "started_at": state.started_at.isoformat(timespec="seconds"),
        "sessions": {
            "total": reg.count(),
            "whep": whep_total,
            "echo": by_channel["echo"],
            "by_channel": by_channel,
            "opened": reg.opened,
            "closed": reg.closed_count,
            "reaped": reg.reaped,
        },
        "channels": {code: s.describe() for code, s in state.channels.sources.items()},
        "limits": {
            "max_sessions": state.config.max_sessions,
            "max_sessions_per_channel": state.config.max_sessions_per_channel,
            "session_idle_timeout": state.config.session_idle_timeout,
            "max_throughput_transfers": state.config.max_throughput_transfers,
        },
    }
    if state.stun_port is not None:
        data["stun"] = {"port": state.stun_port, **state.stun_counters.as_dict()}
    data["throughput"] = state.throughput.as_dict()
    data["selftest"] = state.selftest.as_dict()
    return data


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response(health(request.app[STATE]), headers={"Cache-Control": "no-store"})


async def _index(request: web.Request) -> web.Response:
    state = request.app[STATE]
    base = state.base_for(request)
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(s.label)}</td><td><code>{e(s.code)}</code></td>"
        f"<td><code>{e(base)}/whep/{e(s.code)}</code></td></tr>"
        for s in state.channels.sources.values()
    )
    extra = f"<li>Throughput: <code>{e(base)}/throughput/download?bytes=N</code></li>"
    stun = state.stun_url(base)
    if stun:
        extra += f"<li>STUN: <code>{e(stun)}</code></li>"
    page = f"""<!doctype html><html lang="en"><meta charset="utf-8">
<title>{e(state.config.meeting_name)}</title>
<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto}}
td{{padding:.2em .8em}}</style>
<h1>{e(state.config.meeting_name)}</h1>
<p>A meetcheck test meeting. Check your computer against it with:</p>
<pre>meetcheck check --meeting {e(base)}{MEETING_PATH}</pre>
<h2>Interpretation channels (WHEP)</h2><table>{rows}</table>
<ul><li>Echo (WHIP-style): <code>{e(base)}/echo</code></li>{extra}
<li><a href="{MEETING_PATH}">Meeting file</a> &middot; <a href="/healthz">Health</a></li></ul>
<h2>Browser self-test</h2>
<p><a href="/selftest">Test your microphone and connection in this browser</a>
(delegates use the self-test link in their personal invitation).
Self-test reports collected: <strong id="selftest-reports">{state.selftest.reports}</strong>.</p>
</html>"""
    return web.Response(text=page, content_type="text/html")


# -- the other parts (modules of this package) -----------------------------------------
def _mount_throughput(app: web.Application, state: ServerState) -> None:
    from meetcheck.server.throughput import THROUGHPUT_STATS, setup_throughput

    setup_throughput(
        app,
        prefix="/throughput",
        max_download_bytes=state.config.max_download_bytes,
        max_upload_bytes=state.config.max_upload_bytes,
        token=state.config.token,
        max_active=state.config.max_throughput_transfers,
        retry_after=state.config.retry_after,
    )
    state.throughput = app[THROUGHPUT_STATS]


def _mount_links(app: web.Application, state: ServerState) -> None:
    import secrets

    from meetcheck.server import links

    cfg = state.config
    roster = links.Roster(
        links.LinkParticipant(p.name, p.email, p.delegation, p.role) for p in cfg.participants
    )
    signer = links.LinkSigner(cfg.link_secret or secrets.token_urlsafe(32), roster)
    links.setup_links(app, signer, roster, meeting_name=cfg.meeting_name)
    state.links = (signer, roster)


def _mount_selftest(app: web.Application, state: ServerState) -> None:
    from meetcheck.server.selftest import SelftestStats, count_reports, setup_selftest

    state.selftest = SelftestStats(
        meeting_text=lambda base: meeting_toml(state, base, include_tokens=False),
        workers=state.config.selftest_workers,
        reports=count_reports(state.config.selftest_reports_dir),
    )
    setup_selftest(app)


# -- the application -------------------------------------------------------------------
def build_app(config: ServerConfig | None = None) -> web.Application:
    """The aiohttp application of the test-meeting server (not yet listening)."""
    config = config or ServerConfig()
    config.check()
    state = ServerState(
        config=config,
        registry=SessionRegistry(
            config.max_sessions_per_channel,
            config.max_sessions,
            config.session_idle_timeout,
            config.max_session_seconds,
        ),
        channels=ChannelSet(config),
        ice_addresses=config.host_candidate_addresses(),
    )
    app = web.Application(client_max_size=config.max_body_bytes, middlewares=[_problems])
    app[STATE] = state
    app.on_response_prepare.append(_cors)
    whep.add_routes(app)
    echo.add_routes(app)
    app.router.add_get(MEETING_PATH, _meeting)
    app.router.add_get("/meeting.toml", _meeting)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/", _index)
    _mount_throughput(app, state)
    _mount_links(app, state)
    _mount_selftest(app, state)

    async def on_startup(app: web.Application) -> None:
        state.started = time.monotonic()
        state.registry.start_reaper()

    async def on_shutdown(app: web.Application) -> None:
        await state.selftest.close()
        await state.registry.stop_reaper()
        await state.registry.close_all("shutdown")
        await state.channels.close()

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    return app


def _ssl_context(config: ServerConfig) -> ssl.SSLContext | None:
    if not config.tls:
        return None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        ctx.load_cert_chain(config.cert, config.key)
    except (ssl.SSLError, OSError) as exc:
        raise InputError(
            f"{config.source}: server.cert/server.key: cannot load the certificate and key ({exc})"
        ) from None
    return ctx


def _limit_header_time(server: Any, timeout: float) -> None:
    """Close a connection that has not sent a whole request head ``timeout`` s after it
    opened or after its last answer: a socket that stays silent, or drips its headers,
    would otherwise be held for an hour (aiohttp's keep-alive timeout, which some of its
    versions do not even start before the first request).

    ``server`` is the runner's :class:`aiohttp.web.Server`; its public hooks are wrapped
    before it takes connections: ``connection_made`` starts the timer, ``request_factory``
    (called once a request's head is parsed) stops it, ``request_handler`` starts it again
    when the answer is ready (streamed bodies are written by then), ``connection_lost``
    forgets it.
    """
    loop = asyncio.get_running_loop()
    timers: dict[Any, asyncio.TimerHandle] = {}
    made, lost, factory = server.connection_made, server.connection_lost, server.request_factory
    handle = server.request_handler

    def expire(handler: Any, transport: asyncio.BaseTransport) -> None:
        timers.pop(handler, None)
        log.debug("closing a connection that sent no request head within %g s", timeout)
        transport.abort()

    def start(handler: Any, transport: Any) -> None:
        if (timer := timers.pop(handler, None)) is not None:
            timer.cancel()
        timers[handler] = loop.call_later(timeout, expire, handler, transport)

    def connection_made(handler: Any, transport: Any) -> None:
        made(handler, transport)
        start(handler, transport)

    def connection_lost(handler: Any, exc: BaseException | None = None) -> None:
        if (timer := timers.pop(handler, None)) is not None:
            timer.cancel()
        lost(handler, exc)

    def request_factory(*args: Any, **kwargs: Any) -> Any:
        handler = args[2] if len(args) > 2 else kwargs.get("protocol")
        if (timer := timers.pop(handler, None)) is not None:
            timer.cancel()
        return factory(*args, **kwargs)

    async def request_handler(request: web.BaseRequest) -> web.StreamResponse:
        try:
            return await handle(request)
        finally:
            transport = request.transport
            if transport is not None and not transport.is_closing():
                start(request.protocol, transport)

    server.connection_made = connection_made
    server.connection_lost = connection_lost
    server.request_factory = request_factory
    server.request_handler = request_handler


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class MeetingServer:
    """The test-meeting server, run in-process: ``await start()`` ... ``await stop()``."""

    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self.app: web.Application | None = None
        self.state: ServerState | None = None
        self._runner: web.AppRunner | None = None
        self._stun: Any = None
        self._warmup: asyncio.Task[None] | None = None
        self.port = 0

    # -- life cycle ------------------------------------------------------------------
    async def start(self) -> None:
        cfg = self.config
        cfg.check()
        loop = asyncio.get_running_loop()
        self.app = build_app(cfg)
        self.state = self.app[STATE]
        await loop.run_in_executor(None, self.state.channels.probe)
        ctx = _ssl_context(cfg)
        self._runner = web.AppRunner(
            self.app,
            handle_signals=False,
            access_log_class=JsonAccessLogger,
            access_log=access_log if cfg.access_log else None,
            shutdown_timeout=1.0,
        )
        await self._runner.setup()
        _limit_header_time(self._runner.server, cfg.header_timeout)
        site = web.TCPSite(self._runner, cfg.host, cfg.port, ssl_context=ctx)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise InputError(
                f"cannot listen on {cfg.host} port {cfg.port}: {exc.strerror or exc}"
            ) from None
        self.port = self._runner.addresses[0][1]
        self.state.base_url = self._base_url()
        await self._start_stun()
        # Generate the channel programmes in the background: the first listener waits
        # only for its own channel, and start() returns at once.
        self._warmup = asyncio.ensure_future(self.state.channels.prepare())
        log.info("serving %s", self.base_url)

    async def _start_stun(self) -> None:
        cfg = self.config
        assert self.state is not None
        if not cfg.stun:
            return
        from meetcheck.server.stun import start_stun_server

        host = "127.0.0.1" if cfg.host.lower() == "localhost" else cfg.host
        try:
            self._stun = await start_stun_server(host, cfg.stun_port)
        except OSError as exc:
            await self.stop()
            raise InputError(
                f"cannot listen for STUN on udp {host} port {cfg.stun_port}: {exc.strerror or exc}"
            ) from None
        self.state.stun_port = self._stun.port
        self.state.stun_counters = self._stun.counters
        public = urlsplit(cfg.public_url).hostname if cfg.public_url else ""
        self.state.stun_host = public or urlsplit(self.state.base_url).hostname or host

    def _base_url(self) -> str:
        cfg = self.config
        if cfg.public_url:
            return cfg.public_url.rstrip("/")
        scheme = "https" if cfg.tls else "http"
        host = cfg.host
        if host in ("0.0.0.0", "::", ""):
            host = socket.gethostname()
            log.warning(
                "bound to every interface: the meeting file names this machine %r; "
                "set server.public_url to the address delegates should use",
                host,
            )
        return f"{scheme}://{_url_host(host)}:{self.port}"

    async def stop(self) -> None:
        """Close every session and peer connection, the STUN responder and the site."""
        await cancel_and_wait(self._warmup)
        self._warmup = None
        if self.state is not None:
            await self.state.registry.close_all("shutdown")
        if self._stun is not None:
            self._stun.close()
            self._stun = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> MeetingServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- what it offers --------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self.state.base_url if self.state else ""

    @property
    def meeting_url(self) -> str:
        return self.base_url + MEETING_PATH

    @property
    def stun_port(self) -> int | None:
        return self.state.stun_port if self.state else None

    @property
    def registry(self) -> SessionRegistry:
        assert self.state is not None
        return self.state.registry

    def channel_url(self, code: str) -> str:
        return f"{self.base_url}/whep/{code}"

    @property
    def echo_url(self) -> str:
        return f"{self.base_url}/echo"

    def meeting_toml(self, include_tokens: bool = True) -> str:
        assert self.state is not None
        return meeting_toml(self.state, self.base_url, include_tokens)

    def health(self) -> dict[str, Any]:
        assert self.state is not None
        return health(self.state)

    def demo_link(self, email: str = "") -> str:
        """A fresh personal link for a roster participant (the first by default), or ""
        before the server starts or when the roster is empty."""
        if self.state is None or self.state.links is None:
            return ""
        signer, roster = self.state.links
        people = list(roster)
        if not people:
            return ""
        person = next((p for p in people if p.email == email), people[0])
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=self.config.link_ttl_hours)
        return f"{self.base_url}/join/{signer.issue(person, expires)}"

    def demo_links(self) -> dict[str, str]:
        """A fresh personal link for every roster participant, by e-mail address."""
        if self.state is None or self.state.links is None:
            return {}
        return {p.email: self.demo_link(p.email) for p in self.state.links[1]}


@contextlib.contextmanager
def serve_in_thread(config: ServerConfig | None = None) -> Iterator[MeetingServer]:
    """Run a MeetingServer on its own event loop in a daemon thread for the with-block.

    For synchronous callers (tests, ``meetcheck demo``): the server's loop never blocks
    the caller's, and ``stop()`` runs on the server's own loop at the end.
    """
    server = MeetingServer(config)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.start())
        except BaseException as exc:  # handed to the caller below
            failure.append(exc)
            started.set()
            return
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="meetcheck-server", daemon=True)
    thread.start()
    if not started.wait(timeout=60):
        raise RuntimeError("the meeting server did not start within 60 s")
    if failure:
        thread.join(timeout=5)
        loop.close()
        raise failure[0]
    try:
        yield server
    finally:
        try:
            asyncio.run_coroutine_threadsafe(server.stop(), loop).result(timeout=30)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            if not thread.is_alive():
                loop.run_until_complete(loop.shutdown_default_executor())
                loop.close()
