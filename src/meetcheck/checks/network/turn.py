"""``network.turn``: can this computer get a TURN relay with the meeting's credentials?

When a network blocks direct UDP, the meeting's audio goes through a TURN relay: over UDP
if it can, else over TCP or TLS on 443, with more delay. One allocation per transport the
meeting lists says which fallbacks work; a refused password is reported as such (401),
not as a timeout, because it is the secretariat's to fix, not the delegate's network.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from meetcheck.check import Check, Finding, Measurement, Metric, Option, Severity
from meetcheck.checks.network._catalog import N_, _
from meetcheck.checks.network._measure import SERVER_FIX, ice_urls, missing, semicolons
from meetcheck.context import CheckContext
from meetcheck.i18n import localize
from meetcheck.webrtc.iceurl import IceUrl

CREDENTIALS_FIX = N_(
    "The meeting's TURN credentials were refused: tell the meeting secretariat, and ask "
    "for a new meeting file or link."
)
TCP_ONLY_FIX = N_(
    "Your network lets the meeting through only over TCP or TLS, which adds delay: ask your "
    "IT department to allow outgoing UDP to the meeting's servers (port 3478 and 443)."
)
NONE_FIX = N_(
    "No relay could be reached: ask your IT department to allow outgoing UDP 3478 and TCP "
    "443 to the meeting's servers, or connect from another network."
)


@dataclass
class Attempt:
    url: IceUrl
    ms: float | None = None
    relayed: str = ""
    error: str = ""
    kind: str = ""  # "credentials", "timeout", "refused", "tls", "error"
    code: int = 0


async def allocate(
    url: IceUrl, username: str, password: str, timeout: float, context: Any = None
) -> Attempt:
    """One TURN allocation (RFC 8656) through aioice; closed again at once."""
    import asyncio
    import ssl

    import aioice.stun
    import aioice.turn

    from meetcheck.webrtc.netprobe import ReachError, resolve

    out = Attempt(url)
    start = time.perf_counter()
    try:
        addrs, _family = await resolve(url.host, url.port, timeout)
        if url.transport != "tls":
            context = None
        elif context is None:
            context = ssl.create_default_context()
        transport, _protocol = await asyncio.wait_for(
            aioice.turn.create_turn_endpoint(
                asyncio.DatagramProtocol,
                (addrs[0], url.port),
                username,
                password,
                ssl=context,
                transport="udp" if url.transport == "udp" else "tcp",
            ),
            timeout,
        )
    except aioice.stun.TransactionFailed as exc:
        code, reason = exc.response.attributes.get("ERROR-CODE", (0, "error"))
        out.code = code
        out.kind = "credentials" if code in (401, 403, 441) else "error"
        out.error = _("the server refused the allocation: {code} {reason}").format(
            code=code, reason=reason
        )
        return out
    except TimeoutError:
        out.kind = "timeout"
        out.error = _("no answer within {seconds} s").format(seconds=f"{timeout:g}")
        return out
    except ReachError as exc:
        out.kind, out.error = exc.kind, str(exc)
        return out
    except ssl.SSLCertVerificationError as exc:
        out.kind = "tls"
        out.error = _("certificate not valid: {reason}").format(reason=exc.verify_message)
        return out
    except ConnectionRefusedError:
        out.kind, out.error = "refused", _("connection refused")
        return out
    except (OSError, ConnectionError, ValueError, aioice.stun.TransactionError) as exc:
        out.kind, out.error = "error", f"{type(exc).__name__}: {exc}"
        return out
    out.ms = (time.perf_counter() - start) * 1000
    sockname = transport.get_extra_info("sockname")
    if sockname:
        out.relayed = f"{sockname[0]}:{sockname[1]}"
    transport.close()  # aioice deletes the allocation (a Refresh with lifetime 0)
    return out


class TurnRelay(Check):
    """The fallback path when UDP is blocked: without a working relay there is no audio."""

    id = "network.turn"
    title = N_("TURN relay with the meeting's credentials (UDP, TCP, TLS)")
    severity = Severity.HIGH
    timing = True
    imports = ("aioice.stun", "aioice.turn", "meetcheck.webrtc.netprobe")
    remediation = NONE_FIX
    metrics = {"allocate_ms": Metric("ms", description=N_("time to get a relay allocation"))}
    options = {"timeout_s": Option(float, 4.0, "time allowed per allocation", min=0.5, max=30)}

    async def run(self, ctx: CheckContext) -> list[Finding]:
        import asyncio

        ctx.require_meeting()
        pairs = [(u, s) for u, s in ice_urls(ctx)[0] if u.is_turn]
        if not pairs:
            return missing(ctx, N_("TURN server (turn: or turns: in [[ice_servers]])"))
        timeout = ctx.options["timeout_s"]
        context = None
        if any(u.transport == "tls" for u, _server in pairs):
            import ssl

            context = await ctx.blocking(ssl.create_default_context)  # trust store: slow
        attempts = await asyncio.gather(
            *(allocate(u, s.username, s.credential, timeout, context) for u, s in pairs)
        )
        working = sorted({a.url.transport for a in attempts if a.ms is not None})
        failed = [a for a in attempts if a.ms is None]
        facts = [Measurement("transports", ",".join(working))]
        if failed:
            why = "; ".join(f"{a.url.transport}: {a.kind}" for a in failed)
            facts.append(Measurement("failed_transports", why))
        failures = ""
        if failed:
            failures = semicolons(
                _("{server}: {error}").format(server=a.url.label, error=a.error) for a in failed
            )

        def noted(message: str) -> str:
            """The message, with what failed in brackets when something did."""
            if not failures:
                return message
            return _("{message} ({failures})").format(message=message, failures=failures)

        findings = [self._allocated(ctx, a) for a in attempts if a.ms is not None]
        refused = [a for a in attempts if a.kind == "credentials"]
        transports = ", ".join(working)
        if refused:
            codes = ", ".join(str(c) for c in sorted({a.code for a in refused}))
            user = pairs[0][1].username
            message = _("the TURN server refused the meeting's credentials ({codes}) for {user}")
            message = message.format(codes=codes, user=repr(user))
            fix = localize(CREDENTIALS_FIX)
            findings.append(Finding.fail(noted(message), fix=fix, facts=facts))
        elif "udp" in working:
            message = _("TURN works over {transports}").format(transports=transports)
            findings.append(Finding.passed(noted(message), facts=facts))
        elif working:
            message = _(
                "TURN works only over {transports}, not UDP: the meeting works, with more delay"
            ).format(transports=transports)
            fix = localize(TCP_ONLY_FIX)
            findings.append(Finding.warn(noted(message), fix=fix, facts=facts))
        else:
            server_side = all(a.kind in ("refused", "error") for a in attempts)
            findings.append(
                Finding.fail(
                    noted(_("no TURN transport works")),
                    fix=localize(SERVER_FIX if server_side else NONE_FIX),
                    facts=facts,
                )
            )
        return findings

    def _allocated(self, ctx: CheckContext, a: Attempt) -> Finding:
        label = a.url.label
        return ctx.judge(
            "allocate_ms",
            round(a.ms or 0.0, 2),
            ok=_("relay allocated in {value} {unit}"),
            bad=_("relay allocated in {value} {unit}, above {limit} {unit}"),
            note=_("{server}, relayed address {address}").format(server=label, address=a.relayed),
            extra=[Measurement("server", label), Measurement("relayed", a.relayed)],
        )
