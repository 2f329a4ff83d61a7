"""A realistic ``results.json`` document of ``meetcheck batch`` (schema meetcheck-batch/1)
for the dashboard tests: names in Latin, Arabic, Hebrew, Chinese and Cyrillic script, every
row status, a stale self-test, invalid rows, a hostile name and three earlier runs.

The totals are counted from the rows, so the document agrees with itself.
"""

from __future__ import annotations

import copy
from typing import Any

HOSTILE_NAME = "</script><script>alert(1)</script>"
CONTROL_EMAIL = "ctl\x1b[2Jchar@example.org"
LINK = "https://rsi.example.org/join/[redacted]"

TLS_FINDING = {
    "check_id": "links.tls", "title": "Personal link: TLS certificate", "status": "FAIL",
    "message": "The certificate of rsi.example.org expired on 2026-11-01.",
    "remediation": "Ask the secretariat for a new personal link; do not bypass the warning.",
}  # fmt: skip
HTTP_ERROR = {
    "check_id": "links.http", "title": "Personal link: the page opens", "status": "ERROR",
    "message": "Connection reset by the platform after 3 attempts.",
    "remediation": "Check the link again later; if it persists, report it to the platform.",
}  # fmt: skip
HOSTILE_FINDING = {
    "check_id": "registration.email", "title": "E-mail address", "status": "WARN",
    "message": "<b>bold</b> & <img src=x onerror=alert(2)> in the address.",
    "remediation": "Correct the e-mail address in the roster.",
}  # fmt: skip


def _selftest(verdict: str, age: float, stale: bool = False, source: str = "cli") -> dict:
    return {"verdict": verdict, "generated_at": "2026-11-29T06:00:00Z", "age_hours": age,
            "stale": stale, "source": source, "file": f"selftest-{int(age)}.json"}  # fmt: skip


def _row(n, delegation, name, role, email, status, selftest=None, reasons=(), findings=(),
         language=""):  # fmt: skip
    checked = status != "unchecked"
    verdict = {"ready": "READY", "not_ready": "NOT READY", "error": "INCOMPLETE"}.get(status)
    if status == "not_ready" and not findings:
        verdict = "READY"  # the checks passed; the self-test is what is missing
    return {
        "row": n, "delegation": delegation, "name": name, "role": role, "email": email,
        "link": LINK, "language": language, "status": status,
        "checked_at": "2026-11-30T01:59:00Z" if checked else None,
        "check_verdict": verdict if checked else None,
        "selftest": selftest, "reasons": list(reasons), "findings": list(findings),
    }  # fmt: skip


ROWS = [
    _row(1, "France", "Élodie Martin", "primary", "elodie.martin@example.org", "ready",
         _selftest("READY", 20.5), language="fr"),
    _row(2, "France", "Jean-Luc Dubois", "alternate", "jl.dubois@example.org", "ready",
         _selftest("READY WITH WARNINGS", 30.0, source="browser"), language="fr"),
    _row(3, "Egypt", "محمد عبد الله", "primary", "m.abdallah@example.org", "not_ready",
         _selftest("NOT READY", 12.0), ["links.tls: the certificate expired."], [TLS_FINDING],
         language="ar"),
    _row(4, "Egypt", "فاطمة الزهراء", "alternate", "f.zahraa@example.org", "not_ready",
         _selftest("READY", 130.0, stale=True),
         ["Self-test is 5 days old (the limit is 3 days)."], language="ar"),
    _row(5, "China", "王小明", "primary", "wang.xm@example.org", "ready",
         _selftest("READY", 4.0), language="zh"),
    _row(6, "China", "李华", "alternate", "li.hua@example.org", "error", _selftest("READY", 8.0),
         ["links.http: the check did not finish."], [HTTP_ERROR], language="zh"),
    _row(7, "Russian Federation", "Анна Петрова", "primary", "a.petrova@example.org",
         "unchecked", language="ru"),
    _row(8, "Russian Federation", "Иван Смирнов", "alternate", "i.smirnov@example.org",
         "not_ready", None, ["No self-test received."], language="ru"),
    _row(9, "Israel", "דוד כהן", "primary", "d.cohen@example.org", "ready",
         _selftest("READY", 2.0)),
    _row(10, "Testland", HOSTILE_NAME, "primary", CONTROL_EMAIL, "not_ready",
         _selftest("READY", 1.0), ["registration.email: the address looks wrong."],
         [HOSTILE_FINDING]),
]  # fmt: skip
INVALID = [
    {"row": 11, "error": "missing e-mail"},
    {"row": 12, "error": "unknown role 'observer' (expected primary or alternate)"},
    {"row": 13, "error": "same person as row 1 (elodie.martin@example.org)"},
]
HISTORY = [
    {"run_at": "2026-11-26T09:00:00Z", "speakers": 10, "ready": 2, "not_ready": 7, "errors": 1,
     "delegations": 6, "delegations_ready": 0},
    {"run_at": "2026-11-28T09:00:00Z", "speakers": 10, "ready": 3, "not_ready": 6, "errors": 1,
     "delegations": 6, "delegations_ready": 1},
    {"run_at": "2026-11-30T02:00:00Z", "speakers": 10, "ready": 4, "not_ready": 4, "errors": 1,
     "delegations": 6, "delegations_ready": 1},
]  # fmt: skip


def _delegations(rows: list[dict], rule: str) -> list[dict]:
    out: dict[str, dict] = {}
    for r in rows:
        d = out.setdefault(r["delegation"], {"delegation": r["delegation"], "rows": [],
                                             "primary": None, "alternate": None})  # fmt: skip
        d["rows"].append(r["row"])
        d[r["role"]] = r["row"]
    for d in out.values():
        ready = [next(r for r in rows if r["row"] == n)["status"] == "ready" for n in d["rows"]]
        ok = any(ready) if rule == "any" else (len(ready) == 2 and all(ready))
        d["status"] = "ready" if ok else "not_ready"
    return list(out.values())


def build_results(language: str = "en", complete: bool = True, rule: str = "both",
                  rows: list[dict] | None = None) -> dict[str, Any]:  # fmt: skip
    """The document; ``rows`` replaces the speakers (totals follow them)."""
    rows = copy.deepcopy(ROWS if rows is None else rows)
    delegations = _delegations(rows, rule)

    def count(status: str) -> int:
        return sum(r["status"] == status for r in rows)

    return {
        "schema": "meetcheck-batch/1",
        "meetcheck_version": "0.1.0",
        "generated_at": "2026-11-30T02:00:00Z",
        "language": language,
        "roster": {"name": "roster-ünïcode.csv", "rows": len(rows) + len(INVALID)},
        "meeting": {"title": "Committee on Conferences, 12th meeting",
                    "first_session": "2026-12-03T10:00:00+01:00"},  # fmt: skip
        "profile": {"name": "un-rsi-speaker", "version": "1.2.0", "delegation_rule": rule},
        "complete": complete,
        "totals": {
            "speakers": len(rows), "ready": count("ready"), "not_ready": count("not_ready"),
            "errors": count("error"), "unchecked": count("unchecked"),
            "no_selftest": sum(r["selftest"] is None for r in rows),
            "stale_selftest": sum(bool(r["selftest"] and r["selftest"]["stale"]) for r in rows),
            "delegations": len(delegations),
            "delegations_ready": sum(d["status"] == "ready" for d in delegations),
            "invalid_rows": len(INVALID),
        },  # fmt: skip
        "rows": rows,
        "delegations": delegations,
        "invalid_rows": copy.deepcopy(INVALID),
        "history": copy.deepcopy(HISTORY),
    }
