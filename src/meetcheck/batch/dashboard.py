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
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from meetcheck.batch._catalog import _, ngettext
from meetcheck.batch.words import STATUS_WORDS
from meetcheck.i18n import LANGUAGES, Text, localize, use_language
from meetcheck.readable import visible_obj
from meetcheck.report.html import HTML_LANG, show_time, template_environment

# status -> (word shown, icon drawn, sort rank: what needs chasing first)
STATUSES = {
    "not_ready": (STATUS_WORDS["not_ready"], "NOT READY", 0),
    "error": (STATUS_WORDS["error"], "ERROR", 1),
    "unchecked": (STATUS_WORDS["unchecked"], "UNCHECKED", 2),
    "ready": (STATUS_WORDS["ready"], "READY", 3),
}
# Badge colours of the shared report styles (status not by colour alone: icon and word too).
BADGE_CLASS = {"ready": "pass", "not_ready": "fail", "error": "error", "unchecked": "skipped"}
FINDING_CLASS = {"FAIL": "fail", "WARN": "warn", "ERROR": "error", "TIMEOUT": "timeout"}
SOURCES = {"cli": lambda: _("command-line report {file}"),
           "browser": lambda: _("browser report {file}")}  # fmt: skip
CHART_W, CHART_H = 560.0, 180.0
TOTALS = ("speakers", "ready", "not_ready", "errors", "unchecked", "no_selftest",
          "stale_selftest", "delegations", "delegations_ready", "invalid_rows")  # fmt: skip


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _percent(part: Any, whole: Any) -> float | None:
    return round(100.0 * _int(part) / _int(whole), 1) if _int(whole) > 0 else None


def language_of(results: Mapping[str, Any]) -> str:
    """The language the page is written in: the document's (its reasons and findings are
    in it), if it is one of the six, else English."""
    lang = results.get("language")
    return lang if isinstance(lang, str) and lang in LANGUAGES else "en"


def selftest_state(selftest: Any) -> dict[str, Any]:
    """What the self-test column says (active language), and its sort rank (missing
    first, then stale)."""
    from meetcheck.report import words

    if not isinstance(selftest, Mapping):
        return {"text": _("None received"), "rank": 0, "stale": False, "verdict": None}
    raw = str(selftest.get("verdict") or "")
    verdict = words.verdict(raw) if raw else _("unknown verdict")
    age = selftest.get("age_hours")
    stale = bool(selftest.get("stale"))
    if isinstance(age, int | float):
        template = _("Stale: {verdict}, {age} h old") if stale else _("{verdict}, {age} h old")
        text = template.format(verdict=verdict, age=f"{age:.0f}")
    else:
        text = _("Stale: {verdict}").format(verdict=verdict) if stale else verdict
    rank = 1 if stale else (2 if raw not in ("READY", "READY WITH WARNINGS") else 3)
    return {"text": text, "rank": rank, "stale": stale, "verdict": raw or None}


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


def speakers_ready(ready: int, speakers: int) -> Text:
    return ngettext(
        "{ready} of {n} speaker ready", "{ready} of {n} speakers ready", speakers
    ).format(ready=ready, n=speakers)


def delegations_ready(ready: int, delegations: int) -> Text:
    return ngettext(
        "{ready} of {n} delegation ready", "{ready} of {n} delegations ready", delegations
    ).format(ready=ready, n=delegations)


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
        ("ready", "speakers", _("Speakers ready"), "speakers"),
        ("delegations_ready", "delegations", _("Delegations ready"), "delegations"),
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
    span = ngettext("{n} run from {first} to {last}", "{n} runs from {first} to {last}",
                    len(runs)).format(n=len(runs), first=table[0]["when"], last=last["when"])
    # Translators: the chart's text alternative: "3 runs from ... to ...; at the latest: ..."
    summary = _("{runs}; at the latest: {speakers}, {delegations}.").format(
        runs=span, speakers=speakers_ready(last["ready"], last["speakers"]),
        delegations=delegations_ready(last["delegations_ready"], last["delegations"]),
    )  # fmt: skip
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
    raw = _selftest_facts(row.get("selftest"))
    if raw:
        source = SOURCES.get(raw["source"])
        raw["from"] = source().format(file=raw["file"]) if source else raw["file"]
    return t | {
        "row": _int(row.get("row")), "status": status, "delegation_status": d_status,
        "checked_at": show_time(row["checked_at"]) if row.get("checked_at") else "",
        "selftest": selftest, "selftest_raw": raw,
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


def page_words(total: int) -> dict[str, str]:
    """The texts the page's script writes, in the page's language (a JSON block beside
    the row index): ``{shown}`` is filled in by the script."""
    shown = ngettext("{shown} of {n} speaker shown", "{shown} of {n} speakers shown", total)
    return {"shown": str(shown.format(shown="{shown}", n=total))}


def _markup(html: str) -> Any:
    from markupsafe import Markup

    return lambda value: Markup(html).format(value)


def render_dashboard(results: Mapping[str, Any]) -> str:
    """The self-contained dashboard.html for one results.json document, in the document's
    language: ``<html lang dir>`` (``rtl`` for Arabic) and every fixed text."""
    r = visible_obj(dict(results))
    lang = language_of(r)
    with use_language(lang):
        return _render(r, lang)


def _render(r: Mapping[str, Any], lang: str) -> str:
    from meetcheck.i18n.language import is_rtl
    from meetcheck.report import words

    delegations = [d for d in r.get("delegations") or [] if isinstance(d, Mapping)]
    delegation_status = {str(d.get("delegation") or ""): str(d.get("status")) for d in delegations}
    speakers = [_speaker(row, delegation_status) for row in r.get("rows") or []
                if isinstance(row, Mapping)]  # fmt: skip
    index = [dict(s["keys"], id=f"r-{i}") for i, s in enumerate(speakers)]
    code, script_hash = _script()
    statuses = {k: (localize(word), icon, rank) for k, (word, icon, rank) in STATUSES.items()}
    template = template_environment("meetcheck.batch").get_template("dashboard.html.j2")
    return template.render(
        **page_facts(r), lang=HTML_LANG.get(lang, lang), dir="rtl" if is_rtl(lang) else "ltr",
        speakers=speakers, statuses=statuses, badge_class=BADGE_CLASS,
        delegations=delegations, invalid=r.get("invalid_rows") or [],
        chart=history_chart(r.get("history")), complete=r.get("complete", True) is not False,
        data_json=script_json(index), words_json=script_json(page_words(len(speakers))),
        script=code, script_hash=script_hash,
        _=_, ngettext=ngettext, words=words, localize=localize,
        speakers_ready=speakers_ready, delegations_ready=delegations_ready,
        bdi=_markup("<bdi>{}</bdi>"), auto=_markup('<span dir="auto">{}</span>'),
        code=_markup("<code>{}</code>"),
    )  # fmt: skip
