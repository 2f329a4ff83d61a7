"""Tokens in personal links never reach reports or logs unless asked for."""

import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from support.helpers import same_code_env

from meetcheck.cli import cli
from meetcheck.redact import mask, redact_obj, redact_text, redact_url

TOKEN = "Zx9Qk2LmPw7Rt4Vb8Nc1"


@pytest.mark.parametrize(
    ("url", "hidden"),
    [
        (f"https://rsi.example.org/join/{TOKEN}", TOKEN),
        (f"https://rsi.example.org/j/abc123?lang=en&token={TOKEN}", TOKEN),
        (f"https://rsi.example.org/room?access_token={TOKEN}&lang=fr", TOKEN),
        (f"https://rsi.example.org/room#{TOKEN}", TOKEN),
        (f"https://rsi.example.org/room/{TOKEN}/audio", TOKEN),
        ("https://user:hunter2secret@rsi.example.org/", "hunter2secret"),
        (f"https://rsi.example.org/x?sig={TOKEN}", TOKEN),
    ],
)
def test_redact_url_hides_tokens(url, hidden):
    shown = redact_url(url)
    assert hidden not in shown
    assert "rsi.example.org" in shown


def test_mask_shape_and_harmless_parts_kept():
    assert mask(TOKEN) == TOKEN[:4] + "\u2026" + TOKEN[-4:]
    assert mask("short") == "\u2026"
    url = "https://rsi.example.org/meeting/plenary?lang=en"
    assert redact_url(url) == url  # nothing secret: nothing changed


def test_redact_text_finds_urls_and_bearer_tokens():
    text = f"GET https://h.example/join/{TOKEN} failed; Authorization: Bearer {TOKEN}"
    out = redact_text(text)
    assert TOKEN not in out
    assert out.count("\u2026") == 2
    assert redact_text(text, show_secrets=True) == text


