"""A live level meter on one terminal line, redrawn in place.

Why it measures the terminal: a line longer than the terminal wraps, and the carriage
return that redraws it then goes back only to the start of the last row, so every redraw
leaves a row behind. The bar shrinks to fit; the line is always ended (also when the
recording is interrupted), so what is printed next starts on a clean line.
"""

from __future__ import annotations

import math
import os
from typing import TextIO

BAR = 30  # characters of bar on a terminal wide enough
MIN_BAR = 5
FLOOR_DB = -60.0


def terminal_width(stream: TextIO, default: int = 80) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return default


def render(level: float, columns: int) -> str:
    """``  [#####     ] -23.0 dBFS``, at most ``columns - 1`` characters (the last column
    is left free: some terminals wrap when a line fills it)."""
    reading = f"] {max(level, -99.0):5.1f} dBFS" if math.isfinite(level) else "]  -inf dBFS"
    width = max(MIN_BAR, min(BAR, columns - 1 - 3 - len(reading)))
    filled = 0 if not math.isfinite(level) else int((level - FLOOR_DB) / -FLOOR_DB * width)
    filled = max(0, min(width, filled))
    line = "  [" + "#" * filled + " " * (width - filled) + reading
    return line[: max(columns - 1, 1)]


class LevelMeter:
    """Draws levels on ``stream`` when it is a terminal; does nothing otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.open = False  # a meter line is drawn and not yet ended

    def show(self, level: float) -> None:
        if not self.live:
            return
        self.stream.write("\r" + render(level, terminal_width(self.stream)))
        self.stream.flush()
        self.open = True

    def end(self) -> None:
        """End the meter's line, so the next output starts at the left margin."""
        if self.open:
            self.stream.write("\n")
            self.stream.flush()
            self.open = False
