"""Findings shared by the family's checks: one finding per channel, named by its code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from meetcheck.check import Finding, Measurement, Status
from meetcheck.checks.channels._catalog import _

if TYPE_CHECKING:
    from meetcheck.checks.channels._collect import ChannelData, Collection
    from meetcheck.context import CheckContext

UN_CHANNELS = ["floor", "ar", "zh", "en", "fr", "ru", "es"]


def channel_fact(code: str) -> Measurement:
    """The measurement every per-channel finding carries, so reports can tell them apart."""
    return Measurement("channel", code)


def channel_facts(c: ChannelData) -> list[Measurement]:
    """The channel's code, and for a webcast stream how it was received."""
    return [channel_fact(c.code)] + ([Measurement("via", c.via)] if c.via != "whep" else [])


def worst(findings: Sequence[Finding]) -> Finding:
    """One channel's findings folded into one: the worst status decides, every
    measurement is kept (the channel once), the messages of what is wrong are joined."""
    rank = max(f.status.rank for f in findings)
    top = next(f for f in findings if f.status.rank == rank)
    if top.status is Status.PASS:
        message = joined([f.message for f in findings])
    else:
        message = joined([f.message for f in findings if f.status is not Status.PASS])
    measurements: list[Measurement] = []
    for f in findings:
        for m in f.measurements:
            if m.name in ("channel", "via") and any(x.name == m.name for x in measurements):
                continue
            measurements.append(m)
    return Finding(top.status, message, top.remediation, measurements, top.threshold)


def joined(messages: Sequence[str]) -> str:
    """'first; second; third', through a template so each part stays translatable."""
    out = messages[0]
    for more in messages[1:]:
        out = _("{message}; {more}").format(message=out, more=more)
    return out


def not_received(ctx: CheckContext, data: Collection) -> list[Finding]:
    """A WARN for every channel that was not received (its failure is channels.receive's);
    SKIPPED when none was."""
    if not data.received:
        ctx.skip(_("no channel was received (see channels.receive)"))
    return [
        Finding.warn(
            _("{channel}: not checked, it was not received (see channels.receive)").format(
                channel=c.name
            ),
            fix=_("See channels.receive for why this channel could not be received."),
            facts=channel_facts(c),
        )
        for c in data.channels.values()
        if not c.ok
    ]


def received(data: Collection) -> list[ChannelData]:
    return data.received
