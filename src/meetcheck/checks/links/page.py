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
from meetcheck.checks.links._probe import HTTP_DEFAULTS, PROBE_IMPORTS, Probe, probe_link
from meetcheck.context import CheckContext
from meetcheck.redact import redact_url

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
    "not-contacted": "the link was not contacted (see links.form)",
    "refused": "the link was not contacted (see links.safety)",
    "dns": "the link's host does not resolve (see links.safety)",
    "tls": "no secure connection (see links.tls)",
    "ca-bundle": "the CA bundle cannot be read (see links.tls)",
}


class LinkHttp(Check):
    """A link that redirects in circles, answers 404 or says 'expired' will not let the
    delegate in on the day."""

    id = "links.http"
    title = "Personal link: opens the platform's page"
    severity = Severity.HIGH
    imports = PROBE_IMPORTS
    timing = True  # ttfb_ms
    remediation = "Ask the meeting secretariat for a new personal link."
    metrics = {
        "ttfb_ms": Metric("ms", description="time to the final answer's first byte"),
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
            ctx.skip("no personal link given (--link)")
        probe = await probe_link(ctx)
        facts = [Measurement("redirect_chain", chain(probe))]
        if probe.outcome in SKIP_OUTCOMES:
            ctx.skip(SKIP_OUTCOMES[probe.outcome])
        findings: list[Finding] = []
        unlisted = [h.host for h in probe.hops[1:] if h.listed is False and h.host]
        if unlisted:
            findings.append(
                Finding.warn(
                    "the link redirects to hosts the meeting file does not list: "
                    + ", ".join(dict.fromkeys(unlisted)),
                    fix="Tell the secretariat, so they can confirm the link or add the host.",
                )
            )
        if probe.outcome == "redirect-refused":
            return findings + [
                Finding.fail(f"a redirect was not followed: {probe.detail}", facts=facts)
            ]
        if probe.outcome in ("loop", "too-many-redirects"):
            return findings + [Finding.fail(probe.detail, facts=facts)]
        if probe.outcome == "timeout":
            return findings + [
                Finding.fail(
                    f"the platform did not answer: {probe.detail}",
                    fix="Try again in a few minutes; if it persists, tell the secretariat.",
                    facts=facts,
                )
            ]
        if probe.outcome != "answered" or probe.last is None or probe.last.status is None:
            return findings + [Finding.fail(f"the link did not open: {probe.detail}", facts=facts)]
        last = probe.last
        status = last.status or 0
        facts.append(Measurement("status", status))
        table = (ctx.meeting.plugins.get("links") if ctx.meeting else None) or {}
        said = expired_match(last.body, table.get("expired_patterns", []))
        if status in (404, 410):
            word = "not found (404)" if status == 404 else "gone (410)"
            findings.append(
                Finding.fail(
                    f"the platform answers {word}: the link has expired or was withdrawn",
                    facts=facts,
                )
            )
        elif status in (401, 403):
            findings.append(
                Finding.fail(
                    f"the platform refuses the link ({status} {last.reason}): it may be "
                    "damaged, cut short when copied, or withdrawn",
                    fix="Open the link again from the original message (whole, not cut); if "
                    "it still fails, ask the secretariat for a new one.",
                    facts=facts,
                )
            )
        elif status >= 500:
            findings.append(
                Finding.fail(
                    f"the platform answers with a server error ({status} {last.reason})",
                    fix="Try again later; if it persists, tell the secretariat.",
                    facts=facts,
                )
            )
        elif status >= 300:
            findings.append(Finding.fail(f"the link ends in a bare {status}", facts=facts))
        elif status >= 400:
            findings.append(
                Finding.fail(f"the platform answers {status} {last.reason}", facts=facts)
            )
        elif said:
            findings.append(
                Finding.fail(
                    f"the page says the link no longer works: {said!r}",
                    facts=facts,
                )
            )
        else:
            hops = len(probe.hops) - 1
            via = f" after {hops} redirect{'s' if hops != 1 else ''}" if hops else ""
            findings.append(Finding.passed(f"the link opens ({status}){via}", facts=facts))
        if probe.ttfb_ms is not None:
            findings.append(
                ctx.judge(
                    "ttfb_ms",
                    probe.ttfb_ms,
                    ok="first byte after {value} {unit}",
                    bad="the platform took {value} {unit} to answer (limit {limit} {unit})",
                    fix="A slow answer usually means a slow or busy connection: use a "
                    "cable, close other downloads, and try again.",
                    fallback={"warn": 800, "fail": 1800, "source": "web.dev TTFB"},
                )
            )
        return findings
