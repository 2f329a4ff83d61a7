"""Which rows a run checks: all of them, the rest of an interrupted run (``--resume``), or
a subset (``--recheck failing|stale|all``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meetcheck.batch.journal import Journal
    from meetcheck.batch.roster import RosterRow

RECHECK = ("failing", "stale", "all")
PASSING = ("READY", "READY WITH WARNINGS")


@dataclass
class Plan:
    run_id: int | None  # None: nothing to check, outputs come from the journal
    todo: list[RosterRow] = field(default_factory=list)
    mode: str = "run"


def _checked_at(result: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(result["checked_at"].replace("Z", "+00:00"))


def wants_recheck(
    what: str, result: dict[str, Any] | None, now: dt.datetime, max_age: dt.timedelta
) -> bool:
    if result is None or what == "all":
        return True
    if what == "failing":
        return bool(result.get("error")) or result.get("check_verdict") not in PASSING
    return now - _checked_at(result) > max_age  # stale


def make_plan(
    journal: Journal,
    rows: list[RosterRow],
    *,
    resume: bool = False,
    recheck: str | None = None,
    max_age: dt.timedelta = dt.timedelta(days=3),
) -> Plan:
    results = journal.results()
    if resume:
        open_run = journal.open_run()
        if open_run is not None:
            planned, done = journal.planned(open_run), journal.done_in(open_run)
            todo = [
                r for r in rows
                if r.key() not in done and (r.key() in planned or r.key() not in results)
            ]  # fmt: skip
            return Plan(open_run, todo, "resume")
        todo = [r for r in rows if r.key() not in results]
        mode = "resume"
    elif recheck:
        now = dt.datetime.now(dt.UTC)
        todo = [r for r in rows if wants_recheck(recheck, results.get(r.key()), now, max_age)]
        mode = f"recheck-{recheck}"
    else:
        todo, mode = list(rows), "run"
    if not todo and (resume or recheck):
        return Plan(None, [], mode)
    return Plan(journal.start_run(mode, (r.key() for r in todo)), todo, mode)
