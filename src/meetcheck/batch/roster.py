"""Reading a roster: CSV as Excel writes it (UTF-8 with or without BOM, comma or semicolon)
or XLSX, headings mapped with ``--columns``, every row validated with its 1-based data-row
number (the heading row not counted), so a secretariat can find it in the sheet.

Whole-file problems (unreadable, empty, wrong sheet, missing columns, a bad mapping) are an
:class:`InputError`: exit 2 with one line. A bad *row* is kept in ``invalid`` with its number
and the good rows go on.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meetcheck.batch._catalog import N_, _
from meetcheck.errors import InputError
from meetcheck.i18n import Text, localize
from meetcheck.participant import ROLES, Participant
from meetcheck.readable import visible

FIELDS = ("delegation", "name", "role", "email", "link", "language", "registered")
REQUIRED = ("delegation", "name", "role", "email", "link")
OPTIONAL_HEADINGS = {"language": ("language",), "registered": ("registered", "registration date")}
MAX_ROWS = 100_000  # a roster of a whole UN conference is well under this


@dataclass
class RosterRow:
    """One valid row; ``row`` is its 1-based data-row number."""

    row: int
    delegation: str
    name: str
    role: str
    email: str
    link: str
    language: str = ""
    registered: str = ""

    def participant(self) -> Participant:
        return Participant(
            name=self.name,
            email=self.email,
            delegation=self.delegation,
            role=self.role,
            link=self.link,
        )

    def key(self) -> str:
        """Identifies this person's row across runs: any change in it is a new row."""
        import hashlib

        blob = "\x1f".join(
            (self.delegation.strip(), self.name.strip(), self.role, self.email.strip().lower(),
             self.link.strip(), self.registered)
        )  # fmt: skip
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


@dataclass
class Roster:
    name: str  # file name only
    rows: list[RosterRow] = field(default_factory=list)
    invalid: list[dict[str, Any]] = field(default_factory=list)  # {"row": n, "error": "..."}
    read: int = 0  # data rows read (blank ones included)


def parse_columns(mapping: str | None) -> dict[str, str]:
    """``--columns "email=E-mail address,name=Full name"``: field -> heading."""
    out: dict[str, str] = {}
    if not mapping:
        return out
    for part in mapping.split(","):
        if not part.strip():
            continue
        key, sep, heading = part.partition("=")
        key = key.strip().lower()
        if not sep or not heading.strip():
            raise InputError(f"--columns {visible(part.strip())}: expected FIELD=HEADING")
        if key not in FIELDS:
            raise InputError(
                f"--columns {visible(key)}: unknown field (known: {', '.join(FIELDS)})"
            )
        out[key] = heading.strip()
    return out


