"""serve.toml: defaults, every section, and one-line errors naming file and key."""

import tomllib
import wave
from pathlib import Path

import numpy as np
import pytest

from meetcheck.errors import InputError
from meetcheck.server.config import (
    DEFAULT_CHANNELS,
    ServerConfig,
    load_server_config,
)


def _wav(path: Path, seconds: float = 0.5) -> Path:
    pcm = (0.2 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * 16000)) / 16000) * 32767).astype(
        "<i2"
    )
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm.tobytes())
    return path


def _load(tmp_path: Path, text: str) -> ServerConfig:
    p = tmp_path / "serve.toml"
    p.write_text(text)
    return load_server_config(str(p))


def test_defaults_are_sane():
    cfg = load_server_config(None)
    assert cfg.host == "127.0.0.1" and cfg.port == 0
    assert [c.code for c in cfg.channels] == [c for c, _ in DEFAULT_CHANNELS]
    assert cfg.channels[0].code == "floor" and cfg.identity is True
    assert cfg.token == "" and cfg.cors_origins == ["*"]
    assert cfg.max_sdp_bytes <= cfg.max_body_bytes
    assert cfg.host_candidate_addresses() == ("127.0.0.1",)
    assert ServerConfig(host="0.0.0.0").host_candidate_addresses() is None
    assert ServerConfig(ice_addresses=["127.0.0.7"]).host_candidate_addresses() == ("127.0.0.7",)


def test_full_file(tmp_path):
    _wav(tmp_path / "floor.wav")
    cfg = _load(
        tmp_path,
        """
[server]
host = "127.0.0.1"
port = 8089
public_url = "https://rsi-test.example.org/"
token = "a-long-bearer-token"
cors_origins = ["https://player.example.org"]
stun_port = 3479
access_log = false

[limits]
max_sdp_bytes = 9000
max_sessions_per_channel = 3
max_sessions = 10
session_idle_timeout = 2.5
retry_after = 7

[audio]
identity = false
programme_seconds = 5
seed = 3

[channels.floor]
source = "floor.wav"
[channels.fr]
identity = true
label = "Français"

[meeting]
name = "Review Conference (test)"
timezone = "Europe/Zurich"
hosts = ["rsi.example.org"]
sessions = [{ title = "Morning", start = 2020-11-25T10:00:00, end = 2020-11-25T12:00:00 }]

[links]
secret = "0123456789abcdef0123"
participants = [{ name = "A. Delegate", email = "a@example.org", role = "alternate" }]
""",
    )
    assert cfg.port == 8089 and cfg.public_url == "https://rsi-test.example.org"
    assert cfg.max_sessions_per_channel == 3 and cfg.session_idle_timeout == 2.5
    assert [c.code for c in cfg.channels] == ["floor", "fr"]
    floor, fr = cfg.channels
    assert floor.source == str(tmp_path / "floor.wav") and floor.label == "Floor"
    assert cfg.channel_identity(floor) is False and cfg.channel_identity(fr) is True
    assert fr.label == "Français"
    assert cfg.participants[0].role == "alternate"
    assert cfg.timezone == "Europe/Zurich" and cfg.sessions[0]["title"] == "Morning"


@pytest.mark.parametrize(
    "text, where",
    [
        ('[server]\nport = "80"\n', "server.port: expected integer"),
        ("[server]\nport = 70000\n", "server.port: expected an integer 0-65535"),
        ("[server]\nbogus = 1\n", "server.bogus: unknown key"),
        ("[limits]\nmax_sessions = 0\n", "limits.max_sessions: expected an integer >= 1"),
        ("[limits]\nsession_idle_timeout = 0\n", "limits.session_idle_timeout"),
        ("[limits]\nmax_sdp_bytes = 5000000\n", "limits.max_sdp_bytes: cannot exceed"),
        ('[channels.xx1]\nlabel = "?"\n', "channels.xx1: channel code"),
        ('[channels.fr]\nsource = "missing.wav"\n', "channels.fr.source: file not found"),
        ("[channels.fr]\nidentity = 1\n", "channels.fr.identity: expected boolean"),
        ('[server]\ncert = "c.pem"\n', "server.cert: file not found"),
        ('[server]\ntoken = "short"\n', "server.token"),
        ('[server]\npublic_url = "ftp://x"\n', "server.public_url"),
        ('[server]\nice_addresses = ["localhost"]\n', "server.ice_addresses.0: not an IP"),
        ('[meeting]\ntimezone = "Mars/Base"\n', "meeting.timezone: unknown time zone"),
        (
            "[meeting]\nsessions = [{start = 2020-11-25T12:00:00, end = 2020-11-25T10:00:00}]\n",
            "meeting.sessions.0.end",
        ),
        (  # naive times are on the meeting's time zone, Europe/Zurich by default
            "[meeting]\nsessions = [{start = 2020-11-25T10:00:00Z, end = 2020-11-25T10:30:00}]\n",
            "meeting.sessions.0.end: ends (2020-11-25T10:30:00+01:00) before",
        ),
        (
            '[meeting]\nice_servers = [{urls = ["turn:127.0.0.1:3478"]}]\n',
            "meeting.ice_servers.0.username: missing",
        ),
        (
            '[meeting]\nice_servers = [{urls = ["http://127.0.0.1"]}]\n',
            "meeting.ice_servers.0.urls.0: expected a URL starting with stun:",
        ),
        ('[links]\nparticipants = [{name = "x"}]\n', "links.participants.0.email: missing"),
        ("[nope]\n", "nope: unknown key"),
        ("[server\n", "invalid TOML"),
    ],
)
def test_errors_are_one_line_with_file_and_key(tmp_path, text, where):
    with pytest.raises(InputError) as info:
        _load(tmp_path, text)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(tmp_path / "serve.toml"))
    assert where in message


