"""Settings of ``meetcheck serve``: every one has a default; ``serve.toml`` overrides them.

A complete ``serve.toml`` (every key optional)::

    [server]
    host = "127.0.0.1"          # bind address; 0.0.0.0 to serve other machines
    port = 8080                 # 0 = any free port
    cert = "cert.pem"           # TLS certificate chain (PEM); with key, serve https
    key = "key.pem"
    public_url = "https://rsi-test.example.org"   # base URL printed in the meeting file
    token = "s3cret-bearer-token"                 # bearer token for WHEP and echo
    cors_origins = ["*"]        # or a list of origins allowed to play from a browser
    ice_addresses = []          # host-candidate addresses; empty = automatic
    stun = true                 # run the STUN binding responder
    stun_port = 3478            # 0 = any free port
    access_log = true           # one JSON line per request on stderr

    [limits]
    max_body_bytes = 1048576    # any request body read whole (aiohttp client_max_size)
    max_sdp_bytes = 32768       # an SDP offer
    max_sessions_per_channel = 100
    max_sessions = 500          # WHEP and echo sessions together
    session_idle_timeout = 30   # seconds a session may stay unconnected (at most 86400)
    max_session_seconds = 0     # hard cap on a session's life; 0 = none; at most 7 days
    retry_after = 5             # seconds, sent with 503 when full
    max_download_bytes = 100000000   # throughput endpoint, per request
    max_upload_bytes = 100000000
    max_throughput_transfers = 16    # downloads and uploads at once; more get 503
    header_timeout = 10         # seconds a connection has to send a whole request head

    [audio]
    identity = true             # channel identity and timing marks (default per channel)
    programme_seconds = 30      # loop length of the generated programme
    seed = 1                    # generated programme seed
    opus_bitrate = 64000

    [channels.floor]            # when [channels] is given, exactly these channels exist
    label = "Floor"
    source = "floor.flac"       # any file PyAV decodes; relative to this file
    identity = true
    identity_code = "floor"     # what the marks say (default: the channel's own code);
                                # another code simulates a crossed channel, for testing
    delay_ms = 0                # delay this channel's audio (marks included) against the
                                # programme clock, 0-1000 ms: a late channel, for testing

    [meeting]                   # what the printed meeting file says
    name = "Second Review Conference (test)"
    timezone = "Europe/Zurich"
    hosts = ["rsi.example.org"]
    sessions = [{ title = "Morning", start = 2020-11-25T10:00:00, end = 2020-11-25T12:00:00 }]
    ice_servers = [{ urls = ["turn:turn.example.org:3478"], username = "u", credential = "p" }]

    [links]                     # personal demo links /join/<token>
    secret = "..."              # signing key; random per start when empty
    ttl_hours = 72              # how long a link is valid; at most ten years (87840)

    [[links.participants]]      # the roster (default: two demo delegates)
    name = "A. Delegate"
    email = "a.delegate@example.org"
    delegation = "Utopia"
    role = "primary"            # primary, alternate, listener or interpreter

    [selftest]                  # the browser self-test, /selftest (docs/selftest.md)
    reports_dir = "selftest-reports"  # one JSON report per finished self-test, for
                                # `meetcheck batch --reports DIR`; made on first use
    profile = ""                # profile name or path; "" = by role (un-rsi-speaker,
                                # un-rsi-listener, un-rsi-interpreter)
    max_upload_bytes = 16000000 # one upload: the recording and the channels' audio
    max_recording_seconds = 30  # a longer recording is refused (422)
    keep_recordings = false     # true: keep the uploaded audio beside the report
    workers = 2                 # self-tests judged at once (each in its own process)
    judge_timeout = 60          # seconds one judgement may take

Relative file paths are resolved against the directory of ``serve.toml``. No string may
hold a control character (CR, LF, NUL, ESC, ...): they would end up in HTTP headers and on
terminals. Every problem is one line naming the file and the key, raised as
:class:`meetcheck.errors.InputError`.
"""

from __future__ import annotations

