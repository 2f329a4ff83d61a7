"""links.token: JWT and meetcheck link tokens read (never verified, never shown) and
compared with the sessions and the participant."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.support.links import days, make_jwt, meeting_with_sessions

from meetcheck.checks.links.tokens import LinkToken, judge_token
from meetcheck.linktoken import read_token, tokens_in_url
from meetcheck.testing import assert_status

ME = "jane.doe@example.org"
SESSIONS = [(days(10), days(10.1)), (days(12), days(12.1))]
LEEWAY = dt.timedelta(seconds=60)


def statuses(findings) -> list[str]:
    return [f.status.value for f in findings]


def judge(token: str, email: str = ME, role: str = ""):
    claims = read_token(token, "test")
    assert claims is not None
    return judge_token(claims, email, SESSIONS, dt.datetime.now(dt.UTC), LEEWAY, role)


def test_a_valid_token_passes_and_names_the_holder_masked() -> None:
    found = judge(make_jwt(email=ME, exp=days(30), nbf=days(-1)))
    assert statuses(found) == ["PASS"]
    assert "j***@example.org" in found[0].message and ME not in json.dumps(found[0].to_dict())


@pytest.mark.parametrize(
    "claims, words",
    [
        ({"exp": days(-1)}, "expired"),
        ({"exp": days(11)}, "before the last session ends"),
        ({"exp": days(30), "nbf": days(11)}, "after the first session starts"),
        ({"exp": days(30), "email": "someone.else@example.org"}, "forwarded"),
        ({"exp": days(30), "sub": "Someone.Else@example.org"}, "forwarded"),
        ({"exp": days(30), "upn": "x@example.org"}, "forwarded"),
    ],
)
def test_token_rules_fail(claims: dict, words: str) -> None:
    found = judge(make_jwt(**claims))
    assert "FAIL" in statuses(found)
    assert any(words in f.message for f in found), [f.message for f in found]


def test_holder_comparison_ignores_case_and_non_email_subjects() -> None:
    assert statuses(judge(make_jwt(exp=days(30), email=ME.upper()))) == ["PASS"]
    assert statuses(judge(make_jwt(exp=days(30), sub="user-1234"))) == ["PASS"]


def test_unknown_participant_email_warns() -> None:
    assert statuses(judge(make_jwt(exp=days(30), email=ME), email="")) == ["PASS", "WARN"]


def test_leeway_tolerates_a_small_clock_difference() -> None:
    last_end = SESSIONS[-1][1]
    ok = judge(make_jwt(exp=last_end - dt.timedelta(seconds=30)))
    assert statuses(ok) == ["PASS"]
    late = judge(make_jwt(exp=last_end - dt.timedelta(seconds=120)))
    assert "FAIL" in statuses(late)


def test_tokens_are_found_in_path_query_and_fragment() -> None:
    jwt = make_jwt(exp=days(30))
    assert [t.where for t in tokens_in_url(f"https://h.example/join/{jwt}")] == ["path segment 2"]
    assert [t.where for t in tokens_in_url(f"https://h.example/x?jwt={jwt}&a=1")] == [
        "query parameter 'jwt'"
    ]
    assert [t.kind for t in tokens_in_url(f"https://h.example/x#access_token={jwt}")] == ["jwt"]
    assert tokens_in_url("https://h.example/join/abcdefghijklmnopqrstuvwx") == []
    assert read_token("eyJub3QiOiJqd3QifQ.eyJ4IjoxfQ.sig") is None  # header without alg
    assert read_token("x" * 5000) is None


def test_serve_tokens_are_read_without_the_server_key() -> None:
    from meetcheck.server.links import LinkParticipant, LinkSigner

    signer = LinkSigner(b"0123456789abcdef0123")
    person = LinkParticipant("Jane Doe", ME, "Austria", "alternate")
    token = signer.issue(person, days(1))
    (claims,) = tokens_in_url(f"http://127.0.0.1:1/join/{token}")
    assert claims.kind == "meetcheck" and claims.holder == ("email", ME)
    found = judge(token, role="primary")
    assert "before the last session ends" in " ".join(f.message for f in found)
    assert any("alternate speaker" in f.message for f in found)


MEETING = meeting_with_sessions(["rsi.example.org"])


def test_check_never_shows_the_token(run_check) -> None:
    jwt = make_jwt(exp=days(-2), email="other@example.org")
    result = run_check(
        LinkToken, meeting=MEETING, link=f"https://rsi.example.org/join/{jwt}", email=ME
    )
    assert_status(result, "FAIL")
    text = json.dumps([f.to_dict() for f in result.findings])
    assert jwt not in text and jwt.split(".")[1] not in text
    assert "expired" in text and "forwarded" in text


def test_check_skips_a_link_without_a_token(run_check) -> None:
    result = run_check(LinkToken, meeting=MEETING, link="https://rsi.example.org/join/abc")
    assert_status(result, "SKIPPED")


def test_an_expiry_the_meeting_file_describes(run_check) -> None:
    meeting = dict(MEETING, plugins={"links": {"expiry_param": "until"}})
    soon = int(days(11).timestamp())
    link = f"https://rsi.example.org/join/abc?until={soon}"
    result = run_check(LinkToken, meeting=meeting, link=link)
    assert_status(result, "FAIL")
    assert "before the last session ends" in result.findings[0].message
    later = days(30).strftime("%Y-%m-%dT%H:%M:%SZ")
    ok = run_check(LinkToken, meeting=meeting, link=f"https://rsi.example.org/j/a?until={later}")
    assert_status(ok, "PASS")
    # without the meeting file's description the parameter means nothing
    assert_status(run_check(LinkToken, meeting=MEETING, link=link), "SKIPPED")


def test_a_bad_links_table_is_exit_2(meetcheck_cli, tmp_path) -> None:
    meeting = tmp_path / "m.toml"
    meeting.write_text('name = "m"\n[plugins.links]\nexpired_patterns = ["(unclosed"]\n')
    result = meetcheck_cli("check", "--meeting", str(meeting), "--only", "links")
    assert result.exit_code == 2
    assert "plugins.links.expired_patterns.0" in result.output
