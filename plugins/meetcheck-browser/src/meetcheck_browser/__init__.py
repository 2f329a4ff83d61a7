"""meetcheck-browser: an example third-party meetcheck plugin.

Remote-interpretation platforms run in the browser and ask for a current Chrome or Edge
(Interprefy: "current Chrome or Edge"; UNOG: "up-to-date browser"). The ``browser.version``
check finds the Chromium-family browsers installed, reads their versions and judges the
newest one, because that is the one the delegate can use on the day.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import signal
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from meetcheck import (
    Check,
    Finding,
    Measurement,
    Metric,
    Option,
    Severity,
    hookimpl,
    register_checks,
)

if TYPE_CHECKING:  # asyncio loads only when the check runs, so `meetcheck --help` stays fast
    import asyncio

    from meetcheck import CheckContext

__version__ = "0.1.0"
PROFILES = Path(__file__).parent / "profiles"

COMMAND_NAMES = [
    "google-chrome",
    "google-chrome-stable",
    "chromium",
    "chromium-browser",
    "microsoft-edge",
    "msedge",
]

# Where the installers put the browsers when they are not on PATH (the usual case on
# macOS and Windows). Windows entries are relative to these environment variables.
MACOS_APPS = [
    "Google Chrome.app/Contents/MacOS/Google Chrome",
    "Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    "Chromium.app/Contents/MacOS/Chromium",
]
WINDOWS_BASES = ["ProgramFiles", "ProgramFiles(x86)", "LOCALAPPDATA"]
WINDOWS_EXES = [
    "Google/Chrome/Application/chrome.exe",
    "Microsoft/Edge/Application/msedge.exe",
    "Chromium/Application/chrome.exe",
]

# "Chromium 120.0.6099.224 built on Debian 12" -> product "Chromium", version "120.0.6099.224".
# The full four-part version comes first so "Debian 12.4" is never taken for it.
_FULL_VERSION = re.compile(r"(?P<product>[A-Za-z][A-Za-z .-]*?)\s*(?P<version>\d+\.\d+\.\d+\.\d+)")
_SHORT_VERSION = re.compile(r"(?P<product>[A-Za-z][A-Za-z .-]*?)\s*(?P<version>\d+(?:\.\d+)*)")
_VERSION_DIR = re.compile(r"^\d+\.\d+\.\d+\.\d+$")

REMEDIATION_MISSING = "Install an up-to-date Google Chrome or Microsoft Edge"
REMEDIATION_OLD = (
    "Update Google Chrome or Microsoft Edge to the latest version (menu, Help, About), "
    "restart it, then run meetcheck again"
)


@dataclass(frozen=True)
class Browser:
    """One installed browser and the version it reported."""

    path: Path
    product: str
    version: str

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def label(self) -> str:
        return f"{self.product} {self.version} ({self.path})"


def parse_version(text: str) -> tuple[str, str] | None:
    """``(product, version)`` from ``--version`` output, or None when there is none."""
    for pattern in (_FULL_VERSION, _SHORT_VERSION):
        match = pattern.search(text)
        if match:
            return match["product"].strip() or "browser", match["version"]
    return None


def usual_paths(system: str, env: Mapping[str, str], home: Path) -> list[Path]:
    """The installers' default locations for this operating system."""
    if system == "Darwin":
        roots = (Path("/Applications"), home / "Applications")
        return [root / app for root in roots for app in MACOS_APPS]
    if system == "Windows":
        return [Path(env[b]) / exe for b in WINDOWS_BASES if env.get(b) for exe in WINDOWS_EXES]
    return []  # Linux and the BSDs put browsers on PATH


