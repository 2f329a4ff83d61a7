"""What a plugin author meets beyond the simple case (issue: plugin authors' API).

Each test here failed before the fix it names: judge's unit and declared metrics,
dependencies outside the run, a hook changing a live result, a crashing plugin command,
-p after the command, hook wrappers, category and family rules, plugin options.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from meetcheck import Check, Finding, Metric, Status
from meetcheck.check import validate_check_class
from meetcheck.cli import cli, hoist_global_options
from meetcheck.plugins import Plugins
from meetcheck.testing import assert_status, measurement, run_check_sync


class Rtt(Check):
    id = "acme.rtt"
    title = "Round trip"
    remediation = "Use a cable."
    metrics = {"rtt_ms": Metric("ms")}

    async def run(self, ctx):
        return ctx.judge("rtt_ms", 250.0, ok="{value} {unit}", bad="{value} {unit} > {limit}")


def test_judge_keeps_the_unit_without_a_threshold_and_defaults_the_fix() -> None:
    unjudged = run_check_sync(Rtt)
    finding = unjudged.findings[0]
    assert finding.message == "250 ms (no threshold in profile)"  # no double space
    assert finding.measurements[0].unit == "ms"
    judged = run_check_sync(Rtt, profile={"thresholds": {"rtt_ms": {"warn": 100}}})
    assert judged.findings[0].remediation == "Use a cable."  # the class's remediation


def test_judge_takes_a_note_and_a_fallback_threshold() -> None:
    class Cores(Check):
        id = "acme.cores"
        title = "Cores"
        metrics = {"cores": Metric("CPUs", higher_is_worse=False)}

        async def run(self, ctx):
            return ctx.judge(
                "cores",
                2,
                ok="{value} {unit}",
                bad="{value} {unit} < {limit}",
                note="hyper-threads counted",
                fallback={"warn": 4, "source": "vendor guidance"},
            )

    result = run_check_sync(Cores)
    assert_status(result, "WARN")
    assert result.findings[0].message == "2 CPUs < 4; hyper-threads counted"
    assert result.findings[0].threshold.source == "vendor guidance"
    overridden = run_check_sync(Cores, profile={"thresholds": {"cores": {"warn": 2}}})
    assert_status(overridden, "PASS")  # the profile wins over the fallback


def test_judge_refuses_a_metric_the_check_never_declared() -> None:
    class Typo(Check):
        id = "acme.typo"
        title = "Typo"
        metrics = {"rtt_ms": Metric("ms")}

        async def run(self, ctx):
            return ctx.judge("rtt", 1.0, ok="ok", bad="bad")

    result = run_check_sync(Typo)
    assert_status(result, "ERROR")
    assert "metric 'rtt' is not declared in Typo.metrics (declared: rtt_ms)" in result.reason


def test_finding_constructors_and_default_remediation() -> None:
    class Facts(Check):
        id = "acme.facts"
        title = "Facts"
        remediation = "Ask the secretariat."

        async def run(self, ctx):
            return [
                Finding.passed("fine", facts={"codec": "opus"}),
                Finding.warn("hmm"),
                Finding.fail("bad", fix="Plug in the cable."),
            ]

    result = run_check_sync(Facts)
    assert_status(result, "FAIL")
    passed, warned, failed = result.findings
    assert measurement(result, "codec") == "opus" and passed.remediation == ""
    assert warned.remediation == "Ask the secretariat."
    assert failed.remediation == "Plug in the cable."


class NeedsMedia(Check):
    id = "acme.mos"
    title = "MOS from the media session"
    depends_on = ("acme.media",)

    async def run(self, ctx):
        return Finding.passed(f"media ended {ctx.results['acme.media'].status.value}")


def test_a_dependency_outside_the_run_skips_with_the_reason() -> None:
    result = run_check_sync(NeedsMedia)  # was ERROR with KeyError: 'acme.media'
    assert_status(result, "SKIPPED")
    assert (
        result.reason == "skipped because it depends on acme.media, which is not part of this run"
    )


def test_the_kit_supplies_dependency_results() -> None:
    assert run_check_sync(NeedsMedia, results={"acme.media": "WARN"}).findings[0].message == (
        "media ended WARN"
    )
    failed = run_check_sync(NeedsMedia, results={"acme.media": Status.FAIL})
    assert_status(failed, "SKIPPED")
    assert failed.reason == "skipped because acme.media ended FAIL"


PLUGIN = '''
import click
from meetcheck import Check, Finding, hookimpl, register_checks


class Media(Check):
    id = "acme.media"
    title = "Media"

    async def run(self, ctx):
        return Finding.passed("media ok")


class Mos(Check):
    id = "acme.mos"
    title = "MOS"
    depends_on = ("acme.media",)

    async def run(self, ctx):
        return Finding.passed("mos ok, room " + ctx.cli_options["room_id"])


meetcheck_register_checks = register_checks(Media, Mos)


@hookimpl
def meetcheck_check_finished(run, result):
    result.findings.append(Finding.warn("a hook tried to change the result"))
    run.state.setdefault("acme", []).append(result.id)


@hookimpl
def meetcheck_add_options(add):
    add("--room-id", default="none", help="The room the delegate speaks from.")


@hookimpl
def meetcheck_register_commands(cli):
    assert {"check", "serve", "plugins"} <= set(cli.commands)  # the whole command set

    @cli.command()
    def explode():
        """A command that crashes."""
        raise RuntimeError("kaboom")
'''


@pytest.fixture
def acme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "acme.py").write_text(textwrap.dedent(PLUGIN))
    yield tmp_path
    import sys

    sys.modules.pop("meetcheck_plugins.acme", None)


def invoke(*args: str):
    return CliRunner().invoke(cli, hoist_global_options(args))


def test_only_brings_the_dependencies_and_says_so(acme: Path) -> None:
    result = invoke("check", "-q", "--only", "acme.mos", "--format", "json", "--room-id", "A7")
    report = json.loads(result.stdout)
    assert {r["id"]: r["status"] for r in report["results"]} == {
        "acme.media": "PASS",
        "acme.mos": "PASS",
    }
    assert "meetcheck: also running acme.media: a selected check depends on it" in result.stderr
    mos = next(r for r in report["results"] if r["id"] == "acme.mos")
    assert mos["findings"][0]["message"] == "mos ok, room A7"  # the plugin's own option


def test_a_hook_cannot_change_a_result_behind_the_verdict(acme: Path) -> None:
    result = invoke("check", "-q", "--only", "acme", "--format", "json", "--strict")
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["verdict"] == "READY"
    assert all(len(r["findings"]) == 1 for r in report["results"])  # no WARN slipped in


def test_a_crashing_plugin_command_is_named_not_a_traceback(acme: Path) -> None:
    result = invoke("explode")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "meetcheck: error: plugin 'acme' failed in command 'explode': RuntimeError: kaboom ("
    )
    assert "Traceback" not in result.output


def test_block_option_after_the_command(acme: Path) -> None:
    assert hoist_global_options(["check", "-p", "no:acme", "--only", "x"]) == [
        "-p",
        "no:acme",
        "check",
        "--only",
        "x",
    ]
    result = invoke("check", "-q", "--only", "acme", "-p", "no:acme")
    assert result.exit_code == 2 and "--only acme: matches no check" in result.stderr


def test_a_plugin_option_clashing_with_a_built_in_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "clash.py").write_text(
        "from meetcheck import hookimpl\n\n@hookimpl\ndef meetcheck_add_options(add):\n"
        "    add('--profile', default='x')\n"
    )
    result = invoke("check", "-q", "--only", "system.os")
    assert result.exit_code == 0
    assert (
        "plugin 'clash' failed in meetcheck_add_options: ValueError: option --profile is one "
        "of meetcheck check's own"
    ) in result.stderr


def test_hook_wrappers_are_refused_by_name() -> None:
    import types

    from meetcheck.hookimpl import hookimpl

    module = types.ModuleType("wrapping")

    @hookimpl(wrapper=True)
    def meetcheck_run_finished(run, report):
        return (yield)

    module.meetcheck_run_finished = meetcheck_run_finished
    plugins = Plugins(builtins=(), entry_points=False, use_default_dir=False)
    plugins._register(module, "wrapping", "directory", "1", "wrapping.py")
    plugins._check_pending()
    (error,) = plugins.errors
    assert error.plugin == "wrapping" and "hook wrapper" in error.message
    assert plugins.pm.get_plugin("wrapping") is None


def test_category_is_the_prefix_and_built_ins_live_in_their_family() -> None:
    class Derived(Check):
        id = "room.noise"
        title = "Noise"

    assert Derived.category == "room"
    validate_check_class(Derived)

    class Mismatch(Check):
        id = "room.echo"
        title = "Echo"
        category = "audio"

    with pytest.raises(ValueError, match="category is the id's prefix 'room'"):
        validate_check_class(Mismatch)
    misplaced = type(
        "Misplaced",
        (Check,),
        {"id": "audio.level", "title": "Level", "__module__": "meetcheck.checks.system.cpu"},
    )
    with pytest.raises(ValueError, match="built-in checks live in meetcheck.checks.audio"):
        validate_check_class(misplaced)


PROFILE_PLUGIN = """
from pathlib import Path

