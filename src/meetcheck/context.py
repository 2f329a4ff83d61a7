"""What a running check can see and use."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from meetcheck.check import Finding, Measurement, Status, Threshold
from meetcheck.errors import SkipCheck
from meetcheck.report.plain import number

if TYPE_CHECKING:  # keep `meetcheck --help` fast: built-in checks import this module
    import asyncio

    from meetcheck.meeting import Meeting
    from meetcheck.participant import Participant
    from meetcheck.profile import CheckSettings


@dataclass
class SharedState:
    """Measurements several checks reuse (one echo session feeds RTT, jitter, loss, MOS)."""

    values: dict[str, Any] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def once(self, key: str, factory: Callable[[], Awaitable[Any]]) -> Any:
        """Run ``factory`` once per run; later callers await the same result."""
        import asyncio

        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key not in self.values:
                self.values[key] = await factory()
            return self.values[key]


@dataclass
class CheckContext:
    """Passed to ``Check.run``: the check's profile settings plus the run's inputs."""

    settings: CheckSettings
    participant: Participant
    meeting: Meeting | None = None
    shared: SharedState = field(default_factory=SharedState)
    results: dict[str, Any] = field(default_factory=dict)  # finished CheckResults by id
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("meetcheck.check"))

    @property
    def options(self) -> dict[str, Any]:
        return self.settings.options

    def threshold(self, metric: str) -> Threshold | None:
        return self.settings.thresholds.get(metric)

    def skip(self, reason: str) -> NoReturn:
        """End the check as SKIPPED, e.g. when the meeting file lacks its endpoint."""
        raise SkipCheck(reason)

    def require_meeting(self, what: str = "a meeting file") -> Meeting:
        if self.meeting is None:
            self.skip(f"needs {what} (--meeting)")
        return self.meeting

    def judge(
        self,
        metric: str,
        value: float,
        *,
        unit: str = "",
        ok: str,
        bad: str,
        remediation: str,
        extra: list[Measurement] | None = None,
    ) -> Finding:
        """A finding for one numeric measurement judged against the profile's threshold.

        ``ok``/``bad`` are message templates formatted with ``value``, ``unit`` and ``limit``.
        With no threshold in the profile the value is reported as a PASS measurement.
        """
        th = self.threshold(metric)
        unit = unit or (th.unit if th else "")
        status = th.evaluate(value) if th else Status.PASS
        limit = ""
        if th is not None:
            limit_value = th.fail if status is Status.FAIL else th.warn
            if limit_value is None:
                limit_value = th.fail if th.fail is not None else th.warn
            limit = number(limit_value)
        template = ok if status is Status.PASS else bad
        message = template.format(value=number(value), unit=unit, limit=limit)
        if th is None:
            message += " (no threshold in profile)"
        return Finding(
            status=status,
            message=message,
            remediation=remediation if status is not Status.PASS else "",
            measurements=[Measurement(metric, value, unit), *(extra or [])],
            threshold=th,
        )
