"""Running the selected checks concurrently and assembling the report.

Independent checks run at the same time; a check waits for the checks it depends on
and is skipped, with the reason, when one of them did not pass. Each check has the
profile's timeout. SIGINT/SIGTERM stop the run but keep what finished.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fnmatch
import platform
import signal
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from meetcheck import __version__
from meetcheck.check import CHECK_STATUSES, Check, Finding, Status
from meetcheck.context import CheckContext, SharedState
from meetcheck.errors import InputError, SkipCheck
from meetcheck.meeting import Meeting
from meetcheck.participant import Participant
from meetcheck.plugins import Plugins
from meetcheck.profile import Profile
from meetcheck.report.model import SCHEMA_ID, SCHEMA_VERSION, CheckResult, Report, counts
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
) -> list[type[Check]]:
    """The checks to run: enabled by the profile, narrowed by --only, minus --skip."""
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
    return chosen


def _environment(plugins: Plugins) -> dict[str, Any]:
    return {
        "meetcheck_version": __version__,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": platform.system() or "unknown",
        "os_release": platform.release(),
        "machine": platform.machine(),
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


class Runner:
    def __init__(
        self,
        plugins: Plugins,
        profile: Profile,
        participant: Participant,
        meeting: Meeting | None,
        checks: Iterable[type[Check]],
    ) -> None:
        self.plugins = plugins
        self.info = RunInfo(profile, participant, meeting, list(checks))
        self.shared = SharedState()
        self.results: dict[str, CheckResult] = {}
        self._tasks: dict[str, asyncio.Task[CheckResult]] = {}
        self._cyclic = _cyclic(self.info.checks)

    def _result(self, check: type[Check], status: Status, **kw: Any) -> CheckResult:
        settings = self.info.profile.settings_for(check)
        return CheckResult(
            id=check.id,
            title=check.title,
            category=check.category,
            severity=check.severity.value,
            required=settings.required,
            status=status,
            remediation=check.remediation,
            **kw,
        )

    async def _run_one(self, check: type[Check]) -> CheckResult:
        if check.id in self._cyclic:
            return self._result(check, Status.ERROR, reason="its depends_on forms a cycle")
        for dep in check.depends_on:
            task = self._tasks.get(dep)
            if task is None:
                continue
            dep_result = await asyncio.shield(task)
            if dep_result.status not in (Status.PASS, Status.WARN):
                return self._result(
                    check,
                    Status.SKIPPED,
                    reason=f"skipped because {dep} ended {dep_result.status.value}",
                )
        settings = self.info.profile.settings_for(check)
        ctx = CheckContext(
            settings=settings,
            participant=self.info.participant,
            meeting=self.info.meeting,
            shared=self.shared,
            results=self.results,
        )
        t0 = time.perf_counter()
        try:
            out = await asyncio.wait_for(check().run(ctx), timeout=settings.timeout)
        except SkipCheck as exc:
            return self._result(
                check, Status.SKIPPED, reason=str(exc), duration_s=time.perf_counter() - t0
            )
        except TimeoutError:
            return self._result(
                check,
                Status.TIMEOUT,
                duration_s=time.perf_counter() - t0,
                reason=f"did not finish within {settings.timeout:g} s (profile timeout)",
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
        findings = [out] if isinstance(out, Finding) else list(out or [])
        bad = [f for f in findings if not isinstance(f, Finding)]
        if bad or not findings:
            why = f"returned {bad[0]!r}, expected Finding" if bad else "returned no findings"
            return self._result(check, Status.ERROR, duration_s=duration, reason=why)
        illegal = [f.status for f in findings if f.status not in CHECK_STATUSES]
        if illegal:
            return self._result(
                check,
                Status.ERROR,
                duration_s=duration,
                reason=f"a check may not set {illegal[0].value} itself",
            )
        status = max((f.status for f in findings), key=lambda s: s.rank)
        return self._result(check, status, findings=findings, duration_s=duration)

    async def _guarded(self, check: type[Check]) -> CheckResult:
        try:
            result = await self._run_one(check)
        except asyncio.CancelledError:
            result = self._result(
                check, Status.SKIPPED, reason="run interrupted before this check finished"
            )
            self.results[check.id] = result
            raise
        self.results[check.id] = result
        self.plugins.call("meetcheck_check_finished", result=result)
        return result

    def _interrupt(self) -> None:
        self.info.interrupted = True
        for task in self._tasks.values():
            task.cancel()

    async def run(self) -> Report:
        self.plugins.call("meetcheck_run_started", run=self.info)
        loop = asyncio.get_running_loop()
        handled = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self._interrupt)
                handled.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
        try:
            for check in self.info.checks:
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
                    check, Status.SKIPPED, reason="run interrupted before this check started"
                )
        ordered = [self.results[c.id] for c in sorted(self.info.checks, key=lambda c: c.id)]
        verdict = decide(ordered, self.info.interrupted)
        finished = dt.datetime.now(dt.UTC)
        profile = self.info.profile
        data = {
            "$schema": SCHEMA_ID,
            "schema_version": SCHEMA_VERSION,
            "verdict": verdict.value,
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
        return Report(data)


def run_sync(runner: Runner) -> Report:
    """Run on a fresh event loop (the CLI's entry into asyncio)."""
    if sys.platform == "win32":  # aiortc needs the selector loop on Windows
        asyncio.set_event_loop_policy(asyncio.WindowsSelectorEventLoopPolicy())  # type: ignore[attr-defined]
    return asyncio.run(runner.run())
