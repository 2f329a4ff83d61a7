"""Control characters from inputs never reach a terminal or a report raw (issue 6, item 3).

Meeting files reject them (exit 2, naming the key); text that may still carry them (flags,
plugin findings, plugin errors) is shown escaped by every output.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from support.helpers import same_code_env

from meetcheck.cli import cli

# C0 (tab and newline included: a report line must stay one line), DEL and C1.
RAW_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
ESCAPES = {
    "clear screen": "\x1b[2J",
    "window title": "\x1b]0;pwned\x07",
    "carriage return": "\rVerdict: READY",
    "cursor up": "\x1b[1A",
    "bell": "\x07",
    "backspace": "\x08\x08",
    "CSI (C1)": "\x9b2J",
    "delete": "\x7f",
    "newline": "\nVerdict: READY",
    "NUL": "\x00",
}


def _own_lines(output: str) -> list[str]:
    """The output without warnings about installed plugins (not this test's business)."""
    return [ln for ln in output.splitlines() if not ln.startswith("meetcheck: warning: plugin")]


def _toml(value: str) -> str:
    """``value`` as a TOML basic string, control characters written as \\uXXXX escapes."""
    return '"' + "".join(f"\\u{ord(c):04x}" if RAW_CONTROL.match(c) else c for c in value) + '"'


def _meeting(key: str, value: str) -> str:
    tables = {
        "name": f"name = {value}\n",
        "sessions.0.title": 'name = "m"\n[[sessions]]\n'
        f"title = {value}\nstart = 2026-12-01T10:00:00\nend = 2026-12-01T12:00:00\n",
        "channels.fr.label": f'name = "m"\n[channels.fr]\nurl = "http://127.0.0.1:9/fr"\n'
        f"label = {value}\n",
        "platform.hosts.1": f'name = "m"\n[platform]\nhosts = ["a.example.org", {value}]\n',
        "echo.token": f'name = "m"\n[echo]\nurl = "http://127.0.0.1:9/echo"\ntoken = {value}\n',
        "meetcheck.health_url": f'name = "m"\n[meetcheck]\nhealth_url = {value}\n',
    }
    return tables[key]


@pytest.mark.parametrize("kind", sorted(ESCAPES))
@pytest.mark.parametrize(
    "key",
    [
        "name",
        "sessions.0.title",
        "channels.fr.label",
        "platform.hosts.1",
        "echo.token",
        "meetcheck.health_url",
    ],
)
def test_meeting_file_with_control_characters_is_exit_2_naming_the_key(tmp_path, key, kind):
    path = tmp_path / "meeting.toml"
    path.write_text(_meeting(key, _toml(f"Plenary{ESCAPES[kind]}")), encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "-q", "--only", "system.os", "--meeting", str(path)])
    assert result.exit_code == 2, result.output
    lines = _own_lines(result.output)
    assert len(lines) == 1, result.output
    assert f"{path}: {key}: " in lines[0] and "control character" in lines[0]
    assert not RAW_CONTROL.search(result.output.replace("\n", ""))


def test_tab_is_still_allowed_in_a_meeting_file(tmp_path):
    path = tmp_path / "meeting.toml"
    path.write_text('name = "Plenary\\tA"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "-q", "--only", "system.os", "--meeting", str(path)])
    assert result.exit_code == 0, result.output
    assert "Plenary\\tA" in result.output  # and shown escaped


def test_a_key_with_control_characters_is_not_echoed_raw(tmp_path):
    path = tmp_path / "meeting.toml"
    path.write_text('name = "m"\n"x\\u001b[2J" = 1\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--meeting", str(path)])
    assert result.exit_code == 2
    shown = result.output.replace("\n", "")
    assert ("x\\x1b[2J" in shown or "x\\u001b[2J" in shown) and not RAW_CONTROL.search(shown)


HOSTILE = "".join(ESCAPES.values())
FLAG = HOSTILE.replace("\x00", "")  # a command-line argument cannot carry NUL
PLUGIN = textwrap.dedent(
    f"""
    from meetcheck import Check, Finding, Status, hookimpl

    class Hostile(Check):
        id, title, category = "t.hostile", {"title" + HOSTILE!r}, "t"
        remediation = {"fix" + HOSTILE!r}

        async def run(self, ctx):
            return Finding(Status.WARN, {"message" + HOSTILE!r}, {"advice" + HOSTILE!r})

    @hookimpl
    def meetcheck_register_checks(register):
        register(Hostile)
    """
)


@pytest.fixture
def hostile_run(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "hostile.py").write_text(PLUGIN, encoding="utf-8")
    (plugins / "broken.py").write_text(f"raise ImportError({'boom' + HOSTILE!r})\n")
    cmd = [sys.executable, "-m", "meetcheck", "--plugins-dir", str(plugins), "check"]
    cmd += ["--only", "t.hostile", "--name", "Ada" + FLAG]
    for fmt in ("json", "html", "junit"):
        cmd += ["--format", fmt, "-o", str(tmp_path / f"r.{fmt}")]
    cmd += ["--format", "text"]
    proc = subprocess.run(cmd, capture_output=True, cwd=tmp_path, env=same_code_env(),
                          timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return tmp_path, proc


def test_text_report_and_progress_show_control_characters_escaped(hostile_run):
    _, proc = hostile_run
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert out.startswith("Verdict: READY WITH WARNINGS\n")
    assert "message\\x1b[2J\\x1b]0;pwned\\x07\\rVerdict: READY" in out
    assert "\\x9b2J\\x7f\\nVerdict: READY\\x00" in out
    assert all(line.startswith("Verdict:") is (i == 0) for i, line in enumerate(out.splitlines()))
    assert "t.hostile" in err and "boom\\x1b[2J" in err  # progress line and plugin error
    for text in (out, err):
        assert not RAW_CONTROL.search(text.replace("\n", "")), repr(text)


def test_file_reports_carry_no_raw_control_characters(hostile_run):
    root, _ = hostile_run
    for fmt in ("json", "html", "junit"):
        text = (root / f"r.{fmt}").read_text(encoding="utf-8")
        assert not RAW_CONTROL.search(text.replace("\n", "")), fmt
    data = json.loads((root / "r.json").read_text(encoding="utf-8"))
    assert data["results"][0]["findings"][0]["message"] == "message" + HOSTILE  # JSON keeps it
    assert data["participant"]["name"] == "Ada" + FLAG
    for fmt in ("html", "junit"):
        text = (root / f"r.{fmt}").read_text(encoding="utf-8")
        assert "message\\x1b[2J\\x1b]0;pwned\\x07" in text, fmt
    assert "Ada\\x1b[2J" in (root / "r.html").read_text(encoding="utf-8")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_visible_leaves_no_control_character_and_keeps_the_rest(text):
    from meetcheck.report.plain import visible

    shown = visible(text)
    assert not RAW_CONTROL.search(shown)
    if not RAW_CONTROL.search(text):
        assert shown == text
    assert visible(text, keep="\n").count("\n") == text.count("\n")
