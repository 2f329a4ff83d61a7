"""How loud the voice is recorded, and whether it is clipped.

Why: too quiet a voice drowns in the platform's noise and the interpreters' own; too loud a
voice is clipped, a distortion no later step can remove. Levels follow ITU-T P.56 (active
speech level, pauses left out) and ITU-R BS.1770 (gated loudness, true peak).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from meetcheck.check import Finding, Measurement, Metric, Option, Severity
from meetcheck.checks.audio._catalog import N_, _, ngettext
from meetcheck.checks.audio._recording import (
    IMPORTS,
    RecordingCheck,
    after_codec,
    level,
    platform_fix,
    with_chart,
)
from meetcheck.context import CheckContext

if TYPE_CHECKING:
    from meetcheck.media.analysis import AudioAnalysis


class Level(RecordingCheck):
    id = "audio.level"
    title = N_("Speech level (ITU-T P.56) and peaks (ITU-R BS.1770)")
    severity = Severity.HIGH
    remediation = N_(
        "Raise the microphone's input level in your computer's sound settings, or speak "
        "closer to the microphone (about a hand's width away)."
    )
    metrics = {
        "active_level_dbfs": Metric(
            "dBFS", higher_is_worse=False, description=N_("P.56 active speech level")
        ),
        "true_peak_dbtp": Metric("dBTP", higher_is_worse=True, description=N_("BS.1770 true peak")),
        "active_level_after_codec_dbfs": Metric(
            "dBFS",
            higher_is_worse=False,
            description=N_("P.56 active speech level of the recording back from the echo call"),
        ),
    }
    imports = (*IMPORTS, "aiohttp", "aiortc")  # the echo call, with a meeting file

    async def assess(self, ctx: CheckContext, rec: AudioAnalysis) -> list[Finding] | Finding:
        if not math.isfinite(rec.active_level_dbfs) or rec.active_level_dbfs < -100:
            return Finding.fail(
                _("the recording is silent: no level to measure"),
                facts=[Measurement("active_level_dbfs", level(rec.active_level_dbfs), "dBFS")],
            )
        note = "" if rec.has_speech else _("no speech found, this is the level of the sound heard")
        active = ctx.judge(
            "active_level_dbfs",
            round(rec.active_level_dbfs, 2),
            ok=_("speech at {value} {unit} (active level, pauses left out)"),
            bad=_("speech at {value} {unit} is too quiet (limit {limit} {unit})"),
            note=note,
            extra=[
                Measurement("loudness_lufs", level(rec.loudness_lufs), "LUFS"),
                Measurement("peak_dbfs", level(rec.peak_dbfs), "dBFS"),
            ],
        )
        peak = ctx.judge(
            "true_peak_dbtp",
            level(rec.true_peak_dbtp),
            ok=_("peaks reach {value} {unit}"),
            bad=_(
                "peaks reach {value} {unit}, above {limit} {unit}: the loudest sounds are "
                "at the edge of distortion"
            ),
            fix=_(
                "Lower the microphone's input level a little, or sit a little further from "
                "the microphone."
            ),
        )
        out = [with_chart(active, rec, "level_over_time"), peak]
        carried = await after_codec(ctx)
        if carried is not None and not isinstance(carried, str) and carried.has_speech:
            out.append(
                ctx.judge(
                    "active_level_after_codec_dbfs",
                    round(carried.active_level_dbfs, 2),
                    ok=_(
                        "as the platform carries it (through the meeting's echo endpoint): "
                        "speech at {value} {unit}"
                    ),
                    bad=_(
                        "as the platform carries it (through the meeting's echo endpoint): "
                        "speech at {value} {unit} is too quiet (limit {limit} {unit})"
                    ),
                    fix=platform_fix(active.status.value, quieter=True),
                )
            )
        return out


class Clipping(RecordingCheck):
    """Runs of samples at full scale: the flat tops a clipping stage leaves."""

    id = "audio.clipping"
    title = N_("No clipping (distortion at full scale)")
    severity = Severity.HIGH
    remediation = N_(
        "Lower the microphone's input level in your computer's sound settings (and turn off "
        "any 'boost'), then record again."
    )
    metrics = {
        "clipped_pct": Metric(
            "%", higher_is_worse=True, description=N_("share of samples in clipped runs")
        ),
    }
    options = {
        "min_run": Option(
            int, 3, "consecutive samples at full scale that count as clipping", min=1, max=64
        ),
    }

    async def assess(self, ctx: CheckContext, rec: AudioAnalysis) -> Finding:
        min_run = int(ctx.options["min_run"])
        runs, ratio = rec.clipped(min_run)
        pct = round(100.0 * ratio, 4)
        return ctx.judge(
            "clipped_pct",
            pct,
            ok=ngettext("{runs} clipped run", "{runs} clipped runs", runs)
            if runs
            else _("no clipping"),
            bad=ngettext(
                "{runs} clipped run of {min_run} or more samples at full scale: {value} "
                "{unit} of the recording is distorted (limit {limit} {unit})",
                "{runs} clipped runs of {min_run} or more samples at full scale: {value} "
                "{unit} of the recording is distorted (limit {limit} {unit})",
                runs,
            ),
            values={"runs": runs, "min_run": min_run},
            extra=[
                Measurement("clipped_runs", runs),
                Measurement("min_run", min_run, "samples"),
                Measurement("peak_dbfs", level(rec.peak_dbfs), "dBFS"),
            ],
        )
