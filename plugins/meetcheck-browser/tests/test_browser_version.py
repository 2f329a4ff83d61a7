"""Tests for browser.version, written with meetcheck's plugin kit (``meetcheck.testing``).

The browsers are real executables: small shell scripts in a temporary folder that print
what Chrome, Chromium or Edge print, with PATH pointed at that folder, so the check runs
its real lookup and its real subprocess and the expected answer is known exactly.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from meetcheck.errors import InputError
from meetcheck.testing import assert_status, measurement

from meetcheck_browser import (
    REMEDIATION_MISSING,
    BrowserVersion,
    __version__,
    find_browsers,
    parse_version,
    probe,
    version_from_install_dir,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="fake browsers are shell scripts")


def write_browser(folder: Path, name: str, output: str = "", script: str = "") -> Path:
    """A fake browser: prints ``output`` for ``--version`` (or runs ``script``)."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / name
    body = script or f"printf '%s\\n' '{output}'"
    exe.write_text(f"#!/bin/sh\n{body}\n")
    exe.chmod(0o755)
    return exe


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder that is the whole PATH, so the machine's own browsers stay out."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


@pytest.fixture
def browser(bin_dir: Path) -> Callable[..., Path]:
    return lambda name, output="", script="": write_browser(bin_dir, name, output, script)


def test_finds_chromium_on_path_and_reads_its_major_version(browser, run_check):
    browser("chromium", "Chromium 120.0.6099.224 built on Debian 12.4, running on Debian 12.5")
    result = run_check(BrowserVersion)
    assert_status(result, "PASS")
    assert measurement(result, "major_version") == 120
    assert measurement(result, "version") == "120.0.6099.224"
    assert measurement(result, "browser") == "Chromium"
    assert measurement(result, "path").endswith("/bin/chromium")
    assert "no threshold in profile" in result.findings[0].message


def test_newest_of_several_browsers_decides(browser, run_check):
    browser("chromium", "Chromium 99.0.4844.51")
    browser("google-chrome", "Google Chrome 121.0.6167.85 ")
    browser("msedge", "Microsoft Edge 119.0.2151.97")
    result = run_check(BrowserVersion, profile={"options": {"min_major": 120}})
    assert_status(result, "PASS")
    assert measurement(result, "major_version") == 121
    assert measurement(result, "browser") == "Google Chrome"
    assert measurement(result, "browsers_found") == 3
    others = [m.value for m in result.findings[0].measurements if m.name == "other"]
    assert sorted(o.split(" (")[0] for o in others) == [
        "Chromium 99.0.4844.51",
        "Microsoft Edge 119.0.2151.97",
    ]


@pytest.mark.parametrize(
    ("major", "status"),
    [(125, "PASS"), (120, "PASS"), (119, "WARN"), (110, "WARN"), (109, "FAIL"), (90, "FAIL")],
)
def test_profile_thresholds_grade_the_version(browser, run_check, major, status):
    """Lower is worse; a version equal to a limit still passes it."""
    browser("google-chrome", f"Google Chrome {major}.0.6099.224")
    th = {"major_version": {"warn": 120, "fail": 110, "source": "test"}}
    result = run_check(BrowserVersion, profile={"thresholds": th})
    assert_status(result, status)
    finding = result.findings[0]
    assert finding.threshold is not None and finding.threshold.source == "test"
    if status == "PASS":
        assert finding.remediation == ""
    else:
        assert "Update Google Chrome or Microsoft Edge" in finding.remediation
        limit = 110 if status == "FAIL" else 120
        assert f"older than version {limit}" in finding.message


def test_min_major_option_warns_below_it(browser, run_check):
    browser("microsoft-edge", "Microsoft Edge 118.0.2088.76")
    result = run_check(BrowserVersion, profile={"options": {"min_major": 119}})
    assert_status(result, "WARN")
    assert result.findings[0].threshold.source == "option min_major"
    equal = run_check(BrowserVersion, profile={"options": {"min_major": 118}})
    assert_status(equal, "PASS")


def test_profile_thresholds_win_over_min_major(browser, run_check):
    browser("chromium", "Chromium 115.0.5790.170")
    profile = {"options": {"min_major": 130}, "thresholds": {"major_version": {"fail": 100}}}
    assert_status(run_check(BrowserVersion, profile=profile), "PASS")


def test_no_browser_warns_with_install_advice(bin_dir, run_check):
    result = run_check(BrowserVersion, profile={"options": {"min_major": 100}})
    assert_status(result, "WARN")
    assert result.findings[0].remediation == REMEDIATION_MISSING
    assert measurement(result, "browsers_found") == 0