import ipaddress
import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from meetcheck.meeting import CHANNEL_CODE, parse_meeting
from meetcheck.participant import ROLES
from meetcheck.tomlfile import Validator, is_number, load_toml
from meetcheck.webrtc.loopback import addresses_for_host

DEFAULT_CHANNELS: tuple[tuple[str, str], ...] = (
    ("floor", "Floor"),
    ("ar", "Arabic"),
    ("zh", "Chinese"),
    ("en", "English"),
    ("fr", "French"),
    ("ru", "Russian"),
    ("es", "Spanish"),
)
IDENTITY_CODE = re.compile(r"^(floor|[a-z]{2,3})$")

SECTIONS = {"server", "limits", "audio", "channels", "meeting", "links", "selftest"}
SERVER_KEYS = {
    "host", "port", "cert", "key", "public_url", "token", "cors_origins", "ice_addresses",
    "stun", "stun_port", "access_log",
}  # fmt: skip
LIMIT_KEYS = {
    "max_body_bytes", "max_sdp_bytes", "max_sessions_per_channel", "max_sessions",
    "session_idle_timeout", "max_session_seconds", "retry_after", "max_download_bytes",
    "max_upload_bytes", "max_throughput_transfers", "header_timeout",
}  # fmt: skip
AUDIO_KEYS = {"identity", "programme_seconds", "seed", "opus_bitrate"}
CHANNEL_KEYS = {"label", "source", "identity", "identity_code", "delay_ms"}
MAX_CHANNEL_DELAY_MS = 1000
MEETING_KEYS = {"name", "timezone", "hosts", "sessions", "ice_servers"}
LINK_KEYS = {"secret", "ttl_hours", "participants"}
MAX_LINK_TTL_HOURS = 24 * 366 * 10  # ten years
PARTICIPANT_KEYS = {"name", "email", "delegation", "role"}
SELFTEST_KEYS = {
    "reports_dir", "profile", "max_upload_bytes", "max_recording_seconds", "keep_recordings",
    "workers", "judge_timeout",
}  # fmt: skip


@dataclass
class ChannelConfig:
    """One interpretation channel (or the floor)."""

    code: str
    label: str = ""
    source: str = ""  # audio file; empty: the generated test programme
    identity: bool | None = None  # None: follow ServerConfig.identity
    identity_code: str = ""  # code the marks carry; "" = own code (another: crossed channel)
    delay_ms: int = 0  # audio delayed against the programme clock (a late channel)


@dataclass
class ParticipantConfig:
    name: str
    email: str
    delegation: str = ""
    role: str = "primary"


def default_channels() -> list[ChannelConfig]:
    return [ChannelConfig(code, label) for code, label in DEFAULT_CHANNELS]


def default_participants() -> list[ParticipantConfig]:
    return [
        ParticipantConfig("Demo Delegate", "demo.delegate@example.org", "Demo", "primary"),
        ParticipantConfig("Demo Alternate", "demo.alternate@example.org", "Demo", "alternate"),
    ]


