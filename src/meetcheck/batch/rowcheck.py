"""Checking one roster row: the registration rules and the link checks, as ``meetcheck
check --only registration --only links`` would run them, kept as the journal stores it
(tokens already redacted)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meetcheck.batch.roster import RosterRow
    from meetcheck.check import Check
    from meetcheck.meeting import Meeting
    from meetcheck.plugins import Plugins
    from meetcheck.profile import Profile

# A secretariat's machine is not the speaker's: only what the roster row itself says is
# checked here (the rest comes from the speaker's own self-test).
CHECKED = ("registration", "links")
SHOWN = ("FAIL", "WARN", "ERROR", "TIMEOUT")


def _recipes(**sources: dict[str, Any] | None) -> dict[str, Any]:
    """``{"i18n": {key: recipe}}`` for the texts that have one (nothing when none has):
    the journal keeps them, so a later run in another language renders them again."""
    found = {k: v for k, v in sources.items() if v}
    return {"i18n": found} if found else {}


def _findings(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Non-PASS outcomes: one entry per finding, or one per check that ended without any
    (ERROR, TIMEOUT, or a required check SKIPPED), each with its texts' recipes."""
    out = []
    for r in results:
        base = {"check_id": r["id"], "title": r["title"], "required": r["required"]}
        said = r.get("i18n") or {}
        for f in r["findings"]:
            if f["status"] not in SHOWN:
                continue
            own = f.get("i18n") or {}
            fix = own.get("remediation") if f["remediation"] else said.get("remediation")
            out.append(
                {**base, "status": f["status"], "message": f["message"],
                 "remediation": f["remediation"] or r["remediation"]}
                | _recipes(title=said.get("title"), message=own.get("message"), remediation=fix)
            )  # fmt: skip
        if not r["findings"] and (
            r["status"] in SHOWN or (r["status"] == "SKIPPED" and r["required"])
        ):
            out.append(
                {**base, "status": r["status"], "message": r["reason"],
                 "remediation": r["remediation"]}
                | _recipes(title=said.get("title"), message=said.get("reason"),
                           remediation=said.get("remediation"))
            )  # fmt: skip
    return out


def select(plugins: Plugins, profile: Profile) -> list[type[Check]]:
    """The checks every row runs, selected once per batch."""
    from meetcheck.runner import select_checks

    return select_checks(plugins.checks(), profile, CHECKED)


async def check_row(
    plugins: Plugins,
    profile: Profile,
    meeting: Meeting | None,
    row: RosterRow,
    options: Mapping[str, Any] | None = None,
    checks: list[type[Check]] | None = None,
) -> dict[str, Any]:
    """The journal's record for ``row``; a row that fails to check is an error record.
    ``options`` are plugins' command-line options; the row's registration date wins over
    a ``--registered`` given for the whole batch."""
    from meetcheck.redact import redact_obj, redact_text
    from meetcheck.run import prepare

    checked_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    try:
        runner = prepare(
            plugins,
            row.participant(),
            profile,
            meeting,
            only=CHECKED,
            checks=checks,
            cli_options={
                **(options or {}),
                **({"registered": row.registered} if row.registered else {}),
            },
        )
        report = await runner.run(handle_signals=False)
    except Exception as exc:  # noqa: BLE001 -- one row's failure must not stop the batch
        return {"checked_at": checked_at, "error": redact_text(f"{type(exc).__name__}: {exc}")}
    # Only what is kept is redacted (the whole report would be ten times the work).
    results = [
        {k: r[k] for k in ("id", "title", "required", "status", "reason", "remediation")}
        | {"findings": [f for f in r["findings"] if f["status"] in SHOWN], "i18n": r.get("i18n")}
        for r in report.data["results"]
    ]
    return {
        "checked_at": checked_at,
        "check_verdict": report.verdict,
        "findings": redact_obj(_findings(results)),
    }
