"""Values, thresholds and findings as plain text, shared by every reporter (and by
``ctx.judge`` messages), so the terminal, JUnit and HTML reports say the same thing, in
the active language."""

from __future__ import annotations

from typing import Any

from meetcheck.i18n.core import _
from meetcheck.i18n.language import isolate
from meetcheck.readable import json_visible, number, visible, visible_obj

__all__ = [
    "finding_details", "json_visible", "measurement_text", "number", "show_value",
    "threshold_text", "visible", "visible_obj",
]  # fmt: skip


def show_value(value: Any) -> str:
    """A measurement value of any JSON type as short text."""
    if value is None:
        # Translators: a measurement without a value (not available).
        return _("n/a")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        from meetcheck.report.words import listing

        return listing([show_value(v) for v in value]) if value else _("(none)")
    return number(value)


def measurement_text(m: dict[str, Any]) -> str:
    """``name=value unit``: names and units are never translated; isolated in Arabic."""
    unit = f" {m['unit']}" if m["unit"] else ""
    return isolate(f"{m['name']}={show_value(m['value'])}{unit}")


def limits_text(t: dict[str, Any]) -> list[str]:
    """``warn > 30``, ``fail > 300`` (the limits a threshold sets)."""
    # The comparison is part of each message, not a value: in Arabic text the bidi
    # algorithm mirrors "<" and ">" so that they still point the right way.
    above = t["direction"] == "higher_is_worse"
    out = []
    if t.get("warn") is not None:
        warn = _("warn > {value}") if above else _("warn < {value}")
        out.append(warn.format(value=number(t["warn"])))
    if t.get("fail") is not None:
        fail = _("fail > {value}") if above else _("fail < {value}")
        out.append(fail.format(value=number(t["fail"])))
    return out


def threshold_text(t: dict[str, Any] | None) -> str:
    """``threshold: warn > 30, fail > 300 s [source]``, or "" without a threshold."""
    if not t:
        return ""
    from meetcheck.report.words import listing

    text = _("threshold: {limits} {unit}").format(limits=listing(limits_text(t)), unit=t["unit"])
    if t.get("source"):
        text = _("{threshold} [{source}]").format(threshold=text, source=t["source"])
    return text


def finding_details(f: dict[str, Any]) -> list[str]:
    """What was measured, the limit that decided, and the fix (not for a PASS)."""
    lines = []
    if f["measurements"]:
        measured = "; ".join(measurement_text(m) for m in f["measurements"])
        lines.append(_("measured: {values}").format(values=measured))
    threshold = threshold_text(f.get("threshold"))
    if threshold:
        lines.append(threshold)
    if f["status"] != "PASS" and f["remediation"]:
        lines.append(_("fix: {fix}").format(fix=f["remediation"]))
    return lines
