"""``registration.email`` and ``registration.personal``: the address the personal link is
sent to is valid, free of look-alike characters, and one person's own."""

from __future__ import annotations

from meetcheck.check import Check, Finding, Option, Severity
from meetcheck.checks.registration._catalog import N_, _
from meetcheck.checks.registration.addresses import (
    generic_reason,
    syntax_problems,
    unicode_problems,
)
from meetcheck.context import CheckContext
from meetcheck.i18n import localize
from meetcheck.linktoken import mask_email

REREGISTER = N_(
    "Correct your registration with the meeting secretariat: give your own e-mail address, "
    "typed in plain Latin letters."
)


def _findings(problems: list, fix: str) -> list[Finding]:
    return [
        Finding.fail(p.message, fix=localize(fix))
        if p.severity == "fail"
        else Finding.warn(p.message, fix=localize(fix))
        for p in problems
    ]


class RegistrationEmail(Check):
    """The personal link goes to this address: a typo or a look-alike loses it."""

    id = "registration.email"
    title = N_("Registered e-mail address is valid")
    severity = Severity.HIGH
    remediation = REREGISTER

    async def run(self, ctx: CheckContext) -> list[Finding]:
        email = ctx.participant.email
        if not email:
            ctx.skip(_("no e-mail address given (--email)"))
        problems = syntax_problems(email) + unicode_problems(email)
        findings = _findings(problems, REREGISTER)
        if not findings:
            message = _("{address} is a well-formed address").format(address=mask_email(email))
            findings = [Finding.passed(message)]
        return findings


class RegistrationPersonal(Check):
    """A generic mission address is read by several people: the link must reach one."""

    id = "registration.personal"
    title = N_("Registered e-mail address is personal, not generic")
    severity = Severity.MEDIUM
    remediation = N_(
        "Register with your personal e-mail address, not the mission's or delegation's "
        "shared address: your personal link is sent there and must not be shared."
    )
    options = {
        "generic_patterns": Option(
            list,
            [],
            "more generic mailboxes: globs on the part before '@' (or the whole address)",
            item_type=str,
        ),
    }

    async def run(self, ctx: CheckContext) -> Finding:
        email = ctx.participant.email
        if not email:
            ctx.skip(_("no e-mail address given (--email)"))
        if ctx.participant.role in ("listener",):
            ctx.skip(_("listeners receive no personal speaking link"))
        reason = generic_reason(email, ctx.options["generic_patterns"])
        if reason:
            return Finding.fail(
                _("{address} looks like a shared office address: {reason}").format(
                    address=mask_email(email), reason=reason
                ),
                facts={"address": mask_email(email)},
            )
        return Finding.passed(_("{address} looks personal").format(address=mask_email(email)))
