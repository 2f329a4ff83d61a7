"""Reading rosters for ``meetcheck batch``: CSV as Excel writes it, XLSX, ``--columns``,
bad rows with their 1-based data-row numbers, and whole-file problems as exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.batch import NAMES, meeting_file, speaker_rows, write_csv, write_xlsx

from meetcheck.batch.roster import read_roster
from meetcheck.errors import InputError


def _link(i: int, role: str) -> str:
    return f"https://rsi.example.org/join/{role}-{i}-Zx81kQ0pLmNb7Tr"


ROWS = speaker_rows(_link)
ALL_NAMES = [n for pair in NAMES.values() for n in pair]


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"bom": True},
        {"delimiter": ";"},
        {"bom": True, "delimiter": ";"},  # Excel "CSV UTF-8" in a French or German locale
        {"crlf": False},
        {"delimiter": "\t"},
    ],
)
def test_csv_variants_read_the_same(tmp_path: Path, variant: dict) -> None:
    roster = read_roster(write_csv(tmp_path / "r.csv", ROWS, **variant))
    assert roster.invalid == []
    assert [r.name for r in roster.rows] == ALL_NAMES  # every script intact
    assert [r.row for r in roster.rows] == list(range(1, len(ROWS) + 1))
    assert roster.rows[0].email == "primary.0@example.org"
    assert roster.rows[1].role == "alternate"


def test_headings_are_matched_loosely_and_mapped_with_columns(tmp_path: Path) -> None:
    head = ["Delegation", "Full name", "ROLE", "E-mail address", "Personal link", "Language"]
    path = write_csv(tmp_path / "r.csv", ROWS, head=head)
    with pytest.raises(InputError, match=r"missing columns name, email, link"):
        read_roster(path)
    roster = read_roster(path, "name=Full name, email=e-mail address,link=Personal link")
    assert [r.name for r in roster.rows] == ALL_NAMES


@pytest.mark.parametrize(
    "mapping, words",
    [
        ("mail=E-mail", "--columns mail: unknown field"),
        ("email", "--columns email: expected FIELD=HEADING"),
        ("email=Courriel", "r.csv: no column 'Courriel'"),
    ],
)
def test_bad_column_mappings(tmp_path: Path, mapping: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        read_roster(write_csv(tmp_path / "r.csv", ROWS), mapping)


def test_bad_rows_carry_their_numbers_and_good_rows_stay(tmp_path: Path) -> None:
    rows = [
        ["Chile", "Ana Rojas", "primary", "ana@example.cl", _link(1, "p"), "es"],  # 1 ok
        ["Chile", "Luis Soto", "alternate", "", _link(2, "a"), "es"],  # 2 no e-mail
        ["Peru", "Rosa Díaz", "speaker", "rosa@example.pe", _link(3, "p"), ""],  # 3 role
        ["Peru", "Rosa Díaz", "primary", "ROSA@example.pe ", _link(4, "p"), ""],  # 4 ok
        ["Peru", "R. Díaz", "alternate", "rosa@example.pe", _link(5, "a"), ""],  # 5 same person
        ["Chile", "Eva Paz", "alternate", "eva@example.cl", _link(1, "p"), ""],  # 6 same link
        ["Chile", "Tomás Vera", "alternate", "tomas@example.cl", _link(7, "a"), ""],  # 7 ok
        ["Chile", "Inés Gil", "alternate", "ines@example.cl", _link(8, "a"), ""],  # 8 third
        ["", "", "", "", "", ""],  # 9 blank: Excel leaves these, skipped silently
        ["Peru", "Juan Paz", "alternate", "juan@example.pe", "", ""],  # 10 no link
        ["Peru", "Juan Paz", "alternate", "juan@example.pe", "ftp://x.example/j", ""],  # 11
    ]
    roster = read_roster(write_csv(tmp_path / "r.csv", rows))
    assert [r.row for r in roster.rows] == [1, 4, 7]
    errors = {e["row"]: e["error"] for e in roster.invalid}
    assert errors[2] == "missing e-mail"
    assert errors[3].startswith("unknown role 'speaker'")
    assert errors[5] == "the same person (e-mail address) as row 4"
    assert errors[6] == "the same personal link as row 1"
    assert errors[8] == "a third speaker for the delegation: row 7 is already its alternate"
    assert errors[10] == "missing link"
    assert "http(s) URL" in errors[11]
    assert sorted(errors) == [2, 3, 5, 6, 8, 10, 11]
    assert roster.read == 11


def test_registration_dates_from_the_roster(tmp_path: Path) -> None:
    head = [*write_head(), "Registered"]
    rows = [[*ROWS[0], "2026-11-02"], [*ROWS[1], "last week"]]
    roster = read_roster(write_csv(tmp_path / "r.csv", rows, head=head))
    assert roster.rows[0].registered == "2026-11-02T00:00:00"
    assert roster.invalid == [
        {"row": 2, "error": "registered: 'last week' is not a date (YYYY-MM-DD)"}
    ]


def write_head() -> list[str]:
    from tests.support.batch import HEAD

    return list(HEAD)


def test_broken_encoding_empty_and_wrong_columns(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(
        "delegation,name,role,email,link\nFrance,Élodie,primary,e@x.fr,https://a.b/c\n".encode(
            "latin-1"
        )
    )
    with pytest.raises(InputError, match=r"latin1.csv: not UTF-8 text \(byte 0xc9"):
        read_roster(latin1)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty.csv: the roster is empty"):
        read_roster(empty)
    bom_only = tmp_path / "bom.csv"
    bom_only.write_bytes(b"\xef\xbb\xbf")
    with pytest.raises(InputError, match="bom.csv: the roster is empty"):
        read_roster(bom_only)
    head_only = write_csv(tmp_path / "head.csv", [])
    with pytest.raises(InputError, match="head.csv: the roster has headings but no rows"):
        read_roster(head_only)
    wrong = write_csv(tmp_path / "wrong.csv", [["a", "b"]], head=["country", "person"])
    with pytest.raises(InputError, match=r"wrong.csv: missing columns delegation, name, role"):
        read_roster(wrong)
    with pytest.raises(InputError, match="nope.csv: roster file not found"):
        read_roster(tmp_path / "nope.csv")


def test_xlsx_rosters_and_the_wrong_sheet(tmp_path: Path) -> None:
    good = read_roster(write_xlsx(tmp_path / "r.xlsx", ROWS))
    assert [r.name for r in good.rows] == ALL_NAMES
    notes_first = write_xlsx(tmp_path / "n.xlsx", ROWS, first="Notes")
    with pytest.raises(InputError, match=r"n.xlsx: missing columns .*headings: These are notes"):
        read_roster(notes_first)
    assert [r.name for r in read_roster(notes_first, sheet="Speakers").rows] == ALL_NAMES
    with pytest.raises(InputError, match=r"n.xlsx: no sheet 'Roster' \(sheets: Notes, Speakers\)"):
        read_roster(notes_first, sheet="Roster")
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a zip")
    with pytest.raises(InputError, match="fake.xlsx: not a readable XLSX workbook"):
        read_roster(fake)


def _empty(d: Path) -> Path:
    (d / "e.csv").write_bytes(b"")
    return d / "e.csv"


def _good(d: Path) -> Path:
    return write_csv(d / "r.csv", ROWS)


@pytest.mark.parametrize(
    "make, args, words",
    [
        (_empty, (), "e.csv: the roster is empty"),
        (lambda d: write_csv(d / "w.csv", [["x"]], head=["who"]), (), "w.csv: missing columns"),
        (lambda d: write_xlsx(d / "n.xlsx", ROWS, first="Notes"), (), "n.xlsx: missing columns"),
        (
            lambda d: write_xlsx(d / "n.xlsx", ROWS, first="Notes"),
            ("--sheet", "Roster"),
            "no sheet 'Roster'",
        ),
        (_good, ("--columns", "mail=E-mail"), "--columns mail: unknown field"),
        (_good, ("--max-age", "soon"), "--max-age soon"),
        (_good, ("--resume", "--recheck", "all"), "--resume and --recheck"),
    ],
)
def test_bad_input_is_exit_2_with_one_line(
    meetcheck_cli, tmp_path: Path, make, args, words
) -> None:
    roster = make(tmp_path)
    meeting = meeting_file(tmp_path / "m.toml", ["rsi.example.org"])
    out = tmp_path / "out"
    result = meetcheck_cli(
        "batch", str(roster), "--meeting", str(meeting), "--out", str(out), *args
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.stderr
    assert not (out / "results.json").exists()
