"""links.form and the look-alike rules, rule by rule: pure functions, no network."""

from __future__ import annotations

import pytest

from meetcheck.checks.links.form import LinkForm, assess
from meetcheck.checks.links.lookalike import (
    edit_distance,
    is_listed,
    lookalike,
    scripts,
    skeleton,
    to_unicode,
)
from meetcheck.testing import assert_status, measurement

ALLOWED = ["interprefy.com", "rsi.example.org"]
CYR_I = "\u0456"  # CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I, renders as 'i'
CYR_A = "\u0430"  # CYRILLIC SMALL LETTER A


def rule(host: str, allowed: list[str] = ALLOWED, edits: int = 1) -> str:
    found = lookalike(host, allowed, edits)
    return found.rule if found else ""


@pytest.mark.parametrize(
    "host",
    [
        "interprefy.com",
        "app.interprefy.com",
        "INTERPREFY.COM.",
        "rsi.example.org",
        "x.rsi.example.org",
    ],
)
def test_listed_hosts_and_their_subdomains_are_not_lookalikes(host: str) -> None:
    assert is_listed(host, ALLOWED)
    assert rule(host) == ""


@pytest.mark.parametrize("host", ["other.test", "zoom.us", "meet.jit.si", "un.org", "kudoway.com"])
def test_unrelated_hosts_are_not_lookalikes(host: str) -> None:
    assert rule(host) == ""


def test_punycode_of_a_confusable_name() -> None:
    unicode_host = f"{CYR_I}nterprefy.com"
    puny = unicode_host.encode("idna").decode("ascii")
    assert puny.startswith("xn--")
    assert to_unicode(puny) == unicode_host
    assert rule(puny) == "punycode"


def test_undecodable_punycode_is_never_trusted() -> None:
    assert rule("xn--rsi-exmple-8nf.org") == "punycode"


def test_unicode_confusable_name() -> None:
    assert rule(f"{CYR_I}nterprefy.com") == "confusable"
    assert rule(f"rsi.ex{CYR_A}mple.org") == "confusable"


def test_mixed_scripts_without_a_target() -> None:
    # Cyrillic and Latin letters in one name that imitates nothing listed
    assert scripts(f"p{CYR_A}ypal") == {"LATIN", "CYRILLIC"}
    assert rule(f"p{CYR_A}ypal.com") == "mixed-scripts"


def test_single_script_idn_is_not_mixed() -> None:
    assert rule("пример.рф") == ""


@pytest.mark.parametrize("host", ["interprefy.com.example.net", "rsi.example.org.evil.test"])
def test_allowed_name_as_a_subdomain_of_another_domain(host: str) -> None:
    assert rule(host) == "subdomain"


@pytest.mark.parametrize(
    "host",
    ["interprefy.example.net", "login-interprefy.net", "interprefy-login.com", "interprefy.org",
     "rsi.example.com"],
)  # fmt: skip
def test_allowed_main_name_in_another_domain(host: str) -> None:
    assert rule(host) == "other-domain"


def test_a_sibling_under_the_same_parent_is_not_a_lookalike() -> None:
    assert rule("example.org") == "" and rule("www.example.org") == ""


@pytest.mark.parametrize(
    "host",
    ["interprefy.co", "interpefy.com", "intreprefy.com", "interprefyy.com", "rsi.exampel.org"],
)
def test_one_edit_away(host: str) -> None:
    assert rule(host) == "one-edit"


def test_one_edit_rule_can_be_switched_off() -> None:
    assert rule("interpefy.com", edits=0) == ""
    assert rule("intxrprxfy.com") == ""  # two edits: not flagged


@pytest.mark.parametrize("host", ["rnicrosoft.com", "1nterprefy.com", "lnterprefy.com"])
def test_ascii_lookalike_letters(host: str) -> None:
    allowed = ["microsoft.com", "interprefy.com"]
    assert rule(host, allowed, edits=0) == "confusable"


def test_addresses_are_compared_exactly() -> None:
    assert rule("127.0.0.2", ["127.0.0.1"]) == ""


