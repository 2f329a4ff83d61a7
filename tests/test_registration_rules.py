"""registration.*: e-mail syntax, Unicode tricks, generic mailboxes, deadline, roster rules."""

from __future__ import annotations

import datetime as dt

import pytest

from meetcheck.checks.registration.addresses import (
    generic_reason,
    syntax_problems,
    unicode_problems,
)
from meetcheck.checks.registration.deadline import RegistrationDeadline
from meetcheck.checks.registration.email import RegistrationEmail, RegistrationPersonal
from meetcheck.checks.registration.roster import roster_problems
from meetcheck.participant import Participant
from meetcheck.testing import assert_status

CYR_A = "\u0430"


@pytest.mark.parametrize(
    "address", ["jane.doe@example.org", "j.doe+rsi@mfa.gov.example", "o'neil@example.co.uk"]
)
def test_good_addresses(address: str) -> None:
    assert syntax_problems(address) == [] and unicode_problems(address) == []


@pytest.mark.parametrize(
    "address, rule",
    [
        ("jane doe@example.org", "spaces"),
        ("jane@doe@example.org", "at"),
        ("jane.example.org", "at"),
        ("@example.org", "local"),
        ("jane@localhost", "domain"),
        ("jane@exa_mple.org", "domain"),
        ("jane..doe@example.org", "local"),
        ("jane\u200b@example.org", "invisible"),
        ("jane\x07@example.org", "invisible"),
        ("j" * 65 + "@example.org", "local"),
        ("jane@" + "a" * 250 + ".org", "length"),
    ],
)
def test_syntax_rules(address: str, rule: str) -> None:
    assert rule in [p.rule for p in syntax_problems(address)]


def test_confusable_letters_fail() -> None:
    rules = {p.rule: p for p in unicode_problems(f"j{CYR_A}ne@example.org")}
    assert rules["confusable"].severity == "fail"
    assert "U+0430" in rules["confusable"].message
    assert rules["mixed-scripts"].severity == "fail"


def test_mixed_scripts_in_the_domain_fail() -> None:
    assert "mixed-scripts" in [p.rule for p in unicode_problems("jane@exаmple.org")]


def test_single_script_non_latin_only_warns() -> None:
    problems = unicode_problems("почта@пример.рф")
    assert [(p.rule, p.severity) for p in problems] == [("non-ascii", "warn")]


@pytest.mark.parametrize(
    "address",
    ["mission@example.org", "info@example.org", "delegation@mfa.example", "secretariat@x.org",
     "contact@x.org", "office@x.org", "Mission.Geneva@x.org", "info2@x.org", "protocol-un@x.org"],
)  # fmt: skip
def test_generic_addresses(address: str) -> None:
    assert generic_reason(address)


@pytest.mark.parametrize(
    "address", ["jane.doe@example.org", "infoman@x.org", "missionary.j@x.org", "a.office@x.org"]
)
def test_personal_addresses(address: str) -> None:
    assert generic_reason(address) == ""


def test_profile_patterns_add_generic_addresses() -> None:
    assert generic_reason("geneva.pm@x.org") == ""
    assert "*.pm" in generic_reason("geneva.pm@x.org", ["*.pm"])
    assert generic_reason("anyone@shared.example", ["*@shared.example"])
    assert generic_reason("anyone@other.example", ["*@shared.example"]) == ""


def test_email_check(run_check) -> None:
    assert_status(run_check(RegistrationEmail, email="jane.doe@example.org"), "PASS")
    assert_status(run_check(RegistrationEmail, email="jane doe@example"), "FAIL")
    assert_status(run_check(RegistrationEmail, email=f"j{CYR_A}ne@example.org"), "FAIL")
    assert_status(run_check(RegistrationEmail), "SKIPPED")


def test_personal_check_reads_profile_patterns(run_check) -> None:
    assert_status(run_check(RegistrationPersonal, email="mission@example.org"), "FAIL")
    assert_status(run_check(RegistrationPersonal, email="geneva.pm@example.org"), "PASS")
    result = run_check(
        RegistrationPersonal,
        email="geneva.pm@example.org",
        profile={"options": {"generic_patterns": ["*.pm"]}},
    )
    assert_status(result, "FAIL")


MEETING = {
    "name": "m",
    "timezone": "Europe/Zurich",
    "registration": {
        "delegation_deadline": dt.date(2020, 11, 18),
        "speaker_deadline": dt.date(2020, 11, 20),
    },
}


