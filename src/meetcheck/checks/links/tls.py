"""``links.tls``: the platform's certificate is trusted, names its host, and stays valid
until the meeting is over.

Verified with the CA bundle requests and curl would use (``REQUESTS_CA_BUNDLE``,
``CURL_CA_BUNDLE``, else the system's, which honours ``SSL_CERT_FILE``), so an
organisation's own certificate authority works.
"""

from __future__ import annotations

import datetime as dt

from meetcheck.check import Check, Finding, Measurement, Metric, Severity
from meetcheck.checks.links._probe import PROBE_IMPORTS, Hop, probe_link
from meetcheck.context import CheckContext

ORG_CA = (
    "If your organisation inspects secure connections with its own certificate authority, "
    "point REQUESTS_CA_BUNDLE (or SSL_CERT_FILE) at its certificate and run the check again; "
    "otherwise tell the secretariat: the platform's certificate is not trusted."
)


def explain(hop: Hop) -> tuple[str, str]:
    """(message, fix) for a certificate that failed verification."""
    why = hop.tls_error.lower()
    if "expired" in why:
        when = f" on {hop.cert_not_after:%Y-%m-%d}" if hop.cert_not_after else ""
        return (
            f"the certificate of {hop.host} expired{when}",
            "Check that this computer's date is right; if it is, tell the secretariat: the "
            "platform's certificate has expired.",
        )
    if "not yet valid" in why:
        return (
            f"the certificate of {hop.host} is not valid yet",
            "Check this computer's date and time settings.",
        )
    if "hostname" in why or "ip address mismatch" in why:
        subject = f" ({hop.cert_subject})" if hop.cert_subject else ""
        return (
            f"the certificate shown by {hop.host} is for another name{subject}: someone "
            "may be intercepting the connection",
            "Do not enter anything on this page. Tell the secretariat.",
        )
    if "self-signed" in why or "self signed" in why or "issuer" in why:
        return (f"the certificate of {hop.host} is not from a trusted authority ({why})", ORG_CA)
    return (f"the secure connection to {hop.host} failed ({hop.tls_error})", ORG_CA)


class LinkTls(Check):
    """An untrusted or expiring certificate locks every delegate out on the day."""

    id = "links.tls"
    title = "Personal link: trusted certificate, valid through the meeting"
    severity = Severity.HIGH
    imports = PROBE_IMPORTS
    remediation = "Tell the meeting secretariat: the platform's certificate needs renewing."
    metrics = {
        "cert_days_after_meeting": Metric(
            "days",
            higher_is_worse=False,
            description="days the certificate stays valid after the last session ends",
        ),
    }

    async def run(self, ctx: CheckContext) -> list[Finding]:
        if not ctx.participant.link:
            ctx.skip("no personal link given (--link)")
        probe = await probe_link(ctx)
        if probe.outcome == "ca-bundle":
            return [
                Finding.fail(
                    f"the certificate authorities cannot be loaded: {probe.detail}",
                    fix="Point REQUESTS_CA_BUNDLE (or SSL_CERT_FILE) at your organisation's CA "
                    "certificate file, or unset it, and run the check again.",
                )
            ]
        tls_hops = [h for h in probe.hops if h.tls and (h.connected_to or h.tls_error)]
        if probe.outcome == "tls" and probe.last is not None:
            message, fix = explain(probe.last)
            facts = [Measurement("host", probe.last.host)]
            if probe.last.cert_not_after:
                facts.append(Measurement("not_after", probe.last.cert_not_after.isoformat()))
            return [Finding.fail(message, fix=fix, facts=facts)]
        if not tls_hops:
            if probe.hops and not probe.hops[0].tls and probe.hops[0].connected_to:
                ctx.skip("plain http link to a local test meeting: no certificate")
            ctx.skip("no secure connection was made (see links.safety and links.form)")
        sessions = ctx.meeting.sessions if ctx.meeting else []
        end = max((s.end for s in sessions), default=None)
        reference = end or dt.datetime.now(dt.UTC)
        what = "the last session ends" if end else "today"
        findings = []
        seen: set[tuple[str, int, dt.datetime]] = set()
        for hop in tls_hops:
            if hop.cert_not_after is None:
                continue
            key = (hop.host, hop.port, hop.cert_not_after)
            if key in seen:  # the same certificate on every hop of one host
                continue
            seen.add(key)
            days = round((hop.cert_not_after - reference).total_seconds() / 86400, 1)
            until = f"{hop.cert_not_after:%Y-%m-%d}"
            side = "after" if days >= 0 else "before"
            findings.append(
                ctx.judge(
                    "cert_days_after_meeting",
                    days,
                    ok=f"{hop.host}: trusted certificate, valid until {until}, "
                    f"{abs(days):g} days after {what}",
                    bad=f"{hop.host}: the certificate expires {until}, {abs(days):g} days "
                    f"{side} {what} (the profile wants at least {{limit}} days to spare)",
                    extra=[
                        Measurement("not_after", hop.cert_not_after.isoformat()),
                        Measurement("issuer", hop.cert_issuer),
                    ],
                    fallback={"warn": 7, "fail": 0, "source": "meetcheck choice"},
                )
            )
        return findings
