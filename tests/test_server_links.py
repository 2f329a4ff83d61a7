"""Personal links: signing, expiry, revocation, and the /join pages over real HTTP."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st
from support.helpers import run_async as run

from meetcheck.server.links import (
    LEEWAY,
    LinkError,
    LinkExpired,
    LinkParticipant,
    LinkSigner,
    LinkTampered,
    LinkUnknown,
    Roster,
    mask_email,
    setup_links,
)

SECRET = b"0123456789abcdef-test-secret"
MEETING = "Committee on Examples, 12th session"
ANA = LinkParticipant("Ana Example", "ana.example@example.org", "Examplia", "primary")
BOB = LinkParticipant("Bob Sample", "bob@example.org", "Samplestan", "alternate")
EVIL = LinkParticipant("<script>alert(1)</script>", "x@example.org", "A&B <b>", "listener")


def later(**kw: float) -> datetime:
    return datetime.now(UTC) + timedelta(**kw)


@asynccontextmanager
async def serve(roster: Any, signer: LinkSigner | None = None) -> AsyncIterator[str]:
    """A real aiohttp server on 127.0.0.1 with only the links routes."""
    app = web.Application()
    setup_links(app, signer or LinkSigner(SECRET), roster, meeting_name=MEETING)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def fetch(url: str, **headers: str) -> tuple[int, str, dict[str, str]]:
    async with aiohttp.ClientSession() as s, s.get(url, headers=headers) as r:
        return r.status, await r.text(), dict(r.headers)


def flip(token: str, index: int) -> str:
    """One character changed to another base64url character (keeps URL routing intact)."""
    c = token[index]
    return token[:index] + ("A" if c != "A" else "B") + token[index + 1 :]


# --- the signer ------------------------------------------------------------------------


def test_issue_and_verify_round_trip():
    """A fresh link verifies and names the participant it was issued for."""
    signer = LinkSigner(SECRET)
    token = signer.issue(ANA, later(hours=1))
    assert signer.verify(token) == ANA
    claims = signer.verify_claims(token)
    assert len(claims.link_id) >= 16
    assert claims.expires_at > claims.issued_at


def test_each_link_has_its_own_id():
    """Two links for one person differ, so one can be revoked without the other."""
    signer = LinkSigner(SECRET)
    exp = later(hours=1)
    a, b = signer.issue(ANA, exp), signer.issue(ANA, exp)
    assert a != b
    assert signer.verify_claims(a).link_id != signer.verify_claims(b).link_id


def test_any_single_character_change_is_tampered():
    """Every position matters, including the unused low bits of the last base64 character."""
    signer = LinkSigner(SECRET)
    token = signer.issue(ANA, later(hours=1))
    for i in range(len(token)):
        for bad in (flip(token, i), token[:i] + chr(ord(token[i]) ^ 1) + token[i + 1 :]):
            with pytest.raises(LinkTampered):
                signer.verify(bad)


def test_other_secret_truncation_and_garbage_are_tampered():
    """A link from another server, a cut-off link, or junk is refused as tampered."""
    token = LinkSigner(SECRET).issue(ANA, later(hours=1))
    for bad in (
        LinkSigner(b"another-secret-of-16+bytes").issue(ANA, later(hours=1)),
        token[:-5],
        token.split(".")[0],
        "",
        "abc.def",
        "x" * 5000,
        token + ".x",
        "é" + token,
    ):
        with pytest.raises(LinkTampered):
            LinkSigner(SECRET).verify(bad)


def test_forged_payload_with_valid_looking_signature_is_tampered():
    """Editing the readable payload (e.g. role listener->primary) breaks the signature."""
    signer = LinkSigner(SECRET)
    token = signer.issue(BOB, later(hours=1))
    payload, sig = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["role"] = "primary"
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    with pytest.raises(LinkTampered):
        signer.verify(f"{forged}.{sig}")


def test_expiry_with_documented_leeway():
    """Clock skew up to LEEWAY is tolerated; beyond it the link is expired."""
    signer = LinkSigner(SECRET)
    exp = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    token = signer.issue(ANA, exp, now=exp - timedelta(days=1))
    assert signer.verify(token, now=exp + LEEWAY - timedelta(seconds=1)) == ANA
    with pytest.raises(LinkExpired) as info:
        signer.verify(token, now=exp + LEEWAY + timedelta(seconds=1))
    assert info.value.expires_at == exp
    assert info.value.claims is not None and info.value.claims.participant == ANA
    assert LEEWAY == timedelta(seconds=60)


def test_roster_removal_revocation_and_role_change_are_unknown():
    """Valid signature but no longer on the roster, revoked, or role changed -> unknown."""
    signer = LinkSigner(SECRET)
    roster = Roster([ANA, BOB])
    ana, bob = signer.issue(ANA, later(hours=1)), signer.issue(BOB, later(hours=1))
    assert signer.verify(ana, roster=roster) == ANA
    roster.revoke(signer.verify_claims(ana).link_id)
    with pytest.raises(LinkUnknown):
        signer.verify(ana, roster=roster)
    assert signer.verify(signer.issue(ANA, later(hours=1)), roster=roster) == ANA  # new link ok
    roster.remove(BOB.email)
    with pytest.raises(LinkUnknown):
        signer.verify(bob, roster=roster)
    roster.add(LinkParticipant(BOB.name, BOB.email, BOB.delegation, "listener"))
    with pytest.raises(LinkUnknown):
        signer.verify(bob, roster=roster)


def test_roster_entry_updates_name():
    """A corrected name on the roster shows, since the link is bound to e-mail and role."""
    signer = LinkSigner(SECRET)
    token = signer.issue(ANA, later(hours=1))
    fixed = LinkParticipant("Ana M. Example", ANA.email.upper(), ANA.delegation, ANA.role)
    assert signer.verify(token, roster=Roster([fixed])).name == "Ana M. Example"


def test_signer_refuses_weak_secret_naive_time_and_unknown_role():
    """Mistakes that would silently weaken links fail loudly at issue time."""
    with pytest.raises(ValueError):
        LinkSigner(b"short")
    signer = LinkSigner("a string secret of 16+ chars")
    with pytest.raises(ValueError):
        signer.issue(ANA, datetime(2030, 1, 1))
    with pytest.raises(ValueError):
        signer.issue(LinkParticipant("A", "a@b.c", "D", "boss"), later(hours=1))
    assert "string secret" not in repr(signer)


def test_mask_email():
    assert mask_email("jane.doe@example.org") == "j***@example.org"
    assert mask_email("x@y") == "x***@y"
    assert mask_email("nodomain") == "n***"


# --- the pages ---------------------------------------------------------------------------


def test_valid_link_page_names_participant_and_warns_not_to_forward():
    """The page behind a valid link says whom it is for and that it is personal."""

    async def go() -> None:
        signer = LinkSigner(SECRET)
        token = signer.issue(ANA, later(hours=2))
        async with serve([ANA, BOB], signer) as base:
            status, body, headers = await fetch(f"{base}/join/{token}")
        assert status == 200
        assert headers["Content-Type"].startswith("text/html")
        for fact in (ANA.name, ANA.delegation, "primary", "a***@example.org", MEETING):
            assert fact in body
        assert ANA.email not in body  # only the masked form
        assert "personal" in body and "do not forward" in body
        assert token not in body and token.split(".")[1] not in body
        assert headers["Cache-Control"] == "no-store"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert "<link" not in body and "<script" not in body and "src=" not in body

    run(go)


def test_flipped_byte_gives_403_page_without_token():
    async def go() -> None:
        signer = LinkSigner(SECRET)
        token = signer.issue(ANA, later(hours=2))
        bad = flip(token, len(token) - 10)
        async with serve([ANA], signer) as base:
            status, body, _ = await fetch(f"{base}/join/{bad}")
            jstatus, jbody, _ = await fetch(f"{base}/join/{bad}.json")
        assert status == 403
        assert "damaged" in body and ANA.name not in body
        assert bad not in body
        assert jstatus == 403 and json.loads(jbody)["status"] == "tampered"
        assert json.loads(jbody)["participant"] is None

    run(go)


def test_expired_link_gives_410_with_date_and_what_to_do():
    async def go() -> None:
        signer = LinkSigner(SECRET)
        exp = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
        token = signer.issue(ANA, exp, now=exp - timedelta(days=3))
        async with serve([ANA], signer) as base:
            status, body, _ = await fetch(f"{base}/join/{token}")
            jstatus, jbody, _ = await fetch(f"{base}/join/{token}.json")
        assert status == 410
        assert f"expired on {exp.strftime('%Y-%m-%d %H:%M')} UTC" in body
        assert "ask the secretariat for a new one" in body.lower()
        assert token not in body
        data = json.loads(jbody)
        assert jstatus == 410 and data["status"] == "expired"
        assert datetime.fromisoformat(data["expires_at"]) == exp

    run(go)


def test_revoked_and_removed_links_give_404():
    async def go() -> None:
        signer = LinkSigner(SECRET)
        roster = Roster([ANA, BOB])
        ana = signer.issue(ANA, later(hours=2))
        bob = signer.issue(BOB, later(hours=2))
        async with serve(roster, signer) as base:
            assert (await fetch(f"{base}/join/{ana}"))[0] == 200
            roster.revoke(signer.verify_claims(ana).link_id)
            status, body, _ = await fetch(f"{base}/join/{ana}")
            assert status == 404 and "no longer valid" in body and ANA.name not in body
            assert ana not in body
            assert (await fetch(f"{base}/join/{bob}"))[0] == 200
            roster.remove(BOB.email)
            jstatus, jbody, _ = await fetch(f"{base}/join/{bob}.json")
            assert jstatus == 404 and json.loads(jbody)["status"] == "unknown"

    run(go)


def test_plain_list_roster_is_read_live():
    """The app passes a list; taking someone off it must make their links unknown."""

    async def go() -> None:
        signer = LinkSigner(SECRET)
        people = [ANA, BOB]
        token = signer.issue(BOB, later(hours=2))
        async with serve(people, signer) as base:
            assert (await fetch(f"{base}/join/{token}"))[0] == 200
            people.remove(BOB)
            assert (await fetch(f"{base}/join/{token}"))[0] == 404

    run(go)


def test_json_variant_and_accept_header_give_the_same_facts():
    """The link checks read JSON: status, participant, expiry; never the token."""

    async def go() -> None:
        signer = LinkSigner(SECRET)
        exp = later(hours=5).replace(microsecond=0)
        token = signer.issue(BOB, exp)
        async with serve([ANA, BOB], signer) as base:
            s1, b1, h1 = await fetch(f"{base}/join/{token}.json")
            s2, b2, _ = await fetch(f"{base}/join/{token}", Accept="application/json")
        assert s1 == s2 == 200
        assert h1["Content-Type"].startswith("application/json")
        d1, d2 = json.loads(b1), json.loads(b2)
        assert d1 == d2
        assert d1["status"] == "valid" and d1["meeting"] == MEETING
        assert d1["participant"] == {
            "name": BOB.name,
            "email": BOB.email,
            "email_masked": "b***@example.org",
            "delegation": BOB.delegation,
            "role": "alternate",
        }
        assert datetime.fromisoformat(d1["expires_at"]) == exp
        assert token not in b1

    run(go)


def test_participant_name_is_html_escaped():
    """Roster text is untrusted: a name with markup must show as text, not run."""

    async def go() -> None:
        signer = LinkSigner(SECRET)
        token = signer.issue(EVIL, later(hours=1))
        async with serve([EVIL], signer) as base:
            status, body, _ = await fetch(f"{base}/join/{token}")
        assert status == 200
        assert "<script>" not in body and "<b>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
        assert "A&amp;B &lt;b&gt;" in body

    run(go)


def test_logs_never_contain_the_token(caplog: pytest.LogCaptureFixture):
    """Access to /join is logged by link id and outcome only."""

    async def go() -> list[str]:
        signer = LinkSigner(SECRET)
        good = signer.issue(ANA, later(hours=1))
        bad = flip(good, 5)
        async with serve([ANA], signer) as base:
            for t in (good, bad):
                await fetch(f"{base}/join/{t}")
        return [good, bad]

    with caplog.at_level(logging.DEBUG, logger="meetcheck"):
        tokens = run(go)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("meetcheck")]
    assert any("valid" in m for m in ours) and any("tampered" in m for m in ours)
    for token in tokens:
        for part in token.split("."):
            assert all(part not in m for m in ours)


# --- time stamps at the edges of the calendar ----------------------------------------------


def sign(payload: dict[str, Any], secret: bytes = SECRET) -> str:
    """A token for ``payload`` made by the documented format, independently of LinkSigner."""
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    part = b64(json.dumps(payload).encode())
    mac = hmac.new(secret, b"meetcheck-link.v1." + part.encode(), hashlib.sha256).digest()
    return f"{part}.{b64(mac)}"


def payload_for(p: LinkParticipant, iat: int, exp: int) -> dict[str, Any]:
    return {
        "v": 1,
        "id": "edge-of-time",
        "email": p.email,
        "name": p.name,
        "delegation": p.delegation,
        "role": p.role,
        "iat": iat,
        "exp": exp,
    }


YEAR_9999_END = 253402300799  # 9999-12-31T23:59:59Z, the last second datetime can hold
NOW = int(datetime.now(UTC).timestamp())


@pytest.mark.parametrize(
    "iat, exp",
    [
        (NOW, YEAR_9999_END),
        (NOW, YEAR_9999_END - 30),
        (NOW, YEAR_9999_END + 1),
        (NOW, 10**20),
        (NOW, -(10**20)),
        (-(10**15), NOW + 3600),
        (YEAR_9999_END, YEAR_9999_END),
    ],
)
def test_signed_token_with_out_of_range_times_gets_a_clean_4xx(iat: int, exp: int):
    """A correctly signed token whose times datetime can barely (or not) hold once gave a
    500 (OverflowError adding the leeway); it is a damaged link, not a server error."""
    token = sign(payload_for(ANA, iat, exp))

    async def go() -> list[tuple[int, str]]:
        async with serve([ANA]) as base:
            return [
                (status, body)
                for status, body, _ in [
                    await fetch(f"{base}/join/{token}"),
                    await fetch(f"{base}/join/{token}.json"),
                ]
            ]

    for status, body in run(go):
        assert 400 <= status < 500, body
        assert token not in body
    with pytest.raises(LinkTampered):
        LinkSigner(SECRET).verify(token)


@settings(max_examples=200, deadline=None)
@given(
    iat=st.one_of(st.integers(), st.integers(-(2**40), 2**40)),
    exp=st.one_of(st.integers(), st.integers(-(2**40), 2**40), st.just(YEAR_9999_END)),
)
def test_fuzz_signed_time_stamps_never_escape_as_other_errors(iat: int, exp: int) -> None:
    """Whatever integers a validly signed token holds, verification ends in a verdict."""
    token = sign(payload_for(ANA, iat, exp))
    try:
        claims = LinkSigner(SECRET, Roster([ANA])).verify_claims(token)
    except LinkError:
        return
    assert claims.participant == ANA