@dataclass
class ServerConfig:
    """Everything ``meetcheck serve`` and the in-process server need; all has a default."""

    # [server]
    host: str = "127.0.0.1"
    port: int = 0
    cert: str = ""
    key: str = ""
    public_url: str = ""
    token: str = ""
    cors_origins: list[str] = field(default_factory=lambda: ["*"])
    ice_addresses: list[str] = field(default_factory=list)  # empty: automatic
    stun: bool = True
    stun_port: int = 0
    access_log: bool = True
    # [limits]
    max_body_bytes: int = 1_048_576
    max_sdp_bytes: int = 32_768
    max_sessions_per_channel: int = 100
    max_sessions: int = 500
    session_idle_timeout: float = 30.0
    max_session_seconds: float = 0.0
    retry_after: int = 5
    max_download_bytes: int = 100_000_000
    max_upload_bytes: int = 100_000_000
    max_throughput_transfers: int = 16
    header_timeout: float = 10.0
    # [audio]
    identity: bool = True
    programme_seconds: float = 30.0
    seed: int | None = None
    opus_bitrate: int = 64_000
    # [channels]
    channels: list[ChannelConfig] = field(default_factory=default_channels)
    # [meeting]
    meeting_name: str = "meetcheck test meeting"
    timezone: str = "Europe/Zurich"  # the seed notice's meetings run on Geneva time
    hosts: list[str] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    ice_servers: list[dict[str, Any]] = field(default_factory=list)
    # [links]
    link_secret: str = ""
    link_ttl_hours: float = 72.0
    participants: list[ParticipantConfig] = field(default_factory=default_participants)
    # [selftest]
    selftest_reports_dir: str = "selftest-reports"  # relative: to serve.toml's directory
    selftest_profile: str = ""  # "" = by the participant's role
    selftest_max_upload_bytes: int = 16_000_000
    selftest_max_recording_seconds: float = 30.0
    selftest_keep_recordings: bool = False
    selftest_workers: int = 2
    selftest_judge_timeout: float = 60.0
    # where it came from (messages)
    source: str = "(defaults)"

    @property
    def tls(self) -> bool:
        return bool(self.cert and self.key)

    def channel(self, code: str) -> ChannelConfig | None:
        for c in self.channels:
            if c.code == code:
                return c
        return None

    def channel_identity(self, channel: ChannelConfig) -> bool:
        return self.identity if channel.identity is None else channel.identity

    def host_candidate_addresses(self) -> tuple[str, ...] | None:
        """The ICE host addresses the server offers (None: every interface)."""
        if self.ice_addresses:
            return tuple(self.ice_addresses)
        return addresses_for_host(self.host)

    def with_overrides(self, **overrides: Any) -> ServerConfig:
        """A copy with the given non-None values (command-line flags) applied, re-checked."""
        values = {k: v for k, v in overrides.items() if v is not None}
        cfg = replace(self, **values)
        cfg.check()
        return cfg

    def check(self) -> None:
        """Cross-field checks that also apply to configs built in code (demo, tests)."""
        v = Validator(self.source)
        if bool(self.cert) != bool(self.key):
            v.fail(("server", "cert" if not self.cert else "key"), "cert and key go together")
        if not 0 <= self.port <= 65535:
            v.fail(("server", "port"), f"expected 0-65535, got {self.port}")
        if not 0 <= self.stun_port <= 65535:
            v.fail(("server", "stun_port"), f"expected 0-65535, got {self.stun_port}")
        if not 0 < self.link_ttl_hours <= MAX_LINK_TTL_HOURS:  # also false for nan
            v.fail(
                ("links", "ttl_hours"),
                f"expected a number above 0 up to {MAX_LINK_TTL_HOURS}, got {self.link_ttl_hours}",
            )
        if not self.channels:
            v.fail(("channels",), "no channels: give at least the floor")
        codes = [c.code for c in self.channels]
        if len(set(codes)) != len(codes):
            v.fail(("channels",), "a channel code appears twice")
        for c in self.channels:
            if not CHANNEL_CODE.match(c.code):
                v.fail(("channels", c.code), "code must be 'floor' or an ISO 639-1 code")
            if not 0 <= c.delay_ms <= MAX_CHANNEL_DELAY_MS:
                v.fail(
                    ("channels", c.code, "delay_ms"),
                    f"expected an integer 0-{MAX_CHANNEL_DELAY_MS}, got {c.delay_ms}",
                )
            if c.identity_code and not IDENTITY_CODE.match(c.identity_code):
                v.fail(
                    ("channels", c.code, "identity_code"),
                    "expected 'floor' or two or three lowercase letters",
                )


# -- loading ---------------------------------------------------------------------------
def _int(v: Validator, path: tuple[str, ...], value: Any, lo: int, hi: int | None = None) -> int:
    v.expect(path, value, "integer")
    if value < lo or (hi is not None and value > hi):
        rng = f"{lo}-{hi}" if hi is not None else f">= {lo}"
        v.fail(path, f"expected an integer {rng}, got {value}")
    return int(value)


