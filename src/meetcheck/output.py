"""Writing rendered reports to files or stdout, pairing ``--format`` with ``-o``."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from meetcheck.errors import InputError


def plan_outputs(
    formats: Sequence[str], outputs: Sequence[str], reporters: dict[str, Any]
) -> list[tuple[str, str | None]]:
    """Pair the i-th --format with the i-th -o; an -o alone takes its format from its suffix.

    ``None`` as the path (or ``-o -``) means stdout; only one format may go there.
    """
    by_ext = {r.extension: name for name, r in reporters.items()}
    targets: list[tuple[str, str | None]] = []
    for i, fmt in enumerate(formats):
        if fmt not in reporters:
            raise InputError(f"--format {fmt}: unknown format (known: {', '.join(reporters)})")
        path = outputs[i] if i < len(outputs) else None
        targets.append((fmt, None if path == "-" else path))
    for path in outputs[len(formats) :]:
        fmt = by_ext.get(Path(path).suffix.lower())
        if fmt is None:
            raise InputError(f"-o {path}: cannot tell the format from the name; add --format")
        targets.append((fmt, path))
    if not targets:
        targets.append(("text", None))
    if sum(1 for _, p in targets if p is None) > 1:
        raise InputError("--format: only one format can go to the terminal; give the others -o")
    return targets


def report_options(values: Sequence[str], reporters: dict[str, Any]) -> dict[str, dict[str, str]]:
    """``--report-option FORMAT.KEY=VALUE`` values by format, checked against what each
    reporter declares."""
    out: dict[str, dict[str, str]] = {}
    for value in values:
        target, eq, setting = value.partition("=")
        fmt, dot, key = target.partition(".")
        if not eq or not dot or not key:
            raise InputError(f"--report-option {value}: expected FORMAT.KEY=VALUE")
        if fmt not in reporters:
            raise InputError(f"--report-option {value}: unknown format {fmt!r}")
        known = reporters[fmt].options
        if key not in known:
            names = ", ".join(sorted(known)) or "none"
            raise InputError(f"--report-option {value}: {fmt} has no option {key!r} ({names})")
        out.setdefault(fmt, {})[key] = setting
    return out


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write via a temporary file so an interrupted write never leaves half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        if isinstance(content, bytes):
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_reports(
    data: dict[str, Any],
    targets: list[tuple[str, str | None]],
    reporters: dict[str, Any],
    options: dict[str, dict[str, str]] | None = None,
) -> list[str]:
    """Render and write every target; returns the problems (each target is tried)."""
    problems = []
    for fmt, path in targets:
        text = reporters[fmt].output(data, (options or {}).get(fmt))
        if path is None:
            click.echo(text, nl=False)
            continue
        try:
            write_atomic(Path(path), text)
        except OSError as exc:
            problems.append(f"cannot write {fmt} report to {path}: {exc.strerror or exc}")
    return problems
