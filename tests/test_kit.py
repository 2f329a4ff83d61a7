"""The plugin authors' kit (meetcheck.testing), used as an author would: its fixtures
come from the pytest11 entry point, with no conftest."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

from meetcheck import Check, Metric
from meetcheck.testing import assert_status, measurement, run_check_async


class Lateness(Check):
    id = "kit.lateness"
    title = "Loop lateness"
    timing = True
    metrics = {"late_ms": Metric("ms")}

    async def run(self, ctx):
        import time

        t0 = time.perf_counter()
        await asyncio.sleep(0.01)
        late = (time.perf_counter() - t0 - 0.01) * 1000
        return ctx.judge("late_ms", round(late, 2), ok="{value} {unit}", bad="{value} {unit}")


async def test_run_check_async_inside_a_running_loop() -> None:
    """In an ``async def`` test (here run by the asyncio loop below), await the kit."""
    result = await run_check_async(Lateness, profile={"thresholds": {"late_ms": {"fail": 500}}})
    assert_status(result, "PASS")
    assert 0 <= measurement(result, "late_ms") < 500


def test_run_check_async_from_sync_code() -> None:
    result = asyncio.run(run_check_async(Lateness, cli_options={"anything": 1}))
    assert result.findings[0].threshold is None  # no threshold in the profile fragment


def test_meeting_server_and_cli_fixtures_end_to_end(meeting_server, meetcheck_cli) -> None:
    """The fixtures an author's end-to-end test uses: a real test meeting on 127.0.0.1 and
    the command line in-process."""
    assert meeting_server.base_url.startswith("http://127.0.0.1:")
    result = meetcheck_cli(
        "check", "-q", "--meeting", meeting_server.meeting_url,
        "--only", "system.clock", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (clock,) = json.loads(result.stdout)["results"]
    assert clock["status"] == "PASS"  # the same clock on both ends
    host = next(m["value"] for m in clock["findings"][0]["measurements"] if m["name"] == "host")
    assert host == meeting_server.base_url + "/"


def test_cli_fixture_fails_the_test_on_an_escaping_exception(meetcheck_cli) -> None:
    assert meetcheck_cli("plugins").exit_code in (0, 1)
    assert meetcheck_cli("--version").stdout.startswith("meetcheck, version")


def test_the_kit_says_clearly_that_it_needs_pytest() -> None:
    code = "import sys; sys.modules['pytest'] = None; import meetcheck.testing"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1
    assert "meetcheck.testing is a pytest plugin and needs pytest: pip install pytest" in (
        done.stderr
    )


@pytest.fixture(autouse=True)
def _asyncio_tests(request: pytest.FixtureRequest) -> None:
    """Run ``async def`` tests of this module on a fresh loop (no pytest-asyncio needed)."""
    fn = request.node.obj if isinstance(request.node, pytest.Function) else None
    if fn is not None and asyncio.iscoroutinefunction(fn):
        request.node.obj = lambda *a, **k: asyncio.run(fn(*a, **k))
