"""The batch's parts on their own: readiness rules (the profile's delegation_rule), the
journal's schema versions and resume plan, progress output, a crashing check confined to
its row, and spreadsheet cells that look like formulas."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from tests.support.batch import CountingServer, meeting_file, write_csv
from tests.support.helpers import write_profile

from meetcheck.batch.journal import MIGRATIONS, Journal
from meetcheck.batch.plan import make_plan
from meetcheck.batch.progress import BatchProgress
from meetcheck.batch.readiness import delegations, row_status
from meetcheck.batch.roster import RosterRow
from meetcheck.errors import InputError

FRESH = {"verdict": "READY", "stale": False, "age_hours": 1.0}


def _rows(statuses: dict[tuple[str, str], str]) -> list[dict]:
    return [
        {"row": i, "delegation": d, "role": role, "status": s}
        for i, ((d, role), s) in enumerate(statuses.items(), start=1)
    ]


def test_row_status_rules() -> None:
    passed = {"check_verdict": "READY WITH WARNINGS", "findings": []}
    assert row_status(passed, FRESH) == ("ready", [])
    assert row_status(None, FRESH) == ("unchecked", ["Not checked yet."])
    assert row_status({"error": "boom"}, FRESH)[0] == "error"
    assert row_status(passed, None) == ("not_ready", ["No self-test received."])
    stale = {**FRESH, "stale": True, "age_hours": 120.0}
    assert row_status(passed, stale)[1] == ["Self-test is stale (5 days old): please run it again."]
    failed = {
        "check_verdict": "NOT READY",
        "findings": [{"check_id": "links.http", "status": "FAIL", "message": "410"}],
    }
    assert row_status(failed, FRESH) == ("not_ready", ["links.http: 410"])
    advisory = {"check_verdict": "READY WITH WARNINGS", "findings": [
        {"check_id": "links.x", "status": "FAIL", "message": "m", "required": False}]}  # fmt: skip
    assert row_status(advisory, FRESH)[0] == "ready"


def test_delegation_rule_both_or_any() -> None:
    rows = _rows({("A", "primary"): "ready", ("A", "alternate"): "not_ready",
                  ("B", "primary"): "ready", ("B", "alternate"): "ready",
                  ("C", "primary"): "ready"})  # fmt: skip
    both = {d["delegation"]: d for d in delegations(rows, "both")}
    assert {k: v["status"] for k, v in both.items()} == {
        "A": "not_ready", "B": "ready", "C": "not_ready"}  # fmt: skip
    assert both["A"]["reasons"] == ["The alternate speaker (row 2) is not ready."]
    assert both["C"]["reasons"] == ["No alternate speaker on the roster."]
    assert (both["A"]["primary"], both["A"]["alternate"], both["A"]["rows"]) == (1, 2, [1, 2])
    anyone = {d["delegation"]: d["status"] for d in delegations(rows, "any")}
    assert anyone == {"A": "ready", "B": "ready", "C": "ready"}


def test_profile_batch_table_is_validated(meetcheck_cli, tmp_path: Path) -> None:
    bad = write_profile(tmp_path / "p.toml", '[batch]\ndelegation_rule = "one"\n', "un-rsi-speaker")
    result = meetcheck_cli("profiles", "validate", str(bad))
    assert result.exit_code == 2 and "batch.delegation_rule" in result.output
    typo = write_profile(tmp_path / "q.toml", '[batch]\nrule = "any"\n', "un-rsi-speaker")
    result = meetcheck_cli("profiles", "validate", str(typo))
    assert result.exit_code == 2 and "batch.rule" in result.output


def _row(n: int) -> RosterRow:
    return RosterRow(n, "D", f"P {n}", "primary", f"p{n}@example.org", f"https://h.example/t/{n}")


def test_journal_versions_and_resume_plan(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    journal = Journal(path)
    assert journal.schema_version == len(MIGRATIONS)
    rows = [_row(n) for n in range(1, 6)]
    plan = make_plan(journal, rows)
    assert plan.mode == "run" and len(plan.todo) == 5
    for r in rows[:2]:
        journal.record(plan.run_id, r.key(), r.row, {"checked_at": "2026-11-01T00:00:00Z"})
    journal.close()  # as if killed: the run stays open
    journal = Journal(path)
    resumed = make_plan(journal, rows, resume=True)
    assert resumed.run_id == plan.run_id and [r.row for r in resumed.todo] == [3, 4, 5]
    for r in rows[2:]:
        journal.record(plan.run_id, r.key(), r.row, {"checked_at": "2026-11-01T00:00:00Z"})
    journal.finish_run(plan.run_id, {"ready": 0}, complete=True)
    assert make_plan(journal, rows, resume=True).run_id is None  # nothing left to do
    assert [h["ready"] for h in journal.history()] == [0]
    stale = make_plan(journal, rows, recheck="stale")  # checked long ago: all stale
    assert len(stale.todo) == 5 and stale.mode == "recheck-stale"
    journal.close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(InputError, match="newer than this meetcheck"):
        Journal(path)
    not_db = tmp_path / "x.sqlite"
    not_db.write_text("hello, not a database" * 100)
    with pytest.raises(InputError, match="not a meetcheck journal"):
        Journal(not_db)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_and_lines_otherwise() -> None:
    tty = _Tty()
    bar = BatchProgress(4, stream=tty)
    for status in ("ready", "not_ready", "error", "ready"):
        bar.row_done(status)
        bar._last = 0.0  # draw every row
    bar.end()
    text = tty.getvalue()
    assert "\r\x1b[2K" in text and "█" * 30 in text
    assert text.rstrip().endswith("4/4 checked · ready 2 · not ready 1 · errors 1")
    plain = io.StringIO()
    lines = BatchProgress(3, stream=plain, interval=3600)
    for _ in range(3):
        lines.row_done("ready")
    lines.end()
    out = plain.getvalue().splitlines()
    assert "\r" not in plain.getvalue() and "\x1b" not in plain.getvalue()
    assert len(out) == 2 and out[-1].startswith("meetcheck: 3/3 checked · ready 3")


CRASHING_PLUGIN = """
from meetcheck.check import Check, Finding
from meetcheck.hookimpl import hookimpl

