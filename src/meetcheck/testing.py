"""The plugin authors' kit: a pytest plugin (entry point ``pytest11``).

It runs one check through the real runner (timeouts, status rules, error handling) against
a profile fragment validated like a profile file, with a participant and meeting you
describe in a few keywords. Fixtures:

- ``run_check(CheckClass, profile={...}, meeting={...} | Meeting, **participant)``
  returns the :class:`meetcheck.report.model.CheckResult`;
- ``meeting_from(dict)`` builds a validated :class:`meetcheck.meeting.Meeting`.

Assert with :func:`assert_status` and :func:`measurement`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from meetcheck.check import Check, Status
from meetcheck.meeting import Meeting, parse_meeting
from meetcheck.participant import Participant
from meetcheck.plugins import Plugins
from meetcheck.profile import profile_from_fragment
from meetcheck.report.model import CheckResult
from meetcheck.runner import Runner


def make_meeting(raw: dict[str, Any], source: str = "<test meeting>") -> Meeting:
    """A meeting from a dict in meeting-file form (validated like the file)."""
    data = {"name": "Test meeting", **raw}
    return parse_meeting(data, source)


async def run_check_async(
    check: type[Check],
    profile: dict[str, Any] | None = None,
    meeting: Meeting | dict[str, Any] | None = None,
    **participant: Any,
) -> CheckResult:
    """Run one check through the real runner and return its result."""
    prof = profile_from_fragment(check, profile)
    if isinstance(meeting, dict):
        meeting = make_meeting(meeting)
    plugins = Plugins(builtins=(), entry_points=False, use_default_dir=False)
    runner = Runner(plugins, prof, Participant(**participant), meeting, [check])
    runner.info.options["quiet"] = True
    await runner.run()
    return runner.results[check.id]


def run_check_sync(check: type[Check], **kwargs: Any) -> CheckResult:
    return asyncio.run(run_check_async(check, **kwargs))


def assert_status(result: CheckResult, status: Status | str) -> None:
    """Assert the check's overall status, showing its findings when it differs."""
    want = Status(status)
    if result.status is not want:
        detail = result.reason or "; ".join(
            f"{f.status.value}: {f.message}" for f in result.findings
        )
        raise AssertionError(
            f"{result.id}: expected {want.value}, got {result.status.value} ({detail})"
        )


def measurement(result: CheckResult, name: str) -> Any:
    """The value of the first measurement called ``name`` in any finding."""
    for f in result.findings:
        for m in f.measurements:
            if m.name == name:
                return m.value
    raise KeyError(f"{result.id}: no measurement {name!r}")


@pytest.fixture
def run_check() -> Callable[..., CheckResult]:
    """Call as ``run_check(MyCheck, profile={"thresholds": ...}, meeting=..., name=...)``."""
    return run_check_sync


@pytest.fixture
def meeting_from() -> Callable[..., Meeting]:
    return make_meeting
