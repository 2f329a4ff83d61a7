"""The plugin system, proven with real plugin files, real entry points and the real CLI.

Plugins here are files written into a temporary ``plugins/`` folder, a ``--plugins-dir``,
or a package whose ``*.dist-info`` on ``sys.path`` declares a ``meetcheck`` entry point
(what ``pip install`` leaves behind); the installed example plugin ``meetcheck-browser``
is used as well when present. Nothing is mocked: the CLI loads, blocks and reports them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from meetcheck.cli import cli
from meetcheck.plugins import Plugins

CHECK_PLUGIN = """
from meetcheck import Check, Finding, Status, hookimpl

__version__ = "{version}"


class C(Check):
    id = "{cid}"
    title = "Check {cid}"
    remediation = "Nothing to do."

    async def run(self, ctx):
        return Finding(Status.PASS, "{cid} ran")


@hookimpl
def meetcheck_register_checks(register):
    register(C)
"""


def check_plugin(cid: str, version: str = "1.0") -> str:
    """Source of a plugin with one passing check called ``cid``."""
    return CHECK_PLUGIN.format(cid=cid, version=version)


def write(folder: Path, name: str, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    return path


def line_of(path: Path, text: str) -> int:
    """1-based number of the first line containing ``text``, to check reported locations."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run the CLI in-process; a Python exception escaping it fails the test."""
    result = CliRunner().invoke(cli, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"meetcheck {' '.join(args)} raised") from result.exception
    return result


def listing(*args: str, env: dict[str, str] | None = None) -> dict:
    """``meetcheck [ARGS] plugins --json`` as data: plugins by name, plus the errors."""
    result = invoke(*args, "plugins", "--json", env=env)
    data = json.loads(result.stdout)
    assert result.exit_code == (1 if data["errors"] else 0), result.output  # CI notices
    return {
        "plugins": {p["name"]: p for p in data["plugins"]},
        "checks": {c["id"]: c for c in data["checks"]},
        "errors": data["errors"],
    }


def json_run(
    *args: str, pre: Sequence[str] = (), env: dict[str, str] | None = None
) -> tuple[Result, dict]:
    """``meetcheck [PRE] check -q --format json [ARGS]`` and its report from stdout."""
    result = invoke(*pre, "check", "-q", "--format", "json", *args, env=env)
    return result, json.loads(result.stdout)


def statuses(report: dict) -> dict[str, str]:
    return {r["id"]: r["status"] for r in report["results"]}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A current directory with an empty ``plugins/`` folder, as a user would have."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plugins").mkdir()
    return tmp_path


@pytest.fixture
def cleanup_modules() -> Iterator[None]:
    """Forget modules the test's plugins imported, so the next test imports them afresh."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith(("meetcheck_plugins.", "ep_")):
            del sys.modules[name]


@pytest.fixture
def ep_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cleanup_modules: None
) -> Callable[[], Path]:
    """An installed distribution with two ``meetcheck`` entry points, one that cannot import.

    It is what pip leaves in site-packages: modules plus a ``.dist-info`` folder whose
    ``entry_points.txt`` importlib.metadata reads. Call the fixture to put it on sys.path.
    """
    site = tmp_path / "site"
    write(site, "ep_demo", check_plugin("ep.demo"))
    write(site, "ep_broken", "import ep_module_that_does_not_exist\n")
    info = site / "ep_plugins-2.5.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ep-plugins\nVersion: 2.5\n")
    (info / "entry_points.txt").write_text("[meetcheck]\nepdemo = ep_demo\nepbroken = ep_broken\n")

    def install() -> Path:
        monkeypatch.syspath_prepend(str(site))
        return site

    return install


def has_browser_plugin() -> bool:
    return any(ep.name == "browser" for ep in metadata.entry_points(group="meetcheck"))


needs_browser = pytest.mark.skipif(
    not has_browser_plugin(),
    reason="example plugin not installed: pip install -e plugins/meetcheck-browser",
)


def fake_browser(folder: Path, version: str) -> Path:
    """A real executable that answers ``--version`` like Chromium does."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "chromium"
    exe.write_text(f"#!/bin/sh\necho 'Chromium {version} built on Debian 12'\n")
    exe.chmod(0o755)
    return folder


