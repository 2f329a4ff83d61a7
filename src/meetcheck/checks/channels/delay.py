"""channels.delay: how far each channel lags the floor, from the shared timing marks."""

from __future__ import annotations

from meetcheck.check import Finding, Measurement, Metric, Severity
from meetcheck.checks.channels._base import ReceivedChannelsCheck
from meetcheck.checks.channels._catalog import N_, _
from meetcheck.checks.channels._collect import Collection
from meetcheck.checks.channels._findings import channel_facts
from meetcheck.context import CheckContext


class ChannelsDelay(ReceivedChannelsCheck):
    """Interpretation reaches listeners through other encoders and relays than the floor;
    a channel far behind the floor makes a delegate's reply late and confuses the turn."""

    id = "channels.delay"
    title = N_("No channel lags far behind the floor")
    severity = Severity.MEDIUM
    remediation = N_(
        "Tell the secretariat or the technicians which channel lags the floor: the delay is "
        "added on the meeting's side."
    )
    metrics = {"delay_ms": Metric("ms", description=N_("the channel's delay against the floor"))}

    def assess(self, ctx: CheckContext, data: Collection) -> list[Finding]:
        out: list[Finding] = []
        if not any(c.delay_ms is not None for c in data.received):
            ctx.skip(self._why_not(data, "floor") or _("no channel carries timing marks"))
        for c in data.received:
            if c.delay_ms is None:
                why = self._why_not(data, c.floor_key)
                if why == "":
                    why = _("the channel carries no timing marks")
                out.append(
                    Finding.passed(
                        _("{channel}: delay not measurable, {why}").format(channel=c.name, why=why),
                        facts=[*channel_facts(c), Measurement("marks", c.marks)],
                    )
                )
                continue
            note = _("the reference") if c.key == c.floor_key else ""
            out.append(
                ctx.judge(
                    "delay_ms",
                    round(c.delay_ms, 1) + 0.0,  # no "-0"
                    ok=_("{channel}: {value} {unit} behind the floor"),
                    bad=_("{channel}: {value} {unit} behind the floor (limit {limit} {unit})"),
                    values={"channel": c.name},
                    note=note,
                    extra=[*channel_facts(c), Measurement("marks", c.marks)],
                )
            )
        return out

    @staticmethod
    def _why_not(data: Collection, floor_key: str) -> str:
        """Why delays against ``floor_key`` cannot be measured ("" if they can)."""
        floor = data.channels.get(floor_key)
        if floor is None:
            if floor_key != "floor":
                return _("the webcast has no floor channel to measure delays against")
            return _("the meeting has no floor channel to measure delays against")
        if not floor.ok:
            return _("the floor was not received (see channels.receive)")
        if not floor.marks:
            return _("the floor carries no timing marks")
        return ""
