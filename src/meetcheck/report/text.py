"""The terminal report: verdict first, then what to fix, then the details.

In Arabic each id, number and name sits in a Unicode isolate, so a terminal that lays
out right-to-left text keeps them readable inside the sentence around them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from meetcheck.hookimpl import hookimpl
from meetcheck.i18n.core import _
from meetcheck.i18n.language import isolate
from meetcheck.report import words
from meetcheck.report.plain import finding_details, visible_obj
from meetcheck.report.reporter import Reporter

SYMBOL = {"PASS": "ok", "WARN": "!!", "FAIL": "XX", "ERROR": "ER", "TIMEOUT": "TO",
          "SKIPPED": "--"}  # fmt: skip


def render(data: dict[str, Any]) -> str:
    data = visible_obj(data)  # a meeting name or finding must not drive the terminal
    head = _("Verdict: {verdict}").format(verdict=words.verdict(data["verdict"]))
    if data["interrupted"]:
        head += "  " + _("(interrupted)")
    lines = [head]
    s = data["summary"]
    lines.append(words.listing([words.count(k, n) for k, n in s.items() if n]))
    p = data["profile"]
    meeting = data["meeting"]["name"] if data.get("meeting") else _("no meeting file")
    lines.append(
        _("Profile {name} {version} ({digest}); meeting: {meeting}").format(
            name=p["name"], version=p["version"], digest=p["digest"], meeting=meeting
        )
    )
    lines.append("")
    width = max(7, words.status_width())
    for r in data["results"]:
        title = r["title"] if r["required"] else _("{title} (advisory)").format(title=r["title"])
        status = f"{words.status(r['status']):<{width}}"
        lines.append(f"[{SYMBOL[r['status']]}] {status} {isolate(r['id'])}: {title}")
        if r["reason"]:
            lines.append(f"      {r['reason']}")
        for f in r["findings"]:
            lines.append(f"      {f['message']}")
            lines += [f"        {line}" for line in finding_details(f)]
        if r["status"] in ("ERROR", "TIMEOUT") and r["remediation"]:
            lines.append("        " + _("fix: {fix}").format(fix=r["remediation"]))
    env = data["environment"]
    lines.append("")
    lines.append(
        _("meetcheck {version}, Python {python}, {os} {release}, finished {finished}").format(
            version=env["meetcheck_version"],
            python=env["python"],
            os=env["os"],
            release=env["os_release"],
            finished=data["finished_at"],
        )
    )
    for e in env.get("plugin_errors", []):
        lines.append(words.plugin_error(e))
    return "\n".join(lines) + "\n"


@hookimpl
def meetcheck_register_reporters(register: Callable[[Reporter], None]) -> None:
    register(Reporter("text", "plain text for the terminal", ".txt", render))
