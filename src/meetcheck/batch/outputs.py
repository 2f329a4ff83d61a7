"""The files a batch run writes into its output folder, all from one results document:
results.json, results.csv (UTF-8 with BOM, so Excel shows every script), results.xlsx,
to-chase.txt and dashboard.html (rendered by ``meetcheck.batch.dashboard``). Names stay
exactly as the roster has them; links are already redacted."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from meetcheck.readable import json_visible, visible

COLUMNS = (
    "row", "delegation", "name", "role", "email", "language", "status", "check_verdict",
    "selftest_verdict", "selftest_at", "selftest_stale", "reasons", "link",
)  # fmt: skip
SELFTEST_FIX = (
    "Run the self-test on the computer and network you will speak from "
    "(meetcheck check --format json -o report.json) and send report.json back."
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write next to ``path`` and rename: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def flat(row: Mapping[str, Any]) -> list[Any]:
    test = row.get("selftest") or {}
    return [
        row["row"], row["delegation"], row["name"], row["role"], row["email"], row["language"],
        row["status"], row["check_verdict"] or "", test.get("verdict", ""),
        test.get("generated_at", ""), "yes" if test.get("stale") else ("no" if test else ""),
        "; ".join(row["reasons"]), row["link"],
    ]  # fmt: skip


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
    """Three sheets: Speakers, Delegations, Invalid rows. Text cells are typed as text, so
    a name beginning with '=' is shown, never run as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)

    def sheet(title: str, head: tuple[str, ...], rows: Any) -> None:
        ws = book.create_sheet(title)
        ws.append(list(head))
        for values in rows:
            cells = []
            for v in values:
                cell = WriteOnlyCell(ws, value=v)
                if isinstance(v, str):
                    cell.data_type = "s"
                cells.append(cell)
            ws.append(cells)

    sheet("Speakers", COLUMNS, (flat(r) for r in results["rows"]))
    sheet(
        "Delegations",
        ("delegation", "status", "primary_row", "alternate_row", "reasons"),
        (
            [d["delegation"], d["status"], d["primary"], d["alternate"],
             "; ".join(d.get("reasons", ()))]
            for d in results["delegations"]
        ),
    )  # fmt: skip
    sheet(
        "Invalid rows", ("row", "error"), ([e["row"], e["error"]] for e in results["invalid_rows"])
    )
    _atomic(path, lambda p: book.save(p))


def chase_text(results: Mapping[str, Any]) -> str:
    """Who lacks a self-test or fails a check, with what to fix, ready to paste into mail."""
    todo = [r for r in results["rows"] if r["status"] != "ready"]
    t = results["totals"]
    lines = [
        f"Speakers to chase: {len(todo)} of {t['speakers']} "
        f"({results['roster']['name']}, {results['generated_at']})",
        "",
    ]
    for r in todo:
        lines.append(
            f"{r['delegation']} · {r['name']} <{r['email']}> · {r['role']} (row {r['row']})"
        )
        for reason in r["reasons"]:
            lines.append(f"  - {reason}")
        fixes = list(dict.fromkeys(
            f["remediation"] for f in r["findings"]
            if f["status"] in ("FAIL", "ERROR", "TIMEOUT") and f.get("remediation")
        ))  # fmt: skip
        if r["selftest"] is None or r["selftest"]["stale"]:
            fixes.append(SELFTEST_FIX)
        for fix in fixes:
            lines.append(f"    To fix: {fix}")
        lines.append("")
    if results["invalid_rows"]:
        lines.append(f"Roster rows to correct ({len(results['invalid_rows'])}):")
        for e in results["invalid_rows"]:
            lines.append(f"  - row {e['row']}: {e['error']}")
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
    """Every output; returns the file names written."""
    for name, writer in WRITERS.items():
        writer(results, folder / name)
    return list(WRITERS)