class Boom(Check):
    id = "links.boom"
    title = "Explodes for one address"
    remediation = "none"
    async def run(self, ctx):
        if ctx.participant.email.startswith("boom"):
            raise RuntimeError("kaput")
        return Finding.passed("fine")

@hookimpl
def meetcheck_register_checks(register):
    register(Boom)
"""


def test_a_crashing_check_is_that_rows_error_and_the_run_goes_on(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "boom.py").write_text(CRASHING_PLUGIN)
    profile = write_profile(
        tmp_path / "p.toml",
        '[batch]\ndelegation_rule = "any"\n[checks."links.boom"]\nrequired = true\n',
        "un-rsi-speaker",
    )
    evil = '=HYPERLINK("http://evil")'
    server = CountingServer(tmp_path)
    try:
        rows = [
            ["Chile", evil, "primary", "ok@example.cl", server.link("ok@example.cl"), ""],
            ["Chile", "Ana", "alternate", "boom@example.cl", server.link("boom@example.cl"), ""],
        ]
        roster = write_csv(tmp_path / "r.csv", rows)
        meeting = meeting_file(tmp_path / "m.toml", ["127.0.0.1"])
        out = tmp_path / "out"
        result = run_batch_with_plugins(plugins, roster, meeting, profile, out, server.env())
    finally:
        server.close()
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    by_email = {r["email"]: r for r in data["rows"]}
    boom = by_email["boom@example.cl"]
    assert boom["status"] == "error" and boom["check_verdict"] == "INCOMPLETE"
    assert any(f["check_id"] == "links.boom" and "kaput" in f["message"] for f in boom["findings"])
    assert (
        by_email["ok@example.cl"]["checked_at"] and by_email["ok@example.cl"]["status"] != "error"
    )
    assert data["profile"]["delegation_rule"] == "any"
    assert result.returncode == 1  # the other row has no self-test: not ready
    with (out / "results.csv").open(encoding="utf-8-sig") as fh:
        assert "'=HYPERLINK" in fh.read()  # shown as text in Excel, never run
    from openpyxl import load_workbook

    cell = load_workbook(out / "results.xlsx")["Speakers"]["C2"]
    assert cell.value == evil and cell.data_type == "s"


def run_batch_with_plugins(
    plugins: Path, roster: Path, meeting: Path, profile: Path, out: Path, env: dict
):
    import subprocess
    import sys

    from tests.support.helpers import same_code_env

    cmd = [sys.executable, "-m", "meetcheck", "--plugins-dir", str(plugins), "batch", str(roster),
           "--meeting", str(meeting), "--profile", str(profile), "--out", str(out)]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=same_code_env(**env))


def test_limits_global_and_per_host() -> None:
    import asyncio

    from tests.support.helpers import run_async

    from meetcheck.batch.limits import Limits

    items = [(h, i) for i in range(12) for h in ("a", "b", "c")] + [("d", 99)]
    done: list[tuple[str, int]] = []
    flight = {"now": 0, "peak": 0}

    async def work(item: tuple[str, int]) -> None:
        flight["now"] += 1
        flight["peak"] = max(flight["peak"], flight["now"])
        await asyncio.sleep(0.01)
        flight["now"] -= 1
        done.append(item)

    limits = Limits(concurrency=5, per_host=2)

    async def main() -> None:
        await asyncio.gather(*limits.workers(items, lambda it: it[0], work))

    run_async(main)
    assert sorted(done) == sorted(items)  # every item exactly once
    assert flight["peak"] == 5  # the global limit, reached
    assert max(limits.peak.values()) == 2 and set(limits.peak) == {"a", "b", "c", "d"}
    few = Limits(8, 8).workers(items[:3], lambda it: it[0], work)
    assert len(few) == 3  # no more workers than rows
    for w in few:
        w.close()
