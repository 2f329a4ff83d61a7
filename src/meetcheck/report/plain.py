"""Values, thresholds and findings as plain text, shared by every reporter (and by
``ctx.judge`` messages), so the terminal, JUnit and HTML reports say the same thing."""

from __future__ import annotations

from typing import Any

from meetcheck.readable import json_visible, number, visible, visible_obj

__all__ = [
    "finding_details", "json_visible", "measurement_text", "number", "show_value",
    "threshold_text", "visible", "visible_obj",
]  # fmt: skip


def show_value(value: Any) -> str:
    """A measurement value of any JSON type as short text."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(show_value(v) for v in value) or "(none)"
    return number(value)


def measurement_text(m: dict[str, Any]) -> str:
    unit = f" {m['unit']}" if m["unit"] else ""
    return f"{m['name']}={show_value(m['value'])}{unit}"


def threshold_text(t: dict[str, Any] | None) -> str:
    """``threshold: warn > 30, fail > 300 s [source]``, or "" without a threshold."""
    if not t:
        return ""
    op = ">" if t["direction"] == "higher_is_worse" else "<"
    limits = [f"{k} {op} {number(t[k])}" for k in ("warn", "fail") if t.get(k) is not None]
    source = f" [{t['source']}]" if t.get("source") else ""
    return f"threshold: {', '.join(limits)} {t['unit']}".rstrip() + source


def finding_details(f: dict[str, Any]) -> list[str]:
    """What was measured, the limit that decided, and the fix (not for a PASS)."""
    lines = []
    if f["measurements"]:
        lines.append("measured: " + "; ".join(measurement_text(m) for m in f["measurements"]))
    threshold = threshold_text(f.get("threshold"))
    if threshold:
        lines.append(threshold)
    if f["status"] != "PASS" and f["remediation"]:
        lines.append(f"fix: {f['remediation']}")
    return lines
