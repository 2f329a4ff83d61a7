"""Who is ready: a speaker when their row's checks pass and their latest self-test says
READY (or READY WITH WARNINGS) and is not stale; a delegation when its primary and its
alternate are, or, with the profile's ``[batch] delegation_rule = "any"``, when at least
one of them is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from meetcheck.batch._catalog import N_, _, ngettext
from meetcheck.batch.selftests import READY_VERDICTS
from meetcheck.i18n import localize

# The notice gives each delegation a primary and an alternate so that either can take the
# floor: "both" is its expectation (the shipped speaker profile cites it); a secretariat
# that needs only one working connection per delegation relaxes it in its profile.
DEFAULT_RULE = "both"
MISSING = {
    "primary": N_("No primary speaker on the roster."),
    "alternate": N_("No alternate speaker on the roster."),
}
NOT_READY = {
    "primary": lambda: _("The primary speaker (row {row}) is not ready."),
    "alternate": lambda: _("The alternate speaker (row {row}) is not ready."),
}


def delegation_rule(profile_data: Mapping[str, Any]) -> str:
    return str((profile_data.get("batch") or {}).get("delegation_rule", DEFAULT_RULE))


def row_status(
    checked: Mapping[str, Any] | None, selftest: Mapping[str, Any] | None
) -> tuple[str, list[str]]:
    """(status, reasons) of one row from its journal result and its self-test summary,
    the reasons in the active language (the findings' own texts as the journal has them)."""
    from meetcheck.report import words

    if checked is None:
        return "unchecked", [_("Not checked yet.")]
    if checked.get("error"):
        return "error", [_("The checks could not run: {error}").format(error=checked["error"])]
    # Translators: a reason a speaker is not ready: a check's id, then its finding.
    finding = _("{check_id}: {message}")
    reasons: list[str] = [
        finding.format(check_id=f["check_id"], message=f["message"])
        for f in checked.get("findings", ())
        if f["status"] in ("FAIL", "ERROR", "TIMEOUT") and f.get("required", True)
    ]
    verdict = checked.get("check_verdict")
    if verdict == "INCOMPLETE":
        return "error", reasons or [_("A check did not finish.")]
    if selftest is None:
        reasons.append(_("No self-test received."))
    elif selftest["stale"]:
        days = max(1, round(selftest["age_hours"] / 24))
        reasons.append(
            ngettext(
                "Self-test is stale ({n} day old): please run it again.",
                "Self-test is stale ({n} days old): please run it again.",
                days,
            ).format(n=days)
        )
    elif selftest["verdict"] not in READY_VERDICTS:
        reasons.append(
            _("Latest self-test says {verdict}.").format(verdict=words.verdict(selftest["verdict"]))
        )
    if verdict == "NOT READY" or reasons:
        return "not_ready", reasons
    return "ready", []


def delegations(rows: Sequence[Mapping[str, Any]], rule: str) -> list[dict[str, Any]]:
    """One entry per delegation, in roster order, judged by ``rule``."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        d = out.setdefault(
            r["delegation"],
            {"delegation": r["delegation"], "status": "not_ready", "rows": [],
             "primary": None, "alternate": None, "reasons": []},
        )  # fmt: skip
        d["rows"].append(r["row"])
        if r["role"] in ("primary", "alternate") and d[r["role"]] is None:
            d[r["role"]] = r["row"]
    status_of = {r["row"]: r["status"] for r in rows}
    for d in out.values():
        speakers = {role: d[role] for role in ("primary", "alternate")}
        ready = [role for role, row in speakers.items() if row and status_of[row] == "ready"]
        for role, row in speakers.items():
            if row is None:
                d["reasons"].append(localize(MISSING[role]))
            elif role not in ready:
                d["reasons"].append(NOT_READY[role]().format(row=row))
        ok = len(ready) == 2 if rule == "both" else bool(ready)
        d["status"] = "ready" if ok else "not_ready"
        if ok:
            d["reasons"] = []
    return list(out.values())
