"""Bad input through ``meetcheck check``: each a clear finding (or exit 2 for a malformed
command-line value), never a traceback, never a request to a refused address."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.support.tls_server import connects

MEETING = 'name = "m"\n[platform]\nhosts = ["rsi.example.org"]\n'
PASSWORD = "Hunter2Hunter2Hunter2"


def _check(meetcheck_cli, tmp_path: Path, *args: str):
    meeting = tmp_path / "m.toml"
    meeting.write_text(MEETING)
    out = tmp_path / "r.json"
    result = meetcheck_cli(
        "check", "-q", "--meeting", str(meeting), "--only", "links", "--only", "registration",
        "--format", "json", "-o", str(out), *args,
    )  # fmt: skip
    data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    return result, data


@pytest.mark.parametrize(
    "link, words",
    [
        (f"https://delegate:{PASSWORD}@rsi.example.org/join/x", "user name or password"),
        ("https://rsi.example.org/join/" + "a" * 20000, "characters long"),
        ("https://rsi.example.org.evil.test/join/x", "possible phishing"),
        ("https://rsi.xn--exmple-4nf.org/join/x", "possible phishing"),
        ("https://xn--rsi-exmple-8nf.org/join/x", "not a valid internationalised name"),
        ("https://10.0.0.8/join/x", "not one of the meeting's platform hosts"),
    ],
)
def test_bad_links_are_findings_and_never_contacted(
    meetcheck_cli, tmp_path: Path, link: str, words: str
) -> None:
    with connects() as seen:
        result, data = _check(meetcheck_cli, tmp_path, "--link", link)
    assert result.exit_code == 1, result.output
    assert seen == []
    assert [h for h in seen.lookups if "example" in h or "evil" in h or "xn--" in h] == []
    by_id = {r["id"]: r for r in data["results"]}
    form = by_id["links.form"]
    assert form["status"] == "FAIL"
    assert words in " ".join(f["message"] for f in form["findings"])
    assert by_id["links.http"]["status"] in ("SKIPPED", "FAIL")
    assert PASSWORD not in result.output + json.dumps(data)


@pytest.mark.parametrize("link", ["not a link", "ftp://rsi.example.org/x", "https://"])
def test_malformed_link_flags_exit_2(meetcheck_cli, tmp_path: Path, link: str) -> None:
    result, _ = _check(meetcheck_cli, tmp_path, "--link", link)
    assert result.exit_code == 2 and "--link" in result.output


def test_malformed_registered_date_exits_2(meetcheck_cli, tmp_path: Path) -> None:
    result, _ = _check(meetcheck_cli, tmp_path, "--registered", "yesterday")
    assert result.exit_code == 2 and "--registered" in result.output


def test_unicode_tricks_in_the_email_are_a_finding(meetcheck_cli, tmp_path: Path) -> None:
    result, data = _check(meetcheck_cli, tmp_path, "--email", "j\u0430ne@example.org")
    assert result.exit_code == 1
    by_id = {r["id"]: r for r in data["results"]}
    assert by_id["registration.email"]["status"] == "FAIL"
    assert "U+0430" in json.dumps(by_id["registration.email"])