# -- the three sources ----------------------------------------------------------------


def test_plugin_file_in_cwd_plugins_folder_runs(workdir: Path, cleanup_modules: None) -> None:
    path = write(workdir / "plugins", "hello", check_plugin("demo.hello", "1.2.3"))
    result, report = json_run("--only", "demo.hello")
    assert result.exit_code == 0, result.stderr
    (found,) = report["results"]
    assert (found["id"], found["status"]) == ("demo.hello", "PASS")
    assert found["findings"][0]["message"] == "demo.hello ran"
    row = listing()["plugins"]["hello"]
    assert (row["source"], row["version"], row["checks"]) == ("directory", "1.2.3", ["demo.hello"])
    assert Path(row["location"]).resolve() == path.resolve()


def test_plugins_dir_option_runs(workdir: Path, tmp_path: Path, cleanup_modules: None) -> None:
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere, "remote", check_plugin("demo.remote"))
    result, report = json_run("--only", "demo", pre=["--plugins-dir", str(elsewhere)])
    assert result.exit_code == 0, result.stderr
    assert statuses(report) == {"demo.remote": "PASS"}
    assert "remote" not in listing()["plugins"]  # only loaded when asked for


def test_plugins_dir_environment_variable_runs(
    workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cleanup_modules: None
) -> None:
    write(tmp_path / "viaenv", "envplug", check_plugin("demo.env"))
    monkeypatch.setenv("MEETCHECK_PLUGINS_DIR", str(tmp_path / "viaenv"))
    result, report = json_run("--only", "demo")
    assert statuses(report) == {"demo.env": "PASS"}


