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
from meetcheck.i18n.core import _, ngettext
from meetcheck.i18n.language import current_language, is_rtl
from meetcheck.report import words
from meetcheck.report.plain import number, show_value, visible_obj
from meetcheck.report.reporter import Reporter

if TYPE_CHECKING:
    import jinja2

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


CHART_WIDTH, CHART_HEIGHT = 480.0, 160.0
_DB_FLOOR = -80.0
_SPECTRUM_HZ = (50.0, 20000.0)
_TARGET_BAND_HZ = (125.0, 15000.0)  # ISO 24019: a speaker's audio at least 125 Hz - 15 kHz


def _series(value: Any) -> list[tuple[float, float]]:
    """[[x, y], ...] with finite numbers only; anything else (a hand-edited or foreign
    report) gives an empty series, never an error."""
    if not isinstance(value, list):
        return []
    out = []
    for item in value:
        if isinstance(item, list) and len(item) == 2 and all(_is_number(v) for v in item):
            out.append((float(item[0]), float(item[1])))
    return out


def _polyline(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _y_db(value: float) -> float:
    """dB (0 at the top, _DB_FLOOR at the bottom) to a y coordinate."""
    v = min(0.0, max(_DB_FLOOR, value))
    return round(v / _DB_FLOOR * CHART_HEIGHT, 1)


def _db_grid() -> list[dict[str, Any]]:
    return [{"y": _y_db(v), "label": f"{v:.0f}"} for v in range(0, int(_DB_FLOOR) - 1, -20)]


def _level_chart(series: list[tuple[float, float]], threshold: dict[str, Any] | None):
    end = max((t for t, _ in series), default=0.0) or 1.0
    points = [(t / end * CHART_WIDTH, _y_db(v)) for t, v in series]
    limits = []
    if threshold and threshold.get("unit") == "dBFS":
        for kind in ("warn", "fail"):
            value = threshold.get(kind)
            if _is_number(value):
                label = _("{limit} {value} dBFS (speech level)").format(
                    limit=words.limit_word(kind), value=number(value)
                )
                limits.append({"kind": kind, "y": _y_db(value), "label": label})
    ticks = [{"x": round(t / end * CHART_WIDTH, 1), "label": f"{t:g} s"}
             for t in _nice_ticks(end)]  # fmt: skip
    return {
        "kind": "level",
        "label": _("Level over {seconds} s, dBFS (100 ms steps)").format(seconds=number(end)),
        "lines": [{"class": "speech", "points": _polyline(points)}],
        "grid": _db_grid(),
        "ticks": ticks,
        "limits": limits,
        "band": None,
        "unit": "dBFS",
    }


def _nice_ticks(end: float) -> list[float]:
    step = next(s for s in (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 1e9)
                if end / s <= 6)  # fmt: skip
    return [i * step for i in range(int(end // step) + 1)]


def _x_hz(f: float) -> float:
    lo, hi = (math.log10(v) for v in _SPECTRUM_HZ)
    return round((math.log10(max(f, 1.0)) - lo) / (hi - lo) * CHART_WIDTH, 1)


def _spectrum_chart(speech: list[tuple[float, float]], pause: list[tuple[float, float]]):
    def line(series: list[tuple[float, float]], cls: str) -> dict[str, str]:
        pts = [(_x_hz(f), _y_db(v)) for f, v in series if _SPECTRUM_HZ[0] <= f <= 21000]
        return {"class": cls, "points": _polyline(pts)}

    lines = [line(s, c) for s, c in ((speech, "speech"), (pause, "pause")) if s]
    lo, hi = (_x_hz(f) for f in _TARGET_BAND_HZ)
    ticks = [{"x": _x_hz(f), "label": t} for f, t in
             ((100, "100 Hz"), (1000, "1 kHz"), (10000, "10 kHz"))]  # fmt: skip
    if speech and pause:
        label = _(
            "Spectrum of the speech and the pauses (dashed), dB re its loudest band, "
            "against 125 Hz - 15 kHz"
        )
    elif speech:
        label = _("Spectrum of the speech, dB re its loudest band, against 125 Hz - 15 kHz")
    else:
        label = _("Spectrum of the pauses, dB re its loudest band, against 125 Hz - 15 kHz")
    return {
        "kind": "spectrum",
        "label": label,
        "lines": lines,
        "grid": _db_grid(),
        "ticks": ticks,
        "limits": [],
        "band": {"x": lo, "w": round(hi - lo, 1), "label": "125 Hz - 15 kHz (ISO 24019)"},
        "unit": "dB",
    }


def charts_for(finding: dict[str, Any]) -> list[dict[str, Any]]:
    """Inline SVG charts for a finding's ``extra.audio_charts`` (level over time, speech
    and pause spectra), so a delegate sees why an audio check failed."""
    extra = finding.get("extra")
    data = extra.get("audio_charts") if isinstance(extra, dict) else None
    if not isinstance(data, dict):
        return []
    charts = []
    level = _series(data.get("level_over_time"))
    if len(level) >= 2:
        charts.append(_level_chart(level, finding.get("threshold")))
    speech = _series(data.get("speech_spectrum"))
    pause = _series(data.get("pause_spectrum"))
    if speech or pause:
        charts.append(_spectrum_chart(speech, pause))
    return charts


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


#: The ``lang`` attribute of each report language (Simplified Chinese, as the UN writes it).
HTML_LANG = {"zh": "zh-Hans"}


def fmt(template: str, **values: Any) -> Any:
    """A translated template with its values, as HTML: the template and the values are
    escaped, and in a right-to-left page each value is a ``<bdi>`` (numbers, ids, names
    and URLs keep their own direction inside the sentence)."""
    from markupsafe import Markup, escape

    if is_rtl():
        values = {k: Markup("<bdi>{}</bdi>").format(v) for k, v in values.items()}
    return Markup(escape(str(template))).format(**values)


def limits_text(t: dict[str, Any]) -> str:
    """'warning above 30 ms, fail above 300 ms', or 'no limits set'."""
    unit = f" {t['unit']}" if t.get("unit") else ""
    above = t.get("direction") == "higher_is_worse"
    parts = []
    if t.get("warn") is not None:
        template = _("warning above {value}") if above else _("warning below {value}")
        parts.append(template.format(value=number(t["warn"]) + unit))
    if t.get("fail") is not None:
        template = _("fail above {value}") if above else _("fail below {value}")
        parts.append(template.format(value=number(t["fail"]) + unit))
    return words.listing(parts) if parts else _("no limits set")


def summary_counts(summary: dict[str, int]) -> list[str]:
    """'3 passed', '1 with warnings', ... for the statuses that occurred."""
    forms = {
        "PASS": lambda n: ngettext("{n} passed", "{n} passed", n),
        "WARN": lambda n: ngettext("{n} with warnings", "{n} with warnings", n),
        "FAIL": lambda n: ngettext("{n} failed", "{n} failed", n),
        "ERROR": lambda n: ngettext("{n} with errors", "{n} with errors", n),
        "TIMEOUT": lambda n: ngettext("{n} timed out", "{n} timed out", n),
        "SKIPPED": lambda n: ngettext("{n} skipped", "{n} skipped", n),
    }
    return [forms[k](n).format(n=n) for k, n in summary.items() if n and k in forms]


def plugin_error_html(e: dict[str, str]) -> Any:
    from markupsafe import Markup

    name = Markup("<strong>{}</strong>").format(e.get("plugin", ""))
    return fmt(_("{plugin} failed {stage}: {message}"), plugin=name,
               stage=words.stage(e.get("stage", "")), message=e.get("message", ""))  # fmt: skip


@cache
def template_environment(package: str = "meetcheck.report") -> jinja2.Environment:
    """Templates of ``package`` with the report's filters and shared partials (base styles,
    status icons), so another page (the batch dashboard) looks and escapes like the report."""
    import jinja2  # only when rendering: `meetcheck --help` loads this plugin too

    loaders = [jinja2.PackageLoader(p, "templates") for p in dict.fromkeys([package, __package__])]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(number=number, value=show_value, time=show_time, fmt=fmt)
    env.globals.update(
        gauge_for=gauge_for,
        charts_for=charts_for,
        to_fix=to_fix,
        words=words,
        limits_text=limits_text,
        summary_counts=summary_counts,
        plugin_error_html=plugin_error_html,
        _=_,
        ngettext=ngettext,
    )
    return env


def page_language() -> dict[str, str]:
    """``html_lang`` and ``html_dir`` for the root element of a page in the active language."""
    lang = current_language()
    return {"html_lang": HTML_LANG.get(lang, lang), "html_dir": "rtl" if is_rtl(lang) else "ltr"}


def render(data: dict[str, Any]) -> str:
    """The report as one HTML page (expects the already-redacted report dict), in the
    active language: ``lang`` and ``dir`` (``rtl`` for Arabic) on the root element."""
    template = template_environment().get_template("report.html.j2")
    return template.render(r=visible_obj(data), **page_language())


@hookimpl
def meetcheck_register_reporters(register: Callable[[Reporter], None]) -> None:
    register(Reporter("html", "self-contained HTML page (no external assets)", ".html", render))
