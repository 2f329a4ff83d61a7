"""``links.safety``: the link, and every redirect, leads to public addresses only.

A link that resolves to a private, loopback, link-local, multicast or reserved address is
refused and never connected to, unless its host is one of the meeting's ``[platform]
hosts``: a secretariat checking hundreds of links must not be made to probe its own
network. The probe resolves each host once and connects to an address it vetted.
"""

from __future__ import annotations

from meetcheck.check import Check, Finding, Measurement, Severity
from meetcheck.checks.links._probe import PROBE_IMPORTS, probe_link, refused_reason
from meetcheck.context import CheckContext
from meetcheck.redact import redact_url


class LinkSafety(Check):
    """Links that lead inside a network are how a link checker becomes a scanner."""

    id = "links.safety"
    title = "Personal link: leads to public addresses only"
    severity = Severity.HIGH
    imports = PROBE_IMPORTS
    remediation = (
        "Do not use this link. Tell the meeting secretariat where it leads and ask for your "
        "personal link again."
    )

    async def run(self, ctx: CheckContext) -> Finding:
        if not ctx.participant.link:
            ctx.skip("no personal link given (--link)")
        probe = await probe_link(ctx)
        if probe.outcome == "not-contacted":
            ctx.skip("the link was not contacted (see links.form)")
        if probe.outcome == "ca-bundle":
            ctx.skip("nothing was contacted: the CA bundle cannot be read (see links.tls)")
        hops = [
            Measurement(f"hop_{i + 1}", f"{redact_url(h.url)} -> {', '.join(h.addresses) or '-'}")
            for i, h in enumerate(probe.hops)
        ]
        last = probe.last
        if probe.outcome == "dns" and last is not None:
            first = len(probe.hops) == 1
            where = "the link's host" if first else "a redirect's host"
            return Finding.fail(
                f"{where} {last.host!r} does not resolve: the link cannot work",
                fix="Check your internet connection; if other sites open, ask the "
                "secretariat to check the link.",
                facts=hops,
            )
        if probe.outcome == "refused" and last is not None:
            where = "the link" if len(probe.hops) == 1 else f"redirect {len(probe.hops) - 1}"
            return Finding.fail(f"{where} was refused: {last.refused}; not contacted", facts=hops)
        if probe.outcome == "redirect-refused" and last is not None:
            return Finding.fail(
                f"redirect {len(probe.hops) - 1} was refused and not contacted: {last.refused}",
                facts=hops,
            )
        connected = [h.connected_to for h in probe.hops if h.connected_to]
        note = ""
        if any(h.listed for h in probe.hops):
            inside = {h.host for h in probe.hops if any(refused_reason(a) for a in h.addresses)}
            if inside:
                note = (
                    f"; {', '.join(sorted(inside))} is on a private or local network, "
                    "allowed because the meeting file lists it"
                )
        count = len(probe.hops)
        return Finding.passed(
            f"{count} address lookup{'s' if count != 1 else ''}, connected only to vetted "
            f"addresses ({', '.join(dict.fromkeys(connected)) or 'none'}){note}",
            facts=hops,
        )
