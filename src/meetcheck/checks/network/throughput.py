"""``network.throughput``: is there enough bandwidth up and down for the meeting?

RSI platforms ask speakers for a few Mbit/s each way (Interprefy: 4 Mbit/s). The check
downloads from and uploads to the meeting's throughput endpoints, stops as soon as the
rate is stable (or far above any threshold), and never runs past its time bound. It waits
for the latency measurements to finish first, so its traffic never inflates their round
trips.
"""

from __future__ import annotations

from meetcheck.check import Check, Finding, Measurement, Metric, Option, Severity
from meetcheck.checks._link_gate import link_gate
from meetcheck.checks.network._catalog import N_, _
from meetcheck.checks.network._measure import SERVER_FIX, missing
from meetcheck.context import CheckContext
from meetcheck.i18n import localize

SLOW_FIX = N_(
    "Connect with an Ethernet cable, stop downloads, uploads, cloud backups and video "
    "streams on your network (other people's too), or use a faster connection."
)


class Throughput(Check):
    """Too little bandwidth cuts the audio (and video) that carries the interpretation."""

    id = "network.throughput"
    title = N_("Bandwidth to the meeting (download and upload)")
    severity = Severity.HIGH
    timing = True
    imports = ("aiohttp", "meetcheck.webrtc.throughput")
    remediation = SLOW_FIX
    metrics = {
        "download_mbps": Metric("Mbit/s", higher_is_worse=False),
        "upload_mbps": Metric("Mbit/s", higher_is_worse=False),
    }
    options = {
        "max_seconds": Option(float, 3.0, "upper bound per direction", min=1, max=60),
        "min_seconds": Option(
            float, 1.0, "least time before a stable rate ends it", min=0.2, max=30
        ),  # fmt: skip
        "tolerance_pct": Option(
            float, 10.0, "spread of the last samples that counts as stable", min=1, max=50
        ),  # fmt: skip
        "enough_mbps": Option(
            float,
            100.0,
            "a rate so far above any threshold that the test stops at once",
            min=1,
            max=100000,
        ),  # fmt: skip
    }

    async def run(self, ctx: CheckContext) -> list[Finding]:
        meeting = ctx.require_meeting()
        tp = meeting.throughput
        if not tp.get("download_url") and not tp.get("upload_url"):
            return missing(ctx, N_("[throughput] endpoint"))
        import aiohttp

        from meetcheck.webrtc.throughput import ThroughputError, download, upload

        o = ctx.options
        kwargs = {
            "max_seconds": o["max_seconds"],
            "min_seconds": min(o["min_seconds"], o["max_seconds"]),
            "tolerance": o["tolerance_pct"] / 100,
            "enough_mbps": o["enough_mbps"],
        }
        token = tp.get("token", "")
        findings: list[Finding] = []
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=5)
        async with (await link_gate(ctx)).saturating():
            async with aiohttp.ClientSession(timeout=timeout) as session:
                for metric, key, fn, ok, bad in (
                    (
                        "download_mbps",
                        "download_url",
                        download,
                        _("download {value} {unit}"),
                        _("download {value} {unit}, below {limit} {unit}"),
                    ),
                    (
                        "upload_mbps",
                        "upload_url",
                        upload,
                        _("upload {value} {unit}"),
                        _("upload {value} {unit}, below {limit} {unit}"),
                    ),
                ):
                    url = tp.get(key)
                    if not url:
                        continue
                    try:
                        rate = await fn(session, url, token, **kwargs)
                    except ThroughputError as exc:
                        findings.append(self._failed(metric, url, exc))
                        continue
                    if rate.stable:
                        how = _("stable after {seconds} s")
                    else:
                        how = _("time bound reached after {seconds} s")
                    findings.append(
                        ctx.judge(
                            metric,
                            rate.mbps,
                            ok=ok,
                            bad=bad,
                            note=how.format(seconds=f"{rate.seconds:.1f}"),
                            extra=[
                                Measurement(
                                    f"{metric.split('_')[0]}_seconds", round(rate.seconds, 2), "s"
                                ),
                                Measurement(f"{metric.split('_')[0]}_stable", rate.stable),
                            ],  # fmt: skip
                        )
                    )
        return findings

    def _failed(self, metric: str, url: str, exc: Exception) -> Finding:
        from meetcheck.redact import redact_url

        status = getattr(exc, "status", 0)
        fix = SERVER_FIX if status in (401, 403) or status >= 500 else SLOW_FIX
        if metric == "download_mbps":
            message = _("download test at {url} failed: {error}")
        else:
            message = _("upload test at {url} failed: {error}")
        return Finding.fail(
            message.format(url=redact_url(url), error=str(exc)),
            fix=localize(fix),
            facts={"failed": metric, "status": status},
        )
