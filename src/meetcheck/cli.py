"""The ``meetcheck`` command line.

Plugins load lazily, on first need, so ``meetcheck --help`` stays fast; heavy libraries
(aiortc, av, numpy) are imported only inside the checks and commands that use them.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from meetcheck import __version__
from meetcheck.errors import InputError
from meetcheck.verdict import EXIT_USAGE

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class MeetcheckGroup(click.Group):
    """A click group that adds plugin commands and turns InputError into exit code 2."""

    def plugins(self, ctx: click.Context) -> Any:
        root = ctx.find_root()
        if not isinstance(root.obj, dict):
            root.obj = {}
        if "plugins" not in root.obj:
            from meetcheck.plugins import Plugins, parse_blocked

            params = root.params
            blocked = parse_blocked(params.get("plugin") or ())
            dirs = [Path(d) for d in params.get("plugins_dir") or ()]
            plugins = Plugins(blocked=blocked, plugins_dirs=dirs)
            extra = click.Group()
            plugins.call("meetcheck_register_commands", cli=extra)
            root.obj["plugins"] = plugins
            root.obj["extra"] = extra
        return root.obj["plugins"]

    def _extra(self, ctx: click.Context) -> click.Group:
        try:
            self.plugins(ctx)
        except InputError:
            return click.Group()
        return ctx.find_root().obj["extra"]

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx)) | set(self._extra(ctx).list_commands(ctx))
        return sorted(names)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        cmd = super().get_command(ctx, name)
        if cmd is None:
            cmd = self._extra(ctx).get_command(ctx, name)
        return cmd

    def invoke(self, ctx: click.Context) -> Any:
        from meetcheck.redact import redacted_last_resort
        from meetcheck.report.plain import visible

        try:
            with redacted_last_resort():
                return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"meetcheck: error: {visible(str(exc))}", err=True)
            ctx.exit(EXIT_USAGE)


@contextlib.contextmanager
def log_to_stderr(show_secrets: bool) -> Iterator[None]:
    """Warnings from checks and libraries go to stderr during a run, tokens redacted in
    their messages and tracebacks alike."""
    import logging

    from meetcheck.redact import stderr_handler

    fmt = logging.Formatter("meetcheck: %(levelname)s: %(name)s: %(message)s")
    handler = stderr_handler(fmt, show_secrets=show_secrets, level=logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


def check_link(link: str) -> None:
    """A personal link must be an http(s) URL with a host; the error shows it redacted."""
    from urllib.parse import urlsplit

    from meetcheck.redact import redact_text, redact_url

    try:
        parts = urlsplit(link)
        parts.port  # noqa: B018 -- raises on a port out of range
        ok = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a bad port or IPv6 literal
        ok = False
    if not ok or any(c.isspace() or not c.isprintable() for c in link):
        shown = redact_text(redact_url(link))
        raise InputError(
            f"--link {shown}: expected an http(s) URL with a host, "
            "such as https://rsi.example.org/join/…"
        )


def plugin_warnings(plugins: Any) -> None:
    """Warn on stderr about plugin errors not shown yet (loading, registering, run hooks)."""
    from meetcheck.report.plain import visible

    for error in plugins.new_errors():
        click.echo(f"meetcheck: warning: {visible(str(error))}", err=True)


@click.group(cls=MeetcheckGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="meetcheck")
@click.option(
    "-p",
    "plugin",
    multiple=True,
    metavar="no:NAME",
    is_eager=True,  # before --help, which lists plugin commands
    help="Block a plugin by name (also MEETCHECK_DISABLE_PLUGINS=a,b).",
)
@click.option(
    "--plugins-dir",
    multiple=True,
    is_eager=True,
    type=click.Path(file_okay=False),
    help="Load every *.py file in this directory as a plugin (repeatable).",
)
def cli(plugin: tuple[str, ...], plugins_dir: tuple[str, ...]) -> None:
    """Check that a speaker's computer, network, microphone and meeting link are ready
    for a remote meeting with simultaneous interpretation."""


def _load_inputs(plugins: Any, profile_ref: str, meeting_ref: str | None) -> tuple[Any, Any]:
    from meetcheck.meeting import load_meeting
    from meetcheck.profile import load_profile

    profile = load_profile(profile_ref, plugins.checks())
    meeting = load_meeting(meeting_ref) if meeting_ref else None
    return profile, meeting


@cli.command()
@click.option("--meeting", "meeting_ref", metavar="FILE|URL", help="The meeting file.")
@click.option(
    "--profile",
    "profile_ref",
    default="un-rsi-speaker",
    show_default=True,
    metavar="NAME|PATH",
    help="Shipped profile name or a profile file.",
)
@click.option("--link", default="", metavar="URL", help="Your personal meeting link.")
@click.option("--name", default="", help="Your name, as registered.")
@click.option("--email", default="", help="Your registered (personal) e-mail address.")
@click.option("--delegation", default="", help="Your delegation or organisation.")
@click.option(
    "--role",
    type=click.Choice(["primary", "alternate", "listener", "interpreter"]),
    default="primary",
    show_default=True,
)
@click.option(
    "--mic",
    is_flag=False,
    flag_value="default",
    default=None,
    metavar="[DEVICE]",
    help="Test the microphone (the default one, or DEVICE).",
)
@click.option(
    "--audio",
    type=click.Path(dir_okay=False),
    default=None,
    help="An audio file standing in for the microphone.",
)
@click.option("--timezone", default=None, help="Show times in this IANA zone.")
@click.option(
    "--only",
    multiple=True,
    metavar="ID",
    help="Run only these checks (id, category or glob; repeatable).",
)
@click.option("--skip", multiple=True, metavar="ID", help="Skip these checks (repeatable).")
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="FORMAT",
    help="text, json, html, junit, or a plugin's format (repeatable, pairs with -o).",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    metavar="PATH",
    help="Write the matching --format here (repeatable).",
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--show-secrets", is_flag=True, help="Do not redact tokens in links.")
@click.option("-q", "--quiet", is_flag=True, help="No live progress on stderr.")
@click.pass_context
def check(
    ctx: click.Context,
    meeting_ref: str | None,
    profile_ref: str,
    link: str,
    name: str,
    email: str,
    delegation: str,
    role: str,
    mic: str | None,
    audio: str | None,
    timezone: str | None,
    only: tuple[str, ...],
    skip: tuple[str, ...],
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    strict: bool,
    show_secrets: bool,
    quiet: bool,
) -> None:
    """Run the self-test and write a readiness report."""
    from meetcheck.participant import Participant

    if link:
        check_link(link)
    participant = Participant(
        name=name,
        email=email,
        delegation=delegation,
        role=role,
        link=link,
        mic=mic,
        audio=audio,
        timezone=timezone,
    )
    code = run_check(
        ctx,
        participant,
        meeting_ref,
        profile_ref,
        only,
        skip,
        formats,
        outputs,
        strict=strict,
        show_secrets=show_secrets,
        quiet=quiet,
    )
    ctx.exit(code)


def run_check(
    ctx: click.Context,
    participant: Any,
    meeting_ref: str | None,
    profile_ref: str,
    only: tuple[str, ...] = (),
    skip: tuple[str, ...] = (),
    formats: tuple[str, ...] = (),
    outputs: tuple[str, ...] = (),
    *,
    strict: bool = False,
    show_secrets: bool = False,
    quiet: bool = False,
) -> int:
    """Validate inputs, run the checks, write the reports; returns the exit code.

    Shared by ``check`` and ``demo`` so both behave alike.
    """
    from meetcheck.output import plan_outputs, write_reports
    from meetcheck.report.plain import visible
    from meetcheck.runner import Runner, run_sync, select_checks
    from meetcheck.verdict import Verdict, exit_code

    plugins = cli.plugins(ctx)  # type: ignore[attr-defined]
    plugins.checks()
    plugins.reporters()
    plugin_warnings(plugins)
    profile, meeting = _load_inputs(plugins, profile_ref, meeting_ref)
    if participant.timezone:
        from meetcheck.meeting import find_zone, unknown_zone

        if find_zone(participant.timezone) is None:
            raise InputError(f"--timezone: {unknown_zone(participant.timezone)}")
    if participant.audio and not Path(participant.audio).is_file():
        raise InputError(f"--audio {participant.audio}: file not found")
    targets = plan_outputs(formats, outputs, plugins.reporters())
    checks = select_checks(plugins.checks(), profile, only, skip)
    runner = Runner(plugins, profile, participant, meeting, checks)
    runner.info.options.update(quiet=quiet, show_secrets=show_secrets)
    with log_to_stderr(show_secrets):
        report = run_sync(runner)
    plugin_warnings(plugins)  # a run hook that raised
    data = report.redacted(show_secrets)
    problems = write_reports(data, targets, plugins.reporters())
    for p in problems:
        click.echo(f"meetcheck: error: {visible(p)}", err=True)
    if ("text", None) not in targets:  # the verdict in one line unless the text report shows it
        click.echo(f"Verdict: {report.verdict}", err=True)
    if problems:
        return EXIT_USAGE
    return exit_code(Verdict(report.verdict), strict)


@cli.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def plugins_cmd(ctx: click.Context, as_json: bool) -> None:
    """List loaded plugins with their versions, hooks, checks and reporters."""
    plugins = cli.plugins(ctx)  # type: ignore[attr-defined]
    plugins.checks()
    plugins.reporters()
    rows = []
    for info in sorted(plugins.info.values(), key=lambda i: (i.source != "builtin", i.name)):
        rows.append(
            {
                "name": info.name,
                "version": info.version,
                "source": info.source,
                "location": info.location,
                "hooks": plugins.hooks_of(info.name),
                "checks": info.checks,
                "reporters": info.reporters,
            }
        )
    errors = [e.to_dict() for e in plugins.errors]
    if as_json:
        checks = [c.describe() for c in plugins.checks().values()]
        click.echo(json.dumps({"plugins": rows, "checks": checks, "errors": errors}, indent=2))
        return
    for row in rows:
        click.echo(f"{row['name']} {row['version']} ({row['source']})")
        click.echo(f"  hooks: {', '.join(row['hooks']) or '-'}")
        if row["checks"]:
            click.echo(f"  checks: {', '.join(row['checks'])}")
        if row["reporters"]:
            click.echo(f"  reporters: {', '.join(row['reporters'])}")
    for e in plugins.errors:
        click.echo(f"error: {e}")


@cli.group()
def profiles() -> None:
    """List, show and validate profiles."""


@profiles.command("list")
def profiles_list() -> None:
    """List the shipped profiles."""
    from meetcheck.profile import shipped_profiles
    from meetcheck.tomlfile import load_toml

    for name, path in shipped_profiles().items():
        raw = load_toml(str(path), "profile")
        click.echo(f"{name:<24} {raw.get('version', ''):<8} {raw.get('description', '')}")


@profiles.command("show")
@click.argument("profile_ref", metavar="NAME|PATH")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def profiles_show(ctx: click.Context, profile_ref: str, as_json: bool) -> None:
    """Print the fully resolved profile (after extends)."""
    from meetcheck.profile import load_profile

    plugins = cli.plugins(ctx)  # type: ignore[attr-defined]
    profile = load_profile(profile_ref, plugins.checks())
    data = dict(profile.data)
    data.pop("extends", None)
    data["resolved_from"] = profile.chain
    data["digest"] = profile.digest
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        import tomli_w

        click.echo(tomli_w.dumps(data), nl=False)


@profiles.command("validate")
@click.argument("profile_refs", nargs=-1, required=True, metavar="NAME|PATH...")
@click.pass_context
def profiles_validate(ctx: click.Context, profile_refs: tuple[str, ...]) -> None:
    """Validate profiles against the installed checks (exit 2 on the first bad one)."""
    from meetcheck.profile import load_profile
    from meetcheck.report.plain import visible

    plugins = cli.plugins(ctx)  # type: ignore[attr-defined]
    for ref in profile_refs:
        profile = load_profile(ref, plugins.checks())
        unlisted = sorted(set(plugins.checks()) - set(profile.checks))
        note = f"; not mentioned (advisory): {', '.join(unlisted)}" if unlisted else ""
        click.echo(
            visible(
                f"ok: {ref}: {profile.name} {profile.version}, {len(profile.checks)} checks{note}"
            )
        )


@cli.group()
def report() -> None:
    """Work with saved reports."""


@report.command("render")
@click.argument("report_path", metavar="REPORT.json")
@click.option("--format", "formats", multiple=True, metavar="FORMAT")
@click.option("-o", "--output", "outputs", multiple=True, metavar="PATH")
@click.pass_context
def report_render(
    ctx: click.Context, report_path: str, formats: tuple[str, ...], outputs: tuple[str, ...]
) -> None:
    """Re-render a saved JSON report in another format."""
    from meetcheck.output import plan_outputs, write_reports
    from meetcheck.report.load import load_report
    from meetcheck.report.plain import visible

    plugins = cli.plugins(ctx)  # type: ignore[attr-defined]
    data = load_report(report_path)
    targets = plan_outputs(formats, outputs, plugins.reporters())
    problems = write_reports(data, targets, plugins.reporters())
    for p in problems:
        click.echo(f"meetcheck: error: {visible(p)}", err=True)
    ctx.exit(EXIT_USAGE if problems else 0)


def main() -> None:
    """Console entry point."""
    cli.main(prog_name="meetcheck")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
