"""Numbers and text as people read them, in messages, reports and the terminal alike."""

from __future__ import annotations

import math
import re
from typing import Any


def number(value: Any) -> str:
    """Readable numbers: three significant digits, no exponent for large values."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or not math.isfinite(value):
        return str(value)
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


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
