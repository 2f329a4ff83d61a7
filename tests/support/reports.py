"""Shared helpers for the report tests: a plugins directory whose checks end in every
status, a profile that extends the shipped speaker profile, and real CLI runs.

Imported by the test_report_* modules; it defines no tests itself.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from meetcheck.cli import cli

SECRET_TOKEN = "s3cretT0kenAbcdefGhijkl123456"
LINK = f"https://rsi.example.org/join/{SECRET_TOKEN}?pwd=hunter2hunter2"
SCRIPT = "<script>alert('x')</script>"

_PLUGIN = textwrap.dedent(
    '''
    """Test checks that end in every status."""
    import asyncio

    from meetcheck.check import Check, Finding, Measurement, Metric, Status
    from meetcheck.hookimpl import hookimpl

    __version__ = "9.8.7"


    class Rtt(Check):
        id = "x.rtt"
        title = "Round-trip time"
        category = "x"
        metrics = {"rtt": Metric("ms")}

        async def run(self, ctx):
            return ctx.judge("rtt", 80.0, ok="rtt {value} ms", bad="rtt {value} > {limit} ms",
                             remediation="Use a wired connection.")


    class Jitter(Check):
        id = "x.jitter"
        title = "Jitter"
        category = "x"
        metrics = {"jitter": Metric("ms")}

        async def run(self, ctx):
            return ctx.judge("jitter", 42.5, ok="jitter {value} ms",
                             bad="jitter {value} ms is above {limit} ms",
                             remediation="Close video streaming on your network.")


    class Bitrate(Check):
        id = "x.bitrate"
        title = "Upload bitrate"
        category = "x"
        metrics = {"upload": Metric("kbit/s", higher_is_worse=False)}
        remediation = "Move closer to the router."

        async def run(self, ctx):
            judged = ctx.judge("upload", 320, ok="upload {value} kbit/s",
                               bad="upload {value} kbit/s is below {limit} kbit/s",
                               remediation="Move closer to the router or use a cable.")
            facts = Finding(Status.PASS, "link facts", measurements=[
                Measurement("codecs", ["opus", "G.722"]),
                Measurement("ipv6", False),
                Measurement("mtu", None),
                Measurement("router", "fritz", ""),
            ])
            return [judged, facts]


    class Boom(Check):
        id = "x.boom"
        title = "Raises"
        category = "x"
        remediation = "Report this to the secretariat."

        async def run(self, ctx):
            raise RuntimeError("device vanished")


    class Slow(Check):
        id = "x.slow"
        title = "Never finishes"
        category = "x"
        remediation = "Check your connection, then run again."

        async def run(self, ctx):
            await asyncio.sleep(30)


    class AfterBitrate(Check):
        id = "x.after"
        title = "Needs the bitrate"
        category = "x"
        depends_on = ("x.bitrate",)

        async def run(self, ctx):
            return Finding(Status.PASS, "unreachable")


    class Hostile(Check):
        id = "y.hostile"
        title = "Advisory with markup"
        category = "y"

        async def run(self, ctx):
            return Finding(Status.WARN, "SCRIPT & <b>bold</b> see LINK",
                           "Open LINK yourself.")


    CHECKS = [Rtt, Jitter, Bitrate, Boom, Slow, AfterBitrate, Hostile]


    @hookimpl
    def meetcheck_register_checks(register):
        for check in CHECKS:
            register(check)
    '''
)
PLUGIN = _PLUGIN.replace("SCRIPT", SCRIPT).replace("LINK", LINK)

PROFILE = textwrap.dedent(
    """
    name = "test-speaker"
    version = "1.2"
    extends = "un-rsi-speaker"

    [checks."x.rtt".thresholds.rtt]
    warn = 150
    fail = 300
    source = "ITU-T G.114 (https://www.itu.int/rec/T-REC-G.114)"

    [checks."x.jitter".thresholds.jitter]
    warn = 30
    fail = 50
    source = "UNOG RSI best practices"

    [checks."x.bitrate".thresholds.upload]
    warn = 1000
    fail = 500
    source = "platform requirements"

    [checks."x.boom"]
    required = true

    [checks."x.slow"]
    timeout = 0.2

    [checks."x.after"]
    required = true

    [checks."y.hostile"]
    required = false
    """
)

MEETING = textwrap.dedent(
    """
    name = "Committee <on> Tests"
    timezone = "Europe/Zurich"

    [[sessions]]
    title = "Morning"
    start = 2026-12-01T10:00:00
    end = 2026-12-01T13:00:00

    [channels]
    floor = "http://127.0.0.1:9/floor"
    fr = "http://127.0.0.1:9/fr"
    """
)


def make_inputs(root: Path) -> dict[str, Path]:
    """Write the plugins directory, the profile and the meeting file under ``root``."""
    plugins = root / "plugs"
    plugins.mkdir(parents=True, exist_ok=True)
    (plugins / "statuses.py").write_text(PLUGIN, encoding="utf-8")
    (plugins / "broken.py").write_text('raise ImportError("needs libfoo")\n', encoding="utf-8")
    profile = root / "test-speaker.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    meeting = root / "meeting.toml"
    meeting.write_text(MEETING, encoding="utf-8")
    return {"plugins": plugins, "profile": profile, "meeting": meeting}


# The test checks plus the one built-in check that is purely local: other built-ins may
# come and go (and some talk to the network), which these tests must not depend on.
ONLY = ("--only", "x", "--only", "y", "--only", "system.os")


def run_cli(root: Path, *args: str, meeting: bool = True) -> Result:
    """``meetcheck --plugins-dir ... check --profile ... -q ARGS`` through click, in-process.

    ``broken.py`` in the plugins directory fails to import, so reports carry a plugin error.
    """
    inputs = make_inputs(root)
    argv = ["--plugins-dir", str(inputs["plugins"]), "check", "-q"]
    argv += ["--profile", str(inputs["profile"])]
    if meeting:
        argv += ["--meeting", str(inputs["meeting"])]
    argv += ["--name", "Ada Delegate", "--delegation", "Testland", "--link", LINK]
    return CliRunner().invoke(cli, argv + list(args), catch_exceptions=False)


def run_json(root: Path, *args: str, meeting: bool = True) -> tuple[Result, dict[str, Any]]:
    """A real run writing a JSON report; returns the click result and the parsed report.

    Without ``--only`` in ``args`` it runs :data:`ONLY`.
    """
    out = root / "report.json"
    only = () if "--only" in args else ONLY
    result = run_cli(root, "--format", "json", "-o", str(out), *only, *args, meeting=meeting)
    return result, json.loads(out.read_text(encoding="utf-8"))


def strings(obj: Any) -> list[str]:
    """Every string inside a report, for telling report text from reporter markup."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in strings(k) + strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in strings(v)]
    return []
