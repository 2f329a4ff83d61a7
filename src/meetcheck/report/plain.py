"""Values, thresholds and findings as plain text, shared by every reporter (and by
``ctx.judge`` messages), so the terminal, JUnit and HTML reports say the same thing."""

from __future__ import annotations

import math
import re
from typing import Any

# C0 controls, DEL and C1 controls: what a terminal acts on instead of showing.
CONTROL_CHARS = re.compile("[\x00-\x1f\x7f-\x9f]")
_DEL_C1 = re.compile("[\x7f-\x9f]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(text: str, keep: str = "") -> str:
    """``text`` with control characters written out (``\\x1b``, ``\\r``...), except ``keep``.

    Meeting names, flags and plugin messages are untrusted: raw, an escape sequence could
    clear the screen, retitle the terminal or overwrite the verdict line.
    """
    if not CONTROL_CHARS.search(text):
        return text

    def shown(m: re.Match[str]) -> str:
        c = m.group()
        return c if c in keep else _NAMED.get(c, f"\\x{ord(c):02x}")

    return CONTROL_CHARS.sub(shown, text)


def visible_obj(obj: Any) -> Any:
    """:func:`visible` on every string (keys too) inside nested dicts and lists."""
    if isinstance(obj, str):
        return visible(obj)
    if isinstance(obj, dict):
        return {visible_obj(k): visible_obj(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [visible_obj(v) for v in obj]
    return obj


def json_visible(text: str) -> str:
    """JSON text with DEL and C1 controls as ``\\u`` escapes: ``json.dumps`` escapes C0 but,
    with ``ensure_ascii=False``, leaves these raw; escaped, the document decodes the same."""
    return _DEL_C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def number(value: Any) -> str:
    """Readable numbers: three significant digits, no exponent for large values."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or not math.isfinite(value):
        return str(value)
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


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
