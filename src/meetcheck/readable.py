"""Numbers as people read them, in messages, reports and the terminal alike."""

from __future__ import annotations

import math
from typing import Any


def number(value: Any) -> str:
    """Readable numbers: three significant digits, no exponent for large values."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or not math.isfinite(value):
        return str(value)
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
