"""The files a batch run writes into its output folder, all from one results document:
results.json, results.csv (UTF-8 with BOM, so Excel shows every script), results.xlsx,
to-chase.txt and dashboard.html (rendered by ``meetcheck.batch.dashboard``). Names stay
exactly as the roster has them; links are already redacted.

Languages: everything is written in the document's ``language``. results.csv is the
machine-readable export (a secretariat re-imports it, or feeds it back as a roster): its
heading row is the JSON keys and its ``status`` cells the JSON values, identical in every
language; only the free-text ``reasons`` are translated. results.xlsx is for people: its
sheet names, headings and status words are in the run's language."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from meetcheck.batch._catalog import N_, _, ngettext
from meetcheck.batch.words import STATUS_WORDS
from meetcheck.i18n import LANGUAGES, localize, use_language
from meetcheck.readable import json_visible, visible

COLUMNS = (
    "row", "delegation", "name", "role", "email", "language", "status", "check_verdict",
    "selftest_verdict", "selftest_at", "selftest_stale", "reasons", "link",
)  # fmt: skip
SELFTEST_FIX = N_(
    "Please run the self-test on the computer and network you will speak from "
    "({command}) and send us the file report.json."
)
SELFTEST_COMMAND = "meetcheck check --format json -o report.json"
#: What people read above each column of results.xlsx (results.csv keeps COLUMNS).
HEADINGS = {
    "row": N_("Row"),
    "delegation": N_("Delegation"),
    "name": N_("Name"),
    "role": N_("Role"),
    "email": N_("E-mail"),
    "language": N_("Language"),
    "status": N_("Status"),
    "check_verdict": N_("Link and registration checks"),
    "selftest_verdict": N_("Self-test"),
    "selftest_at": N_("Self-test run at"),
    "selftest_stale": N_("Self-test too old"),
    "reasons": N_("Why not ready"),
    "link": N_("Personal link"),
    "primary_row": N_("Primary speaker (row)"),
    "alternate_row": N_("Alternate speaker (row)"),
    "error": N_("Error"),
}
# Translators: the sheets of results.xlsx (at most 31 characters each).
SHEETS = {"speakers": N_("Speakers"), "delegations": N_("Delegations"),
          "invalid": N_("Invalid rows")}  # fmt: skip
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write next to ``path`` and rename: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def flat(row: Mapping[str, Any], human: bool = False) -> list[Any]:
    """One speaker's cells in COLUMNS order: the JSON values, or (``human``) with status,
    role, verdicts and yes/no as words of the active language."""
    from meetcheck.report import words

    test = row.get("selftest") or {}
    stale = ("yes" if test.get("stale") else "no") if test else ""
    role, status = row["role"], row["status"]
    check_verdict, selftest_verdict = row["check_verdict"] or "", test.get("verdict", "")
    if human:
        role, status = words.role(role), localize(STATUS_WORDS.get(status, status))
        check_verdict = words.verdict(check_verdict) if check_verdict else ""
        selftest_verdict = words.verdict(selftest_verdict) if selftest_verdict else ""
        stale = localize(YES_NO[stale]) if stale else ""
    return [
        row["row"], row["delegation"], row["name"], role, row["email"], row["language"],
        status, check_verdict, selftest_verdict, test.get("generated_at", ""), stale,
        _("; ").join(row["reasons"]) if human else "; ".join(row["reasons"]), row["link"],
    ]  # fmt: skip


YES_NO = {"yes": N_("yes"), "no": N_("no")}


def headings(keys: tuple[str, ...]) -> list[str]:
    return [localize(HEADINGS[k]) for k in keys]


def write_json(results: Mapping[str, Any], path: Path) -> None:
    text = json_visible(json.dumps(results, ensure_ascii=False, indent=2))
    _atomic(path, lambda p: p.write_text(text + "\n", encoding="utf-8"))


def _csv_safe(value: Any) -> Any:
    """A cell Excel would run as a formula gets a leading apostrophe (OWASP's advice)."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def write_csv(results: Mapping[str, Any], path: Path) -> None:
    def write(p: Path) -> None:
        with p.open("w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(COLUMNS)
            for row in results["rows"]:
                out.writerow([_csv_safe(v) for v in flat(row)])

    _atomic(path, write)


def write_xlsx(results: Mapping[str, Any], path: Path) -> None:
    """Three sheets: Speakers, Delegations, Invalid rows (named in the active language).
    Text cells are typed as text, so a name beginning with '=' is shown, never run as a
    formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)

    def sheet(title: str, head: list[str], rows: Any) -> None:
        ws = book.create_sheet(title[:31])
        ws.append(head)
        for values in rows:
            cells = []
            for v in values:
                cell = WriteOnlyCell(ws, value=v)
                if isinstance(v, str):
                    cell.data_type = "s"
                cells.append(cell)
            ws.append(cells)

    sheet(localize(SHEETS["speakers"]), headings(COLUMNS),
          (flat(r, human=True) for r in results["rows"]))  # fmt: skip
    sheet(
        localize(SHEETS["delegations"]),
        headings(("delegation", "status", "primary_row", "alternate_row", "reasons")),
        (
            [d["delegation"], localize(STATUS_WORDS.get(d["status"], d["status"])),
             d["primary"], d["alternate"], _("; ").join(d.get("reasons", ()))]
            for d in results["delegations"]
        ),
    )  # fmt: skip
    sheet(
        localize(SHEETS["invalid"]),
        headings(("row", "error")),
        ([e["row"], e["error"]] for e in results["invalid_rows"]),
    )
    _atomic(path, lambda p: book.save(p))


def _fixes(r: Mapping[str, Any]) -> list[str]:
    """What one speaker should do: the failed checks' remediations, then the self-test."""
    fixes = list(dict.fromkeys(
        f["remediation"] for f in r["findings"]
        if f["status"] in ("FAIL", "ERROR", "TIMEOUT") and f.get("remediation")
    ))  # fmt: skip
    test = r["selftest"]
    if test is None or test["stale"]:
        fixes.append(localize(SELFTEST_FIX).format(command=SELFTEST_COMMAND))
    elif test["verdict"] not in ("READY", "READY WITH WARNINGS"):
        fixes.append(_(
            "Please fix what your self-test report lists, run the self-test again and "
            "send us the new file report.json."
        ))  # fmt: skip
    return fixes


def _letter(r: Mapping[str, Any], meeting: str) -> list[str]:
    """One speaker's message, ready to paste into an e-mail (subject line first)."""
    from meetcheck.report import words

    lines = [
        # Translators: to-chase.txt: the line above each message (who it is for).
        _("To: {name} <{email}> · {delegation} · {role} (row {row})").format(
            name=r["name"], email=r["email"], delegation=r["delegation"],
            role=words.role(r["role"]), row=r["row"]),
        _("Subject: {meeting}: your connection is not ready yet").format(meeting=meeting)
        if meeting else _("Subject: your connection for the meeting is not ready yet"),
        "",
        # Translators: to-chase.txt: the greeting of a message to a speaker.
        _("Dear {name},").format(name=r["name"]),
        "",
        _("Our checks show that your connection for the meeting is not ready yet:"),
    ]  # fmt: skip
    lines += [f"  - {reason}" for reason in r["reasons"]]
    fixes = _fixes(r)
    if fixes:
        lines += ["", _("What to do:")] + [f"  - {fix}" for fix in fixes]
    lines += [
        "",
        _("If you need help, please reply to this message. Thank you."),
        "",
        # Translators: to-chase.txt: the closing of a message to a speaker, then the sender.
        _("Kind regards,"),
        _("The meeting secretariat"),
    ]
    return lines


def chase_text(results: Mapping[str, Any]) -> str:
    """Who lacks a self-test or fails a check, with what to fix: one polite message per
    speaker, ready to paste into an e-mail, in the active language."""
    from meetcheck.report.html import show_time

    todo = [r for r in results["rows"] if r["status"] != "ready"]
    t = results["totals"]
    meeting = (results.get("meeting") or {}).get("title") or ""
    rule = "=" * 60
    lines = [
        ngettext(
            "Speakers to contact: {n} of {total} ({roster}, {generated})",
            "Speakers to contact: {n} of {total} ({roster}, {generated})",
            t["speakers"],
        ).format(n=len(todo), total=t["speakers"], roster=results["roster"]["name"],
                 generated=show_time(results["generated_at"])),
        _("Below, one message per speaker, ready to paste into an e-mail."),
        "",
    ]  # fmt: skip
    for r in todo:
        lines += [rule, *_letter(r, meeting), ""]
    if results["invalid_rows"]:
        lines += [
            rule,
            ngettext(
                "Roster row to correct ({n}):", "Roster rows to correct ({n}):",
                len(results["invalid_rows"]),
            ).format(n=len(results["invalid_rows"])),
        ]  # fmt: skip
        for e in results["invalid_rows"]:
            lines.append("  - " + _("row {row}: {error}").format(row=e["row"], error=e["error"]))
        lines.append("")
    return "\n".join(visible(line) for line in lines)


def write_chase(results: Mapping[str, Any], path: Path) -> None:
    text = chase_text(results)
    _atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_dashboard(results: Mapping[str, Any], path: Path) -> None:
    from meetcheck.batch.dashboard import render_dashboard

    html = render_dashboard(results)
    _atomic(path, lambda p: p.write_text(html, encoding="utf-8"))


WRITERS: dict[str, Callable[[Mapping[str, Any], Path], None]] = {
    "results.json": write_json,
    "results.csv": write_csv,
    "results.xlsx": write_xlsx,
    "to-chase.txt": write_chase,
    "dashboard.html": write_dashboard,
}


def write_all(results: Mapping[str, Any], folder: Path) -> list[str]:
    """Every output, in the document's language; returns the file names written."""
    language = results.get("language")
    with use_language(language if language in LANGUAGES else "en"):
        for name, writer in WRITERS.items():
            writer(results, folder / name)
    return list(WRITERS)
