"""The link checks against ``meetcheck serve``'s own signed /join links: valid, expired,
tampered and someone else's, through the command line, with every output searched for
the token."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.support.tls_server import connects


def _run(meetcheck_cli, server, link: str, email: str, tmp_path: Path) -> dict:
    out = tmp_path / "r.json"
    result = meetcheck_cli(
        "check", "-q", "--meeting", server.meeting_url, "--link", link, "--email", email,
        "--only", "links", "--format", "json", "-o", str(out), "--format", "text", "-o", "-",
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    token = link.rsplit("/", 1)[1]
    for text in (result.stdout, result.stderr, out.read_text(encoding="utf-8")):
        assert token not in text and token.split(".")[0][:20] not in text
    return {r["id"]: r for r in json.loads(out.read_text(encoding="utf-8"))["results"]}


def _messages(result: dict) -> str:
    return " | ".join(f["message"] for f in result["findings"])


def test_a_valid_serve_link_passes(meetcheck_cli, meeting_server, tmp_path: Path) -> None:
    email, link = next(iter(meeting_server.demo_links().items()))
    with connects() as seen:
        results = _run(meetcheck_cli, meeting_server, link, email, tmp_path)
    assert {k: v["status"] for k, v in results.items()} == {
        "links.form": "PASS",
        "links.safety": "PASS",
        "links.tls": "SKIPPED",  # plain http on a local test meeting
        "links.http": "PASS",
        "links.token": "PASS",
    }
    port = int(meeting_server.base_url.rsplit(":", 1)[1])
    # one probe of the link (the meeting file is fetched over the same port)
    assert all(addr[1] == port for addr in seen if isinstance(addr, tuple)), seen


def test_someone_elses_serve_link_is_forwarded(
    meetcheck_cli, meeting_server, tmp_path: Path
) -> None:
    links = meeting_server.demo_links()
    (_, theirs), (mine, _) = list(links.items())[:2]
    results = _run(meetcheck_cli, meeting_server, theirs, mine, tmp_path)
    assert results["links.token"]["status"] == "FAIL"
    assert "forwarded" in _messages(results["links.token"])
    assert results["links.http"]["status"] == "PASS"  # the link itself works: for them


def test_expired_and_tampered_serve_links(meetcheck_cli, meeting_server, tmp_path: Path) -> None:
    signer, roster = meeting_server.state.links
    person = next(iter(roster))
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    token = signer.issue(person, past, now=past - dt.timedelta(hours=1))
    expired = f"{meeting_server.base_url}/join/{token}"
    results = _run(meetcheck_cli, meeting_server, expired, person.email, tmp_path)
    assert results["links.http"]["status"] == "FAIL"
    assert "gone (410)" in _messages(results["links.http"])
    assert results["links.token"]["status"] == "FAIL"
    assert "expired" in _messages(results["links.token"])

    good = meeting_server.demo_link(person.email)
    cut = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    results = _run(meetcheck_cli, meeting_server, cut, person.email, tmp_path)
    assert results["links.http"]["status"] == "FAIL"
    assert "refuses the link (403" in _messages(results["links.http"])
