"""channels.delay: how far each channel lags the floor, from the shared timing marks."""

from __future__ import annotations

from meetcheck.check import Check, Finding, Measurement, Metric, Severity
from meetcheck.checks.channels._collect import IMPORTS, collect
from meetcheck.checks.channels._findings import channel_fact, not_received, template
from meetcheck.context import CheckContext


class ChannelsDelay(Check):
    """Interpretation reaches listeners through other encoders and relays than the floor;
    a channel far behind the floor makes a delegate's reply late and confuses the turn."""

    id = "channels.delay"
    title = "No channel lags far behind the floor"
    severity = Severity.MEDIUM
    remediation = (
        "Tell the secretariat or the technicians which channel lags the floor: the delay is "
        "added on the meeting's side."
    )
    metrics = {"delay_ms": Metric("ms", description="the channel's delay against the floor")}
    timing = True
    imports = IMPORTS

    async def run(self, ctx: CheckContext) -> list[Finding]:
        data = await collect(ctx)
        out = not_received(ctx, data)
        floor = data.channels.get("floor")
        if floor is None:
            ctx.skip("the meeting has no floor channel to measure delays against")
        if not floor.ok:
            ctx.skip("the floor was not received (see channels.receive)")
        if not floor.marks:
            ctx.skip("the floor carries no timing marks: delays cannot be measured")
        for c in data.received:
            name = template(c.name)
            if c.delay_ms is None:
                out.append(
                    Finding.passed(
                        f"{c.name}: delay not measurable, the channel carries no timing marks",
                        facts=[channel_fact(c.code), Measurement("marks", c.marks)],
                    )
                )
                continue
            note = "the reference" if c.code == "floor" else ""
            out.append(
                ctx.judge(
                    "delay_ms",
                    round(c.delay_ms, 1),
                    ok=f"{name}: {{value}} {{unit}} behind the floor",
                    bad=f"{name}: {{value}} {{unit}} behind the floor (limit {{limit}} {{unit}})",
                    note=note,
                    extra=[channel_fact(c.code), Measurement("marks", c.marks)],
                )
            )
        return out
