"""cancel_and_wait: the task is gone afterwards, its own end is swallowed, the caller's
own cancellation is not."""

from __future__ import annotations

import asyncio

import pytest

from meetcheck.aio import cancel_and_wait


async def _forever(cleaned: list[str]) -> None:
    try:
        await asyncio.sleep(3600)
    finally:
        await asyncio.sleep(0)  # cleanup that itself awaits
        cleaned.append("done")


def test_cancels_and_waits_for_the_cleanup():
    async def main() -> tuple[asyncio.Task[None], list[str]]:
        cleaned: list[str] = []
        task = asyncio.ensure_future(_forever(cleaned))
        await asyncio.sleep(0)
        await cancel_and_wait(task)
        return task, cleaned

    task, cleaned = asyncio.run(main())
    assert task.cancelled() and cleaned == ["done"]


def test_swallows_the_tasks_own_failure_and_accepts_none_or_a_finished_task():
    async def fails() -> None:
        raise RuntimeError("boom")

    async def main() -> asyncio.Task[None]:
        await cancel_and_wait(None)
        task = asyncio.ensure_future(fails())
        await asyncio.sleep(0)  # it has failed by now
        await cancel_and_wait(task)
        await cancel_and_wait(task)
        return task

    task = asyncio.run(main())
    assert task.done() and isinstance(task.exception(), RuntimeError)


def test_the_callers_own_cancellation_goes_on_up():
    async def stubborn() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await asyncio.sleep(0.2)  # slow to end: the caller is cancelled meanwhile

    async def stopper(steps: list[str]) -> None:
        job = asyncio.ensure_future(stubborn())
        await asyncio.sleep(0)  # it is running
        await cancel_and_wait(job)
        steps.append("went on after being cancelled")

    async def main() -> list[str]:
        steps: list[str] = []
        outer = asyncio.ensure_future(stopper(steps))
        await asyncio.sleep(0.05)
        outer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await outer
        return steps

    assert asyncio.run(main()) == []


def test_a_caller_that_was_cancelled_before_still_cleans_up():
    """A shutdown path in a task that caught its own cancellation (Ctrl-C) must still
    stop its background jobs instead of being cut short again."""

    async def main() -> tuple[list[str], list[str]]:
        cleaned: list[str] = []
        steps: list[str] = []

        async def serve() -> None:
            job = asyncio.ensure_future(_forever(cleaned))
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                await cancel_and_wait(job)
                steps.append("stopped")

        outer = asyncio.ensure_future(serve())
        await asyncio.sleep(0.01)
        outer.cancel()
        await asyncio.gather(outer, return_exceptions=True)
        return cleaned, steps

    assert asyncio.run(main()) == (["done"], ["stopped"])
