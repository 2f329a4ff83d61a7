"""Running the selected checks concurrently and assembling the report.

Independent checks run at the same time; a check waits for the checks it depends on
and is skipped, with the reason, when one of them did not pass. Each check has the
profile's timeout. SIGINT/SIGTERM stop the run but keep what finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fnmatch
import functools
import importlib
import platform
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from meetcheck import __version__
from meetcheck.check import CHECK_STATUSES, Check, Finding, Status
from meetcheck.context import CheckContext, SharedState
from meetcheck.errors import InputError, SkipCheck
from meetcheck.i18n.core import _
from meetcheck.i18n.language import current_language
from meetcheck.i18n.text import localize
from meetcheck.meeting import Meeting
from meetcheck.participant import Participant
from meetcheck.plugins import Plugins
from meetcheck.profile import Profile
from meetcheck.report.model import SCHEMA_ID, SCHEMA_VERSION, CheckResult, Report, counts
from meetcheck.sensors import Sensors
from meetcheck.verdict import decide


@dataclass
class RunInfo:
    """What a run is about; passed to the run hooks."""

    profile: Profile
    participant: Participant
    meeting: Meeting | None
    checks: list[type[Check]]
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    interrupted: bool = False
    options: dict[str, Any] = field(default_factory=dict)  # quiet, show_secrets, ...
    #: Values of the command-line options plugins added (``meetcheck_add_options``).
    cli_options: dict[str, Any] = field(default_factory=dict)
    #: Per-run state a plugin keeps between its hooks, under the plugin's own key.
    state: dict[str, Any] = field(default_factory=dict)
    #: The language the run's texts are rendered in (``meetcheck.i18n.LANGUAGES``).
    language: str = field(default_factory=current_language)
    #: Readings measured elsewhere (the browser self-test); None: the checks measure.
    sensors: Sensors | None = None


def _matches(check: type[Check], pattern: str) -> bool:
    return (
        check.id == pattern
        or check.id.startswith(pattern + ".")
        or check.category == pattern
        or fnmatch.fnmatchcase(check.id, pattern)
    )


def select_checks(
    checks: dict[str, type[Check]],
    profile: Profile,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    notes: list[str] | None = None,
) -> list[type[Check]]:
    """The checks to run: enabled by the profile, narrowed by --only, minus --skip.

    A check chosen with --only brings the checks it depends on (each added is told in
    ``notes``); one taken out with --skip stays out and its dependants are skipped.
    """
    for flag, patterns in (("--only", only), ("--skip", skip)):
        for p in patterns:
            if not any(_matches(c, p) for c in checks.values()):
                known = ", ".join(checks) or "none"
                raise InputError(f"{flag} {p}: matches no check (known: {known})")
    chosen = []
    for check in checks.values():
        if only and not any(_matches(check, p) for p in only):
            continue
        if any(_matches(check, p) for p in skip):
            continue
        if not profile.settings_for(check).enabled:
            continue
        chosen.append(check)
    pending = list(chosen)
    while pending:
        for dep in pending.pop().depends_on:
            needed = checks.get(dep)
            if needed is None or needed in chosen or any(_matches(needed, p) for p in skip):
                continue
            chosen.append(needed)
            pending.append(needed)
            if notes is not None:
                notes.append(_("also running {id}: a selected check depends on it").format(id=dep))
    return sorted(chosen, key=lambda c: c.id)


@functools.cache
def _platform() -> dict[str, str]:
    """The interpreter and system: the same for every run of the process (a batch makes
    a report per roster row)."""
    return {
        "meetcheck_version": __version__,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": platform.system() or "unknown",
        "os_release": platform.release(),
        "machine": platform.machine(),
    }


def _environment(plugins: Plugins) -> dict[str, Any]:
    return {
        **_platform(),
        "plugins": plugins.versions(),
        "plugin_errors": [e.to_dict() for e in plugins.errors],
    }


def _cyclic(checks: list[type[Check]]) -> set[str]:
    """Ids of checks whose dependencies loop back to themselves (they would deadlock)."""
    deps = {c.id: [d for d in c.depends_on] for c in checks}
    bad: set[str] = set()
    for start in deps:
        stack, seen = list(deps[start]), set()
        while stack:
            node = stack.pop()
            if node == start:
                bad.add(start)
                break
            if node in seen or node not in deps:
                continue
            seen.add(node)
            stack.extend(deps[node])
    return bad


class PhaseGate:
    """Timing checks and the other checks never run at the same time.

    A check that blocks the event loop, even for a few milliseconds, delays every timer
    and socket read of the checks running beside it; a round trip measured then is wrong.
    Timing checks (``Check.timing``) share the loop only with each other, and go first.
    """

    def __init__(self) -> None:
        self._cond = asyncio.Condition()
        self._running = {True: 0, False: 0}
        self._waiting = {True: 0, False: 0}

    @contextlib.asynccontextmanager
    async def enter(self, timing: bool) -> AsyncIterator[None]:
        other = not timing
        async with self._cond:
            self._waiting[timing] += 1
            try:
                await self._cond.wait_for(
                    lambda: not self._running[other] and (timing or not self._waiting[True])
                )
            finally:
                self._waiting[timing] -= 1
            self._running[timing] += 1
        try:
            yield
        finally:
            async with self._cond:
                self._running[timing] -= 1
                self._cond.notify_all()


def _import_all(modules: Iterable[str]) -> None:
    for name in modules:
        with contextlib.suppress(ImportError):  # the check itself reports what is missing
            importlib.import_module(name)


async def preload(checks: Iterable[type[Check]]) -> None:
    """Import what the checks declare, in a thread, before the first check starts."""
    modules = sorted({m for c in checks for m in c.imports if m not in sys.modules})
    if modules:  # none left after the first run: no thread hop per participant in a batch
        await asyncio.get_running_loop().run_in_executor(None, _import_all, modules)


class Runner:
    def __init__(
        self,
        plugins: Plugins,
        profile: Profile,
        participant: Participant,
        meeting: Meeting | None,
        checks: Iterable[type[Check]],
        given: dict[str, CheckResult] | None = None,
        sensors: Sensors | None = None,
    ) -> None:
        """``given`` stands in for the results of checks not in this run (the kit's way
        to supply what a check under test depends on); ``sensors`` makes the checks judge
        readings taken elsewhere (:mod:`meetcheck.sensors`)."""
        self.plugins = plugins
        self.info = RunInfo(profile, participant, meeting, list(checks), sensors=sensors)
        self.shared = SharedState()
        self.given = dict(given or {})
        self.results: dict[str, CheckResult] = dict(self.given)
        self._tasks: dict[str, asyncio.Task[CheckResult]] = {}
        self._cyclic = _cyclic(self.info.checks)
        self._gate = PhaseGate()

    def _result(self, check: type[Check], status: Status, **kw: Any) -> CheckResult:
        settings = self.info.profile.settings_for(check)
        return CheckResult(
            id=check.id,
            title=localize(check.title),
            category=check.category,
            severity=check.severity.value,
            required=settings.required,
            status=status,
            remediation=localize(check.remediation),
            **kw,
        )

    async def _dependency(self, check: type[Check], dep: str) -> str:
        """Why ``check`` cannot run because of ``dep``, or "" when it can."""
        task = self._tasks.get(dep)
        if task is not None:
            dep_result = await asyncio.shield(task)
        elif dep in self.given:
            dep_result = self.given[dep]
        else:
            return _("skipped because it depends on {id}, which is not part of this run").format(
                id=dep
            )
        if dep_result.status not in (Status.PASS, Status.WARN):
            return _("skipped because {id} ended {status}").format(
                id=dep, status=dep_result.status.value
            )
        return ""

    async def _run_one(self, check: type[Check]) -> CheckResult:
        if check.id in self._cyclic:
            return self._result(check, Status.ERROR, reason=_("its depends_on forms a cycle"))
        if self.info.sensors is not None:
            why = self.info.sensors.why_not(check.senses)
            if why:
                return self._result(check, Status.SKIPPED, reason=why)
        for dep in check.depends_on:
            why = await self._dependency(check, dep)
            if why:
                return self._result(check, Status.SKIPPED, reason=why)
        settings = self.info.profile.settings_for(check)
        ctx = CheckContext(
            settings=settings,
            participant=self.info.participant,
            meeting=self.info.meeting,
            shared=self.shared,
            results=self.results,
            check=check,
            profile=self.info.profile,
            cli_options=self.info.cli_options,
            sensors=self.info.sensors,
        )
        async with self._gate.enter(check.timing):
            t0 = time.perf_counter()
            try:
                # A deadline on this task (not wait_for's extra task per check).
                async with asyncio.timeout(settings.timeout):
                    out = await check().run(ctx)
            except SkipCheck as exc:
                return self._result(
                    check, Status.SKIPPED, reason=exc.reason, duration_s=time.perf_counter() - t0
                )
            except TimeoutError:
                return self._result(
                    check,
                    Status.TIMEOUT,
                    duration_s=time.perf_counter() - t0,
                    reason=_("did not finish within {seconds} s (profile timeout)").format(
                        seconds=f"{settings.timeout:g}"
                    ),
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                return self._result(
                    check,
                    Status.ERROR,
                    duration_s=time.perf_counter() - t0,
                    reason=f"{type(exc).__name__}: {exc}",
                )
            duration = time.perf_counter() - t0
        return self._judged(check, out, duration)

    def _judged(self, check: type[Check], out: Any, duration: float) -> CheckResult:
        """The result of what ``run`` returned, or an ERROR saying what it should return."""
        if isinstance(out, Finding):
            findings = [out]
        elif isinstance(out, list | tuple):
            findings = list(out)
        else:
            findings = [out]
        bad = [f for f in findings if not isinstance(f, Finding)]
        if bad or not findings:
            why = (
                _(
                    "run() returned {type} {value}; return a Finding "
                    "(Finding.passed(...), .warn(...), .fail(...)) or a list of them"
                ).format(type=type(bad[0]).__name__, value=f"{bad[0]!r:.60}")
                if bad
                else _("run() returned no findings; return at least one Finding")
            )
            return self._result(check, Status.ERROR, duration_s=duration, reason=why)
        illegal = [f.status for f in findings if f.status not in CHECK_STATUSES]
        if illegal:
            return self._result(
                check,
                Status.ERROR,
                duration_s=duration,
                reason=_("a check may not set {status} itself").format(status=illegal[0].value),
            )
        for f in findings:
            if f.status is not Status.PASS and not f.remediation:
                f.remediation = localize(check.remediation)
        status = max((f.status for f in findings), key=lambda s: s.rank)
        return self._result(check, status, findings=findings, duration_s=duration)

    async def _guarded(self, check: type[Check]) -> CheckResult:
        try:
            result = await self._run_one(check)
        except asyncio.CancelledError:
            result = self._result(
                check, Status.SKIPPED, reason=_("run interrupted before this check finished")
            )
            self.results[check.id] = result
            raise
        self.results[check.id] = result
        # A copy: a hook that changes it cannot make the report disagree with its verdict.
        self.plugins.call("meetcheck_check_finished", run=self.info, result=result.copy())
        return result

    def _interrupt(self) -> None:
        self.info.interrupted = True
        for task in self._tasks.values():
            task.cancel()

    async def run(self, *, handle_signals: bool = True) -> Report:
        """Run every check; ``handle_signals=False`` leaves SIGINT/SIGTERM to a caller that
        runs many participants on one loop (``meetcheck batch``) and cancels them itself."""
        self.plugins.call("meetcheck_run_started", run=self.info)
        loop = asyncio.get_running_loop()
        handled = []
        for sig in (signal.SIGINT, signal.SIGTERM) if handle_signals else ():
            try:
                loop.add_signal_handler(sig, self._interrupt)
                handled.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
        try:
            await preload(self.info.checks)
            # Timing checks first: they run together, before the others may block the loop.
            for check in sorted(self.info.checks, key=lambda c: not c.timing):
                self._tasks[check.id] = asyncio.create_task(self._guarded(check))
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        finally:
            for sig in handled:
                loop.remove_signal_handler(sig)
        report = self.build_report()
        self.plugins.call("meetcheck_run_finished", run=self.info, report=report)
        return report

    def build_report(self) -> Report:
        for check in self.info.checks:  # anything never started (interrupted early)
            if check.id not in self.results:
                self.results[check.id] = self._result(
                    check, Status.SKIPPED, reason=_("run interrupted before this check started")
                )
        ordered = [self.results[c.id] for c in sorted(self.info.checks, key=lambda c: c.id)]
        verdict = decide(ordered, self.info.interrupted)
        finished = dt.datetime.now(dt.UTC)
        profile = self.info.profile
        data = {
            "$schema": SCHEMA_ID,
            "schema_version": SCHEMA_VERSION,
            "verdict": verdict.value,
            "language": self.info.language,
            "interrupted": self.info.interrupted,
            "summary": counts(ordered),
            "started_at": self.info.started_at.isoformat(),
            "finished_at": finished.isoformat(),
            "duration_s": round((finished - self.info.started_at).total_seconds(), 3),
            "participant": self.info.participant.summary(),
            "meeting": self.info.meeting.summary() if self.info.meeting else None,
            "profile": {
                "name": profile.name,
                "version": profile.version,
                "digest": profile.digest,
                "source": profile.source,
                "extends": profile.chain[1:],
            },
            "results": [r.to_dict() for r in ordered],
            "environment": _environment(self.plugins),
        }
        if self.info.sensors is not None:
            sensors = self.info.sensors
            data["extra"] = {"source": sensors.source, sensors.source: dict(sensors.about)}
        return Report(data)


def run_sync(runner: Runner) -> Report:
    """Run on a fresh event loop (the CLI's entry into asyncio)."""
    if sys.platform == "win32":  # aiortc needs the selector loop on Windows
        asyncio.set_event_loop_policy(asyncio.WindowsSelectorEventLoopPolicy())  # type: ignore[attr-defined]
    return asyncio.run(runner.run())