def test_skeleton_and_distance() -> None:
    assert skeleton(f"{CYR_I}nterprefy") == skeleton("interprefy")
    assert edit_distance("abcd", "abdc") == 1  # a transposition is one edit
    assert edit_distance("abc", "abc") == 0
    assert edit_distance("abc", "xyz", limit=1) == 2


# --- assess: every rule of the link's text ---------------------------------------------


def statuses(form) -> list[str]:
    return [s.value for s, _, _ in form.problems]


def test_a_good_link_has_no_problems() -> None:
    form = assess("https://app.interprefy.com/join/abc", ALLOWED)
    assert form.problems == [] and not form.blocking and form.listed


@pytest.mark.parametrize(
    "url, words",
    [
        ("not a url", "spaces"),
        ("ftp://interprefy.com/x", "'ftp' link"),
        ("mailto:someone@interprefy.com", "'mailto' link"),
        ("https://", "missing its host name"),
        ("https://user:pass@interprefy.com/join/x", "user name or password"),
        ("https://interprefy.com@evil.test/join/x", "user name or password"),
        ("http://interprefy.com/join/x", "plain http"),
        ("https://interprefy.com/jo\x00in", "invisible"),
        ("https://[::1/x", "not a valid web address"),
        ("https://interprefy.com.example.net/j/x", "possible phishing"),
    ],
)
def test_blocking_problems(url: str, words: str) -> None:
    form = assess(url, ALLOWED)
    assert form.blocking, url
    assert any(words in m for _, m, _ in form.problems), form.problems


def test_unlisted_host_fails_but_may_be_contacted() -> None:
    form = assess("https://meet.other.test/x", ALLOWED)
    assert statuses(form) == ["FAIL"] and not form.blocking and form.listed is False


def test_plain_http_only_for_a_listed_loopback_host_or_when_allowed() -> None:
    assert not assess("http://127.0.0.1:8080/join/x", ["127.0.0.1"]).blocking
    assert assess("http://127.0.0.1:8080/join/x", ["rsi.example.org"]).blocking
    assert not assess("http://rsi.example.org/x", ALLOWED, allow_http=True).problems


def test_absurdly_long_links_are_never_contacted() -> None:
    form = assess("https://interprefy.com/" + "a" * 9000, ALLOWED)
    assert form.blocking and form.problems == []


# --- the check itself ---------------------------------------------------------------------


MEETING = {"name": "m", "platform": {"hosts": ALLOWED}}


def test_check_passes_a_good_link(run_check) -> None:
    result = run_check(LinkForm, meeting=MEETING, link="https://interprefy.com/j/Abc")
    assert_status(result, "PASS")
    assert measurement(result, "url_length") == len("https://interprefy.com/j/Abc")


def test_check_fails_a_lookalike_without_showing_the_token(run_check) -> None:
    token = "Zq8xT2vLmN4pRs6uWy0aBc3dEf5gHi7k"
    result = run_check(LinkForm, meeting=MEETING, link=f"https://interprefy.co/join/{token}")
    assert_status(result, "FAIL")
    text = repr([f.to_dict() for f in result.findings])
    assert "possible phishing" in text and "not contacted" in text


def test_check_warns_on_length(run_check) -> None:
    link = "https://interprefy.com/x?" + "a" * 2100
    result = run_check(LinkForm, meeting=MEETING, link=link)
    assert_status(result, "WARN")


def test_check_without_hosts_warns(run_check) -> None:
    result = run_check(LinkForm, link="https://interprefy.com/x")
    assert_status(result, "WARN")


def test_check_skips_without_a_link(run_check) -> None:
    assert_status(run_check(LinkForm, meeting=MEETING), "SKIPPED")


def test_a_listed_idn_host_matches_in_either_form() -> None:
    puny = "bücher.example".encode("idna").decode()
    assert is_listed(puny, ["bücher.example"]) and is_listed("bücher.example", [puny])
    assert rule(puny, ["bücher.example"]) == ""
    assert not assess(f"https://{puny}/j/x", ["bücher.example"]).problems
