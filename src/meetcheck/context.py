"""What a running check can see and use."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from meetcheck.check import Check, Finding, Measurement, Metric, Status, Threshold
from meetcheck.errors import SkipCheck
from meetcheck.i18n.text import Text
from meetcheck.readable import number

if TYPE_CHECKING:  # keep `meetcheck --help` fast: built-in checks import this module
    import asyncio

    from meetcheck.meeting import Meeting
    from meetcheck.participant import Participant
    from meetcheck.profile import CheckSettings, Profile
    from meetcheck.sensors import Sensors

T = TypeVar("T")


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
    check: type[Check] = Check
    profile: Profile | None = None  # the whole profile: name, version, ``plugins`` tables
    #: Values of the command-line options plugins added (``meetcheck_add_options``).
    cli_options: Mapping[str, Any] = field(default_factory=dict)
    #: Readings measured elsewhere (the browser self-test) to judge instead of measuring.
    sensors: Sensors | None = None

    def sensor(self, name: str) -> Any:
        """The reading ``name`` when this run judges another instrument's readings."""
        return self.sensors.get(name) if self.sensors is not None else None

    @property
    def options(self) -> dict[str, Any]:
        return self.settings.options

    def threshold(self, metric: str) -> Threshold | None:
        return self.settings.thresholds.get(metric)

    def skip(self, reason: str) -> NoReturn:
        """End the check as SKIPPED, e.g. when the meeting file lacks its endpoint."""
        raise SkipCheck(reason)

    def require_meeting(self, what: str | None = None) -> Meeting:
        """The meeting file, or SKIPPED saying the check ``needs {what} (--meeting)``."""
        if self.meeting is None:
            from meetcheck.i18n.core import _

            need = what if what is not None else _("a meeting file")
            self.skip(_("needs {what} (--meeting)").format(what=need))
        return self.meeting

    async def blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking work (file reads, decoding, sysfs) in a thread, so the event loop
        stays free for the checks that are timing something at this moment. The thread
        sees the run's context (its language above all)."""
        import asyncio
        import contextvars

        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(None, context.run, fn, *args)

    def _metric(self, metric: str) -> Metric:
        declared = self.check.metrics.get(metric)
        if declared is None:
            known = ", ".join(self.check.metrics) or "none"
            raise ValueError(
                f"{self.check.id}: metric {metric!r} is not declared in "
                f"{self.check.__name__}.metrics (declared: {known})"
            )
        return declared

    def judge(
        self,
        metric: str,
        value: float,
        *,
        ok: str,
        bad: str,
        fix: str | None = None,
        note: str = "",
        extra: list[Measurement] | None = None,
        fallback: Mapping[str, Any] | None = None,
        remediation: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> Finding:
        """A finding for one numeric measurement judged against the profile's threshold.

        ``ok``/``bad`` are message templates formatted with ``value``, ``unit`` and
        ``limit``, after translation: pass ``_("...")`` or ``N_("...")`` texts of your
        catalog (plain strings are used as they are). The unit comes from the check's
        ``Metric``; ``fix`` defaults to the check's remediation; ``note`` is appended to
        the message. ``fallback``
        (``{"warn": .., "fail": .., "source": ..}``) applies when the profile sets no
        threshold; with neither, the value is reported as a PASS measurement.
        ``remediation`` is the older name of ``fix``. ``values`` are more named values
        for the templates (``{host}``), formatted after translation like the others.
        """
        declared = self._metric(metric)
        th = self.threshold(metric)
        if th is None and fallback:
            th = Threshold(
                metric,
                declared.unit,
                declared.higher_is_worse,
                warn=fallback.get("warn"),
                fail=fallback.get("fail"),
                source=str(fallback.get("source", "")),
            )
        unit = declared.unit
        status = th.evaluate(value) if th else Status.PASS
        limit = ""
        if th is not None:
            limit_value = th.fail if status is Status.FAIL else th.warn
            if limit_value is None:
                limit_value = th.fail if th.fail is not None else th.warn
            limit = number(limit_value)
        from meetcheck.i18n.core import _
        from meetcheck.i18n.text import localize

        template = localize(ok if status is Status.PASS else bad)
        message = template.format(
            **(values or {}), value=number(value), unit=unit, limit=limit
        )
        if not isinstance(message, Text):
            message = " ".join(message.split())
        if note:
            message = _("{message}; {note}").format(message=message, note=localize(note))
        if th is None:
            message = _("{message} (no threshold in profile)").format(message=message)
        remediation = (
            ""
            if status is Status.PASS
            else localize(fix or remediation or self.check.remediation)
        )
        return Finding(
            status=status,
            message=message,
            remediation=remediation,
            measurements=[Measurement(metric, value, unit), *(extra or [])],
            threshold=th,
        )