def find_browsers(
    names: Iterable[str],
    extra: Iterable[str] = (),
    *,
    system: str | None = None,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> list[Path]:
    """Executables to ask, in search order, each real file once (symlinks collapse)."""
    system = system or platform.system()
    env = os.environ if env is None else env
    found: list[Path] = []
    for name in names:
        hit = shutil.which(name, path=env.get("PATH", ""))
        if hit:
            found.append(Path(hit))
    for path in [*map(Path, extra), *usual_paths(system, env, home or Path.home())]:
        if path.is_file() and (system == "Windows" or os.access(path, os.X_OK)):
            found.append(path)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def version_from_install_dir(exe: Path) -> str | None:
    """Chrome and Edge on Windows keep each version in a folder beside the executable.

    Reading the folder names avoids running ``chrome.exe --version``, which on Windows
    opens a browser window instead of printing the version.
    """
    versions = [p.name for p in exe.parent.iterdir() if p.is_dir() and _VERSION_DIR.match(p.name)]
    if not versions:
        return None
    return max(versions, key=lambda v: tuple(int(x) for x in v.split(".")))


def _product_from_path(exe: Path) -> str:
    text = str(exe).lower()
    if "edge" in text:
        return "Microsoft Edge"
    if "chromium" in text:
        return "Chromium"
    return "Google Chrome"


async def _run_version(exe: Path, timeout: float) -> str:
    """Run ``exe --version`` and return its output; kill it if it hangs."""
    import asyncio

    proc = await asyncio.create_subprocess_exec(
        str(exe),
        "--version",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=os.name == "posix",  # its own group, so a wrapper's children die too
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        _kill(proc)
        await proc.wait()
        raise
    return out.decode(errors="replace") + "\n" + err.decode(errors="replace")


def _kill(proc: asyncio.subprocess.Process) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except ProcessLookupError:
        pass


async def probe(exe: Path, timeout: float, system: str | None = None) -> Browser | str:
    """The browser's version, or a one-line reason it could not be read."""
    system = system or platform.system()
    if system == "Windows":
        version = version_from_install_dir(exe)
        if version is None:
            return f"{exe}: no version folder beside it"
        return Browser(exe, _product_from_path(exe), version)
    try:
        text = await _run_version(exe, timeout)
    except TimeoutError:
        return f"{exe}: --version did not answer within {timeout:g} s"
    except OSError as exc:
        return f"{exe}: cannot run it ({exc.strerror or exc})"
    parsed = parse_version(text)
    if parsed is None:
        first = text.strip().splitlines()[0] if text.strip() else "nothing"
        return f"{exe}: --version printed {first[:80]!r}, no version number"
    product, version = parsed
    return Browser(exe, product, version)


class BrowserVersion(Check):
    """The interpretation platform runs in the browser; Interprefy asks for a current
    Chrome or Edge, UNOG for an up-to-date browser."""

    id = "browser.version"
    title = "Up-to-date Chrome or Edge"
    severity = Severity.MEDIUM
    remediation = REMEDIATION_OLD
    metrics = {
        "major_version": Metric(
            "", higher_is_worse=False, description="major version of the newest browser found"
        ),
    }
    options = {
        "min_major": Option(
            int, None, "warn below this major version when the profile sets no thresholds", min=1
        ),
        "names": Option(list, COMMAND_NAMES, "command names looked up on PATH", item_type=str),
        "paths": Option(list, [], "more executables to try (full paths)", item_type=str),
        "version_timeout": Option(
            float, 10.0, "seconds to wait for each --version", min=0.1, max=120
        ),
    }

    async def run(self, ctx: CheckContext) -> Finding:
        opts = ctx.options
        extra = [*opts["paths"], *filter(None, [ctx.cli_options.get("browser")])]
        exes = await ctx.blocking(find_browsers, opts["names"], extra)
        if not exes:
            return Finding.warn(
                "no Google Chrome, Microsoft Edge or Chromium found",
                fix=REMEDIATION_MISSING,
                facts={"browsers_found": 0},
            )
        import asyncio

        answers = await asyncio.gather(*(probe(e, opts["version_timeout"]) for e in exes))
        browsers = [a for a in answers if isinstance(a, Browser)]
        problems = [Measurement("unreadable", a) for a in answers if isinstance(a, str)]
        if not browsers:
            return Finding.warn(
                f"could not read a browser version: {problems[0].value}",
                fix=REMEDIATION_MISSING,
                facts=[Measurement("browsers_found", len(exes)), *problems],
            )
        best = max(browsers, key=lambda b: b.major)
        facts = [
            Measurement("browser", best.product),
            Measurement("version", best.version),
            Measurement("path", str(best.path)),
            Measurement("browsers_found", len(exes)),
            *problems,
            *(Measurement("other", b.label()) for b in browsers if b is not best),
        ]
        minimum = _minimum(ctx)
        judged = minimum or ctx.threshold("major_version")
        return ctx.judge(
            "major_version",
            best.major,
            ok=f"{best.product} {best.version}" + (", {limit} or newer wanted" if judged else ""),
            bad=f"{best.product} {best.version} is older than version {{limit}}",
            extra=facts,
            fallback=minimum,
        )


def _minimum(ctx: CheckContext) -> dict[str, object] | None:
    """Where the profile sets no threshold: the meeting's ``[plugins.browser]`` minimum,
    else the ``min_major`` option (the one-line alternative)."""
    meeting = ctx.meeting.plugins.get("browser") if ctx.meeting else None
    if meeting and meeting.get("min_major"):
        return {"fail": meeting["min_major"], "source": "meeting file [plugins.browser]"}
    if ctx.options["min_major"] is not None:
        return {"warn": ctx.options["min_major"], "source": "option min_major"}
    return None


def _meeting_table(table: dict[str, object], where: str) -> dict[str, object]:
    """``[plugins.browser]`` in a meeting file: the platform's own minimum version."""
    unknown = sorted(set(table) - {"min_major"})
    if unknown:
        raise ValueError(f"{where}.{unknown[0]}: unknown key (known: min_major)")
    minimum = table.get("min_major")
    if minimum is not None and (isinstance(minimum, bool) or not isinstance(minimum, int)):
        raise ValueError(f"{where}.min_major: expected a whole number, got {minimum!r}")
    return dict(table)


meetcheck_register_checks = register_checks(BrowserVersion)


@hookimpl
def meetcheck_add_options(add: Callable[..., None]) -> None:
    add("--browser", default=None, metavar="PATH", help="A browser executable to check too.")


@hookimpl
def meetcheck_register_profiles(register: Callable[[str, str], None]) -> None:
    register("un-rsi-speaker-browser", str(PROFILES / "un-rsi-speaker-browser.toml"))


@hookimpl
def meetcheck_register_plugin_tables(register: Callable[..., None]) -> None:
    register("browser", _meeting_table)
