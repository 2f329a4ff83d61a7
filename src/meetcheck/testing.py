"""The plugin authors' kit: a pytest plugin (entry point ``pytest11``).

It runs one check through the real runner (timeouts, status rules, error handling) against
a profile fragment validated like a profile file, with a participant and meeting you
describe in a few keywords. Fixtures:

- ``run_check(CheckClass, profile={...}, meeting={...} | Meeting, results={...},
  cli_options={...}, **participant)`` returns the
  :class:`meetcheck.report.model.CheckResult`; ``results`` stands in for the checks it
  depends on (``{"network.media": "PASS"}``, or CheckResults). In an ``async def`` test,
  ``await run_check_async(...)`` with the same arguments;
- ``meeting_from(dict)`` builds a validated :class:`meetcheck.meeting.Meeting`;
- ``meeting_server`` starts ``meetcheck serve`` on 127.0.0.1 for the test (its
  ``meeting_url``, ``base_url``, ``demo_link()``);
- ``meetcheck_cli`` runs the command line in-process: ``meetcheck_cli("check", "--only",
  "acme")`` returns click's Result (``exit_code``, ``stdout``, ``stderr``).

Assert with :func:`assert_status` and :func:`measurement`.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

try:
    import pytest
except ImportError as exc:  # pragma: no cover - the kit is a pytest plugin
    raise ImportError(
        "meetcheck.testing is a pytest plugin and needs pytest: pip install pytest"
    ) from exc

from meetcheck.check import Check, Status
from meetcheck.meeting import Meeting, parse_meeting
from meetcheck.participant import Participant
from meetcheck.plugins import Plugins
from meetcheck.profile import profile_from_fragment
from meetcheck.report.model import CheckResult
from meetcheck.runner import Runner


def make_meeting(raw: dict[str, Any], source: str = "<test meeting>") -> Meeting:
    """A meeting from a dict in meeting-file form (validated like the file; a
    ``[plugins.NAME]`` table is read by the installed plugin that claims it)."""
    data = {"name": "Test meeting", **raw}
    return parse_meeting(data, source, tables=_installed_tables() if "plugins" in data else None)


@functools.cache
def _installed_tables() -> dict[str, Any]:
    return Plugins(use_default_dir=False).plugin_tables()


def _given(results: Mapping[str, CheckResult | Status | str] | None) -> dict[str, CheckResult]:
    """Dependency results from statuses or CheckResults."""
    given = {}
    for cid, value in (results or {}).items():
        if isinstance(value, CheckResult):
            given[cid] = value
        else:
            status = Status(value)
            given[cid] = CheckResult(cid, cid, cid.split(".")[0], "medium", True, status)
    return given


async def run_check_async(
    check: type[Check],
    profile: dict[str, Any] | None = None,
    meeting: Meeting | dict[str, Any] | None = None,
    results: Mapping[str, CheckResult | Status | str] | None = None,
    cli_options: Mapping[str, Any] | None = None,
    **participant: Any,
) -> CheckResult:
    """Run one check through the real runner, on the running loop; return its result."""
    prof = profile_from_fragment(check, profile)
    if isinstance(meeting, dict):
        meeting = make_meeting(meeting)
    plugins = Plugins(builtins=(), entry_points=False, use_default_dir=False)
    runner = Runner(
        plugins, prof, Participant(**participant), meeting, [check], given=_given(results)
    )
    runner.info.options["quiet"] = True
    runner.info.cli_options.update(cli_options or {})
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


@pytest.fixture
def meeting_server() -> Iterator[Any]:
    """``meetcheck serve`` with its defaults on a free 127.0.0.1 port, for one test."""
    from meetcheck.server.app import serve_in_thread

    with serve_in_thread() as server:
        yield server


@pytest.fixture
def meetcheck_cli() -> Callable[..., Any]:
    """Run ``meetcheck ARGS`` in-process; an exception escaping it fails the test."""
    from click.testing import CliRunner

    from meetcheck.cli import cli, hoist_global_options

    def invoke(*args: str, env: Mapping[str, str] | None = None) -> Any:
        result = CliRunner().invoke(cli, hoist_global_options(args), env=dict(env or {}))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"meetcheck {' '.join(args)} raised") from result.exception
        return result

    return invoke
