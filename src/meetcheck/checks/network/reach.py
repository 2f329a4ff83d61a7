"""``network.reach``: can this computer open the connections the meeting platform needs?

Before any audio flows, the browser resolves the platform's names, opens TCP connections
and negotiates TLS. Each step is timed, and each way of failing (a name that does not
resolve, a refused or filtered port, a certificate that does not verify) gets its own
message and remedy, because each has a different fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from meetcheck.check import Check, Finding, Measurement, Metric, Option, Severity
from meetcheck.checks.network._catalog import N_, _
from meetcheck.checks.network._measure import ice_urls, missing
from meetcheck.context import CheckContext
from meetcheck.i18n import localize

FIXES = {
    ("dns", "nxdomain"): N_(
        "Check the meeting address for typing mistakes. If it is right, your "
        "network cannot look it up: restart your router, or try another network."
    ),
    ("dns", "timeout"): N_(
        "Your network's name service (DNS) is too slow or down: restart "
        "your router, or ask your IT department."
    ),
    ("tcp", "refused"): N_(
        "The meeting's server refused the connection: tell the meeting "
        "secretariat; if colleagues can connect, ask your IT department about a proxy."
    ),
    ("tcp", "timeout"): N_(
        "A firewall may block this port: ask your IT department to allow outgoing TCP to "
        "the meeting's servers on port {port} (and 443), or try another network."
    ),
    ("tcp", "unreachable"): N_(
        "Your computer has no route to the meeting's server: check that "
        "you are online, switch off a VPN if you use one, or try another network."
    ),
    ("tls", "certificate"): N_(
        "Do not enter passwords on this connection. Something between "
        "you and the meeting (a company proxy, a hotel portal) replaces its certificate: ask "
        "your IT department, or use another network."
    ),
    ("tls", "handshake"): N_(
        "A proxy or firewall interferes with secure connections: ask "
        "your IT department to allow TLS to the meeting's servers, or use another network."
    ),
    ("tls", "timeout"): N_(
        "A proxy or firewall holds up secure connections: ask your IT "
        "department, or use another network."
    ),
}
SLOW_FIX = N_(
    "Use a wired (Ethernet) connection, stop large downloads during the meeting, and ask "
    "your IT department whether a proxy slows connections down."
)


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    tls: bool
    why: str  # where the meeting file names it


def targets(ctx: CheckContext) -> list[Target]:
    """The platform URL, the platform's other hosts (on 443), and TURN over TCP/TLS."""
    meeting = ctx.require_meeting()
    out: list[Target] = []
    platform_host = ""
    if meeting.platform_url:
        u = urlsplit(meeting.platform_url)
        platform_host = u.hostname or ""
        https = u.scheme == "https"
        if platform_host:
            port = u.port or (443 if https else 80)
            out.append(Target(platform_host, port, https, "platform.url"))
    for host in meeting.hosts:
        if host and host != platform_host:
            out.append(Target(host, 443, True, "platform.hosts"))
    for url, _server in ice_urls(ctx)[0]:
        if url.transport in ("tcp", "tls"):
            out.append(Target(url.host, url.port, url.transport == "tls", url.url))
    return list({(t.host, t.port, t.tls): t for t in out}.values())


class Reachability(Check):
    """Every meeting starts with DNS, TCP and TLS; a failure there is not a bad call but
    no call at all."""

    id = "network.reach"
    title = N_("The meeting's servers can be reached (DNS, TCP, TLS)")
    severity = Severity.CRITICAL
    timing = True
    imports = ("meetcheck.webrtc.netprobe",)
    remediation = SLOW_FIX
    metrics = {
        "dns_ms": Metric("ms", description=N_("time to resolve the name")),
        "tcp_ms": Metric("ms", description=N_("time to open the TCP connection")),
        "tls_ms": Metric("ms", description=N_("time of the TLS handshake")),
    }
    options = {
        "step_timeout_s": Option(float, 3.0, "time allowed for each step", min=0.2, max=20),
    }

    async def run(self, ctx: CheckContext) -> list[Finding]:
        import asyncio

        found = targets(ctx)
        if not found:
            return missing(ctx, N_("platform URL, host or TURN TCP/TLS server"))
        timeout = ctx.options["step_timeout_s"]
        import ssl

        from meetcheck.webrtc.netprobe import reach

        # The trust store is loaded in a thread, once: it takes tens of milliseconds.
        context = (
            await ctx.blocking(ssl.create_default_context) if any(t.tls for t in found) else None
        )
        results = await asyncio.gather(
            *(reach(t.host, t.port, t.tls, timeout, context) for t in found),
            return_exceptions=True,
        )
        findings: list[Finding] = []
        for t, res in zip(found, results, strict=True):
            findings += self._judge(ctx, t, res)
        return findings

    def _judge(self, ctx: CheckContext, t: Target, res: object) -> list[Finding]:
        from meetcheck.webrtc.netprobe import ReachError

        # English in the facts (machines read them), translated in the messages.
        where = N_("{host} port {port} ({protocol}, {source})").format(
            host=t.host, port=t.port, protocol="TLS" if t.tls else "TCP", source=t.why
        )
        shown = localize(where)
        if isinstance(res, ReachError):
            fix = localize(FIXES.get((res.step, res.kind), SLOW_FIX)).format(port=t.port)
            return [
                Finding.fail(
                    # Translators: {error} is the network library's own (English) text.
                    _("{target}: {error}").format(target=shown, error=str(res)),
                    fix=fix,
                    facts={"target": str(where), "failed_step": res.step, "failure": res.kind},
                )
            ]
        if isinstance(res, BaseException):
            raise res
        extra = [Measurement("target", str(where)), Measurement("address", res.address)]
        tls = [*extra, Measurement("tls_version", res.tls_version)]
        tls_note = _("{target}, {version}").format(target=shown, version=res.tls_version)
        steps = [  # metric, time, ok, bad, note, facts, fix (None: the check's remediation)
            (
                "dns_ms",
                res.dns_ms,
                _("name lookup {value} {unit}"),
                _("name lookup {value} {unit}, above {limit} {unit}"),
                shown,
                extra,
                FIXES[("dns", "timeout")],
            ),
            (
                "tcp_ms",
                res.tcp_ms,
                _("TCP connect {value} {unit}"),
                _("TCP connect {value} {unit}, above {limit} {unit}"),
                shown,
                extra,
                None,
            ),
            (
                "tls_ms",
                res.tls_ms,
                _("TLS handshake {value} {unit}"),
                _("TLS handshake {value} {unit}, above {limit} {unit}"),
                tls_note,
                tls,
                None,
            ),
        ]
        return [
            ctx.judge(
                metric,
                round(ms, 2),
                ok=ok,
                bad=bad,
                note=note,
                extra=list(facts),
                fix=fix,
            )
            for metric, ms, ok, bad, note, facts, fix in steps
            if ms is not None
        ]
