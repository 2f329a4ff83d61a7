"""``links.safety``: the link, and every redirect, leads to public addresses only.

A link that resolves to a private, loopback, link-local, multicast or reserved address is
refused and never connected to, unless its host is one of the meeting's ``[platform]
hosts``: a secretariat checking hundreds of links must not be made to probe its own
network. The probe resolves each host once and connects to an address it vetted.
"""

from __future__ import annotations

from meetcheck.check import Check, Finding, Measurement, Severity
from meetcheck.checks.links._catalog import N_, _, ngettext
from meetcheck.checks.links._probe import PROBE_IMPORTS, probe_link, refused_reason
from meetcheck.context import CheckContext
from meetcheck.redact import redact_url


class LinkSafety(Check):
    """Links that lead inside a network are how a link checker becomes a scanner."""

    id = "links.safety"
    title = N_("Personal link: leads to public addresses only")
    severity = Severity.HIGH
    imports = PROBE_IMPORTS
    remediation = N_(
        "Do not use this link. Tell the meeting secretariat where it leads and ask for your "
        "personal link again."
    )

    async def run(self, ctx: CheckContext) -> Finding:
        if not ctx.participant.link:
            ctx.skip(_("no personal link given (--link)"))
        probe = await probe_link(ctx)
        if probe.outcome == "not-contacted":
            ctx.skip(_("the link was not contacted (see links.form)"))
        if probe.outcome == "ca-bundle":
            ctx.skip(_("nothing was contacted: the CA bundle cannot be read (see links.tls)"))
        hops = [
            Measurement(f"hop_{i + 1}", f"{redact_url(h.url)} -> {', '.join(h.addresses) or '-'}")
            for i, h in enumerate(probe.hops)
        ]
        last = probe.last
        if probe.outcome == "dns" and last is not None:
            if len(probe.hops) == 1:
                text = _("the link's host {host} does not resolve: the link cannot work")
            else:
                text = _("a redirect's host {host} does not resolve: the link cannot work")
            return Finding.fail(
                text.format(host=repr(last.host)),
                fix=_(
                    "Check your internet connection; if other sites open, ask the "
                    "secretariat to check the link."
                ),
                facts=hops,
            )
        redirect = len(probe.hops) - 1
        if probe.outcome == "refused" and last is not None:
            if redirect == 0:
                text = _("the link was refused: {why}; not contacted")
            else:
                text = _("redirect {index} was refused: {why}; not contacted")
            return Finding.fail(text.format(index=redirect, why=last.refused), facts=hops)
        if probe.outcome == "redirect-refused" and last is not None:
            text = _("redirect {index} was refused and not contacted: {why}")
            return Finding.fail(text.format(index=redirect, why=last.refused), facts=hops)
        connected = [h.connected_to for h in probe.hops if h.connected_to]
        count = len(probe.hops)
        message = ngettext(
            "{n} address lookup, connected only to vetted addresses ({addresses})",
            "{n} address lookups, connected only to vetted addresses ({addresses})",
            count,
        ).format(n=count, addresses=", ".join(dict.fromkeys(connected)) or _("none"))
        if any(h.listed for h in probe.hops):
            inside = {h.host for h in probe.hops if any(refused_reason(a) for a in h.addresses)}
            if inside:
                message = _(
                    "{message}; {hosts} is on a private or local network, allowed because the "
                    "meeting file lists it"
                ).format(message=message, hosts=", ".join(sorted(inside)))
        return Finding.passed(message, facts=hops)