from meetcheck import InputError, hookimpl

HERE = Path(__file__).parent


@hookimpl
def meetcheck_register_profiles(register):
    register("acme-speaker", str(HERE / "acme-speaker.toml"))
    register("un-rsi-speaker", str(HERE / "acme-speaker.toml"))  # taken: refused


@hookimpl
def meetcheck_configure_profile(profile, source):
    cpu = profile.setdefault("checks", {}).setdefault("system.cpu", {})
    cpu["required"] = False  # this organisation never fails a speaker on CPU
    if profile.get("name") == "break-me":
        cpu["timeout"] = -1  # validated like the file itself


def room(table, where):
    if not isinstance(table.get("number"), int):
        raise InputError(f"{where}.number: expected the room number")
    return {"number": table["number"]}


@hookimpl
def meetcheck_register_plugin_tables(register):
    register("acme", room)
"""


@pytest.fixture
def acme_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "acmeprofiles.py").write_text(textwrap.dedent(PROFILE_PLUGIN))
    (plugins / "acme-speaker.toml").write_text(
        'extends = "un-rsi-speaker"\nname = "acme-speaker"\nversion = "1"\n\n'
        "[plugins.acme]\nnumber = 7\n"
    )
    yield tmp_path
    import sys

    sys.modules.pop("meetcheck_plugins.acmeprofiles", None)


def test_a_plugin_names_a_profile_and_configures_every_profile(acme_profiles: Path) -> None:
    listed = invoke("profiles", "list")
    assert any(line.startswith("acme-speaker ") for line in listed.stdout.splitlines())
    assert (
        "plugin 'acmeprofiles' failed in meetcheck_register_profiles: ValueError: profile "
        "'un-rsi-speaker' is already defined"
    ) in listed.stderr
    shown = json.loads(invoke("profiles", "show", "acme-speaker", "--json").stdout)
    assert shown["resolved_from"] == ["acme-speaker", "un-rsi-speaker"]
    assert shown["checks"]["system.cpu"]["required"] is False  # configure_profile's change
    assert shown["plugins"]["acme"] == {"number": 7}

    plugins = Plugins()
    from meetcheck.profile import load_profile

    profile = load_profile("acme-speaker", plugins.checks(), plugins)
    assert profile.plugins == {"acme": {"number": 7}}  # what checks see as ctx.profile.plugins
    assert profile.checks["system.cpu"].required is False


def test_what_configure_profile_changes_is_validated(acme_profiles: Path) -> None:
    (acme_profiles / "broken.toml").write_text('name = "break-me"\nversion = "1"\n')
    result = invoke("profiles", "validate", "broken.toml")
    assert result.exit_code == 2
    assert 'checks."system.cpu".timeout: must be greater than 0' in result.stderr


def test_plugin_tables_in_meeting_files(acme_profiles: Path) -> None:
    meeting = acme_profiles / "meeting.toml"
    meeting.write_text('name = "m"\n[plugins.acme]\nnumber = "seven"\n')
    bad = invoke("check", "-q", "--only", "system.os", "--meeting", str(meeting))
    assert bad.exit_code == 2
    assert bad.stderr.strip().endswith(
        "meeting.toml: plugins.acme.number: expected the room number"
    )
    meeting.write_text('name = "m"\n[plugins.other]\nx = 1\n')
    unclaimed = invoke("check", "-q", "--only", "system.os", "--meeting", str(meeting))
    assert unclaimed.exit_code == 2
    assert "plugins.other: no installed plugin reads this table (plugin tables: acme" in (
        unclaimed.stderr
    )
    meeting.write_text('name = "m"\n[plugins.acme]\nnumber = 7\n')
    from meetcheck.meeting import load_meeting

    assert load_meeting(str(meeting), Plugins().plugin_tables()).plugins == {"acme": {"number": 7}}
