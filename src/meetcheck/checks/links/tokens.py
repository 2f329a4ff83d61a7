"""``links.token``: the token in the link is valid for the whole meeting and names this
participant.

A JWT or a ``meetcheck serve`` link token is read, never verified (the checker has no key
and needs none to see what the token says), and never shown: messages name the claim and
a masked address. A token that names someone else means the link was forwarded, which the
meeting notice forbids because it breaks the connection for both people.
"""

from __future__ import annotations

import datetime as dt

from meetcheck.check import Check, Finding, Measurement, Option, Severity
from meetcheck.context import CheckContext
from meetcheck.linktoken import TokenClaims, described_expiry, mask_email, tokens_in_url

FORWARDED_FIX = (
    "Do not use a link someone forwarded to you: each speaker has their own. Ask the meeting "
    "secretariat for your personal link, sent to the address you registered."
)


def _when(t: dt.datetime) -> str:
    return f"{t.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


def judge_token(
    token: TokenClaims,
    email: str,
    sessions: list[tuple[dt.datetime, dt.datetime]],
    now: dt.datetime,
    leeway: dt.timedelta,
    role: str = "",
) -> list[Finding]:
    """Every rule for one token; pure, so the rules are unit-tested without a server."""
    kind = {"jwt": "JWT", "meetcheck": "meetcheck link token"}.get(token.kind, "expiry")
    facts = [Measurement("token_kind", token.kind), Measurement("token_place", token.where)]
    findings: list[Finding] = []
    exp, nbf = token.expires_at, token.not_before
    first = min((s for s, _ in sessions), default=None)
    last = max((e for _, e in sessions), default=None)
    if exp is not None:
        facts.append(Measurement("expires_at", exp.isoformat()))
        if exp + leeway < now:
            findings.append(Finding.fail(f"the link's {kind} expired {_when(exp)}"))
        elif last is not None and exp + leeway < last:
            findings.append(
                Finding.fail(
                    f"the link's {kind} expires {_when(exp)}, before the last session ends "
                    f"({_when(last)}): it will stop working during the meeting"
                )
            )
    elif token.kind == "jwt":
        findings.append(
            Finding.passed(f"the {kind} has no expiry (exp): nothing to compare", facts=facts)
        )
    if nbf is not None:
        facts.append(Measurement("not_before", nbf.isoformat()))
        if first is not None and nbf - leeway > first:
            findings.append(
                Finding.fail(
                    f"the link's {kind} is not valid before {_when(nbf)}, after the first "
                    f"session starts ({_when(first)})"
                )
            )
    claim, holder = token.holder
    if holder:
        facts.append(Measurement("issued_to", mask_email(holder)))
        if email and holder.strip().lower() != email.strip().lower():
            findings.append(
                Finding.fail(
                    f"the link was issued to {mask_email(holder)} (claim {claim!r}), not to "
                    f"{mask_email(email)}: it was forwarded",
                    fix=FORWARDED_FIX,
                )
            )
        elif not email:
            findings.append(
                Finding.warn(
                    f"the link is issued to {mask_email(holder)}; give your registered e-mail "
                    "(--email) to confirm it is yours",
                    fix="Run the check again with --email and your registered address.",
                )
            )
    linked_role = token.claims.get("role")
    if role and isinstance(linked_role, str) and linked_role and linked_role != role:
        findings.append(
            Finding.warn(
                f"the link is for the {linked_role} speaker; this check ran for the {role} "
                "(--role)",
                fix="Run the check with the right --role; if you are the "
                f"{role}, ask your delegation which of you is primary and which alternate.",
            )
        )
    if not any(f.status.value in ("FAIL",) for f in findings):
        until = f", valid until {_when(exp)}" if exp else ""
        ok = f"the link's {kind} is readable{until}"
        if holder and email:
            ok += f" and names you ({mask_email(holder)})"
        findings.insert(0, Finding.passed(ok, facts=facts))
    else:
        findings[0].measurements = facts + findings[0].measurements
    return findings


class LinkToken(Check):
    """A forwarded or short-lived link fails on the day; its token says so in advance."""

    id = "links.token"
    title = "Personal link: its token is yours and lasts the meeting"
    severity = Severity.HIGH
    remediation = "Ask the meeting secretariat for a new personal link."
    options = {
        "leeway_s": Option(
            int, 60, "clock difference tolerated on exp/nbf, seconds", min=0, max=3600
        ),
    }

    async def run(self, ctx: CheckContext) -> list[Finding]:
        link = ctx.participant.link
        if not link:
            ctx.skip("no personal link given (--link)")
        tokens = tokens_in_url(link)
        table = (ctx.meeting.plugins.get("links") if ctx.meeting else None) or {}
        described = described_expiry(link, table.get("expiry_param", ""))
        if described is not None:
            tokens.append(described)
        if not tokens:
            ctx.skip("the link carries no token meetcheck can read (JWT or meetcheck link)")
        sessions = [(s.start, s.end) for s in (ctx.meeting.sessions if ctx.meeting else [])]
        leeway = dt.timedelta(seconds=int(ctx.options["leeway_s"]))
        now = dt.datetime.now(dt.UTC)
        findings: list[Finding] = []
        for token in tokens:
            findings += judge_token(
                token,
                ctx.participant.email,
                sessions,
                now,
                leeway,
                ctx.participant.role,
            )
        return findings
