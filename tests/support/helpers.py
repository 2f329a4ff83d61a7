"""Plugins written as source, profiles, and running meetcheck as a real process."""

import sys
import textwrap
from pathlib import Path
from typing import Any

STATUS_PLUGIN = """
import asyncio
from meetcheck import hookimpl
from meetcheck.check import Check, Finding, Metric, Status

def make(cid, status, sleep=0.0, boom=False):
    class C(Check):
        id = cid
        title = f"test {cid}"
        category = "t"
        remediation = f"fix {cid}"
        metrics = {"value": Metric("ms")}
        async def run(self, ctx):
            await asyncio.sleep(sleep)
            if boom:
                raise RuntimeError(f"{cid} exploded")
            return Finding(Status(status), f"{cid} says {status}", f"do {cid}")
    return C

@hookimpl
def meetcheck_register_checks(register):
    register(make("t.pass", "PASS"))
    register(make("t.warn", "WARN"))
    register(make("t.fail", "FAIL"))
    register(make("t.boom", "PASS", boom=True))
    register(make("t.slow", "PASS", sleep=30))
"""


def run_async(coro_or_fn: Any, timeout: float = 30.0) -> Any:
    """Run a coroutine (or a coroutine function) on a fresh loop, with a hard timeout."""
    import asyncio

    async def guarded() -> Any:
        coro = coro_or_fn() if callable(coro_or_fn) else coro_or_fn
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(guarded())


def meetcheck_cmd(plugins_dir: Path, *args: str) -> list[str]:
    """`python -m meetcheck --plugins-dir DIR check ARGS`, to run as a real process."""
    return [sys.executable, "-m", "meetcheck", "--plugins-dir", str(plugins_dir), "check", *args]


def same_code_env(**extra: str) -> dict[str, str]:
    """The environment for a meetcheck subprocess that runs the code under test: a
    relative PYTHONPATH (``PYTHONPATH=src``) would not survive another working directory."""
    import os

    import meetcheck

    here = str(Path(meetcheck.__file__).resolve().parents[1])
    rest = [os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {**os.environ, "PYTHONPATH": os.pathsep.join([here, *rest]), **extra}


def write_profile(path: Path, body: str, extends: str | None = None) -> Path:
    head = f'extends = "{extends}"\n' if extends else ""
    path.write_text(head + 'name = "test"\nversion = "1"\n' + textwrap.dedent(body))
    return path
