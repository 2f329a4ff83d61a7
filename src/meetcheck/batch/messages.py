"""What ``meetcheck batch`` says on stderr, in the run's language. The command module
only prints these: its texts belong to the batch's catalog, not the core's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from meetcheck.batch._catalog import N_, _, ngettext
from meetcheck.i18n import Text, localize

MODE = {
    # Translators: what a batch run does: check every row of the roster.
    "run": N_("every row"),
    # Translators: what a batch run does: finish an interrupted run (--resume).
    "resume": N_("resuming the interrupted run"),
    # Translators: --recheck failing: check again the rows that failed.
    "recheck-failing": N_("checking failing rows again"),
    # Translators: --recheck stale: check again the rows checked too long ago.
    "recheck-stale": N_("checking stale rows again"),
    # Translators: --recheck all: check every row again.
    "recheck-all": N_("checking every row again"),
}


def starting(todo: int, rows: int, mode: str, concurrency: int, per_host: int) -> Text:
    """The line before the progress bar."""
    return ngettext(
        "checking {n} of {rows} row ({mode}; {concurrency} at once, {per_host} per host)",
        "checking {n} of {rows} rows ({mode}; {concurrency} at once, {per_host} per host)",
        rows,
    ).format(n=todo, rows=rows, mode=localize(MODE.get(mode, mode)),
             concurrency=concurrency, per_host=per_host)  # fmt: skip


def invalid_row(roster: str, row: int, error: str) -> Text:
    return _("{roster}: row {row}: {error}").format(roster=roster, row=row, error=error)


def summary(t: Mapping[str, int]) -> Text:
    """The closing tally: speakers, delegations, invalid rows."""
    speakers = ngettext(
        "{ready} of {n} speaker ready", "{ready} of {n} speakers ready", t["speakers"]
    ).format(ready=t["ready"], n=t["speakers"])
    delegations = ngettext(
        "{ready} of {n} delegation ready", "{ready} of {n} delegations ready", t["delegations"]
    ).format(ready=t["delegations_ready"], n=t["delegations"])
    invalid = ngettext(
        "{n} invalid row", "{n} invalid rows", t["invalid_rows"]
    ).format(n=t["invalid_rows"])
    return _(
        "{speakers}, {not_ready} not ready, {errors} with errors, {unchecked} unchecked; "
        "{delegations}; {invalid}"
    ).format(speakers=speakers, not_ready=t["not_ready"], errors=t["errors"],
             unchecked=t["unchecked"], delegations=delegations, invalid=invalid)  # fmt: skip


def wrote(files: Sequence[str], folder: str) -> Text:
    from meetcheck.report import words

    return _("wrote {files} in {folder}").format(files=words.listing(list(files)), folder=folder)


def interrupted() -> Text:
    return _("interrupted: finished rows are kept; run again with --resume to finish")


def interrupted_early() -> Text:
    return _("interrupted before the checks started")


def skipping_selftest(file: str, error: str) -> Text:
    return _("skipping self-test {file}: {error}").format(file=file, error=error)
