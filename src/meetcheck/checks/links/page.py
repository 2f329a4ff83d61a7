"""``links.http``: the personal link answers, through a short chain of safe redirects, with
a page that is not an "expired" or "not found" page, and answers quickly.

Platforms often answer an expired link with ``200 OK`` and a page that says so, in the
language of the meeting: built-in patterns in the six UN languages (and German, Italian,
Portuguese) recognise those pages, and a meeting file adds its own under
``[plugins.links] expired_patterns``.
"""

from __future__ import annotations

import html
import re
from typing import Any

from meetcheck.check import Check, Finding, Measurement, Metric, Option, Severity
from meetcheck.checks.links._catalog import N_, _, ngettext
from meetcheck.checks.links._probe import HTTP_DEFAULTS, PROBE_IMPORTS, Probe, probe_link
from meetcheck.context import CheckContext
from meetcheck.i18n import localize
from meetcheck.redact import redact_url

# Data, not interface text: what platforms' "link expired" pages say, in many languages.
EXPIRED_PATTERNS = (
    # English
    r"\b(?:link|invitation|invite|token|session)\b[^.<]{0,40}\b(?:has |have |is )?expired\b",
    r"\b(?:invalid|expired|broken) (?:meeting |access |personal |join )?(?:link|invitation)\b",
    r"\blink is (?:no longer|not) valid\b",
    r"\bno longer valid\b",
    # French
    r"\blien\b[^.<]{0,30}\b(?:a )?expiré\b",
    r"\blien\b[^.<]{0,30}\b(?:n'est plus |non |in)valide\b",
    r"\blien (?:expiré|invalide)\b",
    # Spanish
    r"\benlace\b[^.<]{0,30}\b(?:ha )?(?:caducado|expirado)\b",
    r"\benlace (?:no (?:es )?válido|inválido|caducado|expirado)\b",
    # Russian
    r"ссылк[аи][^.<]{0,30}(?:устарела|недействительн|истек|истёк)",
    r"срок действия ссылки (?:истек|истёк)",
    # Chinese
    r"链接(?:已)?(?:过期|失效|无效)",
    r"(?:无效|过期)的?链接",
    # Arabic
    r"انتهت صلاحية (?:الرابط|الدعوة)",
    r"الرابط (?:غير صالح|منتهي)",
    # German, Italian, Portuguese
    r"\blink\b[^.<]{0,30}\b(?:ist )?(?:abgelaufen|ungültig)\b",
    r"\blink\b[^.<]{0,30}\b(?:è )?scaduto\b",
    r"\blink\b[^.<]{0,30}\b(?:expirou|expirado|inválido)\b",
)
_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)


def page_text(body: str) -> str:
    """The visible text of an HTML page, or the body as it is."""
    return " ".join(html.unescape(_TAGS.sub(" ", body)).split())


def expired_match(body: str, extra: list[str] | tuple[str, ...] = ()) -> str:
    """The phrase that says the link no longer works, or ''."""
    text = page_text(body)
    for pattern in (*EXPIRED_PATTERNS, *extra):
        m = re.search(pattern, text, re.IGNORECASE)
        if m:
            return m.group(0)
    return ""


