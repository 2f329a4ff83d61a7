"""``links.form``: the personal link is a well-formed https link to the meeting's platform.

Judged from the text alone, before anything is contacted: a link that fails here on
credentials, scheme or a look-alike host is never requested by the other link checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from meetcheck.check import Check, Finding, Measurement, Metric, Option, Severity, Status
from meetcheck.checks.links._catalog import N_, _, ngettext
from meetcheck.checks.links.lookalike import Lookalike, is_listed, lookalike, to_unicode
from meetcheck.context import CheckContext
from meetcheck.i18n import localize
from meetcheck.redact import redact_url
from meetcheck.webrtc.loopback import is_loopback_host

# Beyond this many characters a link is not requested at all, whatever the profile says:
# RFC 9110 section 4.1 asks only that 8000 octets be supported.
MAX_CONTACT_LENGTH = 8000
ASK = N_("Ask the meeting secretariat to send you your personal link again; do not use this one.")


@dataclass
class Form:
    """What the text of a link says; ``blocking`` problems stop anyone contacting it."""

    url: str
    scheme: str = ""
    host: str = ""
    port: int | None = None
    problems: list[tuple[Status, str, str]] = field(default_factory=list)
    blocking: bool = False
    listed: bool | None = None  # None: the meeting file lists no hosts
    lookalike: Lookalike | None = None

    def add(self, status: Status, message: str, fix: str = "", block: bool = False) -> None:
        self.problems.append((status, message, fix))
        self.blocking = self.blocking or block


def assess(url: str, hosts: list[str], *, allow_http: bool = False, max_edits: int = 1) -> Form:
    """Every rule of the link's form; pure, so each rule is unit-tested on its own."""
    form = Form(url)
    ask = localize(ASK)
    # The only whitespace isprintable() accepts is the space: one pass in C, not per char.
    if " " in url or not url.isprintable():
        form.add(Status.FAIL, _("the link contains spaces or invisible characters"), ask, True)
    try:
        parts = urlsplit(url.strip())
        form.scheme, form.host, form.port = parts.scheme.lower(), parts.hostname or "", parts.port
    except ValueError as exc:
        why = _("the link is not a valid web address ({error})").format(error=str(exc))
        form.add(Status.FAIL, why, ask, True)
        return form
    if form.scheme not in ("http", "https") or not form.host:
        if form.scheme in ("http", "https"):
            why = _("the link is missing its host name; expected https://…")
        elif form.scheme:
            why = _("the link is a {scheme} link; expected https://…").format(
                scheme=repr(form.scheme)
            )
        else:
            why = _("the link is not a web address; expected https://…")
        form.add(Status.FAIL, why, ask, True)
        return form
    if parts.username is not None or parts.password is not None:
        form.add(
            Status.FAIL,
            _(
                "the link carries a user name or password before the host (user:password@), "
                "a trick used to disguise where a link leads"
            ),
            ask,
            True,
        )
    if hosts:
        form.listed = is_listed(form.host, hosts)
        form.lookalike = lookalike(form.host, hosts, max_edits)
    else:
        form.lookalike = None
    if form.lookalike is not None:
        form.add(
            Status.FAIL,
            _(
                "possible phishing: the link's host {host} imitates {target} ({rule}: {why}); "
                "it was not contacted"
            ).format(
                host=repr(to_unicode(form.host)),
                target=repr(form.lookalike.target),
                rule=form.lookalike.rule,
                why=form.lookalike.detail,
            ),
            _(
                "Do not open this link or enter anything on its page. Forward the message to "
                "the meeting secretariat and ask for your personal link again."
            ),
            True,
        )
    elif form.listed is False:
        form.add(
            Status.FAIL,
            _("the link's host {host} is not one of the meeting's platform hosts ({hosts})").format(
                host=repr(form.host), hosts=", ".join(hosts)
            ),
            _(
                "Use the personal link the meeting secretariat sent you; if this is it, ask them "
                "to confirm it."
            ),
        )
    if form.scheme == "http" and not allow_http:
        # A local test meeting (meetcheck serve, demo) listed in the meeting file keeps
        # every byte on this machine, so plain http is no risk there.
        local = is_loopback_host(form.host) and bool(form.listed)
        if not local:
            form.add(
                Status.FAIL,
                _("the link is plain http, not https: anyone on the network can read or alter it"),
                ask,
                True,
            )
    if len(url) > MAX_CONTACT_LENGTH:
        form.blocking = True
    return form


class LinkForm(Check):
    """A link that imitates the platform, hides credentials or is not https is not yours."""

    id = "links.form"
    title = N_("Personal link: well-formed, https, to the meeting's platform")
    severity = Severity.HIGH
    remediation = ASK
    metrics = {
        "url_length": Metric("characters", description=N_("length of the personal link")),
    }
    options = {
        "allow_http": Option(bool, False, "accept plain http links (never for a real meeting)"),
        "lookalike_edits": Option(
            int, 1, "host names this many edits from a platform host are look-alikes", min=0, max=2
        ),
    }

    async def run(self, ctx: CheckContext) -> list[Finding]:
        link = ctx.participant.link
        if not link:
            ctx.skip(_("no personal link given (--link)"))
        hosts = ctx.meeting.hosts if ctx.meeting else []
        form = assess(
            link,
            hosts,
            allow_http=bool(ctx.options["allow_http"]),
            max_edits=int(ctx.options["lookalike_edits"]),
        )
        facts = [Measurement("link", redact_url(link)), Measurement("host", form.host)]
        findings = [
            Finding(status, message, fix, facts if i == 0 else [])
            for i, (status, message, fix) in enumerate(form.problems)
        ]
        if form.scheme in ("http", "https"):
            findings.append(
                ctx.judge(
                    "url_length",
                    len(link),
                    ok=ngettext("{value} character", "{value} characters", len(link)),
                    bad=ngettext(
                        "the link is {value} character long (limit {limit}): it may have been "
                        "altered or had text pasted into it",
                        "the link is {value} characters long (limit {limit}): it may have been "
                        "altered or had text pasted into it",
                        len(link),
                    ),
                    fallback={"warn": 2000, "fail": MAX_CONTACT_LENGTH, "source": "RFC 9110 4.1"},
                )
            )
        if ctx.meeting is None or not hosts:
            findings.append(
                Finding.warn(
                    _(
                        "no meeting file with [platform] hosts: cannot tell whether the link "
                        "points to the meeting's platform"
                    ),
                    fix=_("Run the check with the meeting file from the secretariat (--meeting)."),
                )
            )
        if not form.problems:
            message = _("{scheme} link to {host}").format(scheme=form.scheme, host=form.host)
            findings.insert(0, Finding.passed(message, facts=facts))
        return findings
