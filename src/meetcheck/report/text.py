"""The terminal report: verdict first, then what to fix, then the details."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from meetcheck.hookimpl import hookimpl
from meetcheck.report.plain import finding_details, visible_obj
from meetcheck.report.reporter import Reporter

SYMBOL = {"PASS": "ok", "WARN": "!!", "FAIL": "XX", "ERROR": "ER", "TIMEOUT": "TO",
          "SKIPPED": "--"}  # fmt: skip


def render(data: dict[str, Any]) -> str:
    data = visible_obj(data)  # a meeting name or finding must not drive the terminal
    lines = [f"Verdict: {data['verdict']}" + ("  (interrupted)" if data["interrupted"] else "")]
    s = data["summary"]
    lines.append(", ".join(f"{n} {k.lower()}" for k, n in s.items() if n))
    p = data["profile"]
    meeting = data["meeting"]["name"] if data.get("meeting") else "no meeting file"
    lines.append(f"Profile {p['name']} {p['version']} ({p['digest']}); meeting: {meeting}")
    lines.append("")
    for r in data["results"]:
        req = "" if r["required"] else " (advisory)"
        lines.append(f"[{SYMBOL[r['status']]}] {r['status']:<7} {r['id']}: {r['title']}{req}")
        if r["reason"]:
            lines.append(f"      {r['reason']}")
        for f in r["findings"]:
            lines.append(f"      {f['message']}")
            lines += [f"        {line}" for line in finding_details(f)]
        if r["status"] in ("ERROR", "TIMEOUT") and r["remediation"]:
            lines.append(f"        fix: {r['remediation']}")
    env = data["environment"]
    lines.append("")
    lines.append(
        f"meetcheck {env['meetcheck_version']}, Python {env['python']}, "
        f"{env['os']} {env['os_release']}, finished {data['finished_at']}"
    )
    for e in env.get("plugin_errors", []):
        lines.append(f"plugin {e['plugin']} failed {e['stage']}: {e['message']}")
    return "\n".join(lines) + "\n"


@hookimpl
def meetcheck_register_reporters(register: Callable[[Reporter], None]) -> None:
    register(Reporter("text", "plain text for the terminal", ".txt", render))
