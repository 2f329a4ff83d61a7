"""Running a plan's rows concurrently on one event loop: each row waits for a slot (per
host, then global), is checked, and its result is committed to the journal at once.
SIGINT/SIGTERM cancel the rows in flight; what finished stays in the journal."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from meetcheck.batch.limits import Limits, host_of
from meetcheck.batch.rowcheck import check_row, select

if TYPE_CHECKING:
    from meetcheck.batch.journal import Journal
    from meetcheck.batch.plan import Plan
    from meetcheck.batch.progress import BatchProgress
    from meetcheck.batch.roster import RosterRow
    from meetcheck.meeting import Meeting
    from meetcheck.plugins import Plugins
    from meetcheck.profile import Profile


async def run_plan(
    plugins: Plugins,
    profile: Profile,
    meeting: Meeting | None,
    options: Mapping[str, Any],
    plan: Plan,
    journal: Journal,
    limits: Limits,
    progress: BatchProgress,
    status_of: Callable[[RosterRow, Mapping[str, Any]], str],
) -> bool:
    """Check every row of ``plan`` (``options``: plugins' command-line options); True when
    the run was interrupted."""
    assert plan.run_id is not None
    run_id = plan.run_id
    checks = select(plugins, profile)

    async def one(row: RosterRow) -> None:
        data = await check_row(plugins, profile, meeting, row, options, checks)
        journal.record(run_id, row.key(), row.row, data)
        progress.row_done(status_of(row, data))

    workers = limits.workers(plan.todo, lambda row: host_of(row.link), one)
    tasks = [asyncio.create_task(w) for w in workers]
    interrupted = False

    def interrupt() -> None:
        nonlocal interrupted
        interrupted = True
        for task in tasks:
            task.cancel()

    loop = asyncio.get_running_loop()
    handled = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, interrupt)
            handled.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
    try:
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError):
            raise outcome  # a bug in the batch itself (check_row keeps a row's own errors)
    return interrupted
