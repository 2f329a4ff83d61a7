"""Batch progress on stderr: a bar with ready / not ready / error counts on a terminal,
a plain line every few seconds otherwise (a log file or CI keeps readable lines)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from meetcheck.batch._catalog import _

WIDTH = 30


class BatchProgress:
    def __init__(
        self, total: int, stream: TextIO | None = None, interval: float = 5.0, quiet: bool = False
    ) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.total = total
        self.counts = {"ready": 0, "not_ready": 0, "error": 0}
        self.done = 0
        self.quiet = quiet
        self.interval = 0.1 if self.tty else interval
        self._last = 0.0
        self.started = time.monotonic()

    def _line(self) -> str:
        c = self.counts
        # Translators: the batch's progress line; keep it short (it shares a line with a bar).
        return _(
            "{done}/{total} checked · ready {ready} · not ready {not_ready} · errors {errors}"
        ).format(
            done=self.done, total=self.total, ready=c["ready"], not_ready=c["not_ready"],
            errors=c["error"],
        )  # fmt: skip

    def _write(self, final: bool = False) -> None:
        if self.quiet:
            return
        if self.tty:
            filled = WIDTH * self.done // max(self.total, 1)
            bar = "█" * filled + "░" * (WIDTH - filled)
            self.stream.write(f"\r\x1b[2Kmeetcheck: {bar} {self._line()}" + ("\n" if final else ""))
        else:
            elapsed = time.monotonic() - self.started
            self.stream.write(f"meetcheck: {self._line()} ({elapsed:.0f} s)\n")
        self.stream.flush()

    def begin(self, note: str) -> None:
        if not self.quiet:
            self.stream.write(f"meetcheck: {note}\n")
            self.stream.flush()

    def row_done(self, status: str) -> None:
        self.done += 1
        if status in self.counts:
            self.counts[status] += 1
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._write()

    def end(self) -> None:
        self._write(final=True)
