"""Tokens in personal links never reach reports or logs unless asked for."""

import json

import pytest
from click.testing import CliRunner

from meetcheck.cli import cli
from meetcheck.redact import mask, redact_text, redact_url

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
