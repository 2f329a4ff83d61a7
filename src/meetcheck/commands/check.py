"""``meetcheck check``: the self-test, and the flow ``demo`` shares with it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from meetcheck.errors import InputError
from meetcheck.hookimpl import hookimpl
from meetcheck.i18n.option import language_option
from meetcheck.participant import ROLES

if TYPE_CHECKING:
    from meetcheck.participant import Participant


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


def check_participant(participant: Participant) -> None:
    """Reject flags that cannot work, before anything runs."""
    if participant.link:
        check_link(participant.link)
    if participant.timezone:
        from meetcheck.meeting import find_zone, unknown_zone

        if find_zone(participant.timezone) is None:
            raise InputError(f"--timezone: {unknown_zone(participant.timezone)}")
    if participant.audio:
        check_audio_file(participant.audio)


def check_audio_file(path: str) -> None:
    """An --audio file must decode as audio to its end: empty, truncated, corrupt or
    non-audio files are exit 2 with one line naming the file, before anything runs."""
    from meetcheck.readable import visible

    shown = visible(path)
    if not Path(path).is_file():
        raise InputError(f"--audio {shown}: file not found")
    from meetcheck.media.audiofile import AudioFileError, probe_audio

    try:
        probe_audio(path)
    except AudioFileError as exc:
        raise InputError(f"--audio {shown}: {exc}") from None


def check_and_report(
    ctx: click.Context,
    participant: Participant,
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
    cli_options: dict[str, Any] | None = None,
    report_option: tuple[str, ...] = (),
) -> int:
    """Validate inputs, run the checks, write the reports; returns the exit code."""
    from meetcheck.cli import log_to_stderr, plugin_warnings, plugins_of, terminate_as_interrupt
    from meetcheck.output import plan_outputs, report_options, write_reports
    from meetcheck.readable import visible
    from meetcheck.run import load_inputs, prepare
    from meetcheck.runner import run_sync
    from meetcheck.verdict import EXIT_INCOMPLETE, EXIT_USAGE, Verdict, exit_code

    try:
        with terminate_as_interrupt():
            plugins = plugins_of(ctx)
            plugins.checks()
            plugins.reporters()
            plugin_warnings(plugins)
            profile, meeting = load_inputs(plugins, profile_ref, meeting_ref)
            check_participant(participant)
            if participant.mic and not participant.audio:
                from meetcheck.commands.mic import guided_recording

                given = cli_options or {}
                participant = guided_recording(
                    participant,
                    playback=bool(given.get("playback")),
                    echo_test=bool(given.get("echo_test", True)),
                    backend=str(given.get("capture_backend") or "auto"),
                )
            targets = plan_outputs(formats, outputs, plugins.reporters())
            render_options = report_options(report_option, plugins.reporters())
            notes: list[str] = []
            runner = prepare(
                plugins,
                participant,
                profile,
                meeting,
                only=only,
                skip=skip,
                quiet=quiet,
                show_secrets=show_secrets,
                cli_options=cli_options,
                notes=notes,
            )
    except KeyboardInterrupt:
        # Nothing ran, so there is no report; exit 1 (click's "Aborted!") would say NOT READY.
        from meetcheck.i18n.core import _

        click.echo(_("meetcheck: interrupted before the checks started"), err=True)
        return EXIT_INCOMPLETE
    for note in notes:
        click.echo(f"meetcheck: {note}", err=True)
    with log_to_stderr(show_secrets):
        report = run_sync(runner)
    plugin_warnings(plugins)  # a run hook that raised
    data = report.redacted(show_secrets)
    problems = write_reports(data, targets, plugins.reporters(), render_options)
    for p in problems:
        click.echo(f"meetcheck: error: {visible(p)}", err=True)
    if ("text", None) not in targets:  # the verdict in one line unless the text report shows it
        from meetcheck.i18n.core import _
        from meetcheck.report.words import verdict

        click.echo(_("Verdict: {verdict}").format(verdict=verdict(report.verdict)), err=True)
    if problems:
        return EXIT_USAGE
    return exit_code(Verdict(report.verdict), strict)


@click.command()
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
@click.option("--role", type=click.Choice(ROLES), default="primary", show_default=True)
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
@click.option(
    "--report-option",
    multiple=True,
    metavar="FORMAT.KEY=VALUE",
    help="An option of a report format (repeatable).",
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--show-secrets", is_flag=True, help="Do not redact tokens in links.")
@click.option("-q", "--quiet", is_flag=True, help="No live progress on stderr.")
@language_option
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
    report_option: tuple[str, ...],
    strict: bool,
    show_secrets: bool,
    quiet: bool,
    lang: str,
    **cli_options: Any,
) -> None:
    """Run the self-test and write a readiness report."""
    from meetcheck.participant import Participant

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
    code = check_and_report(
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
        cli_options=cli_options,  # options plugins added (meetcheck_add_options)
        report_option=report_option,
    )
    ctx.exit(code)


@hookimpl
def meetcheck_register_commands(cli: click.Group) -> None:
    cli.add_command(check)