def test_version_text_without_a_number_is_reported(browser, run_check):
    browser("chromium", "usage: chromium [options]")
    result = run_check(BrowserVersion)
    assert_status(result, "WARN")
    assert "could not read a browser version" in result.findings[0].message
    assert "usage: chromium" in measurement(result, "unreadable")


def test_one_unreadable_browser_does_not_hide_a_good_one(browser, run_check):
    browser("chromium", script="exit 3")
    browser("google-chrome", "Google Chrome 131.0.6778.85")
    result = run_check(BrowserVersion)
    assert_status(result, "PASS")
    assert measurement(result, "major_version") == 131
    assert "chromium" in measurement(result, "unreadable")


def test_hanging_browser_is_killed_after_the_timeout(browser, bin_dir, run_check):
    sleep = shutil.which("sleep", path="/usr/bin:/bin")
    pidfile = bin_dir.parent / "pid"
    browser("chromium", script=f"echo $$ > {pidfile}\nexec {sleep} 30")
    t0 = time.monotonic()
    result = run_check(BrowserVersion, profile={"options": {"version_timeout": 0.5}})
    assert time.monotonic() - t0 < 10
    assert_status(result, "WARN")
    assert "did not answer within 0.5 s" in measurement(result, "unreadable")
    pid = int(pidfile.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped, not left behind


def test_symlinked_names_count_once(browser, bin_dir, run_check):
    real = browser("google-chrome-stable", "Google Chrome 122.0.6261.57")
    (bin_dir / "google-chrome").symlink_to(real)
    result = run_check(BrowserVersion)
    assert measurement(result, "browsers_found") == 1


def test_paths_option_adds_an_executable_off_path(bin_dir, tmp_path, run_check):
    exe = write_browser(tmp_path / "opt" / "chrome", "chrome", "Google Chrome 124.0.6367.60")
    result = run_check(BrowserVersion, profile={"options": {"paths": [str(exe)]}})
    assert measurement(result, "major_version") == 124
    assert measurement(result, "path") == str(exe)


def test_mistyped_option_is_rejected_before_running(run_check):
    """The kit validates the fragment like a profile file: a typo never passes silently."""
    with pytest.raises(InputError, match="min_majr"):
        run_check(BrowserVersion, profile={"options": {"min_majr": 120}})
    with pytest.raises(InputError, match="expected int"):
        run_check(BrowserVersion, profile={"options": {"min_major": "120"}})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Chromium 120.0.6099.224 built on Debian 12.4", ("Chromium", "120.0.6099.224")),
        ("Google Chrome 121.0.6167.85 ", ("Google Chrome", "121.0.6167.85")),
        ("Microsoft Edge 119.0.2151.97", ("Microsoft Edge", "119.0.2151.97")),
        ("Chromium 96.0.4664.110 snap", ("Chromium", "96.0.4664.110")),
        ("no digits here", None),
    ],
)
def test_parse_version(text, expected):
    assert parse_version(text) == expected


def test_macos_usual_install_path_is_found(tmp_path):
    """On macOS browsers live in Applications, not on PATH."""
    exe = write_browser(
        tmp_path / "home" / "Applications" / "Google Chrome.app" / "Contents" / "MacOS",
        "Google Chrome",
        "Google Chrome 120.0.6099.109",
    )
    found = find_browsers([], system="Darwin", env={"PATH": ""}, home=tmp_path / "home")
    assert found == [exe]


def test_windows_version_comes_from_the_install_folder(tmp_path):
    """On Windows ``chrome.exe --version`` opens a window, so the version folders are read."""
    app = tmp_path / "Program Files" / "Google" / "Chrome" / "Application"
    app.mkdir(parents=True)
    (app / "chrome.exe").write_bytes(b"MZ")
    for v in ("119.0.6045.200", "120.0.6099.225", "99.0.4844.51"):
        (app / v).mkdir()
    (app / "SetupMetrics").mkdir()
    env = {"PATH": "", "ProgramFiles": str(tmp_path / "Program Files")}
    found = find_browsers([], system="Windows", env=env, home=tmp_path)
    assert found == [app / "chrome.exe"]
    assert version_from_install_dir(found[0]) == "120.0.6099.225"
    browser = asyncio.run(probe(found[0], 1.0, system="Windows"))
    assert (browser.product, browser.major) == ("Google Chrome", 120)


