"""The batch dashboard: one self-contained HTML page a secretariat opens from disk.

Everything is inline (CSS, SVG, a small script whose hash the page's Content-Security-Policy
names), so the page works from ``file://``, fetches nothing and leaks nothing. The script
only sorts, filters and expands rows that are already in the page: without it every row
and every finding is still there to read.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from meetcheck.readable import visible_obj
from meetcheck.report.html import show_time, template_environment

# status -> (word shown, icon drawn, sort rank: what needs chasing first)
STATUSES = {
    "not_ready": ("Not ready", "NOT READY", 0),
    "error": ("Error", "ERROR", 1),
    "unchecked": ("Unchecked", "UNCHECKED", 2),
    "ready": ("Ready", "READY", 3),
}
# Badge colours of the shared report styles (status not by colour alone: icon and word too).
BADGE_CLASS = {"ready": "pass", "not_ready": "fail", "error": "error", "unchecked": "skipped"}
FINDING_CLASS = {"FAIL": "fail", "WARN": "warn", "ERROR": "error", "TIMEOUT": "timeout"}
RTL_LANGUAGES = {"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv"}
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
CHART_W, CHART_H = 560.0, 180.0
TOTALS = ("speakers", "ready", "not_ready", "errors", "unchecked", "no_selftest",
          "stale_selftest", "delegations", "delegations_ready", "invalid_rows")  # fmt: skip


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _percent(part: Any, whole: Any) -> float | None:
    return round(100.0 * _int(part) / _int(whole), 1) if _int(whole) > 0 else None


def language_of(results: Mapping[str, Any]) -> tuple[str, str]:
    """(lang, dir) for <html>: the language the human texts are in, English if unusable."""
    lang = results.get("language")
    lang = lang if isinstance(lang, str) and _LANGUAGE_TAG.fullmatch(lang) else "en"
    return lang, "rtl" if lang.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def selftest_state(selftest: Any) -> dict[str, Any]:
    """What the self-test column says, and its sort rank (missing first, then stale)."""
    if not isinstance(selftest, Mapping):
        return {"text": "None received", "rank": 0, "stale": False, "verdict": None}
    verdict = str(selftest.get("verdict") or "unknown verdict")
    age = selftest.get("age_hours")
    age_text = f", {age:.0f} h old" if isinstance(age, int | float) else ""
    stale = bool(selftest.get("stale"))
    text = ("Stale: " if stale else "") + verdict + age_text
    rank = 1 if stale else (2 if verdict not in ("READY", "READY WITH WARNINGS") else 3)
    return {"text": text, "rank": rank, "stale": stale, "verdict": verdict}


def _selftest_facts(selftest: Any) -> dict[str, Any] | None:
    if not isinstance(selftest, Mapping):
        return None
    age = selftest.get("age_hours")
    return {
        "verdict": _text(selftest.get("verdict")), "stale": bool(selftest.get("stale")),
        "generated_at": _text(selftest.get("generated_at")),
        "source": _text(selftest.get("source")),
        "file": _text(selftest.get("file")),
        "age_hours": age if isinstance(age, int | float) and not isinstance(age, bool) else None,
    }  # fmt: skip


def history_chart(history: Any) -> dict[str, Any] | None:
    """Geometry of the progress chart: share of speakers and of delegations ready per run
    (per cent, so both fit one axis), runs evenly spaced, oldest on the left."""
    runs = [h for h in history if isinstance(h, Mapping)] if isinstance(history, list) else []
    if not runs:
        return None
    step = CHART_W / (len(runs) - 1) if len(runs) > 1 else 0.0

    def x(i: int) -> float:
        return round(i * step if len(runs) > 1 else CHART_W / 2, 1)

    def y(p: float) -> float:
        return round(CHART_H - p / 100.0 * CHART_H, 1)

    series = []
    for key, whole, label, cls in (
        ("ready", "speakers", "Speakers ready", "speakers"),
        ("delegations_ready", "delegations", "Delegations ready", "delegations"),
    ):
        points = [(x(i), y(p), p) for i, h in enumerate(runs)
                  if (p := _percent(h.get(key), h.get(whole))) is not None]  # fmt: skip
        series.append({
            "label": label, "class": cls,
            "points": [{"x": px, "y": py, "pct": p} for px, py, p in points],
            "polyline": " ".join(f"{px},{py}" for px, py, _ in points),
        })  # fmt: skip
    table = [{
        "when": show_time(h.get("run_at")),
        "speakers": _int(h.get("speakers")), "ready": _int(h.get("ready")),
        "not_ready": _int(h.get("not_ready")), "errors": _int(h.get("errors")),
        "delegations": _int(h.get("delegations")),
        "delegations_ready": _int(h.get("delegations_ready")),
        "x": x(i),
    } for i, h in enumerate(runs)]  # fmt: skip
    last = table[-1]
    summary = (
        f"{len(runs)} run{'s' if len(runs) != 1 else ''} from {table[0]['when']} to "
        f"{last['when']}; at the latest, {last['ready']} of {last['speakers']} speakers and "
        f"{last['delegations_ready']} of {last['delegations']} delegations ready."
    )
    grid = [{"y": y(p), "label": f"{p}%"} for p in (0, 25, 50, 75, 100)]
    return {"series": series, "runs": table, "summary": summary, "grid": grid,
            "width": CHART_W, "height": CHART_H}  # fmt: skip


def _speaker(row: Mapping[str, Any], delegation_status: Mapping[str, str]) -> dict[str, Any]:
    """One table row: its texts, its details, and the keys the page's script sorts by."""
    t = {k: _text(row.get(k)) for k in ("delegation", "name", "role", "email", "link",
                                        "language", "check_verdict")}  # fmt: skip
    status = row.get("status") if row.get("status") in STATUSES else "unchecked"
    d_status = delegation_status.get(t["delegation"], "not_ready")
    selftest = selftest_state(row.get("selftest"))
    findings = [f for f in row.get("findings") or [] if isinstance(f, Mapping)]
    return t | {
        "row": _int(row.get("row")), "status": status, "delegation_status": d_status,
        "checked_at": show_time(row["checked_at"]) if row.get("checked_at") else "",
        "selftest": selftest, "selftest_raw": _selftest_facts(row.get("selftest")),
        "reasons": [_text(r) for r in row.get("reasons") or []],
        "findings": [
            {k: _text(f.get(k)) for k in ("check_id", "title", "status", "message", "remediation")}
            | {"badge": FINDING_CLASS.get(f.get("status"), "skipped")}
            for f in findings
        ],
        "keys": {
            "row": _int(row.get("row")), "status": STATUSES[status][2],
            "delegation_status": STATUSES.get(d_status, STATUSES["not_ready"])[2],
            "selftest": selftest["rank"],
        } | {k: t[k] for k in ("delegation", "name", "role", "email")},
    }  # fmt: skip


