"""The results document (``meetcheck-batch/1``): what results.json holds and every other
output (CSV, XLSX, to-chase.txt, the dashboard) is made from. Contract: notes/batch-results.md,
docs/batch.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from meetcheck.batch.readiness import delegation_rule, delegations, row_status
from meetcheck.i18n import current_language

if TYPE_CHECKING:
    from meetcheck.batch.roster import Roster, RosterRow
    from meetcheck.batch.selftests import SelfTestIndex
    from meetcheck.i18n import Catalog
    from meetcheck.meeting import Meeting
    from meetcheck.profile import Profile

SCHEMA = "meetcheck-batch/1"


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def localized(
    findings: list[Mapping[str, Any]], catalogs: Mapping[str, Catalog] | None
) -> list[dict[str, Any]]:
    """A row's findings as results.json shows them: each text with a recipe rendered again
    in the active language (a row checked by an earlier run in another language reads
    like the others), the recipes themselves left in the journal."""
    from meetcheck.i18n.text import render_recipe

    out = []
    for f in findings:
        recipes = f.get("i18n")
        entry = {k: v for k, v in f.items() if k != "i18n"}
        if catalogs and isinstance(recipes, Mapping):
            for key, recipe in recipes.items():
                if isinstance(recipe, Mapping) and isinstance(entry.get(key), str):
                    entry[key] = render_recipe(recipe, catalogs, entry[key])
        out.append(entry)
    return out


def row_entry(
    row: RosterRow,
    checked: Mapping[str, Any] | None,
    selftests: SelfTestIndex,
    now: dt.datetime,
    max_age: dt.timedelta,
    catalogs: Mapping[str, Catalog] | None = None,
) -> dict[str, Any]:
    from meetcheck.redact import redact_url

    if checked is not None and checked.get("findings"):
        checked = {**checked, "findings": localized(checked["findings"], catalogs)}
    test = selftests.latest_for(row.email, row.link)
    summary = test.summary(now, max_age) if test else None
    status, reasons = row_status(checked, summary)
    return {
        "row": row.row,
        "delegation": row.delegation,
        "name": row.name,
        "role": row.role,
        "email": row.email,
        "link": redact_url(row.link),
        "language": row.language,
        "status": status,
        "checked_at": (checked or {}).get("checked_at"),
        "check_verdict": (checked or {}).get("check_verdict"),
        "selftest": summary,
        "reasons": reasons,
        "findings": list((checked or {}).get("findings", ())),
    }


def _count(items: list[dict[str, Any]], key: str, value: Any) -> int:
    return sum(1 for i in items if i.get(key) == value)


def totals(rows: list[dict[str, Any]], dels: list[dict[str, Any]], invalid: int) -> dict[str, int]:
    return {
        "speakers": len(rows),
        "ready": _count(rows, "status", "ready"),
        "not_ready": _count(rows, "status", "not_ready"),
        "errors": _count(rows, "status", "error"),
        "unchecked": _count(rows, "status", "unchecked"),
        "no_selftest": _count(rows, "selftest", None),
        "stale_selftest": sum(1 for r in rows if r["selftest"] and r["selftest"]["stale"]),
        "delegations": len(dels),
        "delegations_ready": _count(dels, "status", "ready"),
        "invalid_rows": invalid,
    }


def history_entry(t: Mapping[str, int]) -> dict[str, int]:
    keys = ("speakers", "ready", "not_ready", "errors", "delegations", "delegations_ready")
    return {k: t[k] for k in keys}


def build_results(
    roster: Roster,
    checked: Mapping[str, Mapping[str, Any]],
    selftests: SelfTestIndex,
    profile: Profile,
    meeting: Meeting | None,
    *,
    max_age: dt.timedelta,
    interrupted: bool,
    history: list[dict[str, Any]],
    now: dt.datetime | None = None,
    catalogs: Mapping[str, Catalog] | None = None,
) -> dict[str, Any]:
    """The document, in the active language; ``catalogs`` (the installed ones) render the
    journal's findings again in it."""
    from meetcheck import __version__

    now = now or dt.datetime.now(dt.UTC)
    rows = [row_entry(r, checked.get(r.key()), selftests, now, max_age, catalogs)
            for r in roster.rows]  # fmt: skip
    rule = delegation_rule(profile.data)
    dels = delegations(rows, rule)
    first = min((s.start for s in meeting.sessions), default=None) if meeting else None
    t = totals(rows, dels, len(roster.invalid))
    return {
        "schema": SCHEMA,
        "meetcheck_version": __version__,
        "generated_at": iso(now),
        "language": current_language(),
        "roster": {"name": roster.name, "rows": roster.read},
        "meeting": {
            "title": meeting.name if meeting else "",
            "first_session": first.isoformat() if first else None,
        },
        "profile": {"name": profile.name, "version": profile.version, "delegation_rule": rule},
        "complete": not interrupted and t["unchecked"] == 0,
        "totals": t,
        "rows": rows,
        "delegations": dels,
        "invalid_rows": list(roster.invalid),
        "history": history,
    }