def validate_table(table: dict[str, Any], where: str) -> dict[str, Any]:
    """``[plugins.links]`` in a meeting file: ``expired_patterns``, a list of regular
    expressions (case-insensitive) for pages that say a link expired; ``expiry_param``,
    the name of a query parameter of the platform's links that holds their expiry (Unix
    seconds or an ISO 8601 date-time), for links.token."""
    known = {"expired_patterns", "expiry_param"}
    unknown = set(table) - known
    if unknown:
        raise ValueError(
            f"{where}.{sorted(unknown)[0]}: unknown key (known: {', '.join(sorted(known))})"
        )
    patterns = table.get("expired_patterns", [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise ValueError(f"{where}.expired_patterns: expected a list of strings")
    for i, p in enumerate(patterns):
        try:
            re.compile(p)
        except re.error as exc:
            raise ValueError(
                f"{where}.expired_patterns.{i}: not a regular expression ({exc})"
            ) from None
    param = table.get("expiry_param", "")
    if not isinstance(param, str):
        raise ValueError(f"{where}.expiry_param: expected a string")
    return {"expired_patterns": list(patterns), "expiry_param": param}


def chain(probe: Probe) -> list[str]:
    """'302 https://a/…' per hop, redacted."""
    out = []
    for hop in probe.hops:
        what = str(hop.status) if hop.status is not None else (hop.refused and "refused") or "-"
        out.append(f"{what} {redact_url(hop.url)}")
    return out


SKIP_OUTCOMES = {
    "not-contacted": N_("the link was not contacted (see links.form)"),
    "refused": N_("the link was not contacted (see links.safety)"),
    "dns": N_("the link's host does not resolve (see links.safety)"),
    "tls": N_("no secure connection (see links.tls)"),
    "ca-bundle": N_("the CA bundle cannot be read (see links.tls)"),
}


class LinkHttp(Check):
    """A link that redirects in circles, answers 404 or says 'expired' will not let the
    delegate in on the day."""

    id = "links.http"
    title = N_("Personal link: opens the platform's page")
    severity = Severity.HIGH
    imports = PROBE_IMPORTS
    timing = True  # ttfb_ms
    remediation = N_("Ask the meeting secretariat for a new personal link.")
    metrics = {
        "ttfb_ms": Metric("ms", description=N_("time to the final answer's first byte")),
    }
    options = {
        "max_redirects": Option(
            int, HTTP_DEFAULTS["max_redirects"], "redirects followed at most", min=0, max=20
        ),
        "timeout_s": Option(
            float,
            HTTP_DEFAULTS["timeout_s"],
            "time for the whole chain of requests, seconds",
            min=0.1,
            max=120,
        ),
    }

    async def run(self, ctx: CheckContext) -> list[Finding]:
        if not ctx.participant.link:
            ctx.skip(_("no personal link given (--link)"))
        probe = await probe_link(ctx)
        facts = [Measurement("redirect_chain", chain(probe))]
        if probe.outcome in SKIP_OUTCOMES:
            ctx.skip(localize(SKIP_OUTCOMES[probe.outcome]))
        findings: list[Finding] = []
        unlisted = [h.host for h in probe.hops[1:] if h.listed is False and h.host]
        if unlisted:
            findings.append(
                Finding.warn(
                    _("the link redirects to hosts the meeting file does not list: {hosts}").format(
                        hosts=", ".join(dict.fromkeys(unlisted))
                    ),
                    fix=_("Tell the secretariat, so they can confirm the link or add the host."),
                )
            )
        if probe.outcome == "redirect-refused":
            return findings + [
                Finding.fail(
                    _("a redirect was not followed: {why}").format(why=probe.detail), facts=facts
                )
            ]
        if probe.outcome in ("loop", "too-many-redirects"):
            return findings + [Finding.fail(probe.detail, facts=facts)]
        if probe.outcome == "timeout":
            return findings + [
                Finding.fail(
                    _("the platform did not answer: {why}").format(why=probe.detail),
                    fix=_("Try again in a few minutes; if it persists, tell the secretariat."),
                    facts=facts,
                )
            ]
        if probe.outcome != "answered" or probe.last is None or probe.last.status is None:
            message = _("the link did not open: {why}").format(why=probe.detail)
            return findings + [Finding.fail(message, facts=facts)]
        last = probe.last
        status = last.status or 0
        facts.append(Measurement("status", status))
        table = (ctx.meeting.plugins.get("links") if ctx.meeting else None) or {}
        said = expired_match(last.body, table.get("expired_patterns", []))
        if status in (404, 410):
            if status == 404:
                message = _(
                    "the platform answers not found (404): the link has expired or was withdrawn"
                )
            else:
                message = _(
                    "the platform answers gone (410): the link has expired or was withdrawn"
                )
            findings.append(Finding.fail(message, facts=facts))
        elif status in (401, 403):
            findings.append(
                Finding.fail(
                    _(
                        "the platform refuses the link ({status} {reason}): it may be "
                        "damaged, cut short when copied, or withdrawn"
                    ).format(status=status, reason=last.reason),
                    fix=_(
                        "Open the link again from the original message (whole, not cut); if "
                        "it still fails, ask the secretariat for a new one."
                    ),
                    facts=facts,
                )
            )
        elif status >= 500:
            findings.append(
                Finding.fail(
                    _("the platform answers with a server error ({status} {reason})").format(
                        status=status, reason=last.reason
                    ),
                    fix=_("Try again later; if it persists, tell the secretariat."),
                    facts=facts,
                )
            )
        elif status >= 400:
            message = _("the platform answers {status} {reason}").format(
                status=status, reason=last.reason
            )
            findings.append(Finding.fail(message, facts=facts))
        elif status >= 300:  # a redirect without a Location to follow
            message = _("the link ends in a bare {status}").format(status=status)
            findings.append(Finding.fail(message, facts=facts))
        elif said:
            message = _("the page says the link no longer works: {phrase}").format(
                phrase=repr(said)
            )
            findings.append(Finding.fail(message, facts=facts))
        else:
            hops = len(probe.hops) - 1
            if hops:
                message = ngettext(
                    "the link opens ({status}) after {n} redirect",
                    "the link opens ({status}) after {n} redirects",
                    hops,
                ).format(status=status, n=hops)
            else:
                message = _("the link opens ({status})").format(status=status)
            findings.append(Finding.passed(message, facts=facts))
        if probe.ttfb_ms is not None:
            findings.append(
                ctx.judge(
                    "ttfb_ms",
                    probe.ttfb_ms,
                    ok=_("first byte after {value} {unit}"),
                    bad=_("the platform took {value} {unit} to answer (limit {limit} {unit})"),
                    fix=_(
                        "A slow answer usually means a slow or busy connection: use a "
                        "cable, close other downloads, and try again."
                    ),
                    fallback={"warn": 800, "fail": 1800, "source": "web.dev TTFB"},
                )
            )
        return findings