def script_json(value: Any) -> str:
    """JSON for a ``<script type="application/json">`` block: ``<``, ``>`` and ``&`` as
    ``\\u`` escapes, so no text in it can close the element or open a comment; JSON.parse
    reads it back unchanged."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


@cache
def _script() -> tuple[str, str]:
    """The page's script and its CSP hash (the policy allows that script and nothing else)."""
    code = resources.files(__package__).joinpath("templates/dashboard.js").read_text("utf-8")
    if "</script" in code.lower():  # it would end the element it is inlined in
        raise RuntimeError("dashboard.js must not contain '</script'")
    digest = base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode("ascii")
    return code, f"'sha256-{digest}'"


def page_facts(r: Mapping[str, Any]) -> dict[str, Any]:
    """The header's facts, each a string ("" when the document lacks it), and the totals as
    integers: a partial document still renders."""

    def part(key: str) -> Mapping[str, Any]:
        value = r.get(key)
        return value if isinstance(value, Mapping) else {}

    roster, meeting, profile = part("roster"), part("meeting"), part("profile")
    totals = {k: _int(v) for k, v in part("totals").items()}
    return {
        "meta": {
            "roster": _text(roster.get("name")), "roster_rows": _int(roster.get("rows")),
            "meeting": _text(meeting.get("title")),
            "first_session": _text(meeting.get("first_session")),
            "profile": _text(profile.get("name")), "profile_version": _text(profile.get("version")),
            "rule": _text(profile.get("delegation_rule")),
            "generated_at": _text(r.get("generated_at")),
            "version": _text(r.get("meetcheck_version")), "schema": _text(r.get("schema")),
        },
        "totals": {k: totals.get(k, 0) for k in TOTALS},
    }  # fmt: skip


def render_dashboard(results: Mapping[str, Any]) -> str:
    """The self-contained dashboard.html for one results.json document."""
    r = visible_obj(dict(results))
    lang, direction = language_of(r)
    delegations = [d for d in r.get("delegations") or [] if isinstance(d, Mapping)]
    delegation_status = {str(d.get("delegation") or ""): str(d.get("status")) for d in delegations}
    speakers = [_speaker(row, delegation_status) for row in r.get("rows") or []
                if isinstance(row, Mapping)]  # fmt: skip
    index = [dict(s["keys"], id=f"r-{i}") for i, s in enumerate(speakers)]
    code, script_hash = _script()
    template = template_environment("meetcheck.batch").get_template("dashboard.html.j2")
    return template.render(
        **page_facts(r), lang=lang, dir=direction,
        speakers=speakers, statuses=STATUSES, badge_class=BADGE_CLASS,
        delegations=delegations, invalid=r.get("invalid_rows") or [],
        chart=history_chart(r.get("history")), complete=r.get("complete", True) is not False,
        data_json=script_json(index), script=code, script_hash=script_hash,
    )
