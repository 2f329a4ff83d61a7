"""The terminal report: verdict first, then what to fix, then the details."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from meetcheck.hookimpl import hookimpl
from meetcheck.report.reporter import Reporter

SYMBOL = {"PASS": "ok", "WARN": "!!", "FAIL": "XX", "ERROR": "ER", "TIMEOUT": "TO",
          "SKIPPED": "--"}  # fmt: skip


def _value(m: dict[str, Any]) -> str:
    v = m["value"]
    if isinstance(v, float):
        v = f"{v:.3g}"
    return f"{m['name']}={v}{(' ' + m['unit']) if m['unit'] else ''}"


def _threshold(t: dict[str, Any] | None) -> str:
    if not t:
        return ""
    op = ">" if t["direction"] == "higher_is_worse" else "<"
    parts = [f"{k} {op} {t[k]:g}" for k in ("warn", "fail") if t.get(k) is not None]
    src = f" [{t['source']}]" if t.get("source") else ""
    return f"threshold: {', '.join(parts)} {t['unit']}".rstrip() + src


def render(data: dict[str, Any]) -> str:
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
            values = "; ".join(_value(m) for m in f["measurements"])
            if values:
                lines.append(f"        measured: {values}")
            th = _threshold(f.get("threshold"))
            if th:
                lines.append(f"        {th}")
            if f["remediation"]:
                lines.append(f"        fix: {f['remediation']}")
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
