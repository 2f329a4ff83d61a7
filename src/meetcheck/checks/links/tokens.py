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
from meetcheck.checks.links._catalog import N_, _
from meetcheck.context import CheckContext
from meetcheck.i18n import localize
from meetcheck.linktoken import TokenClaims, described_expiry, mask_email, tokens_in_url

# What a token is called in messages, by TokenClaims.kind.
KINDS = {"jwt": N_("JWT"), "meetcheck": N_("meetcheck link token")}
# Translators: a link whose expiry is a plain parameter (expires=...), not a token.
EXPIRY = N_("expiry")
FORWARDED_FIX = N_(
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
    kind = localize(KINDS.get(token.kind, EXPIRY))
    facts = [Measurement("token_kind", token.kind), Measurement("token_place", token.where)]
    findings: list[Finding] = []
    exp, nbf = token.expires_at, token.not_before
    first = min((start for start, _end in sessions), default=None)
    last = max((end for _start, end in sessions), default=None)
    if exp is not None:
        facts.append(Measurement("expires_at", exp.isoformat()))
        if exp + leeway < now:
            message = _("the link's {kind} expired {when}").format(kind=kind, when=_when(exp))
            findings.append(Finding.fail(message))
        elif last is not None and exp + leeway < last:
            findings.append(
                Finding.fail(
                    _(
                        "the link's {kind} expires {when}, before the last session ends "
                        "({end}): it will stop working during the meeting"
                    ).format(kind=kind, when=_when(exp), end=_when(last))
                )
            )
    elif token.kind == "jwt":
        message = _("the {kind} has no expiry (exp): nothing to compare").format(kind=kind)
        findings.append(Finding.passed(message, facts=facts))
    if nbf is not None:
        facts.append(Measurement("not_before", nbf.isoformat()))
        if first is not None and nbf - leeway > first:
            findings.append(
                Finding.fail(
                    _(
                        "the link's {kind} is not valid before {when}, after the first "
                        "session starts ({start})"
                    ).format(kind=kind, when=_when(nbf), start=_when(first))
                )
            )
    claim, holder = token.holder
    if holder:
        facts.append(Measurement("issued_to", mask_email(holder)))
        if email and holder.strip().lower() != email.strip().lower():
            findings.append(
                Finding.fail(
                    _(
                        "the link was issued to {holder} (claim {claim}), not to {email}: "
                        "it was forwarded"
                    ).format(holder=mask_email(holder), claim=repr(claim), email=mask_email(email)),
                    fix=localize(FORWARDED_FIX),
                )
            )
        elif not email:
            findings.append(
                Finding.warn(
                    _(
                        "the link is issued to {holder}; give your registered e-mail "
                        "(--email) to confirm it is yours"
                    ).format(holder=mask_email(holder)),
                    fix=_("Run the check again with --email and your registered address."),
                )
            )
    linked_role = token.claims.get("role")
    if role and isinstance(linked_role, str) and linked_role and linked_role != role:
        findings.append(
            Finding.warn(
                _(
                    "the link is for the {linked} speaker; this check ran for the {role} (--role)"
                ).format(linked=linked_role, role=role),
                fix=_(
                    "Run the check with the right --role; if you are the {role}, ask your "
                    "delegation which of you is primary and which alternate."
                ).format(role=role),
            )
        )
    if not any(f.status.value in ("FAIL",) for f in findings):
        if exp:
            ok = _("the link's {kind} is readable, valid until {when}")
        else:
            ok = _("the link's {kind} is readable")
        ok = ok.format(kind=kind, when=_when(exp) if exp else "")
        if holder and email:
            ok = _("{message} and names you ({holder})").format(
                message=ok, holder=mask_email(holder)
            )
        findings.insert(0, Finding.passed(ok, facts=facts))
    else:
        findings[0].measurements = facts + findings[0].measurements
    return findings


class LinkToken(Check):
    """A forwarded or short-lived link fails on the day; its token says so in advance."""

    id = "links.token"
    title = N_("Personal link: its token is yours and lasts the meeting")
    severity = Severity.HIGH
    remediation = N_("Ask the meeting secretariat for a new personal link.")
    options = {
        "leeway_s": Option(
            int, 60, "clock difference tolerated on exp/nbf, seconds", min=0, max=3600
        ),
    }

    async def run(self, ctx: CheckContext) -> list[Finding]:
        link = ctx.participant.link
        if not link:
            ctx.skip(_("no personal link given (--link)"))
        tokens = tokens_in_url(link)
        table = (ctx.meeting.plugins.get("links") if ctx.meeting else None) or {}
        described = described_expiry(link, table.get("expiry_param", ""))
        if described is not None:
            tokens.append(described)
        if not tokens:
            ctx.skip(_("the link carries no token meetcheck can read (JWT or meetcheck link)"))
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
