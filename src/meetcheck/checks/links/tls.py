"""``links.tls``: the platform's certificate is trusted, names its host, and stays valid
until the meeting is over.

Verified with the CA bundle requests and curl would use (``REQUESTS_CA_BUNDLE``,
``CURL_CA_BUNDLE``, else the system's, which honours ``SSL_CERT_FILE``), so an
organisation's own certificate authority works.
"""

from __future__ import annotations

import datetime as dt

from meetcheck.check import Check, Finding, Measurement, Metric, Severity
from meetcheck.checks.links._catalog import N_, _
from meetcheck.checks.links._probe import PROBE_IMPORTS, Hop, probe_link
from meetcheck.context import CheckContext
from meetcheck.i18n import localize

ORG_CA = N_(
    "If your organisation inspects secure connections with its own certificate authority, "
    "point REQUESTS_CA_BUNDLE (or SSL_CERT_FILE) at its certificate and run the check again; "
    "otherwise tell the secretariat: the platform's certificate is not trusted."
)


def explain(hop: Hop) -> tuple[str, str]:
    """(message, fix) for a certificate that failed verification."""
    why = hop.tls_error.lower()
    host = hop.host
    if "expired" in why:
        fix = _(
            "Check that this computer's date is right; if it is, tell the secretariat: the "
            "platform's certificate has expired."
        )
        if hop.cert_not_after:
            text = _("the certificate of {host} expired on {date}")
            return text.format(host=host, date=f"{hop.cert_not_after:%Y-%m-%d}"), fix
        return _("the certificate of {host} expired").format(host=host), fix
    if "not yet valid" in why:
        return (
            _("the certificate of {host} is not valid yet").format(host=host),
            _("Check this computer's date and time settings."),
        )
    if "hostname" in why or "ip address mismatch" in why:
        fix = _("Do not enter anything on this page. Tell the secretariat.")
        if hop.cert_subject:
            text = _(
                "the certificate shown by {host} is for another name ({subject}): someone "
                "may be intercepting the connection"
            )
        else:
            text = _(
                "the certificate shown by {host} is for another name: someone may be "
                "intercepting the connection"
            )
        return text.format(host=host, subject=hop.cert_subject), fix
    if "self-signed" in why or "self signed" in why or "issuer" in why:
        text = _("the certificate of {host} is not from a trusted authority ({error})")
        return text.format(host=host, error=why), localize(ORG_CA)
    text = _("the secure connection to {host} failed ({error})")
    return text.format(host=host, error=hop.tls_error), localize(ORG_CA)


class LinkTls(Check):
    """An untrusted or expiring certificate locks every delegate out on the day."""

    id = "links.tls"
    title = N_("Personal link: trusted certificate, valid through the meeting")
    severity = Severity.HIGH
    imports = PROBE_IMPORTS
    remediation = N_("Tell the meeting secretariat: the platform's certificate needs renewing.")
    metrics = {
        "cert_days_after_meeting": Metric(
            "days",
            higher_is_worse=False,
            description=N_("days the certificate stays valid after the last session ends"),
        ),
    }

    async def run(self, ctx: CheckContext) -> list[Finding]:
        if not ctx.participant.link:
            ctx.skip(_("no personal link given (--link)"))
        probe = await probe_link(ctx)
        if probe.outcome == "ca-bundle":
            return [
                Finding.fail(
                    _("the certificate authorities cannot be loaded: {error}").format(
                        error=probe.detail
                    ),
                    fix=_(
                        "Point REQUESTS_CA_BUNDLE (or SSL_CERT_FILE) at your organisation's CA "
                        "certificate file, or unset it, and run the check again."
                    ),
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
                ctx.skip(_("plain http link to a local test meeting: no certificate"))
            ctx.skip(_("no secure connection was made (see links.safety and links.form)"))
        sessions = ctx.meeting.sessions if ctx.meeting else []
        end = max((s.end for s in sessions), default=None)
        reference = end or dt.datetime.now(dt.UTC)
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
            ok, bad = _templates(days >= 0, meeting_end=end is not None)
            findings.append(
                ctx.judge(
                    "cert_days_after_meeting",
                    days,
                    ok=ok,
                    bad=bad,
                    values={
                        "host": hop.host,
                        "date": f"{hop.cert_not_after:%Y-%m-%d}",
                        "days": f"{abs(days):g}",
                    },
                    extra=[
                        Measurement("not_after", hop.cert_not_after.isoformat()),
                        Measurement("issuer", hop.cert_issuer),
                    ],
                    fallback={"warn": 7, "fail": 0, "source": "meetcheck choice"},
                )
            )
        return findings


def _templates(after: bool, meeting_end: bool) -> tuple[str, str]:
    """links.tls's ok and bad templates: the margin counted from the meeting's last session
    or from today, after it or (expired by then) before it."""
    if meeting_end:
        ok = _(
            "{host}: trusted certificate, valid until {date}, {days} days after the last "
            "session ends"
        )
        if after:
            bad = _(
                "{host}: the certificate expires {date}, {days} days after the last session "
                "ends (the profile wants at least {limit} days to spare)"
            )
        else:
            bad = _(
                "{host}: the certificate expires {date}, {days} days before the last session "
                "ends (the profile wants at least {limit} days to spare)"
            )
        return ok, bad
    ok = _("{host}: trusted certificate, valid until {date}, {days} days after today")
    if after:
        bad = _(
            "{host}: the certificate expires {date}, {days} days after today (the profile "
            "wants at least {limit} days to spare)"
        )
    else:
        bad = _(
            "{host}: the certificate expires {date}, {days} days before today (the profile "
            "wants at least {limit} days to spare)"
        )
    return ok, bad
