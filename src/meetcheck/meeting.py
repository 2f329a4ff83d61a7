"""Meeting files: the targets of a self-test (hosts, servers, endpoints, sessions).

Written by a secretariat or printed by ``meetcheck serve``; a URL works as well as a path.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from meetcheck.languages import unknown_language
from meetcheck.plugintables import TableValidator, read_plugin_tables
from meetcheck.tomlfile import Validator, load_toml

TOP_KEYS = {
    "name", "timezone", "sessions", "platform", "ice_servers", "echo", "channels",
    "throughput", "registration", "meetcheck", "plugins", "webcast",
}  # fmt: skip
SESSION_KEYS = {"title", "start", "end", "timezone"}
PLATFORM_KEYS = {"url", "hosts"}
ICE_KEYS = {"urls", "username", "credential"}
ENDPOINT_KEYS = {"url", "token"}
CHANNEL_KEYS = {"url", "token", "label"}
THROUGHPUT_KEYS = {"download_url", "upload_url", "token"}
REGISTRATION_KEYS = {"delegation_deadline", "speaker_deadline", "registration_url"}
CHANNEL_CODE = re.compile(r"^(floor|[a-z]{2,3})$")
ICE_SCHEMES = ("stun:", "stuns:", "turn:", "turns:")
# Meeting files describe meetings of this century: a year outside is a typo, and near
# year 9999 time-zone arithmetic overflows.
MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass
class Session:
    title: str
    start: dt.datetime
    end: dt.datetime


@dataclass
class IceServer:
    urls: list[str]
    username: str = ""
    credential: str = ""


@dataclass
class Channel:
    code: str
    url: str
    token: str = ""
    label: str = ""


@dataclass
class Meeting:
    name: str
    source: str
    timezone: str = "UTC"
    sessions: list[Session] = field(default_factory=list)
    platform_url: str = ""
    hosts: list[str] = field(default_factory=list)
    ice_servers: list[IceServer] = field(default_factory=list)
    echo_url: str = ""
    echo_token: str = ""
    channels: dict[str, Channel] = field(default_factory=dict)
    # The live webcast (HLS playlists or plain HTTP audio streams), by channel code.
    webcast: dict[str, Channel] = field(default_factory=dict)
    throughput: dict[str, str] = field(default_factory=dict)
    registration: dict[str, Any] = field(default_factory=dict)
    # What `meetcheck serve` says about itself (identity_channels, health_url, ...).
    server_info: dict[str, Any] = field(default_factory=dict)
    # [plugins.NAME] tables, as the plugin that claimed each made them.
    plugins: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """What reports show of the meeting: no credentials."""
        return {
            "name": self.name,
            "source": self.source,
            "timezone": self.timezone,
            "sessions": [
                {"title": s.title, "start": s.start.isoformat(), "end": s.end.isoformat()}
                for s in self.sessions
            ],
            "channels": sorted(self.channels),
        }


def _channels(v: Validator, raw: dict[str, Any], table: str) -> dict[str, Channel]:
    """``[channels]`` (WHEP endpoints) or ``[webcast]`` (HLS or HTTP audio): code to URL."""
    out = {}
    channels = raw.get(table, {})
    v.expect((table,), channels, "table")
    for code, spec in channels.items():
        p = (table, code)
        if not CHANNEL_CODE.match(code):
            v.fail(p, "channel code must be 'floor' or an ISO 639-1 language code such as 'fr'")
        if unknown_language(code):
            v.fail(
                p, f"unknown language code {code!r} (not ISO 639-1; the UN six: ar zh en fr ru es)"
            )
        if isinstance(spec, str):
            spec = {"url": spec}
        v.expect(p, spec, "table")
        v.known_keys(p, spec, CHANNEL_KEYS)
        url = _url(v, p + ("url",), spec.get("url"), ("http://", "https://"))
        for k in ("token", "label"):
            v.expect(p + (k,), spec.get(k, ""), "string")
        out[code] = Channel(code, url, spec.get("token", ""), spec.get("label", ""))
    return out


def find_zone(name: str) -> ZoneInfo | None:
    """An IANA time zone by name, or None when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def unknown_zone(name: Any) -> str:
    return f"unknown time zone {name!r} (use an IANA name such as Europe/Zurich)"


