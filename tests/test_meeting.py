"""Meeting files: the full format parses; every malformed key gets one line and exit 2."""

import datetime as dt
import http.server
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from meetcheck.cli import cli
from meetcheck.errors import InputError
from meetcheck.meeting import load_meeting

GOOD = """
name = "Second Review Conference (virtual part)"
timezone = "Europe/Zurich"

[[sessions]]
title = "Morning"
start = 2020-11-25T10:00:00
end = 2020-11-25T12:00:00

[[sessions]]
title = "Evening, New York time"
start = 2020-11-25T10:00:00
end = 2020-11-25T12:00:00
timezone = "America/New_York"

[platform]
url = "https://rsi.example.org"
hosts = ["rsi.example.org", "cdn.example.org"]

[[ice_servers]]
urls = ["stun:127.0.0.1:3478"]

[[ice_servers]]
urls = ["turn:127.0.0.1:3478?transport=udp", "turns:127.0.0.1:5349"]
username = "delegate"
credential = "s3cret"

[echo]
url = "http://127.0.0.1:8080/echo"

[channels]
floor = "http://127.0.0.1:8080/whep/floor"
fr = { url = "http://127.0.0.1:8080/whep/fr", label = "Français" }

[throughput]
download_url = "http://127.0.0.1:8080/throughput/download"
upload_url = "http://127.0.0.1:8080/throughput/upload"

[registration]
delegation_deadline = 2020-11-18
speaker_deadline = 2020-11-20

[meetcheck]
identity_channels = ["floor", "fr"]
health_url = "http://127.0.0.1:8080/healthz"
"""


def test_full_meeting_file_parses(tmp_path):
    path = tmp_path / "meeting.toml"
    path.write_text(GOOD)
    m = load_meeting(str(path))
    assert m.name.startswith("Second Review")
    morning, evening = m.sessions
    assert morning.start.utcoffset() == dt.timedelta(hours=1)  # CET in November
    assert evening.start.astimezone(dt.UTC).hour == 15  # 10:00 EST = 15:00 UTC
    assert m.ice_servers[1].username == "delegate"
    assert m.channels["fr"].label == "Français"
    assert m.registration["speaker_deadline"] == dt.date(2020, 11, 20)
    assert "s3cret" not in str(m.summary())
    assert m.server_info["identity_channels"] == ["floor", "fr"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace('name = "Second', '# name = "Second'), "name: missing"),
        (lambda t: "extra = 1\n" + t, "extra: unknown key"),
        (lambda t: t.replace("Europe/Zurich", "Europe/Atlantis"), "timezone: unknown time zone"),
        (
            lambda t: t.replace(
                "end = 2020-11-25T12:00:00\n\n[[sessions]]",
                "end = 2020-11-25T09:00:00\n\n[[sessions]]",
            ),
            "sessions.0.end: ends",
        ),
        (
            lambda t: t.replace('stun:127.0.0.1:3478"]', 'http://127.0.0.1:3478"]'),
            "ice_servers.0.urls.0: expected a URL starting with stun:",
        ),
        (lambda t: t.replace('username = "delegate"\n', ""), "ice_servers.1.username: missing"),
        (lambda t: t.replace("fr = {", "french = {"), "channels.french: channel code"),
        (
            lambda t: t.replace("speaker_deadline = 2020-11-20", 'speaker_deadline = "soon"'),
            "registration.speaker_deadline: expected a date",
        ),
        (lambda t: t.replace("[echo]", "[echo\n"), "invalid TOML"),
        (lambda t: t.replace('hosts = ["rsi', 'hosts = [1, "rsi'), "platform.hosts.0: expected"),
        (
            lambda t: t.replace('["floor", "fr"]', '["floor", "de"]'),
            "meetcheck.identity_channels.1: no channel 'de'",
        ),
        (lambda t: t + "retries = nan\n", "meetcheck.retries: expected a finite number, got nan"),
        (
            lambda t: t.replace(
                'start = 2020-11-25T10:00:00\nend = 2020-11-25T12:00:00\ntimezone = "America',
                'start = 9999-12-31T20:00:00\nend = 9999-12-31T22:00:00\ntimezone = "America',
            ),
            "sessions.1.start: 9999-12-31T20:00:00-05:00 is outside the years 2000 to 2100",
        ),
        (
            lambda t: t.replace("end = 2020-11-25T12:00:00", "end = 2101-01-01T00:00:00", 1),
            "sessions.0.end: 2101-01-01T00:00:00+01:00 is outside the years 2000 to 2100",
        ),
        (
            lambda t: t.replace("speaker_deadline = 2020-11-20", "speaker_deadline = 0001-01-01"),
            "registration.speaker_deadline: 0001-01-01 is outside the years 2000 to 2100",
        ),
    ],
)
def test_bad_meeting_file_one_line_exit_2(tmp_path, change, message):
    path = tmp_path / "meeting.toml"
    path.write_text(change(GOOD))
    with pytest.raises(InputError) as info:
        load_meeting(str(path))
    assert str(path) in str(info.value) and message in str(info.value)
    result = CliRunner().invoke(cli, ["check", "--meeting", str(path)])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_meeting_file_from_url(tmp_path):
    (tmp_path / "meeting.toml").write_text(GOOD)
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(  # noqa: E731
        *a, directory=str(tmp_path), **kw
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *a: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        assert load_meeting(f"{base}/meeting.toml").channels["floor"].code == "floor"
        with pytest.raises(InputError, match="HTTP 404"):
            load_meeting(f"{base}/nope.toml")
    finally:
        server.shutdown()


def test_directory_is_not_a_meeting_file(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        load_meeting(str(Path(tmp_path)))
