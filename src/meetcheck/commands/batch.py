"""``meetcheck batch``: check a whole roster, fold in the self-tests, write who is ready
and whom to chase. The work lives in ``meetcheck.batch``; this is the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from meetcheck.batch._catalog import catalog
from meetcheck.hookimpl import hookimpl
from meetcheck.i18n import register_catalogs
from meetcheck.i18n.option import language_option

RECHECK = ("failing", "stale", "all")


def default_out(roster: str) -> Path:
    """A folder named after the roster, in the current directory."""
    return Path(f"{Path(roster).stem}-batch")


def batch_exit_code(results: dict[str, Any], interrupted: bool) -> int:
    """3 interrupted; 2 bad rows on the roster; 1 someone not ready; 3 rows left unchecked
    or in error; 0 every speaker and delegation ready."""
    from meetcheck.verdict import EXIT_INCOMPLETE, EXIT_NOT_READY, EXIT_OK, EXIT_USAGE

    t = results["totals"]
    if interrupted:
        return EXIT_INCOMPLETE
    if t["invalid_rows"]:
        return EXIT_USAGE
    if t["not_ready"]:
        return EXIT_NOT_READY
    if t["errors"] or t["unchecked"]:
        return EXIT_INCOMPLETE
    if t["delegations_ready"] < t["delegations"]:  # a delegation without its alternate
        return EXIT_NOT_READY
    return EXIT_OK


def run_batch(ctx: click.Context, opts: dict[str, Any], cli_options: dict[str, Any]) -> int:
    """The run, in the active language (``--lang``): rows are checked with it active, so
    the checks' own findings come out in it too, and every output is written in it."""
    import asyncio
    import datetime as dt

    from meetcheck.batch import messages
    from meetcheck.batch.engine import run_plan
    from meetcheck.batch.journal import Journal
    from meetcheck.batch.limits import Limits
    from meetcheck.batch.outputs import write_all
    from meetcheck.batch.plan import make_plan
    from meetcheck.batch.progress import BatchProgress
    from meetcheck.batch.readiness import row_status
    from meetcheck.batch.results import build_results, history_entry
    from meetcheck.batch.roster import read_roster
    from meetcheck.batch.selftests import SelfTestIndex, load_selftests, parse_duration
    from meetcheck.cli import log_to_stderr, plugin_warnings, plugins_of, terminate_as_interrupt
    from meetcheck.errors import InputError
    from meetcheck.readable import visible
    from meetcheck.run import load_inputs
    from meetcheck.verdict import EXIT_INCOMPLETE

    def say(text: str) -> None:
        click.echo(f"meetcheck: {visible(text)}", err=True)

    if opts["resume"] and opts["recheck"]:
        raise InputError("--resume and --recheck: give one or the other")
    try:
        with terminate_as_interrupt():
            max_age = parse_duration(opts["max_age"])
            plugins = plugins_of(ctx)
            plugins.checks()
            plugin_warnings(plugins)
            roster = read_roster(opts["roster"], opts["columns"], opts["sheet"])
            profile, meeting = load_inputs(plugins, opts["profile_ref"], opts["meeting_ref"])
            tests = load_selftests(opts["reports"], say) if opts["reports"] else []
            index = SelfTestIndex(tests)
            out = Path(opts["out"]) if opts["out"] else default_out(opts["roster"])
            try:
                out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(f"--out {visible(str(out))}: {exc.strerror or exc}") from None
            journal = Journal(out / "journal.sqlite")
    except KeyboardInterrupt:
        say(messages.interrupted_early())
        return EXIT_INCOMPLETE
    for bad in roster.invalid:
        say(messages.invalid_row(roster.name, bad["row"], bad["error"]))
    plan = make_plan(
        journal, roster.rows, resume=opts["resume"], recheck=opts["recheck"], max_age=max_age
    )
    now = dt.datetime.now(dt.UTC)

    def status_of(row: Any, data: Any) -> str:
        test = index.latest_for(row.email, row.link)
        return row_status(data, test.summary(now, max_age) if test else None)[0]

    progress = BatchProgress(len(plan.todo), quiet=opts["quiet"])
    interrupted = False
    if plan.run_id is not None:
        progress.begin(
            messages.starting(len(plan.todo), len(roster.rows), plan.mode,
                              opts["concurrency"], opts["per_host"])
        )  # fmt: skip
        limits = Limits(opts["concurrency"], opts["per_host"])
        with log_to_stderr(False):
            try:
                interrupted = asyncio.run(
                    run_plan(
                        plugins,
                        profile,
                        meeting,
                        cli_options,
                        plan,
                        journal,
                        limits,
                        progress,
                        status_of,
                    )
                )
            except KeyboardInterrupt:
                interrupted = True
        progress.end()
    results = build_results(
        roster, journal.results(), index, profile, meeting,
        max_age=max_age, interrupted=interrupted, history=[], catalogs=plugins.catalogs(),
    )  # fmt: skip
    if plan.run_id is not None:
        done = not interrupted and len(journal.done_in(plan.run_id)) >= len(plan.todo)
        journal.finish_run(plan.run_id, history_entry(results["totals"]), done)
    results["history"] = journal.history()
    journal.close()
    written = write_all(results, out)
    t = results["totals"]
    say(messages.summary(t))
    say(messages.wrote(written, str(out)))
    if interrupted:
        say(messages.interrupted())
    return batch_exit_code(results, interrupted)


def _limit(flag: str, default: int, what: str) -> Any:
    return click.option(flag, type=click.IntRange(1, 500), default=default, show_default=True,
                        help=what)  # fmt: skip


@click.command()
@click.argument("roster", metavar="ROSTER")
@click.option("--meeting", "meeting_ref", required=True, metavar="FILE|URL",
              help="The meeting file.")
@click.option("--profile", "profile_ref", default="un-rsi-speaker", show_default=True,
              metavar="NAME|PATH", help="Shipped profile name or a profile file.")
@click.option("--out", default=None, metavar="DIR", help="Output folder (default: ROSTER-batch).")
@click.option("--reports", default=None, metavar="DIR", help="Folder of speakers' JSON self-tests.")
@click.option("--max-age", default="3d", show_default=True, metavar="DURATION",
              help="A self-test older than this is stale (3d, 12h).")
@click.option("--resume", is_flag=True, help="Finish an interrupted run, redoing no row.")
@click.option("--recheck", type=click.Choice(RECHECK), default=None, help="Re-run these rows.")
@_limit("--concurrency", 20, "Rows checked at once.")
@_limit("--per-host", 8, "Rows checked at once per link host.")
@click.option("--columns", default=None, metavar="MAPPING",
              help="Map headings: 'email=E-mail,name=Full name'.")
@click.option("--sheet", default=None, metavar="NAME", help="The XLSX sheet (default: the first).")
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
@language_option
@click.pass_context
def batch(ctx: click.Context, **params: Any) -> None:
    """Check every speaker of a roster (CSV or XLSX) and write who is ready."""
    keys = ("roster", "meeting_ref", "profile_ref", "out", "reports", "max_age", "resume",
            "recheck", "concurrency", "per_host", "columns", "sheet", "quiet", "lang")  # fmt: skip
    opts = {k: params.pop(k) for k in keys}
    ctx.exit(run_batch(ctx, opts, params))


meetcheck_register_catalogs = register_catalogs(catalog)


@hookimpl
def meetcheck_register_commands(cli: click.Group) -> None:
    cli.add_command(batch)