def expect_zone(v: Validator, path: tuple[str, ...], name: Any) -> ZoneInfo:
    """A time zone read from a TOML file: an unknown one fails naming file and key."""
    v.expect(path, name, "string")
    zone = find_zone(name)
    if zone is None:
        v.fail(path, unknown_zone(name))
    return zone


def _when(v: Validator, path: tuple[str, ...], value: Any, zone: ZoneInfo) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            v.fail(path, f"expected a date-time such as 2020-11-25T10:00:00, got {value!r}")
    if not isinstance(value, dt.datetime):
        v.fail(path, f"expected a date-time such as 2020-11-25T10:00:00, got {value!r}")
    value = value if value.tzinfo else value.replace(tzinfo=zone)
    _in_years(v, path, value)
    return value


def _in_years(v: Validator, path: tuple[str, ...], value: dt.date) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        v.fail(path, f"{value.isoformat()} is outside the years {MIN_YEAR} to {MAX_YEAR}")


def _url(v: Validator, path: tuple[str, ...], value: Any, schemes: tuple[str, ...]) -> str:
    v.expect(path, value, "string")
    if not value.startswith(schemes):
        v.fail(path, f"expected a URL starting with {' or '.join(schemes)}, got {value!r}")
    return value


def _endpoint(v: Validator, raw: dict[str, Any], key: str) -> tuple[str, str]:
    section = raw.get(key)
    if section is None:
        return "", ""
    if isinstance(section, str):
        return _url(v, (key,), section, ("http://", "https://")), ""
    v.expect((key,), section, "table")
    v.known_keys((key,), section, ENDPOINT_KEYS)
    url = _url(v, (key, "url"), section.get("url"), ("http://", "https://"))
    token = section.get("token", "")
    v.expect((key, "token"), token, "string")
    return url, token


