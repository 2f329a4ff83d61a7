"""Who is ready: a speaker when their row's checks pass and their latest self-test says
READY (or READY WITH WARNINGS) and is not stale; a delegation when its primary and its
alternate are, or, with the profile's ``[batch] delegation_rule = "any"``, when at least
one of them is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from meetcheck.batch.selftests import READY_VERDICTS

# The notice gives each delegation a primary and an alternate so that either can take the
# floor: "both" is its expectation (the shipped speaker profile cites it); a secretariat
# that needs only one working connection per delegation relaxes it in its profile.
DEFAULT_RULE = "both"


def delegation_rule(profile_data: Mapping[str, Any]) -> str:
    return str((profile_data.get("batch") or {}).get("delegation_rule", DEFAULT_RULE))


def row_status(
    checked: Mapping[str, Any] | None, selftest: Mapping[str, Any] | None
) -> tuple[str, list[str]]:
    """(status, reasons) of one row from its journal result and its self-test summary."""
    if checked is None:
        return "unchecked", ["Not checked yet."]
    if checked.get("error"):
        return "error", [f"The checks could not run: {checked['error']}"]
    reasons = [
        f"{f['check_id']}: {f['message']}" for f in checked.get("findings", ())
        if f["status"] in ("FAIL", "ERROR", "TIMEOUT") and f.get("required", True)
    ]  # fmt: skip
    verdict = checked.get("check_verdict")
    if verdict == "INCOMPLETE":
        return "error", reasons or ["A check did not finish."]
    if selftest is None:
        reasons.append("No self-test received.")
    elif selftest["stale"]:
        reasons.append(
            f"Self-test is stale ({selftest['age_hours'] / 24:.1f} days old): run it again."
        )
    elif selftest["verdict"] not in READY_VERDICTS:
        reasons.append(f"Latest self-test says {selftest['verdict']}.")
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
                d["reasons"].append(f"No {role} speaker on the roster.")
            elif role not in ready:
                d["reasons"].append(f"The {role} speaker (row {row}) is not ready.")
        ok = len(ready) == 2 if rule == "both" else bool(ready)
        d["status"] = "ready" if ok else "not_ready"
        if ok:
            d["reasons"] = []
    return list(out.values())