def _num(
    v: Validator, path: tuple[str, ...], value: Any, lo: float, strict: bool, hi: float
) -> float:
    """A finite number above ``lo`` (or at it, unless ``strict``) and at most ``hi``."""
    if not is_number(value):
        v.fail(path, f"expected number, got {type(value).__name__} {value!r}")
    if not math.isfinite(value) or value < lo or (strict and value == lo) or value > hi:
        low = f"{'above' if strict else 'from'} {lo:g}"
        v.fail(path, f"expected a number {low} up to {hi:g}, got {value}")
    return float(value)


def _control_character(text: str) -> str:
    """The first control character in ``text`` as U+XXXX, or ""."""
    for c in text:
        if unicodedata.category(c) == "Cc":
            return f"U+{ord(c):04X}"
    return ""


def _no_control_characters(v: Validator, path: tuple[str, ...], value: Any) -> None:
    """No string (or key) anywhere in the file may hold a control character: a CR/LF in a
    credential ends up in HTTP headers, an escape sequence on the operator's terminal."""
    if isinstance(value, str):
        if found := _control_character(value):
            v.fail(path, f"contains a control character ({found}); remove it")
    elif isinstance(value, dict):
        for key, item in value.items():
            if found := _control_character(key):
                v.fail(path, f"a key contains a control character ({found}); remove it")
            _no_control_characters(v, path + (key,), item)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _no_control_characters(v, path + (str(i),), item)


def _str(v: Validator, path: tuple[str, ...], value: Any) -> str:
    v.expect(path, value, "string")
    return str(value)


def _file(v: Validator, path: tuple[str, ...], value: Any, base: Path) -> str:
    text = _str(v, path, value)
    if not text:
        return ""
    p = Path(text).expanduser()
    if not p.is_absolute():
        p = base / p
    if not p.is_file():
        v.fail(path, f"file not found: {p}")
    return str(p)


def _strings(v: Validator, path: tuple[str, ...], value: Any) -> list[str]:
    v.expect(path, value, "array")
    for i, item in enumerate(value):
        v.expect(path + (str(i),), item, "string")
    return list(value)


def _section(v: Validator, raw: dict[str, Any], name: str, keys: set[str]) -> dict[str, Any]:
    section = raw.get(name, {})
    v.expect((name,), section, "table")
    v.known_keys((name,), section, keys)
    return section