def _fold(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").split()).casefold()


def _locate(source: str, headings: list[str], columns: dict[str, str]) -> dict[str, int]:
    """Field -> column index, from the heading row."""
    folded = [_fold(h) for h in headings]
    where: dict[str, int] = {}
    for name in FIELDS:
        wanted = columns.get(name)
        candidates = (wanted,) if wanted else OPTIONAL_HEADINGS.get(name, (name,))
        for cand in candidates:
            if _fold(cand) in folded:
                where[name] = folded.index(_fold(cand))
                break
        else:
            if wanted:
                raise InputError(
                    f"{source}: no column {visible(wanted)!r} (--columns {name}=...); "
                    f"headings: {visible(', '.join(h for h in headings if h))}"
                )
    missing = [n for n in REQUIRED if n not in where]
    if missing:
        shown = ", ".join(h for h in headings if h) or "none"
        raise InputError(
            f"{source}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(headings: {visible(shown)}); map other headings with --columns"
        )
    return where


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_table(path: Path, source: str) -> Iterator[list[str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it as 'CSV UTF-8' or XLSX"
        ) from None
    if "\x00" in text:
        raise InputError(f"{source}: not a CSV file (it holds NUL bytes)")
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_table(path: Path, source: str, sheet: str | None) -> Iterator[list[Any]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{source}: not a readable XLSX workbook ({exc})") from None
    if sheet is not None and sheet not in book.sheetnames:
        raise InputError(
            f"{source}: no sheet {visible(sheet)!r} (sheets: {visible(', '.join(book.sheetnames))})"
        )
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    return ([_cell(v) for v in r] for r in ws.iter_rows(values_only=True))


def _valid_link(link: str) -> bool:
    from meetcheck.commands.check import check_link

    try:
        check_link(link)
    except InputError:
        return False
    return True


def _registered(value: str) -> str:
    """ISO date or date-time, as ``--registered`` takes it; raises ValueError."""
    if not value:
        return ""
    return dt.datetime.fromisoformat(value).isoformat()


# Translators: a roster row's error (dashboard, to-chase.txt): a required cell is empty.
MISSING = {
    "delegation": N_("missing delegation"),
    "name": N_("missing name"),
    "role": N_("missing role"),
    "email": N_("missing e-mail"),
    "link": N_("missing link"),
}


def _row_error(values: dict[str, str]) -> str:
    """The row's first problem, in the active language ('' when it is valid)."""
    for name in REQUIRED:
        if not values[name]:
            return localize(MISSING[name])
    if values["role"] not in ROLES:
        return _("unknown role {role} (known: {known})").format(
            role=repr(values["role"]), known=", ".join(ROLES)
        )
    if not _valid_link(values["link"]):
        return _("the link is not an http(s) URL with a host")
    try:
        values["registered"] = _registered(values["registered"])
    except ValueError:
        return _("registered: {value} is not a date (YYYY-MM-DD)").format(
            value=repr(values["registered"])
        )
    return ""


def read_roster(path: str | Path, columns: str | None = None, sheet: str | None = None) -> Roster:
    """The roster's valid rows and its invalid ones (roster rules across rows included)."""
    path = Path(path)
    source = visible(path.name)
    mapping = parse_columns(columns)
    if not path.is_file():
        raise InputError(f"{visible(str(path))}: roster file not found")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        table: Iterable[list[Any]] = _xlsx_table(path, source, sheet)
    elif sheet is not None:
        raise InputError(f"--sheet {visible(sheet)}: {source} is not a workbook")
    else:
        table = _csv_table(path, source)
    rows = iter(table)
    try:
        headings = [_cell(h) for h in next(rows)]
    except StopIteration:
        raise InputError(f"{source}: the roster is empty") from None
    except csv.Error as exc:
        raise InputError(f"{source}: not a readable CSV file ({exc})") from None
    where = _locate(f"{source}" + (f" sheet {sheet!r}" if sheet else ""), headings, mapping)
    roster = Roster(path.name)
    try:
        for number, raw in enumerate(rows, start=1):
            if number > MAX_ROWS:
                raise InputError(f"{source}: more than {MAX_ROWS} rows")
            roster.read = number
            cells = [_cell(c) for c in raw]
            if not any(cells):
                continue  # a blank line: Excel leaves them at the end
            values = {n: cells[i] if i < len(cells) else "" for n, i in where.items()}
            values.setdefault("language", "")
            values.setdefault("registered", "")
            values["role"] = values["role"].lower()
            values["email"] = values["email"].strip()
            error = _row_error(values)
            if error:
                roster.invalid.append({"row": number, "error": error})
            else:
                roster.rows.append(RosterRow(row=number, **values))
    except csv.Error as exc:
        raise InputError(f"{source}: not a readable CSV file ({exc})") from None
    if not roster.read:
        raise InputError(f"{source}: the roster has headings but no rows")
    apply_roster_rules(roster)
    return roster


def apply_roster_rules(roster: Roster) -> None:
    """The same person or link twice, or a third speaker: the first occurrence stays valid,
    the later ones become invalid rows (``roster_problems`` finds them). Duplicates go
    first, so a forwarded link's row never counts as a delegation's speaker."""
    _drop(roster, {
        "same-address": lambda: _("the same person (e-mail address) as row {first}"),
        "same-link": lambda: _("the same personal link as row {first}"),
    })  # fmt: skip
    third = lambda: _("a third speaker for the delegation: row {first} is already its {role}")  # noqa: E731
    _drop(roster, {"extra-role": third})
    roster.invalid.sort(key=lambda e: e["row"])


def _drop(roster: Roster, labels: dict[str, Callable[[], Text]]) -> None:
    from meetcheck.checks.registration.roster import roster_problems
    from meetcheck.report import words

    dropped: dict[int, str] = {}
    for problem in roster_problems([r.participant() for r in roster.rows]):
        if problem.rule not in labels:
            continue
        first, *later = sorted(problem.rows)
        for i in later:
            dropped.setdefault(
                i,
                labels[problem.rule]().format(
                    first=roster.rows[first].row, role=words.role(roster.rows[first].role)
                ),
            )
    for i, error in dropped.items():
        roster.invalid.append({"row": roster.rows[i].row, "error": error})
    roster.rows = [r for i, r in enumerate(roster.rows) if i not in dropped]