def test_missing_plugins_dir_is_bad_input(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke("--plugins-dir", "nope", "check", "-q", "--only", "system.os")
    assert result.exit_code == 2
    assert result.stderr == "meetcheck: error: nope: plugins directory does not exist\n"
    monkeypatch.setenv("MEETCHECK_PLUGINS_DIR", "gone")
    result = invoke("check", "-q", "--only", "system.os")
    assert result.exit_code == 2
    assert result.stderr == "meetcheck: error: gone: plugins directory does not exist\n"


def test_entry_point_plugin_runs(workdir: Path, ep_site: Callable[[], Path]) -> None:
    ep_site()
    result, report = json_run("--only", "ep")
    assert result.exit_code == 0, result.stderr
    assert statuses(report) == {"ep.demo": "PASS"}
    row = listing()["plugins"]["epdemo"]
    assert (row["source"], row["version"], row["location"]) == ("entrypoint", "2.5", "ep_demo")
    assert "meetcheck: warning: plugin 'epbroken' failed to import: ModuleNotFoundError" in (
        result.stderr
    )


@needs_browser
@pytest.mark.skipif(os.name != "posix", reason="the fake browser is a shell script")
def test_pip_installed_example_plugin_runs(
    workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """meetcheck-browser, installed with pip, is found through its entry point alone."""
    monkeypatch.setenv("PATH", str(fake_browser(tmp_path / "bin", "120.0.6099.224")))
    result, report = json_run("--only", "browser.version")
    assert result.exit_code == 0, result.stderr
    (found,) = report["results"]
    assert found["status"] == "PASS"
    measured = {m["name"]: m["value"] for m in found["findings"][0]["measurements"]}
    assert measured["major_version"] == 120
    assert measured["path"] == str(tmp_path / "bin" / "chromium")
    row = listing()["plugins"]["browser"]
    assert row["source"] == "entrypoint"
    assert row["version"] == metadata.version("meetcheck-browser")


def test_load_order_entry_points_then_directories_then_builtins(
    workdir: Path, ep_site: Callable[[], Path]
) -> None:
    ep_site()
    write(workdir / "plugins", "local", check_plugin("demo.local"))
    plugins = Plugins(blocked={"epbroken", "browser"})
    order = list(plugins.info)
    assert order[:2] == ["epdemo", "local"]
    assert order[2:] and all(plugins.info[n].source == "builtin" for n in order[2:])
    assert "checks.system" in order


def test_first_plugin_keeps_a_name_the_second_is_named(
    workdir: Path, tmp_path: Path, cleanup_modules: None
) -> None:
    first = write(tmp_path / "a", "same", check_plugin("demo.first"))
    second = write(tmp_path / "b", "same", check_plugin("demo.second"))
    data = listing("--plugins-dir", str(tmp_path / "a"), "--plugins-dir", str(tmp_path / "b"))
    assert data["plugins"]["same"]["checks"] == ["demo.first"]
    assert data["errors"] == [
        {
            "plugin": "same",
            "stage": "to register",
            "message": f"the name is taken by the directory plugin {first} ({second})",
        }
    ]


# -- blocking -------------------------------------------------------------------------

IMPORT_MARKER = """
from pathlib import Path
Path("{marker}").write_text("imported")
"""


@pytest.mark.parametrize("how", ["option", "environment"])
def test_blocking_removes_each_kind(
    workdir: Path,
    ep_site: Callable[[], Path],
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    """A directory plugin, an entry point and a built-in, blocked by -p or the variable."""
    ep_site()
    marker = workdir / "imported.txt"
    write(workdir / "plugins", "local", IMPORT_MARKER.format(marker=marker))
    write(workdir / "plugins", "kept", check_plugin("demo.kept"))
    blocked = ["local", "epdemo", "epbroken", "checks.system"]
    if how == "option":
        args = [a for name in blocked for a in ("-p", f"no:{name}")]
    else:
        args = []
        monkeypatch.setenv("MEETCHECK_DISABLE_PLUGINS", ",".join(blocked))
    data = listing(*args)
    assert not set(blocked) & set(data["plugins"])
    assert {"kept", "report.text"} <= set(data["plugins"])
    assert data["errors"] == []  # epbroken was never imported, so it cannot fail
    assert not marker.exists()  # blocked means not even imported
    assert "ep_demo" not in sys.modules
    # the shipped profile names system.os, so run with one that names no check
    (workdir / "bare.toml").write_text('name = "bare"\n')
    result = invoke(*args, "check", "-q", "--profile", "bare.toml", "--only", "system.os")
    assert result.exit_code == 2
    assert "--only system.os: matches no check" in result.stderr
    result, report = json_run("--profile", "bare.toml", "--only", "demo", pre=args)
    assert statuses(report) == {"demo.kept": "PASS"}
    checks = {c for row in data["plugins"].values() for c in row["checks"]}
    assert not {"system.os", "ep.demo"} & checks


def test_blocked_built_in_is_back_without_the_block(workdir: Path) -> None:
    assert "system.os" in listing()["plugins"]["checks.system"]["checks"]
    assert "checks.system" not in listing("-p", "no:checks.system")["plugins"]


@needs_browser
def test_blocking_the_pip_installed_plugin(workdir: Path) -> None:
    assert "browser" in listing()["plugins"]
    assert "browser" not in listing("-p", "no:browser")["plugins"]
    env = {"MEETCHECK_DISABLE_PLUGINS": "report.junit, browser"}
    assert "browser" not in listing(env=env)["plugins"]


@pytest.mark.parametrize("value", ["foo", "no:", "browser"])
def test_bad_p_value_is_a_one_line_usage_error(workdir: Path, value: str) -> None:
    for command in (["check"], ["plugins"]):
        result = invoke("-p", value, *command)
        assert result.exit_code == 2
        assert (
            result.stderr == f"meetcheck: error: -p {value}: expected 'no:NAME' to block a plugin\n"
        )
        assert result.stdout == ""


# -- failures are named, the rest goes on -----------------------------------------------

BROKEN = """\
x = 1

def oops(:
    pass
"""


def test_syntax_error_is_named_with_file_and_line(workdir: Path, cleanup_modules: None) -> None:
    path = write(workdir / "plugins", "broken", BROKEN)
    write(workdir / "plugins", "hello", check_plugin("demo.hello"))
    result, report = json_run("--only", "demo.hello")
    assert result.exit_code == 0
    warning = next(ln for ln in result.stderr.splitlines() if "'broken'" in ln)
    assert warning.startswith("meetcheck: warning: plugin 'broken' failed to import: SyntaxError")
    assert warning.endswith(f"{path.name}, line 3)")
    assert statuses(report) == {"demo.hello": "PASS"}
    assert report["verdict"] == "READY"
    errors = report["environment"]["plugin_errors"]
    assert [(e["plugin"], e["stage"]) for e in errors] == [("broken", "to import")]


def test_import_time_exception_is_named(workdir: Path, cleanup_modules: None) -> None:
    path = write(workdir / "plugins", "needsdeps", "import json\nraise ImportError('no numpy')\n")
    result = invoke("check", "-q", "--only", "system.os")
    assert result.exit_code == 0
    assert (
        f"meetcheck: warning: plugin 'needsdeps' failed to import: ImportError: no numpy "
        f"({path.resolve()}, line 2)"
    ) in result.stderr


def test_register_hook_that_raises_is_named_and_others_register(
    workdir: Path, cleanup_modules: None
) -> None:
    path = write(
        workdir / "plugins",
        "raiser",
        """
        from meetcheck import hookimpl

        @hookimpl
        def meetcheck_register_checks(register):
            raise RuntimeError("no config file")
        """,
    )
    write(workdir / "plugins", "hello", check_plugin("demo.hello"))
    result, report = json_run()
    assert result.exit_code == 0
    line = line_of(path, "raise RuntimeError")
    assert (
        "meetcheck: warning: plugin 'raiser' failed in meetcheck_register_checks: "
        f"RuntimeError: no config file ({path.resolve()}, line {line})"
    ) in result.stderr
    assert {"demo.hello", "system.os"} <= set(statuses(report))
    # told before the run starts, not after it
    lines = invoke("check", "--only", "demo").stderr.splitlines()
    assert lines[0].startswith("meetcheck: warning: plugin 'raiser'")
    assert lines[1].startswith("meetcheck: running 1 check (")  # not "1 checks"


def test_checks_registered_by_import_path_load_when_collected(
    workdir: Path, cleanup_modules: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """register_checks("module:Class") as the built-in families use it: the module is
    imported when the checks are collected, not when the plugin loads; one that cannot be
    imported is named against the plugin and the others still register."""
    site = workdir / "site"
    write(site, "ep_lazy_checks", check_plugin("demo.lazy").split("@hookimpl")[0])
    monkeypatch.syspath_prepend(str(site))
    write(
        workdir / "plugins",
        "lazyfam",
        """
        from meetcheck import register_checks

        meetcheck_register_checks = register_checks(
            "ep_lazy_checks:C", "ep_lazy_missing:Nope", "ep_lazy_checks:NoSuchClass"
        )
        """,
    )
    plugins = Plugins(use_default_dir=True, entry_points=False, builtins=())
    assert "ep_lazy_checks" not in sys.modules  # loading the plugin imported nothing
    checks = plugins.checks()
    assert "ep_lazy_checks" in sys.modules and "demo.lazy" in checks
    assert plugins.info["lazyfam"].checks == ["demo.lazy"]
    [error] = plugins.errors
    assert (error.plugin, error.stage) == ("lazyfam", "in meetcheck_register_checks")
    assert "ep_lazy_missing:Nope: ModuleNotFoundError" in error.message
    assert "ep_lazy_checks:NoSuchClass: AttributeError" in error.message


def test_unknown_hook_is_rejected_by_check_pending(workdir: Path, cleanup_modules: None) -> None:
    path = write(
        workdir / "plugins",
        "typo",
        """
        from meetcheck import hookimpl
        from meetcheck.check import Check, Finding, Status

        class T(Check):
            id = "demo.typo"
            title = "t"

        @hookimpl
        def meetcheck_register_check(register):
            register(T)

        @hookimpl
        def meetcheck_register_checks(register):
            register(T)
        """,
    )
    data = listing()
    assert "typo" not in data["plugins"]  # the whole plugin is out, valid hooks too
    (error,) = data["errors"]
    assert (error["plugin"], error["stage"]) == ("typo", "validation")
    line = line_of(path, "@hookimpl")
    assert error["message"] == (
        "unknown hook 'meetcheck_register_check' (did you mean 'meetcheck_register_checks'?) "
        f"({path.resolve()}, line {line})"
    )
    result = invoke("check", "-q", "--only", "demo")
    assert result.exit_code == 2  # demo.typo never registered
    assert "plugin 'typo' failed validation: unknown hook" in result.stderr


def test_hook_with_wrong_arguments_is_named(workdir: Path, cleanup_modules: None) -> None:
    path = write(
        workdir / "plugins",
        "args",
        """
        from meetcheck import hookimpl

        @hookimpl
        def meetcheck_register_checks(reg):
            pass
        """,
    )
    (error,) = listing()["errors"]
    assert (error["plugin"], error["stage"]) == ("args", "to register")
    assert "{'reg'} are declared in the hookimpl" in error["message"]
    assert error["message"].endswith(f"({path.resolve()})")
    assert "\n" not in error["message"]


BAD_REGISTRATIONS = """
from meetcheck import Check, Finding, Status, hookimpl


class Shadow(Check):
    id = "system.os"
    title = "A plugin's own system.os"
    category = "system"


class Untitled(Check):
    id = "demo.untitled"


class Good(Check):
    id = "demo.good"
    title = "Good"

    async def run(self, ctx):
        return Finding(Status.PASS, "good")


@hookimpl
def meetcheck_register_checks(register):
    register(object())  # not a check
    register(Shadow)  # duplicate id
    register(Untitled)  # no title
    register(Good)
"""


def test_duplicate_id_and_non_check_are_named_at_the_plugins_line(
    workdir: Path, cleanup_modules: None
) -> None:
    path = write(workdir / "plugins", "dup", BAD_REGISTRATIONS)
    data = listing()
    where = {
        n: f"({path.resolve()}, line {line_of(path, f'register({n})')})"
        for n in ("object()", "Shadow", "Untitled")
    }
    messages = [e["message"] for e in data["errors"] if e["plugin"] == "dup"]
    assert len(messages) == 3
    assert messages[0].startswith("TypeError: <object object")
    assert messages[0].endswith("is not a meetcheck.Check subclass " + where["object()"])
    assert messages[1] == (
        "ValueError: check 'system.os' is already registered by plugin 'checks.system' "
        + where["Shadow"]
    )
    assert messages[2] == "ValueError: check demo.untitled has no title " + where["Untitled"]
    assert {e["stage"] for e in data["errors"]} == {"in meetcheck_register_checks"}
    # the built-in keeps its id although the plugin loaded first; the good check registers
    assert data["plugins"]["dup"]["checks"] == ["demo.good"]
    assert "system.os" in data["plugins"]["checks.system"]["checks"]
    result, report = json_run("--only", "system.os")
    assert report["results"][0]["title"] != "A plugin's own system.os"


def test_check_that_raises_becomes_error_and_the_report_is_written(
    workdir: Path, cleanup_modules: None
) -> None:
    write(
        workdir / "plugins",
        "boom",
        """
        from meetcheck import Check, hookimpl

        class Boom(Check):
            id = "demo.boom"
            title = "Boom"
            remediation = "Restart the sensor."

            async def run(self, ctx):
                raise RuntimeError("sensor on fire")

        @hookimpl
        def meetcheck_register_checks(register):
            register(Boom)
        """,
    )
    write(workdir / "plugins", "hello", check_plugin("demo.hello"))
    profile = workdir / "required.toml"
    profile.write_text(
        'extends = "un-rsi-speaker"\nname = "t"\n[checks."demo.boom"]\nrequired = true\n'
    )
    out = workdir / "out" / "report.json"
    result = invoke(
        "check", "-q", "--profile", str(profile), "--only", "demo", "--format", "json",
        "-o", str(out), "--format", "text",
    )  # fmt: skip
    assert result.exit_code == 3  # INCOMPLETE: a required check ended ERROR
    report = json.loads(out.read_text())
    assert report["verdict"] == "INCOMPLETE"
    boom = next(r for r in report["results"] if r["id"] == "demo.boom")
    assert (boom["status"], boom["reason"]) == ("ERROR", "RuntimeError: sensor on fire")
    assert boom["remediation"] == "Restart the sensor."
    assert statuses(report)["demo.hello"] == "PASS"
    assert "ERROR   demo.boom" in result.stdout and "RuntimeError: sensor on fire" in result.stdout


RUN_HOOKS = """
from meetcheck import hookimpl

@hookimpl
def meetcheck_run_started(run):
    raise ValueError("start hook broke")

@hookimpl
def meetcheck_check_finished(result):
    raise KeyError(result.id)

@hookimpl
def meetcheck_run_finished(run, report):
    raise ValueError("finish hook broke")
"""

RECORDER = """
from pathlib import Path
from meetcheck import hookimpl

@hookimpl
def meetcheck_run_started(run):
    Path("events.txt").write_text("started " + ",".join(c.id for c in run.checks) + "\\n")

@hookimpl
def meetcheck_check_finished(result):
    with open("events.txt", "a") as fh:
        fh.write(f"finished {result.id} {result.status.value}\\n")

@hookimpl
def meetcheck_run_finished(run, report):
    with open("events.txt", "a") as fh:
        fh.write(f"verdict {report.verdict}\\n")
"""


def test_run_hooks_that_raise_are_named_and_the_run_completes(
    workdir: Path, cleanup_modules: None
) -> None:
    path = write(workdir / "plugins", "hooky", RUN_HOOKS)
    write(workdir / "plugins", "recorder", RECORDER)
    result = invoke("check", "-q", "--only", "system.os")
    assert result.exit_code == 0
    assert result.stdout.startswith("Verdict: READY")
    where = {
        t: f"({path.resolve()}, line {line_of(path, f'{t} hook broke')})"
        for t in ("start", "finish")
    }
    for expected in [
        "plugin 'hooky' failed in meetcheck_run_started: ValueError: start hook broke "
        + where["start"],
        "plugin 'hooky' failed in meetcheck_check_finished: KeyError: 'system.os'",
        "plugin 'hooky' failed in meetcheck_run_finished: ValueError: finish hook broke "
        + where["finish"],
    ]:
        assert f"meetcheck: warning: {expected}" in result.stderr
    # the other plugin's implementations of the same hooks still ran, in order
    events = (workdir / "events.txt").read_text().splitlines()
    assert events == ["started system.os", "finished system.os PASS", "verdict READY"]


# -- commands, reporters and the listing -------------------------------------------------

COMMANDS = """
import click
from meetcheck import hookimpl

__version__ = "0.3"

@hookimpl
def meetcheck_register_commands(cli):
    @cli.command()
    @click.option("--name", default="world")
    def greet(name):
        \"\"\"Greet someone from a plugin.\"\"\"
        click.echo(f"Hello, {name}!")
"""


def test_plugin_command_shows_in_help_and_runs(workdir: Path, cleanup_modules: None) -> None:
    write(workdir / "plugins", "cmds", COMMANDS)
    help_text = invoke("--help").stdout
    assert "greet" in help_text and "Greet someone from a plugin." in help_text
    result = invoke("greet", "--name", "Ada")
    assert (result.exit_code, result.stdout) == (0, "Hello, Ada!\n")
    assert "greet" not in invoke("-p", "no:cmds", "--help").stdout
    blocked = invoke("-p", "no:cmds", "greet")
    assert blocked.exit_code == 2 and "No such command 'greet'" in blocked.stderr
    assert listing()["plugins"]["cmds"]["hooks"] == ["meetcheck_register_commands"]


REPORTERS = """
import gzip
from meetcheck import Reporter, hookimpl

def render(data):
    return "".join(f"{r['id']},{r['status']}\\n" for r in data["results"])

def annotations(data, options):
    level = options.get("level", "warning")
    return "".join(f"::{level}::{r['id']} {r['status']}\\n" for r in data["results"])

def packed(data):
    return gzip.compress(render(data).encode(), mtime=0)

@hookimpl
def meetcheck_register_reporters(register):
    register(Reporter("csvish", "comma-separated statuses", ".csv", render))
    register(Reporter("github-actions", "workflow commands", ".gha", annotations,
                      options={"level": "notice, warning or error"}))
    register(Reporter("csv-gz", "gzipped statuses (bytes)", ".csv.gz", packed))
    register(Reporter("not a word", "bad name", ".bad", render))
"""


def test_reporter_plugin_adds_a_format(workdir: Path, cleanup_modules: None) -> None:
    path = write(workdir / "plugins", "csvish", REPORTERS)
    result = invoke("check", "-q", "--only", "system.os", "--format", "csvish")
    assert (result.exit_code, result.stdout) == (0, "system.os,PASS\n")
    assert (
        "meetcheck: warning: plugin 'csvish' failed in meetcheck_register_reporters: "
        "ValueError: reporter name 'not a word' must be lower-case letters, digits, '-' or "
        f"'_' (e.g. 'github-actions') ({path.resolve()}, line {line_of(path, 'not a word')})"
    ) in result.stderr
    result = invoke("check", "-q", "--only", "system.os", "-o", "statuses.csv")
    assert (workdir / "statuses.csv").read_text() == "system.os,PASS\n"


def test_reporters_may_have_dashes_options_and_bytes(workdir: Path, cleanup_modules: None) -> None:
    import gzip

    write(workdir / "plugins", "csvish", REPORTERS)
    args = ("check", "-q", "--only", "system.os", "--format", "github-actions")
    assert invoke(*args).stdout == "::warning::system.os PASS\n"
    chosen = invoke(*args, "--report-option", "github-actions.level=error")
    assert chosen.stdout == "::error::system.os PASS\n"
    for bad, said in [
        ("github-actions.colour=red", "github-actions has no option 'colour' (level)"),
        ("nope.level=1", "unknown format 'nope'"),
        ("level=1", "expected FORMAT.KEY=VALUE"),
    ]:
        refused = invoke(*args, "--report-option", bad)
        assert refused.exit_code == 2 and said in refused.stderr, refused.stderr
    invoke("check", "-q", "--only", "system.os", "--format", "csv-gz", "-o", "s.csv.gz")
    assert gzip.decompress((workdir / "s.csv.gz").read_bytes()) == b"system.os,PASS\n"


def test_plugins_command_lists_everything(
    workdir: Path, ep_site: Callable[[], Path], cleanup_modules: None
) -> None:
    ep_site()
    write(workdir / "plugins", "hello", check_plugin("demo.hello", "1.2.3"))
    write(workdir / "plugins", "csvish", REPORTERS)
    write(workdir / "plugins", "broken", BROKEN)
    data = listing()
    rows = data["plugins"]
    hello = rows["hello"]
    assert (hello["version"], hello["source"]) == ("1.2.3", "directory")
    assert hello["hooks"] == ["meetcheck_register_checks"]
    assert hello["checks"] == ["demo.hello"] and hello["reporters"] == []
    assert rows["csvish"]["reporters"] == ["csvish", "github-actions", "csv-gz"]
    assert rows["epdemo"]["source"] == "entrypoint"
    assert rows["checks.system"]["source"] == "builtin"
    assert "text" in rows["report.text"]["reporters"]
    cpu = data["checks"]["system.cpu"]  # what a profile author needs to write thresholds
    assert cpu["metrics"]["cpu_count"] == {"unit": "CPUs", "higher_is_worse": False}
    assert cpu["category"] == "system" and cpu["remediation"]
    assert data["checks"]["network.interface"]["options"]["fail_kinds"]["default"] == ["cellular"]
    assert data["checks"]["demo.hello"]["title"] == "Check demo.hello"
    assert {(e["plugin"], e["stage"]) for e in data["errors"]} >= {
        ("broken", "to import"),
        ("epbroken", "to import"),
        ("csvish", "in meetcheck_register_reporters"),
    }

    text = invoke("plugins")
    assert text.exit_code == 1  # plugins failed to load: CI must notice
    lines = text.stdout.splitlines()
    at = lines.index("hello 1.2.3 (directory)")
    assert lines[at + 1 : at + 4] == [
        "  hooks: meetcheck_register_checks",
        "  checks:",
        "    demo.hello: Check demo.hello",
    ]
    # metrics and options of the built-ins are shown, and who adds which command
    assert "      metric cpu_count CPUs (lower is worse)" in lines
    assert any(ln.startswith("      option fail_kinds = ['cellular']") for ln in lines)
    assert "  commands: serve" in lines
    assert "epdemo 2.5 (entrypoint)" in lines
    assert "  reporters: csvish, github-actions, csv-gz" in lines
    assert any(
        ln.startswith("error: plugin 'broken' failed to import: SyntaxError") for ln in lines
    )
    # built-ins first, then the others by name
    names = [ln.split(" ")[0] for ln in lines if ln and not ln.startswith((" ", "error:"))]
    builtin = [n for n in names if rows[n]["source"] == "builtin"]
    assert names == builtin + sorted(n for n in names if n not in builtin)


# -- end to end, as a user runs it ------------------------------------------------------


def run_meetcheck(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("MEETCHECK_DISABLE_PLUGINS", None)
    full_env.pop("MEETCHECK_PLUGINS_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "meetcheck", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_no_traceback_reaches_the_user(workdir: Path, ep_site: Callable[[], Path]) -> None:
    """Every kind of broken plugin at once, in a real process: warnings, never a traceback."""
    site = ep_site()
    plugins = workdir / "plugins"
    write(plugins, "broken", BROKEN)
    write(plugins, "hooky", RUN_HOOKS)
    write(plugins, "dup", BAD_REGISTRATIONS)
    write(plugins, "typo", "from meetcheck import hookimpl\n@hookimpl\ndef meetcheck_x(): pass\n")
    write(
        plugins,
        "boom",
        """
        from meetcheck import Check, hookimpl
        class Boom(Check):
            id = "demo.boom"
            title = "Boom"
            async def run(self, ctx):
                return 1 / 0
        @hookimpl
        def meetcheck_register_checks(register):
            register(Boom)
        """,
    )
    env = {"PYTHONPATH": str(site)}
    proc = run_meetcheck("check", "-q", "--only", "demo", cwd=workdir, env=env)
    assert proc.returncode == 0, proc.stderr  # advisory ERROR: READY WITH WARNINGS
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout.startswith("Verdict: READY WITH WARNINGS")
    assert "ZeroDivisionError: division by zero" in proc.stdout
    assert "[ok] PASS    demo.good" in proc.stdout
    warned = {ln.split("'")[1] for ln in proc.stderr.splitlines()}
    assert warned == {"broken", "hooky", "dup", "typo", "epbroken"}
    assert all(ln.startswith("meetcheck: warning: plugin '") for ln in proc.stderr.splitlines())

    proc = run_meetcheck("-p", "foo", "check", cwd=workdir, env=env)
    assert proc.returncode == 2
    assert proc.stderr == "meetcheck: error: -p foo: expected 'no:NAME' to block a plugin\n"


ORDERED = """
from pathlib import Path
from meetcheck import hookimpl

@hookimpl{marker}
def meetcheck_run_started(run):
    with open("order.txt", "a") as fh:
        fh.write("{name}\\n")
"""


def test_run_hooks_follow_pluggys_order(workdir: Path, cleanup_modules: None) -> None:
    """tryfirst runs first although its plugin loaded first (pluggy otherwise calls LIFO)."""
    write(workdir / "plugins", "alpha", ORDERED.format(marker="(tryfirst=True)", name="alpha"))
    write(workdir / "plugins", "mid", ORDERED.format(marker="", name="mid"))
    write(workdir / "plugins", "zulu", ORDERED.format(marker="", name="zulu"))
    assert invoke("check", "-q", "--only", "system.os").exit_code == 0
    assert (workdir / "order.txt").read_text().split() == ["alpha", "zulu", "mid"]