def parse_server_config(raw: dict[str, Any], source: str, base: Path | None = None) -> ServerConfig:
    """Validate a parsed ``serve.toml`` into a :class:`ServerConfig`."""
    v = Validator(source)
    base = base or Path(".")
    _no_control_characters(v, (), raw)
    v.known_keys((), raw, SECTIONS)
    cfg = ServerConfig(source=source)

    s = _section(v, raw, "server", SERVER_KEYS)
    if "host" in s:
        cfg.host = _str(v, ("server", "host"), s["host"])
        if not cfg.host:
            v.fail(("server", "host"), "empty: give an address such as 127.0.0.1")
    if "port" in s:
        cfg.port = _int(v, ("server", "port"), s["port"], 0, 65535)
    cfg.cert = _file(v, ("server", "cert"), s.get("cert", ""), base)
    cfg.key = _file(v, ("server", "key"), s.get("key", ""), base)
    if "public_url" in s:
        url = _str(v, ("server", "public_url"), s["public_url"]).rstrip("/")
        if url and not url.startswith(("http://", "https://")):
            v.fail(("server", "public_url"), f"expected an http(s) URL, got {url!r}")
        cfg.public_url = url
    if "token" in s:
        cfg.token = _str(v, ("server", "token"), s["token"])
        if cfg.token and (len(cfg.token) < 8 or any(c.isspace() for c in cfg.token)):
            v.fail(("server", "token"), "a bearer token needs 8 or more characters, no spaces")
    if "cors_origins" in s:
        cfg.cors_origins = _strings(v, ("server", "cors_origins"), s["cors_origins"])
        if not cfg.cors_origins:
            v.fail(("server", "cors_origins"), 'empty: use ["*"] or list the allowed origins')
    if "ice_addresses" in s:
        cfg.ice_addresses = _strings(v, ("server", "ice_addresses"), s["ice_addresses"])
        for i, a in enumerate(cfg.ice_addresses):
            try:
                ipaddress.ip_address(a)
            except ValueError:
                v.fail(("server", "ice_addresses", str(i)), f"not an IP address: {a!r}")
    for k in ("stun", "access_log"):
        if k in s:
            v.expect(("server", k), s[k], "boolean")
            setattr(cfg, k, s[k])
    if "stun_port" in s:
        cfg.stun_port = _int(v, ("server", "stun_port"), s["stun_port"], 0, 65535)

    lim = _section(v, raw, "limits", LIMIT_KEYS)
    for k in (
        "max_body_bytes", "max_sdp_bytes", "max_sessions_per_channel", "max_sessions",
        "max_download_bytes", "max_upload_bytes", "max_throughput_transfers",
    ):  # fmt: skip
        if k in lim:
            setattr(cfg, k, _int(v, ("limits", k), lim[k], 1))
    if "retry_after" in lim:
        cfg.retry_after = _int(v, ("limits", "retry_after"), lim["retry_after"], 0, 86400)
    if "session_idle_timeout" in lim:
        cfg.session_idle_timeout = _num(
            v, ("limits", "session_idle_timeout"), lim["session_idle_timeout"], 0, True, 86400
        )
    if "max_session_seconds" in lim:
        cfg.max_session_seconds = _num(
            v, ("limits", "max_session_seconds"), lim["max_session_seconds"], 0, False, 604800
        )
    if "header_timeout" in lim:
        cfg.header_timeout = _num(
            v, ("limits", "header_timeout"), lim["header_timeout"], 0, True, 3600
        )
    if cfg.max_sdp_bytes > cfg.max_body_bytes:
        v.fail(("limits", "max_sdp_bytes"), "cannot exceed limits.max_body_bytes")

    audio = _section(v, raw, "audio", AUDIO_KEYS)
    if "identity" in audio:
        v.expect(("audio", "identity"), audio["identity"], "boolean")
        cfg.identity = audio["identity"]
    if "programme_seconds" in audio:
        # at most 600: the programme is held in memory
        cfg.programme_seconds = _num(
            v, ("audio", "programme_seconds"), audio["programme_seconds"], 1, False, 600
        )
    if "seed" in audio:
        cfg.seed = _int(v, ("audio", "seed"), audio["seed"], 0)
    if "opus_bitrate" in audio:
        cfg.opus_bitrate = _int(v, ("audio", "opus_bitrate"), audio["opus_bitrate"], 6000, 510000)

    if "channels" in raw:
        channels = raw["channels"]
        v.expect(("channels",), channels, "table")
        cfg.channels = []
        labels = dict(DEFAULT_CHANNELS)
        for code, spec in channels.items():
            p = ("channels", code)
            if not CHANNEL_CODE.match(code):
                v.fail(p, "channel code must be 'floor' or an ISO 639-1 code such as 'fr'")
            v.expect(p, spec, "table")
            v.known_keys(p, spec, CHANNEL_KEYS)
            ch = ChannelConfig(code, labels.get(code, code))
            if "label" in spec:
                ch.label = _str(v, p + ("label",), spec["label"])
            ch.source = _file(v, p + ("source",), spec.get("source", ""), base)
            if "identity" in spec:
                v.expect(p + ("identity",), spec["identity"], "boolean")
                ch.identity = spec["identity"]
            if "identity_code" in spec:
                ch.identity_code = _str(v, p + ("identity_code",), spec["identity_code"])
            if "delay_ms" in spec:
                ch.delay_ms = _int(v, p + ("delay_ms",), spec["delay_ms"], 0, MAX_CHANNEL_DELAY_MS)
            cfg.channels.append(ch)
        if not cfg.channels:
            v.fail(("channels",), "no channels: give at least [channels.floor]")

    m = _section(v, raw, "meeting", MEETING_KEYS)
    if "name" in m:
        cfg.meeting_name = _str(v, ("meeting", "name"), m["name"])
    if "hosts" in m:
        cfg.hosts = _strings(v, ("meeting", "hosts"), m["hosts"])
    # The rest is a meeting file's own keys: validate them as a meeting file does, on the
    # time zone the printed file will name (this server's default when none is given).
    cfg.timezone = m.get("timezone", cfg.timezone)
    fragment = {k: m[k] for k in ("sessions", "ice_servers") if k in m}
    meeting = {"name": cfg.meeting_name, "timezone": cfg.timezone, **fragment}
    parse_meeting(meeting, source, prefix=("meeting",))
    cfg.sessions = [dict(x) for x in m.get("sessions", [])]
    cfg.ice_servers = [dict(x) for x in m.get("ice_servers", [])]

    links = _section(v, raw, "links", LINK_KEYS)
    if "secret" in links:
        cfg.link_secret = _str(v, ("links", "secret"), links["secret"])
        if cfg.link_secret and len(cfg.link_secret) < 16:
            v.fail(("links", "secret"), "too short: use 16 or more characters")
    if "ttl_hours" in links:
        cfg.link_ttl_hours = _num(
            v, ("links", "ttl_hours"), links["ttl_hours"], 0, True, MAX_LINK_TTL_HOURS
        )
    if "participants" in links:
        v.expect(("links", "participants"), links["participants"], "array")
        cfg.participants = []
        for i, row in enumerate(links["participants"]):
            p = ("links", "participants", str(i))
            v.expect(p, row, "table")
            v.known_keys(p, row, PARTICIPANT_KEYS)
            for k in ("name", "email"):
                if not row.get(k):
                    v.fail(p + (k,), "missing")
            values = {k: _str(v, p + (k,), row.get(k, "")) for k in PARTICIPANT_KEYS}
            values["role"] = values["role"] or "primary"
            if values["role"] not in ROLES:
                v.fail(p + ("role",), f"expected one of {', '.join(ROLES)}")
            cfg.participants.append(ParticipantConfig(**values))

    _selftest(v, raw, cfg, base)
    cfg.check()
    return cfg