def _cli(args: list[str], bin_dir: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": str(bin_dir)}
    env.pop("MEETCHECK_DISABLE_PLUGINS", None)
    return subprocess.run(
        [sys.executable, "-m", "meetcheck", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_installed_plugin_is_listed_by_meetcheck(bin_dir, tmp_path):
    """Installed with pip, the entry point alone makes meetcheck load the plugin."""
    proc = _cli(["plugins", "--json"], bin_dir, tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = {p["name"]: p for p in json.loads(proc.stdout)["plugins"]}
    assert "browser" in rows, "pip install -e plugins/meetcheck-browser first"
    assert rows["browser"]["source"] == "entrypoint"
    assert rows["browser"]["version"] == __version__
    assert rows["browser"]["checks"] == ["browser.version"]


def test_example_profile_decides_the_verdict(bin_dir, tmp_path):
    """The plugin's named profile, end to end: an old Chromium makes the speaker NOT READY."""
    write_browser(bin_dir, "chromium", "Chromium 140.0.7339.80")
    report = tmp_path / "report.json"
    args = ["check", "-q", "--profile", "un-rsi-speaker-browser", "--only", "browser.version"]
    proc = _cli([*args, "--format", "json", "-o", str(report)], bin_dir, tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(report.read_text())
    assert data["verdict"] == "NOT READY"
    (result,) = data["results"]
    assert result["status"] == "FAIL" and result["required"] is True
    assert result["findings"][0]["threshold"]["fail"] == 150

    write_browser(bin_dir, "chromium", "Chromium 156.0.8078.108")
    proc = _cli([*args, "--format", "json", "-o", str(report)], bin_dir, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(report.read_text())["verdict"] == "READY"


def test_the_named_profile_is_listed_and_found_by_name(bin_dir, tmp_path):
    listed = _cli(["profiles", "list"], bin_dir, tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert any(line.startswith("un-rsi-speaker-browser ") for line in listed.stdout.splitlines())
    shown = _cli(["profiles", "show", "un-rsi-speaker-browser", "--json"], bin_dir, tmp_path)
    assert json.loads(shown.stdout)["resolved_from"] == ["un-rsi-speaker-browser", "un-rsi-speaker"]


def test_the_browser_option_adds_an_executable(bin_dir, tmp_path):
    """``--browser PATH`` (meetcheck_add_options) checks a browser that is not on PATH."""
    elsewhere = write_browser(tmp_path / "opt", "my-chrome", "Google Chrome 156.0.8078.108")
    report = tmp_path / "report.json"
    args = ["check", "-q", "--only", "browser.version", "--browser", str(elsewhere)]
    proc = _cli([*args, "--format", "json", "-o", str(report)], bin_dir, tmp_path)
    assert proc.returncode == 0, proc.stderr
    (result,) = json.loads(report.read_text())["results"]
    measured = {m["name"]: m["value"] for m in result["findings"][0]["measurements"]}
    assert measured["major_version"] == 156 and measured["path"] == str(elsewhere)
    helped = _cli(["check", "--help"], bin_dir, tmp_path)
    assert "--browser PATH" in helped.stdout


def test_the_meeting_file_sets_the_platform_minimum(bin_dir, tmp_path):
    """``[plugins.browser] min_major`` in a meeting file (meetcheck_register_plugin_tables)."""
    write_browser(bin_dir, "chromium", "Chromium 140.0.7339.80")
    meeting = tmp_path / "meeting.toml"
    meeting.write_text('name = "Plenary"\n\n[plugins.browser]\nmin_major = 150\n')
    report = tmp_path / "report.json"
    args = ["check", "-q", "--only", "browser.version", "--meeting", str(meeting)]
    proc = _cli([*args, "--format", "json", "-o", str(report)], bin_dir, tmp_path)
    (result,) = json.loads(report.read_text())["results"]
    assert result["status"] == "FAIL", proc.stderr
    assert result["findings"][0]["threshold"]["source"] == "meeting file [plugins.browser]"

    meeting.write_text('name = "Plenary"\n\n[plugins.browser]\nmin_major = "new"\n')
    proc = _cli(args, bin_dir, tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith(
        "plugins.browser.min_major: expected a whole number, got 'new'"
    ), proc.stderr
    meeting.write_text('name = "Plenary"\n\n[plugins.browser]\nmax_major = 1\n')
    proc = _cli(args, bin_dir, tmp_path)
    assert proc.returncode == 2 and "plugins.browser.max_major: unknown key" in proc.stderr


def test_the_kit_reads_the_plugin_table(run_check, browser):
    browser("chromium", "Chromium 140.0.7339.80")
    result = run_check(BrowserVersion, meeting={"plugins": {"browser": {"min_major": 150}}})
    assert_status(result, "FAIL")
    assert result.findings[0].message == "Chromium 140.0.7339.80 is older than version 150"
