"""Small asyncio helpers shared by the server and the clients (standard library only)."""

from __future__ import annotations

import asyncio
from typing import Any


async def cancel_and_wait(task: asyncio.Future[Any] | None) -> None:
    """Cancel ``task`` and wait until it has really ended, whatever its end (cancelled,
    failed or done): a background job must be gone before what it uses is closed.

    Only the task's own end is swallowed: if the caller itself is cancelled meanwhile,
    that cancellation goes on up, as any await's would.
    """
    if task is None:
        return
    me = asyncio.current_task()
    cancels = me.cancelling() if me is not None else 0
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        if me is not None and me.cancelling() > cancels:
            raise
    except Exception:
        pass


async def python_child(code: str) -> asyncio.subprocess.Process:
    """``python -c code`` with this very meetcheck first on its path and pipes on stdin,
    stdout and stderr: a plain child, not multiprocessing (which would re-import the
    caller's main script, and breaks scripts that have no ``__main__`` guard)."""
    import os
    import sys
    from pathlib import Path

    import meetcheck

    here = str(Path(meetcheck.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH", "")) if p)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": path},
    )