def test_missing_file_and_overrides(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_server_config(str(tmp_path / "none.toml"))
    cfg = load_server_config(None, host="127.0.0.2", port=8123, cert=None)
    assert (cfg.host, cfg.port) == ("127.0.0.2", 8123)
    with pytest.raises(InputError, match="cert and key go together"):
        load_server_config(None, cert="x.pem")


def test_example_in_docstring_is_valid_toml():
    import meetcheck.server.config as mod

    doc = mod.__doc__
    block = doc.split("::", 1)[1].split("\n\n")
    text = "\n\n".join(b for b in block if b.startswith("    ")).replace("\n    ", "\n")
    raw = tomllib.loads(text.strip())
    assert set(raw) <= mod.SECTIONS


@pytest.mark.parametrize(
    "text, where",
    [
        ("[links]\nttl_hours = 1e9\n", "links.ttl_hours: expected a number"),
        ("[links]\nttl_hours = inf\n", "links.ttl_hours"),
        ("[links]\nttl_hours = nan\n", "links.ttl_hours"),
        ("[limits]\nsession_idle_timeout = nan\n", "limits.session_idle_timeout"),
        ("[limits]\nsession_idle_timeout = 1e308\n", "limits.session_idle_timeout"),
        ("[limits]\nmax_session_seconds = inf\n", "limits.max_session_seconds"),
        ("[limits]\nmax_session_seconds = nan\n", "limits.max_session_seconds"),
        ("[audio]\nprogramme_seconds = nan\n", "audio.programme_seconds"),
    ],
)
def test_durations_are_finite_and_bounded(tmp_path, text, where):
    """ttl_hours = 1e9 once ended serve in an OverflowError traceback; nan slipped past
    every comparison. Durations are bounded where they are read."""
    with pytest.raises(InputError) as info:
        _load(tmp_path, text)
    message = str(info.value)
    assert "\n" not in message and where in message, message


@pytest.mark.parametrize(
    "text, where",
    [
        ('[server]\ntoken = "good-token\\r\\nX-Injected: 1"\n', "server.token"),
        ('[server]\ntoken = "token-with-nul-\\u0000-inside"\n', "server.token"),
        (
            '[meeting]\nice_servers = [{urls = ["turn:127.0.0.1:3478"], username = "u", '
            'credential = "p\\r\\nX-Injected: 1"}]\n',
            "meeting.ice_servers.0.credential",
        ),
        (
            '[meeting]\nice_servers = [{urls = ["turn:127.0.0.1:3478\\n"], username = "u", '
            'credential = "p"}]\n',
            "meeting.ice_servers.0.urls.0",
        ),
        ('[meeting]\nname = "Clear \\u001b[2J screen"\n', "meeting.name"),
        ('[server]\npublic_url = "https://x.example/\\u0085"\n', "server.public_url"),
        ('[channels.fr]\nlabel = "Fr\\u0007"\n', "channels.fr.label"),
        (
            '[links]\nparticipants = [{name = "A\\tB", email = "a@x.org"}]\n',
            "links.participants.0.name",
        ),
        ('[links]\nsecret = "0123456789abcdef\\u007f"\n', "links.secret"),
    ],
)
def test_control_characters_in_strings_are_refused(tmp_path, text, where):
    """A CR/LF in a credential went into every WHEP and echo Link header, and aiohttp then
    dropped every OPTIONS and POST without an answer. No config string may carry one."""
    with pytest.raises(InputError) as info:
        _load(tmp_path, text)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message and where in message, message
    assert "control character" in message
    assert "X-Injected" not in message and "\x1b" not in message


def test_header_timeout_and_throughput_cap(tmp_path):
    cfg = _load(tmp_path, "[limits]\nheader_timeout = 2.5\nmax_throughput_transfers = 4\n")
    assert (cfg.header_timeout, cfg.max_throughput_transfers) == (2.5, 4)
    for text, where in (
        ("[limits]\nheader_timeout = 0\n", "limits.header_timeout"),
        ("[limits]\nheader_timeout = inf\n", "limits.header_timeout"),
        ("[limits]\nmax_throughput_transfers = 0\n", "limits.max_throughput_transfers"),
    ):
        with pytest.raises(InputError, match=where):
            _load(tmp_path, text)
