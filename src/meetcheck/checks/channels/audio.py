"""channels.audio: each channel carries audible programme: not silence, not a constant
tone, at a usable level, not clipped, and not far quieter than the floor."""

from __future__ import annotations

import math

from meetcheck.check import Finding, Measurement, Metric, Option, Severity
from meetcheck.checks.channels._base import ReceivedChannelsCheck
from meetcheck.checks.channels._catalog import N_, _, ngettext
from meetcheck.checks.channels._collect import ChannelData, Collection
from meetcheck.checks.channels._findings import channel_facts, worst
from meetcheck.context import CheckContext
from meetcheck.readable import number

SILENT_DBFS = -100.0  # what "-inf" (digital silence) is reported as
# Without a profile threshold a silent channel is still named: the identity signal alone
# reads about -60 dBFS on a channel with no programme.
SILENCE = {
    "fail": -50.0,
    "source": "meetcheck choice: 10 dB above the -60 dBFS identity signal of an empty channel",
}


class ChannelsAudio(ReceivedChannelsCheck):
    """A channel can be perfectly connected and still silent: the interpreter's microphone
    muted, a patch left open, a test tone instead of the interpretation."""

    id = "channels.audio"
    title = N_("Every channel carries audible programme")
    severity = Severity.HIGH
    remediation = N_(
        "Tell the secretariat or the technicians which channel is silent, too quiet or "
        "distorted: the fault is on the meeting's side, not on your computer."
    )
    metrics = {
        "level_dbfs": Metric("dBFS", higher_is_worse=False, description=N_("active speech level")),
        "level_vs_floor_db": Metric(
            "dB", higher_is_worse=False, description=N_("active level against the floor's")
        ),
        "clipped_runs": Metric("runs", description=N_("runs of 3+ samples at -0.1 dBFS or above")),
    }
    options = {
        "min_modulation_db": Option(
            float,
            6.0,
            "below this spread of 50 ms levels (dB) a channel carries a constant tone or "
            "noise, not speech",
            min=0.0,
            max=60.0,
        ),
    }

    def assess(self, ctx: CheckContext, data: Collection) -> list[Finding]:
        out: list[Finding] = []
        for c in data.received:
            floor = data.channels.get(c.floor_key)
            floor_level = floor.level_dbfs if floor is not None and floor.ok else -math.inf
            out.append(self._one(ctx, c, floor_level))
        return out

    def _one(self, ctx: CheckContext, c: ChannelData, floor_level: float) -> Finding:
        named = {"channel": c.name}
        level = max(SILENT_DBFS, c.level_dbfs)
        facts = [
            *channel_facts(c),
            Measurement("peak_dbfs", round(max(SILENT_DBFS, c.peak_dbfs), 1), "dBFS"),
            Measurement("modulation_db", round(c.modulation_db, 1), "dB"),
            Measurement("seconds", round(c.seconds, 2), "s"),
        ]
        level_finding = ctx.judge(
            "level_dbfs",
            round(level, 1),
            ok=_("{channel}: programme at {value} {unit}"),
            bad=_("{channel}: silent or far too quiet, {value} {unit} (limit {limit} {unit})"),
            values=named,
            extra=facts,
            fallback=SILENCE,
        )
        found = [level_finding]
        if level_finding.status.value == "FAIL":
            return worst(found)  # silent: a tone test or comparison says nothing more
        if c.modulation_db < ctx.options["min_modulation_db"]:
            found.append(
                Finding.fail(
                    _(
                        "{channel}: a constant signal (a tone or steady noise), not programme: "
                        "its level varies by only {spread} dB"
                    ).format(channel=c.name, spread=number(round(c.modulation_db, 1))),
                    facts=channel_facts(c),
                )
            )
        if c.key != c.floor_key and math.isfinite(floor_level):
            found.append(
                ctx.judge(
                    "level_vs_floor_db",
                    round(level - floor_level, 1),
                    ok=_("{channel}: {value} {unit} against the floor"),
                    bad=_(
                        "{channel}: far quieter than the floor, {value} {unit} "
                        "(limit {limit} {unit})"
                    ),
                    values=named,
                    extra=channel_facts(c),
                )
            )
        runs = c.clipped_runs
        found.append(
            ctx.judge(
                "clipped_runs",
                c.clipped_runs,
                ok=ngettext(
                    "{channel}: {value} clipped run", "{channel}: {value} clipped runs", runs
                ),
                bad=ngettext(
                    "{channel}: clipped, {value} run at full scale (limit {limit})",
                    "{channel}: clipped, {value} runs at full scale (limit {limit})",
                    runs,
                ),
                values=named,
                extra=channel_facts(c),
            )
        )
        return worst(found)
