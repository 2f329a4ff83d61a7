"""Hostile inputs end in one line and exit 2, quickly: devices, FIFOs and oversized files,
bodies that are truncated or dripped, deeply nested TOML, and remote profiles that try
to extend local files."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.helpers import same_code_env
from support.misbehaving_http import body, drip, redirect, serve, truncated

from meetcheck import tomlfile
from meetcheck.cli import cli
from meetcheck.errors import InputError
from meetcheck.meeting import load_meeting

MEETING = 'name = "Fifth Committee"\n'
PROFILE = 'name = "remote"\nversion = "1"\n'


def assert_one_line(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.output, result.exception)
    err = result.stderr.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith("meetcheck: error: "), err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def invoke(command: str, source: str) -> Result:
    """The meeting file is read before ``--only`` is checked, so no check ever runs."""
    if command == "meeting":
        return CliRunner().invoke(cli, ["check", "-q", "--only", "none", "--meeting", source])
    return CliRunner().invoke(cli, ["profiles", "validate", source])


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize("command", ["meeting", "profile"])
def test_a_device_is_refused_not_read(command: str) -> None:
    assert_one_line(invoke(command, "/dev/zero"), "/dev/zero", "not a regular file")


@pytest.mark.parametrize("command", ["meeting", "profile"])
def test_an_oversized_file_is_refused(tmp_path: Path, command: str) -> None:
    path = tmp_path / "big.toml"
    padding = "# padding\n" * (tomlfile.MAX_INPUT_BYTES // 10)
    path.write_text((MEETING if command == "meeting" else PROFILE) + padding)
    assert_one_line(invoke(command, str(path)), str(path), "file too large")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "meeting.toml"
    os.mkfifo(fifo)
    cmd = [sys.executable, "-m", "meetcheck", "profiles", "validate", str(fifo)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=same_code_env())
    assert proc.returncode == 2, proc.stderr
    assert "not a regular file" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("command", ["meeting", "profile"])
def test_deeply_nested_toml_is_one_line(tmp_path: Path, command: str) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert_one_line(invoke(command, str(path)), str(path), "invalid TOML", "nested too deeply")


def test_deeply_nested_inline_tables_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n")
    assert_one_line(invoke("meeting", str(path)), str(path), "nested too deeply")


# Remote profiles


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_remote_profile_cannot_extend_a_device() -> None:
    with serve({"/p.toml": body('extends = "/dev/zero"\n' + PROFILE)}) as base:
        result = invoke("profile", f"{base}/p.toml")
    assert_one_line(result, f"{base}/p.toml", "extends", "local path", "/dev/zero")


def test_remote_profile_cannot_extend_a_local_file(tmp_path: Path) -> None:
    local = tmp_path / "local.toml"
    local.write_text(PROFILE)
    for ref in (str(local), "local.toml", "./local", "file:///etc/hostname"):
        with serve({"/p.toml": body(f'extends = "{ref}"\n' + PROFILE)}) as base:
            result = invoke("profile", f"{base}/p.toml")
        assert_one_line(result, f"{base}/p.toml: extends:", "shipped profile", ref)


def test_remote_profile_extends_shipped_profiles_and_urls() -> None:
    routes = {
        "/parent.toml": body('extends = "un-rsi-speaker"\n' + PROFILE),
    }
    with serve(routes) as base:
        routes["/child.toml"] = body(f'extends = "{base}/parent.toml"\n' + PROFILE)
        result = CliRunner().invoke(cli, ["profiles", "show", "--json", f"{base}/child.toml"])
    assert result.exit_code == 0, result.output
    assert '"un-rsi-speaker"' in result.stdout  # the chain reached the shipped profile


# Meeting files from a URL


def test_truncated_body_is_one_line() -> None:
    with serve({"/m.toml": truncated(MEETING, claimed=5000)}) as base:
        with pytest.raises(InputError, match="cannot fetch meeting file"):
            load_meeting(f"{base}/m.toml")
        result = invoke("meeting", f"{base}/m.toml")
    assert_one_line(result, f"{base}/m.toml", "cannot fetch meeting file")


def test_dripping_server_meets_one_overall_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tomlfile, "FETCH_TIMEOUT_S", 1.0)
    with serve({"/m.toml": drip(MEETING + "# " + "x" * 60 + "\n", every=0.2)}) as base:
        started = time.monotonic()
        result = invoke("meeting", f"{base}/m.toml")
        took = time.monotonic() - started
    assert_one_line(result, f"{base}/m.toml", "no complete answer within 1 s")
    assert took < 4, took


def test_redirect_to_another_host_is_noted(capsys: pytest.CaptureFixture[str]) -> None:
    routes = {"/m.toml": body(MEETING)}
    with serve(routes) as base:
        port = base.rsplit(":", 1)[1]
        routes["/elsewhere"] = redirect(f"http://localhost:{port}/m.toml")
        routes["/here"] = redirect("/m.toml")
        assert load_meeting(f"{base}/here").name == "Fifth Committee"
        assert "redirect" not in capsys.readouterr().err
        assert load_meeting(f"{base}/elsewhere").name == "Fifth Committee"
    err = capsys.readouterr().err
    assert "redirected" in err and "localhost" in err and err.count("\n") == 1, err