@pytest.mark.parametrize(
    "registered, status",
    [
        (dt.datetime(2020, 11, 19, 9, 0), "PASS"),
        (dt.datetime(2020, 11, 20, 23, 59), "PASS"),  # the deadline day lasts to its end
        (dt.datetime(2020, 11, 21, 0, 1), "WARN"),
        (dt.datetime(2020, 11, 24, 10, 0), "WARN"),
    ],
)
def test_deadline(run_check, registered: dt.datetime, status: str) -> None:
    result = run_check(
        RegistrationDeadline, meeting=MEETING, cli_options={"registered": registered}
    )
    assert_status(result, status)


def test_late_registration_can_fail_and_listeners_use_the_delegation_deadline(run_check) -> None:
    late = {"registered": dt.datetime(2020, 11, 19, 12, 0)}
    speaker = run_check(RegistrationDeadline, meeting=MEETING, cli_options=late)
    assert_status(speaker, "PASS")
    listener = run_check(
        RegistrationDeadline,
        meeting=MEETING,
        cli_options=late,
        role="listener",
        profile={"options": {"late": "fail"}},
    )
    assert_status(listener, "FAIL")


def test_deadline_without_a_registration_time_says_when_it_closed(run_check) -> None:
    result = run_check(RegistrationDeadline, meeting=MEETING)
    assert_status(result, "PASS")
    assert "closed" in result.findings[0].message


# --- roster rules ---------------------------------------------------------------------------


def p(name: str, email: str, delegation: str, role: str, link: str = "") -> Participant:
    return Participant(name=name, email=email, delegation=delegation, role=role, link=link)


def test_a_good_roster_has_no_problems() -> None:
    rows = [
        p("A", "a@x.org", "Austria", "primary", "https://rsi.example.org/j/aaaa"),
        p("B", "b@x.org", "Austria", "alternate", "https://rsi.example.org/j/bbbb"),
        p("C", "c@y.org", "Chile", "primary", "https://rsi.example.org/j/cccc"),
        p("D", "d@y.org", "Chile", "alternate", "https://rsi.example.org/j/dddd"),
        p("E", "e@y.org", "Chile", "listener"),
    ]
    assert roster_problems(rows) == []


def test_roster_roles_per_delegation() -> None:
    rows = [
        p("A", "a@x.org", "Austria", "primary"),
        p("B", "b@x.org", "Austria", "primary"),
        p("C", "c@y.org", "Chile", "alternate"),
    ]
    found = {(x.rule, x.delegation, x.rows) for x in roster_problems(rows)}
    assert ("extra-role", "Austria", (0, 1)) in found
    assert ("missing-role", "Austria", (0, 1)) in found  # no alternate
    assert ("missing-role", "Chile", (2,)) in found  # no primary
    assert len(found) == 3


def test_roster_same_address_and_same_link_across_delegations() -> None:
    token = "Zq8xT2vLmN4pRs6uWy0aBc3dEf5gHi7k"
    rows = [
        p("A", "Jane@X.org", "Austria", "primary", f"https://rsi.example.org/j/{token}"),
        p("B", "jane@x.org ", "Austria", "alternate", "https://rsi.example.org/j/other1"),
        p("C", "c@y.org", "Chile", "primary", f"HTTPS://RSI.example.org/j/{token}/"),
        p("D", "d@y.org", "Chile", "alternate", "https://rsi.example.org/j/other2"),
    ]
    problems = roster_problems(rows)
    by_rule = {x.rule: x for x in problems}
    assert set(by_rule) == {"same-address", "same-link"}
    assert by_rule["same-address"].rows == (0, 1)
    assert by_rule["same-link"].rows == (0, 2)
    assert "forwarded" in by_rule["same-link"].message
    assert token not in by_rule["same-link"].message


def test_the_same_token_behind_two_links_is_the_same_link() -> None:
    from tests.support.links import days, make_jwt

    jwt = make_jwt(email="a@x.org", exp=days(30))
    rows = [
        p("A", "a@x.org", "Austria", "primary", f"https://rsi.example.org/join/{jwt}"),
        p("B", "b@x.org", "Austria", "alternate", f"https://rsi.example.org/j?jwt={jwt}&lang=fr"),
    ]
    (problem,) = roster_problems(rows)
    assert problem.rule == "same-link" and problem.rows == (0, 1)
