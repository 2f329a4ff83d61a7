"""The HTML report: one self-contained file a delegate can open, print or forward.

No external assets (inline CSS and SVG only) so it renders offline and leaks nothing
when opened. Everything shown comes from the report data, so a saved JSON report
re-renders to the same bytes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from meetcheck.hookimpl import hookimpl
from meetcheck.report.plain import number, show_value, visible_obj
from meetcheck.report.reporter import Reporter

if TYPE_CHECKING:
    import jinja2

VERDICT_MEANING = {
    "READY": "All required checks passed: you are ready to take the floor.",
    "READY WITH WARNINGS": (
        "Nothing blocks you, but some results are close to their limits: "
        "fixing them now makes your intervention safer."
    ),
    "NOT READY": (
        "At least one required check failed: fix the items below before the meeting, "
        "then run the check again."
    ),
    "INCOMPLETE": (
        "Some required checks could not finish, so readiness is unknown: "
        "fix the items below and run the check again."
    ),
}
# Order of the "what to fix" list: what blocks the meeting first.
FIX_ORDER = {"FAIL": 0, "ERROR": 1, "TIMEOUT": 2, "WARN": 3, "SKIPPED": 4}
GAUGE_WIDTH = 320.0


def show_time(value: Any) -> str:
    """ISO timestamps as ``2026-11-28 09:30:00 UTC``; anything else unchanged."""
    try:
        when = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    text = when.strftime("%Y-%m-%d %H:%M:%S")
    offset = when.utcoffset()
    if offset is None:
        return text
    if not offset:
        return text + " UTC"
    return text + " " + when.strftime("%z")[:3] + ":" + when.strftime("%z")[3:]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def gauge(value: Any, threshold: dict[str, Any] | None) -> dict[str, Any] | None:
    """Geometry of a bar showing where ``value`` sits against the warn and fail limits.

    Zones are drawn from the limits, so the picture follows the profile's direction
    (higher or lower is worse). None when there is nothing to compare.
    """
    if not threshold or not _is_number(value):
        return None
    limits = {k: threshold.get(k) for k in ("warn", "fail") if _is_number(threshold.get(k))}
    if not limits:
        return None
    points = [float(value), *limits.values()]
    lo, hi = min(points), max(points)
    span = hi - lo or max(abs(hi), 1.0)
    lo, hi = lo - span * 0.25, hi + span * 0.25
    if min(points) >= 0 > lo:
        lo = 0.0
    scale = GAUGE_WIDTH / (hi - lo)

    def x(v: float) -> float:
        return round((v - lo) * scale, 1)

    worse_high = threshold.get("direction") != "lower_is_worse"
    # Boundaries between ok | warn | fail, in the direction of "worse".
    warn_at = limits.get("warn", limits.get("fail"))
    fail_at = limits.get("fail")
    zones = []
    if worse_high:
        zones.append(("ok", 0.0, x(warn_at)))
        if fail_at is not None:
            zones.append(("warn", x(warn_at), x(fail_at)))
            zones.append(("fail", x(fail_at), GAUGE_WIDTH))
        else:
            zones.append(("warn", x(warn_at), GAUGE_WIDTH))
    else:
        zones.append(("ok", x(warn_at), GAUGE_WIDTH))
        if fail_at is not None:
            zones.append(("warn", x(fail_at), x(warn_at)))
            zones.append(("fail", 0.0, x(fail_at)))
        else:
            zones.append(("warn", 0.0, x(warn_at)))
    ticks = sorted(
        ({"label": k, "value": number(v), "x": x(v)} for k, v in limits.items()),
        key=lambda t: t["x"],
    )
    # Labels point away from each other so close limits never overlap.
    for i, tick in enumerate(ticks):
        tick["anchor"] = "end" if i == 0 and len(ticks) > 1 else "start"
        tick["dx"] = -4 if tick["anchor"] == "end" else 4
    vx = x(float(value))
    return {
        "width": GAUGE_WIDTH,
        "zones": [{"kind": k, "x": a, "w": round(b - a, 1)} for k, a, b in zones if b > a],
        "ticks": ticks,
        "value_x": vx,
        "label_x": min(max(vx, 40.0), GAUGE_WIDTH - 40.0),
        "worse": "above" if worse_high else "below",
    }


def gauge_for(finding: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(measurement, gauge) pairs: the measurement the finding's threshold applies to."""
    th = finding.get("threshold")
    if not th:
        return []
    numeric = [m for m in finding["measurements"] if _is_number(m["value"])]
    chosen = [m for m in numeric if m["name"] == th["metric"]]
    if not chosen and len(numeric) == 1:
        chosen = numeric
    out = []
    for m in chosen:
        g = gauge(m["value"], th)
        if g:
            out.append((m, g))
    return out


def to_fix(results: list[dict[str, Any]], required: bool) -> list[dict[str, Any]]:
    """Non-PASS checks with the advice for each, most blocking first."""
    items = []
    for r in results:
        if r["required"] != required or r["status"] == "PASS":
            continue
        advice = [f["remediation"] for f in r["findings"] if f["status"] != "PASS"]
        advice = [a for a in dict.fromkeys(advice) if a]
        if not advice and r["remediation"] and r["status"] != "SKIPPED":
            advice = [r["remediation"]]
        problems = [f["message"] for f in r["findings"] if f["status"] != "PASS"]
        if r["reason"]:
            problems.append(r["reason"])
        items.append({"result": r, "advice": advice, "problems": problems})
    return sorted(items, key=lambda i: FIX_ORDER.get(i["result"]["status"], 9))


@cache
def _environment() -> jinja2.Environment:
    import jinja2  # only when rendering: `meetcheck --help` loads this plugin too

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("meetcheck.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(number=number, value=show_value, time=show_time)
    env.globals.update(gauge_for=gauge_for, to_fix=to_fix, meaning=VERDICT_MEANING)
    return env


def render(data: dict[str, Any]) -> str:
    """The report as one HTML page (expects the already-redacted report dict)."""
    return _environment().get_template("report.html.j2").render(r=visible_obj(data))


@hookimpl
def meetcheck_register_reporters(register: Callable[[Reporter], None]) -> None:
    register(Reporter("html", "self-contained HTML page (no external assets)", ".html", render))