def parse_meeting(
    raw: dict[str, Any],
    source: str,
    prefix: tuple[str, ...] = (),
    tables: Mapping[str, TableValidator] | None = None,
) -> Meeting:
    """Validate a meeting table; ``prefix`` is its key path when it sits inside another
    file (``meetcheck serve``'s ``[meeting]``), so errors name the right key. ``tables``
    are the plugins' validators for ``[plugins.NAME]``."""
    v = Validator(source, prefix)
    v.plain_text((), raw)
    v.known_keys((), raw, TOP_KEYS)
    v.finite((), raw)
    name = raw.get("name")
    if name is None:
        v.fail(("name",), "missing: every meeting file needs a name")
    v.expect(("name",), name, "string")
    tzname = raw.get("timezone", "UTC")
    zone = expect_zone(v, ("timezone",), tzname)
    m = Meeting(name=name, source=source, timezone=tzname)

    sessions = raw.get("sessions", [])
    v.expect(("sessions",), sessions, "array")
    for i, s in enumerate(sessions):
        p = ("sessions", str(i))
        v.expect(p, s, "table")
        v.known_keys(p, s, SESSION_KEYS)
        sz = expect_zone(v, p + ("timezone",), s["timezone"]) if "timezone" in s else zone
        for k in ("start", "end"):
            if k not in s:
                v.fail(p + (k,), "missing")
        start, end = _when(v, p + ("start",), s["start"], sz), _when(v, p + ("end",), s["end"], sz)
        if end <= start:
            v.fail(p + ("end",), f"ends ({end.isoformat()}) before it starts ({start.isoformat()})")
        title = s.get("title", f"Session {i + 1}")
        v.expect(p + ("title",), title, "string")
        m.sessions.append(Session(title, start, end))

    platform = raw.get("platform", {})
    v.expect(("platform",), platform, "table")
    v.known_keys(("platform",), platform, PLATFORM_KEYS)
    if "url" in platform:
        m.platform_url = _url(v, ("platform", "url"), platform["url"], ("http://", "https://"))
    hosts = platform.get("hosts", [])
    v.expect(("platform", "hosts"), hosts, "array")
    for i, h in enumerate(hosts):
        v.expect(("platform", "hosts", str(i)), h, "string")
    m.hosts = list(hosts)

    ice = raw.get("ice_servers", [])
    v.expect(("ice_servers",), ice, "array")
    for i, server in enumerate(ice):
        p = ("ice_servers", str(i))
        v.expect(p, server, "table")
        v.known_keys(p, server, ICE_KEYS)
        urls = server.get("urls")
        if isinstance(urls, str):
            urls = [urls]
        if not urls:
            v.fail(p + ("urls",), "missing: give at least one stun: or turn: URL")
        v.expect(p + ("urls",), urls, "array")
        for j, u in enumerate(urls):
            _url(v, p + ("urls", str(j)), u, ICE_SCHEMES)
        for k in ("username", "credential"):
            v.expect(p + (k,), server.get(k, ""), "string")
        if any(u.startswith(("turn:", "turns:")) for u in urls) and not server.get("username"):
            v.fail(p + ("username",), "missing: a TURN server needs a username and credential")
        m.ice_servers.append(
            IceServer(list(urls), server.get("username", ""), server.get("credential", ""))
        )

    m.echo_url, m.echo_token = _endpoint(v, raw, "echo")

    m.channels = _channels(v, raw, "channels")
    m.webcast = _channels(v, raw, "webcast")

    tp = raw.get("throughput", {})
    v.expect(("throughput",), tp, "table")
    v.known_keys(("throughput",), tp, THROUGHPUT_KEYS)
    for k in ("download_url", "upload_url"):
        if k in tp:
            m.throughput[k] = _url(v, ("throughput", k), tp[k], ("http://", "https://"))
    if "token" in tp:
        v.expect(("throughput", "token"), tp["token"], "string")
        m.throughput["token"] = tp["token"]

    reg = raw.get("registration", {})
    v.expect(("registration",), reg, "table")
    v.known_keys(("registration",), reg, REGISTRATION_KEYS)
    for k in ("delegation_deadline", "speaker_deadline"):
        if k in reg:
            value = reg[k]
            if isinstance(value, dt.datetime):
                value = value.date() if value.tzinfo is None else value
            if not isinstance(value, dt.date):
                v.fail(("registration", k), f"expected a date such as 2020-11-20, got {value!r}")
            _in_years(v, ("registration", k), value)
            m.registration[k] = value
    if "registration_url" in reg:
        m.registration["registration_url"] = _url(
            v,
            ("registration", "registration_url"),
            reg["registration_url"],
            ("http://", "https://"),
        )
    info = raw.get("meetcheck", {})
    v.expect(("meetcheck",), info, "table")
    if "identity_channels" in info:
        v.expect(("meetcheck", "identity_channels"), info["identity_channels"], "array")
        for i, code in enumerate(info["identity_channels"]):
            v.expect(("meetcheck", "identity_channels", str(i)), code, "string")
            if code not in m.channels:
                v.fail(("meetcheck", "identity_channels", str(i)), f"no channel {code!r}")
    m.server_info = dict(info)
    if "plugins" in raw:
        m.plugins = read_plugin_tables(v, raw["plugins"], tables)
    return m


def load_meeting(source: str, tables: Mapping[str, TableValidator] | None = None) -> Meeting:
    """Load and validate a meeting file from a path or http(s) URL."""
    return parse_meeting(load_toml(source, "meeting file"), source, tables=tables)
