import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

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


def code_under_test_env(**extra: str) -> dict[str, str]:
    """The environment for a meetcheck child process that runs the same meetcheck as the
    tests (a worktree's ``src``, not whatever is installed), whatever its cwd."""
    import os

    import meetcheck

    src = str(Path(meetcheck.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def write_profile(path: Path, body: str, extends: str | None = None) -> Path:
    head = f'extends = "{extends}"\n' if extends else ""
    path.write_text(head + 'name = "test"\nversion = "1"\n' + textwrap.dedent(body))
    return path


@pytest.fixture
def status_plugins(tmp_path: Path) -> Path:
    """A plugins directory whose checks end in each status on demand."""
    d = tmp_path / "statusplugins"
    d.mkdir()
    (d / "statuses.py").write_text(STATUS_PLUGIN)
    return d


@pytest.fixture(autouse=True)
def _isolate_env(monkeypatch):
    """Tests never see a developer's plugin settings."""
    monkeypatch.delenv("MEETCHECK_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("MEETCHECK_PLUGINS_DIR", raising=False)
    yield
    sys.modules.pop("meetcheck_plugins.statuses", None)
