"""Fuzzing the link and address rules: whatever the text, the answer is a verdict, never an
exception, and no finding ever carries a token it was given."""

from __future__ import annotations

import datetime as dt
import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.links import make_jwt

from meetcheck.checks.links.form import assess
from meetcheck.checks.links.lookalike import lookalike
from meetcheck.checks.links.tokens import judge_token
from meetcheck.checks.registration.addresses import (
    generic_reason,
    syntax_problems,
    unicode_problems,
)
from meetcheck.checks.registration.roster import roster_problems
from meetcheck.linktoken import described_expiry, read_token, tokens_in_url
from meetcheck.participant import Participant

FUZZ = settings(
    max_examples=int(os.environ.get("MEETCHECK_FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
HOSTS = ["interprefy.com", "rsi.example.org", "127.0.0.1", "bücher.example"]
pieces = st.sampled_from(
    ["https://", "http://", "xn--", "interprefy", ".com", ".", "@", ":", "/", "?", "#", "[",
     "]", "%", "\u0456", "\u0430", "\u200b", "rsi.example.org", "join/", "eyJ", "=", "&"]
)  # fmt: skip
urlish = st.lists(st.one_of(pieces, st.text(max_size=8)), max_size=12).map("".join)


@FUZZ
@given(urlish)
def test_link_rules_never_raise(url: str) -> None:
    form = assess(url, HOSTS)
    assert form.blocking or form.scheme in ("http", "https")
    if form.host:
        lookalike(form.host, HOSTS)
    for token in tokens_in_url(url):
        assert token.kind in ("jwt", "meetcheck")
    described_expiry(url, "until")
    read_token(url)


@FUZZ
@given(st.text(max_size=40), st.text(max_size=20))
def test_address_rules_never_raise(local: str, domain: str) -> None:
    for address in (f"{local}@{domain}", local):
        syntax_problems(address)
        unicode_problems(address)
        generic_reason(address, ["*.pm", "*@shared.example", "[!a-z]*"])


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["exp", "nbf", "iat", "email", "sub", "upn", "role", "v"]),
        st.one_of(
            st.integers(min_value=-(2**70), max_value=2**70),
            st.floats(allow_nan=True),
            st.text(max_size=30),
            st.none(),
            st.booleans(),
        ),
    )
)
def test_token_rules_never_raise_nor_show_the_token(claims: dict) -> None:
    jwt = make_jwt(**claims)
    token = read_token(jwt, "test")
    assert token is not None
    now = dt.datetime.now(dt.UTC)
    sessions = [(now, now + dt.timedelta(hours=2))]
    findings = judge_token(token, "jane@example.org", sessions, now, dt.timedelta(60), "primary")
    text = json.dumps([f.to_dict() for f in findings], default=str)
    assert jwt not in text and jwt.split(".")[1] not in text


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", ""]),
            st.sampled_from(["primary", "alternate", "listener"]),
            st.sampled_from(["a@x.org", "A@x.org ", "b@x.org", ""]),
            st.sampled_from(["https://h/j/1", "HTTPS://H/j/1/", "https://h/j/2", "", "::"]),
        ),
        max_size=8,
    )
)
def test_roster_rules_never_raise(rows: list) -> None:
    people = [Participant(delegation=d, role=r, email=e, link=k) for d, r, e, k in rows]
    for problem in roster_problems(people):
        assert problem.rows and all(0 <= i < len(people) for i in problem.rows)