def _selftest(v: Validator, raw: dict[str, Any], cfg: ServerConfig, base: Path) -> None:
    st = _section(v, raw, "selftest", SELFTEST_KEYS)
    p = ("selftest",)
    if "reports_dir" in st:
        text = _str(v, p + ("reports_dir",), st["reports_dir"])
        if not text:
            v.fail(p + ("reports_dir",), "empty: give a directory for the reports")
        path = Path(text).expanduser()
        cfg.selftest_reports_dir = str(path if path.is_absolute() else base / path)
    else:
        cfg.selftest_reports_dir = str(base / cfg.selftest_reports_dir)
    if "profile" in st:
        cfg.selftest_profile = _str(v, p + ("profile",), st["profile"])
    if "max_upload_bytes" in st:
        cfg.selftest_max_upload_bytes = _int(
            v, p + ("max_upload_bytes",), st["max_upload_bytes"], 1024, 1_000_000_000
        )
    if "max_recording_seconds" in st:
        cfg.selftest_max_recording_seconds = _num(
            v, p + ("max_recording_seconds",), st["max_recording_seconds"], 1, False, 600
        )
    if "keep_recordings" in st:
        v.expect(p + ("keep_recordings",), st["keep_recordings"], "boolean")
        cfg.selftest_keep_recordings = st["keep_recordings"]
    if "workers" in st:
        cfg.selftest_workers = _int(v, p + ("workers",), st["workers"], 1, 64)
    if "judge_timeout" in st:
        cfg.selftest_judge_timeout = _num(
            v, p + ("judge_timeout",), st["judge_timeout"], 1, False, 3600
        )


def load_server_config(path: str | None = None, **overrides: Any) -> ServerConfig:
    """Load ``serve.toml`` (or the defaults when ``path`` is None) and apply overrides."""
    if path is None:
        cfg = ServerConfig()
    else:
        raw = load_toml(path, "server config")
        cfg = parse_server_config(raw, path, Path(path).resolve().parent)
    if overrides:
        cfg = cfg.with_overrides(**overrides)
    else:
        cfg.check()
    return cfg
