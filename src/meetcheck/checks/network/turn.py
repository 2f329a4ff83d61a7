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
from meetcheck.checks.network._measure import SERVER_FIX, ice_urls, missing
from meetcheck.context import CheckContext
from meetcheck.webrtc.iceurl import IceUrl

CREDENTIALS_FIX = (
    "The meeting's TURN credentials were refused: tell the meeting secretariat, and ask "
    "for a new meeting file or link."
)
TCP_ONLY_FIX = (
    "Your network lets the meeting through only over TCP or TLS, which adds delay: ask your "
    "IT department to allow outgoing UDP to the meeting's servers (port 3478 and 443)."
)
NONE_FIX = (
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
        addrs, _ = await resolve(url.host, url.port, timeout)
        if url.transport != "tls":
            context = None
        elif context is None:
            context = ssl.create_default_context()
        transport, _ = await asyncio.wait_for(
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
        out.error = f"the server refused the allocation: {code} {reason}"
        return out
    except TimeoutError:
        out.kind, out.error = "timeout", f"no answer within {timeout:g} s"
        return out
    except ReachError as exc:
        out.kind, out.error = exc.kind, str(exc)
        return out
    except ssl.SSLCertVerificationError as exc:
        out.kind, out.error = "tls", f"certificate not valid: {exc.verify_message}"
        return out
    except ConnectionRefusedError:
        out.kind, out.error = "refused", "connection refused"
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
    title = "TURN relay with the meeting's credentials (UDP, TCP, TLS)"
    severity = Severity.HIGH
    timing = True
    imports = ("aioice.stun", "aioice.turn", "meetcheck.webrtc.netprobe")
    remediation = NONE_FIX
    metrics = {"allocate_ms": Metric("ms", description="time to get a relay allocation")}
    options = {"timeout_s": Option(float, 4.0, "time allowed per allocation", min=0.5, max=30)}

    async def run(self, ctx: CheckContext) -> list[Finding]:
        import asyncio

        ctx.require_meeting()
        pairs = [(u, s) for u, s in ice_urls(ctx)[0] if u.is_turn]
        if not pairs:
            return missing(ctx, "TURN server (turn: or turns: in [[ice_servers]])")
        timeout = ctx.options["timeout_s"]
        context = None
        if any(u.transport == "tls" for u, _ in pairs):
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
        failures = "; ".join(f"{a.url.label}: {a.error}" for a in failed)
        note = f" ({failures})" if failures else ""
        findings = [self._allocated(ctx, a) for a in attempts if a.ms is not None]
        refused = [a for a in attempts if a.kind == "credentials"]
        if refused:
            codes = ", ".join(str(c) for c in sorted({a.code for a in refused}))
            user = pairs[0][1].username
            message = f"the TURN server refused the meeting's credentials ({codes}) for {user!r}"
            findings.append(Finding.fail(message + note, fix=CREDENTIALS_FIX, facts=facts))
        elif "udp" in working:
            findings.append(
                Finding.passed(f"TURN works over {', '.join(working)}{note}", facts=facts)
            )
        elif working:
            message = f"TURN works only over {', '.join(working)}, not UDP: the meeting works, "
            message += "with more delay"
            findings.append(Finding.warn(message + note, fix=TCP_ONLY_FIX, facts=facts))
        else:
            server_side = all(a.kind in ("refused", "error") for a in attempts)
            findings.append(
                Finding.fail(
                    f"no TURN transport works{note}",
                    fix=SERVER_FIX if server_side else NONE_FIX,
                    facts=facts,
                )
            )
        return findings

    def _allocated(self, ctx: CheckContext, a: Attempt) -> Finding:
        label = a.url.label
        return ctx.judge(
            "allocate_ms",
            round(a.ms or 0.0, 2),
            ok="relay allocated in {value} {unit}",
            bad="relay allocated in {value} {unit}, above {limit} {unit}",
            note=f"{label}, relayed address {a.relayed}",
            extra=[Measurement("server", label), Measurement("relayed", a.relayed)],
        )