def test_reports_redact_the_link_unless_show_secrets(tmp_path):
    link = f"https://rsi.example.org/join/{TOKEN}?lang=en"
    out = tmp_path / "r.json"
    args = ["check", "-q", "--link", link, "--format", "json", "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert TOKEN not in text
    assert (
        json.loads(text)["participant"]["link"]
        == f"https://rsi.example.org/join/{mask(TOKEN)}?lang=en"
    )
    CliRunner().invoke(cli, [*args, "--show-secrets"])
    assert json.loads(out.read_text())["participant"]["link"] == link


def test_meeting_url_error_is_redacted(tmp_path):
    result = CliRunner().invoke(
        cli, ["check", "--meeting", f"http://127.0.0.1:9/m.toml?token={TOKEN}"]
    )
    assert result.exit_code == 2
    assert TOKEN not in result.output
    assert "cannot fetch meeting file" in result.output


LOGGING_PLUGIN = f"""
from meetcheck import Check, Finding, Status, hookimpl

class Chatty(Check):
    id, title, category = "t.chatty", "logs a link", "t"

    async def run(self, ctx):
        ctx.log.warning("could not reach https://rsi.example.org/join/{TOKEN}")
        return Finding(Status.PASS, "done")

@hookimpl
def meetcheck_register_checks(register):
    register(Chatty)
"""


def test_log_lines_are_redacted_unless_show_secrets(tmp_path):
    import subprocess
    import sys

    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "chatty.py").write_text(LOGGING_PLUGIN)
    cmd = [sys.executable, "-m", "meetcheck", "check", "-q", "--only", "t.chatty"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"rsi.example.org/join/{mask(TOKEN)}" in proc.stderr
    assert TOKEN not in proc.stderr
    proc = subprocess.run([*cmd, "--show-secrets"], capture_output=True, text=True, cwd=tmp_path)
    assert TOKEN in proc.stderr


# -- what is a secret, what is a name (issue 6, items 4 and 8) -------------------------
LONG_NAME = "UNGA-80-Fifth-Committee-Informal-Consultations"


def _serve_token() -> str:
    import datetime as dt

    from meetcheck.server.links import LinkParticipant, LinkSigner

    who = LinkParticipant("A. Delegate", "a.delegate@example.org", "Testland", "primary")
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    return LinkSigner("0123456789abcdef-test-secret").issue(who, expires)


def _tokens() -> list[str]:
    """Secrets as they are made: token_urlsafe(24) (deterministic seeds), a JWT, a link."""
    import base64
    import random

    urlsafe = [
        base64.urlsafe_b64encode(random.Random(seed).randbytes(24)).decode().rstrip("=")
        for seed in range(2000)
    ]
    jwt = (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4i"
        "LCJpYXQiOjE1MTYyMzkwMjJ9.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    )
    return [*urlsafe, jwt, _serve_token()]


@pytest.mark.parametrize(
    "text",
    [
        LONG_NAME,
        f"meeting: {LONG_NAME}",
        f"https://rsi.example.org/meetings/{LONG_NAME}?name={LONG_NAME}",
        "InterpretationChannelFloorLevel ClientConnectorCertificateError",
        "alsa_input.usb-Blue_Microphones_Yeti_Stereo_Microphone_REV8-00.analog-stereo",
        "UN-Security-Council-Open-Debate-on-Children-and-Armed-Conflict",
        "system_network_throughput_download_wired 20261129230619123456789",
    ],
)
def test_long_readable_names_are_not_redacted(text):
    assert redact_text(text) == text


def test_real_tokens_are_redacted_in_every_context():
    contexts = [
        "{}",
        "token {} was refused",
        "GET /join/{} HTTP/1.1",
        "127.0.0.1:8080/join/{}",
        "rsi.example.org/room/{}/audio",
        "b'GET /?token={}\\x02 HTTP/1.1'",
        "'Authorization: Bearer {}\\x00'",
        "authorization={}",
        "https://rsi.example.org/j/{}?lang=en",
    ]
    for token in _tokens():
        for context in contexts:
            text = context.format(token)
            assert token not in redact_text(text), text
        assert token not in redact_obj({"name": token, "notes": [f"join at /join/{token}"]})


@pytest.mark.parametrize("token", ["s3cretT0kenAbcdef", "abc123def456", "UNGA-80-Fifth-xyz"])
def test_anything_after_join_is_a_token_even_without_a_scheme(token):
    for text in (f"127.0.0.1:8080/join/{token}", f"rsi.example.org/join/{token}?lang=en"):
        assert token not in redact_text(text)
        assert token not in redact_obj({"participant": {"link": text}})["participant"]["link"]


def test_long_meeting_name_survives_in_text_and_json_reports(tmp_path):
    meeting = tmp_path / "m.toml"
    meeting.write_text(f'name = "{LONG_NAME}"\n')
    out = tmp_path / "r.json"
    args = ["check", "-q", "--only", "system.os", "--meeting", str(meeting)]
    result = CliRunner().invoke(cli, [*args, "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["meeting"]["name"] == LONG_NAME
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"meeting: {LONG_NAME}" in result.output


@pytest.mark.parametrize(
    "link",
    [
        f"127.0.0.1:8080/join/{TOKEN}",
        f"rsi.example.org/join/{TOKEN}",
        f"ftp://rsi.example.org/join/{TOKEN}",
        f"https:///join/{TOKEN}",
        f"https://rsi.example.org/join/{TOKEN} extra",
        f"https://rsi.example.org:99999/join/{TOKEN}",
        TOKEN,
    ],
)
def test_link_that_is_not_an_http_url_is_exit_2_without_the_token(tmp_path, link):
    out = tmp_path / "r.json"
    args = ["check", "-q", "--only", "system.os", "--link", link, "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "--link" in result.output and "http" in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert TOKEN not in result.output
    assert not out.exists()


# -- exception text in logs (issue 6, item 2) ---------------------------------------------
RAISING_PLUGIN = """
import logging

from meetcheck import Check, Finding, Status, hookimpl

class Raising(Check):
    id, title, category = "t.raising", "logs a traceback", "t"

    async def run(self, ctx):
        try:
            raise ValueError("rejected b'GET /join/JOINTOKEN\\\\x01 HTTP/1.1'")
        except ValueError:
            ctx.log.exception("bad request line")
        try:
            raise KeyError("BAREJWT")
        except KeyError:
            logging.getLogger("aiohttp.server").error("Error handling request", exc_info=True)
        logging.getLogger("asyncio").warning("stack", stack_info=True)  # STACKTOKEN
        logging.getLogger("aiortc").error("ice failed for Bearer STACKTOKEN")
        return Finding(Status.PASS, "done")

@hookimpl
def meetcheck_register_checks(register):
    register(Raising)
"""


def _run_plugin_check(tmp_path, plugin: str, check_id: str):
    """``meetcheck check --only CHECK_ID`` with ``plugin`` in ./plugins, as a real process."""
    import subprocess
    import sys

    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "under_test.py").write_text(plugin)
    cmd = [sys.executable, "-m", "meetcheck", "check", "-q", "--only", check_id]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path,
                          env=same_code_env(), timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc


def test_tracebacks_in_check_logs_are_redacted(tmp_path):
    import secrets

    join_token, jwt, other = secrets.token_urlsafe(24), _serve_token(), secrets.token_urlsafe(24)
    plugin = RAISING_PLUGIN.replace("JOINTOKEN", join_token).replace("BAREJWT", jwt)
    plugin = plugin.replace("STACKTOKEN", other)
    proc = _run_plugin_check(tmp_path, plugin, "t.raising")
    assert "Traceback" in proc.stderr and "Error handling request" in proc.stderr
    assert "Stack (most recent call last)" in proc.stderr and "ice failed" in proc.stderr
    for token in (join_token, jwt, other):
        assert mask(token) in proc.stderr
        assert token not in proc.stderr
    assert "\x01" not in proc.stderr


def _malformed_requests(tokens: list[str]) -> list[bytes]:
    join, bearer, query, long = tokens
    return [
        f"GET /join/{join}\x01 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode(),
        f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {bearer}\x00\r\n\r\n".encode(),
        f"GET /healthz?token={query}\x02 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode(),
        (
            f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {long}"
            + "A" * 9000
            + "\r\n\r\n"
        ).encode(),
    ]


def test_malformed_requests_put_no_token_in_the_server_log(tmp_path):
    import secrets
    import socket
    import subprocess
    import sys
    import threading
    from urllib.parse import urlsplit

    env = same_code_env(PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "meetcheck", "serve", "--host", "127.0.0.1", "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path, env=env)  # fmt: skip
    out: list[str] = []
    err: list[str] = []
    started = threading.Event()

    def drain(stream, sink):
        for line in stream:
            sink.append(line)
            if line.startswith("# meeting file served at "):
                started.set()

    threads = [
        threading.Thread(target=drain, args=(proc.stdout, out), daemon=True),
        threading.Thread(target=drain, args=(proc.stderr, err), daemon=True),
    ]
    for t in threads:
        t.start()
    tokens = [_serve_token(), secrets.token_urlsafe(24), secrets.token_urlsafe(24), _serve_token()]
    try:
        assert started.wait(60), "".join(err)
        url = next(line for line in out if line.startswith("# meeting file served at "))
        port = urlsplit(url.split()[-1]).port
        for request in _malformed_requests(tokens):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(request)
                assert sock.recv(4096).startswith(b"HTTP/1.")  # answered (400)
    finally:
        proc.terminate()
        proc.wait(30)
        for t in threads:
            t.join(5)
    stdout, stderr = "".join(out), "".join(err)
    assert stderr.count("Error handling request") == 4, stderr  # the errors are still logged
    for token in tokens:
        assert token not in stdout and token not in stderr
    assert mask(tokens[0]) in stderr


@settings(max_examples=300, deadline=None)
@given(
    before=st.text(max_size=40),
    after=st.text(max_size=40),
    seed=st.integers(0, 2**32),
    context=st.sampled_from(["{}", "/join/{}", "?token={}", "Bearer {}", "x={} y"]),
)
def test_fuzz_a_token_in_any_text_is_hidden_and_redaction_is_stable(before, after, seed, context):
    import base64
    import random

    token = base64.urlsafe_b64encode(random.Random(seed).randbytes(24)).decode().rstrip("=")
    text = f"{before} {context.format(token)} {after}"
    once = redact_text(text)
    assert token not in once
    assert redact_text(once) == once


STRAY_PLUGIN = """
import threading

from meetcheck import Check, Finding, Status, hookimpl

class Leaky:
    def __del__(self):
        raise RuntimeError("finaliser saw https://rsi.example.org/join/DELTOKEN")

class Stray(Check):
    id, title, category = "t.stray", "errors nobody catches", "t"

    async def run(self, ctx):
        def work():
            raise ValueError("thread saw https://rsi.example.org/join/THREADTOKEN")
        worker = threading.Thread(target=work, name="stray-worker")
        worker.start()
        worker.join()
        Leaky()
        return Finding(Status.PASS, "done")

@hookimpl
def meetcheck_register_checks(register):
    register(Stray)
"""


def test_thread_and_unraisable_exceptions_are_redacted(tmp_path):
    """A worker thread's exception and one raised in ``__del__`` are printed by Python
    itself, outside logging: their text may quote a personal link."""
    import secrets

    thread_token, del_token = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    plugin = STRAY_PLUGIN.replace("THREADTOKEN", thread_token).replace("DELTOKEN", del_token)
    proc = _run_plugin_check(tmp_path, plugin, "t.stray")
    assert "Exception in thread stray-worker" in proc.stderr
    assert "Exception ignored" in proc.stderr and "finaliser saw" in proc.stderr
    for token in (thread_token, del_token):
        assert mask(token) in proc.stderr
        assert token not in proc.stderr
