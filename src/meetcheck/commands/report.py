"""``meetcheck report render``: a saved JSON report in another format."""

from __future__ import annotations

import click

from meetcheck.hookimpl import hookimpl
from meetcheck.i18n.option import language_option


@click.group()
def report() -> None:
    """Work with saved reports."""


@report.command("render")
@click.argument("report_path", metavar="REPORT.json")
@click.option("--format", "formats", multiple=True, metavar="FORMAT")
@click.option("-o", "--output", "outputs", multiple=True, metavar="PATH")
@click.option("--report-option", multiple=True, metavar="FORMAT.KEY=VALUE")
@language_option
@click.pass_context
def report_render(
    ctx: click.Context,
    report_path: str,
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    report_option: tuple[str, ...],
    lang: str,
) -> None:
    """Re-render a saved JSON report in another format or language (--lang)."""
    from meetcheck.cli import plugins_of
    from meetcheck.output import plan_outputs, report_options, write_reports
    from meetcheck.readable import visible
    from meetcheck.report.load import load_report
    from meetcheck.verdict import EXIT_USAGE

    plugins = plugins_of(ctx)
    from meetcheck.i18n.rerender import translate_report

    data = translate_report(load_report(report_path), plugins.catalogs())
    targets = plan_outputs(formats, outputs, plugins.reporters())
    options = report_options(report_option, plugins.reporters())
    problems = write_reports(data, targets, plugins.reporters(), options)
    for p in problems:
        click.echo(f"meetcheck: error: {visible(p)}", err=True)
    ctx.exit(EXIT_USAGE if problems else 0)


@hookimpl
def meetcheck_register_commands(cli: click.Group) -> None:
    cli.add_command(report)
