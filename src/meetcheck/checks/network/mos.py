"""``network.mos``: what the measured delay, jitter and loss mean for speech quality.

An E-model estimate (ITU-T G.107), with every input choice written down:

* **R0 = 93.2**, G.107's rating with all parameters at their defaults (basic signal-to-noise
  ratio minus the default simultaneous impairments Is; no advantage factor, A = 0).
* **Delay.** The one-way delay ``Ta`` is half the measured round trip, plus a jitter-buffer
  allowance of twice the jitter (a receiver buffers about two jitter spans to play
  smoothly), plus 10 ms of packetisation (one 20 ms Opus frame waits on average half a
  frame): ``Ta = RTT/2 + 2 * jitter + 10`` (ms). The delay impairment is G.107's ``Idd``
  (section 7.4, echo assumed cancelled, so Idte and Idle are left out)::

      Idd = 0                                                   if Ta <= 100 ms
      Idd = 25 * ((1 + X**6)**(1/6) - 3 * (1 + (X/3)**6)**(1/6) + 2),  X = log2(Ta/100)

* **Loss.** G.107's effective equipment impairment
  ``Ie_eff = Ie + (95 - Ie) * Ppl / (Ppl / BurstR + Bpl)``, with Ppl the loss in percent.
  There is no official Ie/Bpl for Opus: we use Ie = 0 and Bpl = 25.1 (G.711 with packet
  loss concealment, ITU-T G.113 Appendix I), which is conservative for Opus, and
  BurstR = 1 (random loss) unless the measurement gives a burst ratio.
* ``R = R0 - Idd - Ie_eff``, and the MOS from G.107 Annex B:
  ``MOS = 1 + 0.035 R + 7e-6 R (R - 60) (100 - R)`` for 0 < R < 100 (1 below, 4.5 above).

Bands (G.107 Annex B / G.109), closed below so that every R falls in exactly one:
R >= 90 very satisfied, >= 80 satisfied, >= 70 some users dissatisfied, >= 60 many users
dissatisfied, >= 50 nearly all users dissatisfied, below 50 not recommended.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from meetcheck.check import Check, Finding, Measurement, Metric, Severity
from meetcheck.checks.network._catalog import N_, _
from meetcheck.context import CheckContext
from meetcheck.i18n import localize

R0 = 93.2
IE_OPUS = 0.0
BPL = 25.1
PACKETISATION_MS = 10.0
JITTER_BUFFER_FACTOR = 2.0

BANDS = (  # N_ texts, shown (fact and message) in the run's language
    (90.0, N_("very satisfied")),
    (80.0, N_("satisfied")),
    (70.0, N_("some users dissatisfied")),
    (60.0, N_("many users dissatisfied")),
    (50.0, N_("nearly all users dissatisfied")),
    (-math.inf, N_("not recommended")),
)


def one_way_delay(rtt_ms: float, jitter_ms: float) -> float:
    """The delay the E-model is fed: RTT/2 + 2 * jitter + 10 ms (see the module text)."""
    return rtt_ms / 2 + JITTER_BUFFER_FACTOR * jitter_ms + PACKETISATION_MS


def delay_impairment(ta_ms: float) -> float:
    """G.107 Idd for an absolute one-way delay ``ta_ms``."""
    if ta_ms <= 100:
        return 0.0
    x = math.log2(ta_ms / 100)
    return 25 * ((1 + x**6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2)


def loss_impairment(
    loss_pct: float, burst_ratio: float = 1.0, ie: float = IE_OPUS, bpl: float = BPL
) -> float:
    """G.107 Ie,eff for ``loss_pct`` percent packet loss."""
    ppl = max(loss_pct, 0.0)
    return ie + (95 - ie) * ppl / (ppl / max(burst_ratio, 1.0) + bpl)


def r_to_mos(r: float) -> float:
    """G.107 Annex B: the MOS (conversational quality, 1 to 4.5) for a rating R."""
    if r <= 0:
        return 1.0
    if r >= 100:
        return 4.5
    return 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r)


def band(r: float) -> str:
    return next(name for low, name in BANDS if r >= low)


@dataclass(frozen=True)
class Estimate:
    ta_ms: float
    idd: float
    ie_eff: float
    r: float
    mos: float
    band: str


def estimate(
    rtt_ms: float, jitter_ms: float, loss_pct: float, burst_ratio: float = 1.0
) -> Estimate:
    """The E-model estimate for the measured figures."""
    ta = one_way_delay(rtt_ms, jitter_ms)
    idd = delay_impairment(ta)
    ie = loss_impairment(loss_pct, burst_ratio)
    r = R0 - idd - ie
    return Estimate(ta, idd, ie, r, r_to_mos(r), band(r))


class MeanOpinionScore(Check):
    """One number a secretariat can compare across delegates: how speech will sound."""

    id = "network.mos"
    title = N_("Expected speech quality (E-model, ITU-T G.107)")
    severity = Severity.MEDIUM
    timing = True
    imports = ("aiortc", "aiohttp", "av", "numpy", "meetcheck.webrtc.echo_probe")
    senses = ("network.media",)  # from the browser's echo call in a browser self-test
    remediation = N_(
        "Use a wired (Ethernet) connection and stop other traffic on your network (uploads, "
        "video streams) during the meeting."
    )
    metrics = {
        "r_factor": Metric("", higher_is_worse=False, description=N_("E-model rating R")),
        "mos": Metric("", higher_is_worse=False, description=N_("mean opinion score, 1 to 4.5")),
    }

    async def run(self, ctx: CheckContext) -> list[Finding]:
        from meetcheck.checks.network._measure import path_figures
        from meetcheck.checks.network.stun import StunProbe

        figures = await path_figures(ctx, StunProbe.option_defaults())
        if figures is None:
            ctx.skip(
                _(
                    "no delay, jitter and loss were measured: the meeting file needs an [echo] "
                    "endpoint or a STUN server"
                )
            )
        rtt, jitter, loss, source = figures
        est = estimate(rtt, jitter, loss)
        how = _(
            "from {source}: RTT {rtt} ms, jitter {jitter} ms, loss {loss} %; one-way "
            "delay used {delay} ms (RTT/2 + 2 x jitter + 10 ms); R0 {r0}"
        ).format(
            source=localize(source),
            rtt=f"{rtt:g}",
            jitter=f"{jitter:g}",
            loss=f"{loss:g}",
            delay=f"{est.ta_ms:.1f}",
            r0=R0,
        )
        extra = [
            Measurement("mos", round(est.mos, 2)),
            Measurement("band", localize(est.band)),
            Measurement("delay_used_ms", round(est.ta_ms, 1), "ms"),
            Measurement("inputs", localize(source)),
        ]
        r_finding = ctx.judge(
            "r_factor",
            round(est.r, 1),
            ok=_("R = {value} ({band})"),
            bad=_("R = {value} ({band}), below {limit}"),
            values={"band": localize(est.band)},
            note=how,
            extra=extra,
        )
        mos_finding = ctx.judge(
            "mos",
            round(est.mos, 2),
            ok=_("MOS {value}"),
            bad=_("MOS {value}, below {limit}"),
        )
        return [r_finding, mos_finding]
