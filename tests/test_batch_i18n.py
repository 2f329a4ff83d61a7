"""``meetcheck batch`` in the six UN languages (issues 13 and 14), as a real process against
a loopback HTTPS server with the tests' own CA: ``--lang`` (and the locale) choose the
language of the dashboard, to-chase.txt, the XLSX headings and the progress lines; the
checks' own findings come out in it too; results.json records it and keeps its keys and
values; results.csv keeps its machine-readable heading row. The Arabic dashboard is
opened in headless Chromium: right to left, still sorting and filtering, no console error.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from tests.support.batch import (
    NAMES,
    CountingServer,
    meeting_file,
    run_batch,
    selftest_report,
    speaker_rows,
    write_csv,
)
from tests.support.helpers import write_profile

from meetcheck.batch.outputs import COLUMNS
from meetcheck.i18n import LANGUAGES

ARABIC = re.compile("[\u0600-\u06ff]")
HAN = re.compile("[\u4e00-\u9fff]")
SCRIPT = {"ar": ARABIC, "zh": HAN}
# Two or more Latin words in a row: an English phrase (single words such as a unit or a
# product name are allowed; whatever is allowed as a phrase is removed first).
LATIN_PHRASE = re.compile(r"[A-Za-z][A-Za-z'’]*(?:[ \-]+[A-Za-z][A-Za-z'’]*)+")
ALLOWED_PATTERNS = (
    re.compile(r"https?://\S+"),  # links (redacted)
    re.compile(r"[\w.+-]+@[\w.-]+"),  # e-mail addresses
    re.compile(r"\b[\w-]+\.(?:json|csv|txt|xlsx|html|toml)\b"),  # file names
    re.compile(r"\b[a-z]+\.[a-z_]+(?:\.[a-z_]+)*\b"),  # check ids
    re.compile(r"\bmeetcheck-batch/\d+"),  # the results' schema id
    re.compile(r"meetcheck (?:check|batch)[^\n<،，；؛)）]*"),  # commands to type
)
# Rows 9 and 10 of the roster: France's primary again (the same e-mail), and no e-mail.
INVALID_ROW = ["France", "Marc Sans Adresse", "alternate", "", "https://127.0.0.1/t/x", ""]


class Visible(HTMLParser):
    """The text a person sees or hears on a page: text outside <script>/<style>, plus the
    title and aria-labels."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        self.parts += [v for k, v in attrs if k == "aria-label" and v]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    page = Visible()
    page.feed(html)
    page.close()
    return "\n".join(page.parts)


def english_phrases(text: str, names: list[str]) -> list[str]:
    """Latin-script phrases left once names, ids, e-mails, links, file names, commands,
    the meeting's and the profile's names are taken out."""
    text = text.replace("\u2068", "").replace("\u2069", "").replace("\u200e", "")
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    for pattern in ALLOWED_PATTERNS:
        text = pattern.sub(" ", text)
    return LATIN_PHRASE.findall(text)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One roster (China's primary link withdrawn: a FAIL from the link checks), some
    self-tests, a duplicate and an invalid row, run in Arabic, Chinese and English with
    --lang and in French from the locale alone."""
    tmp = tmp_path_factory.mktemp("batch-i18n")
    server = CountingServer(tmp)
    try:
        def link(i: int, role: str) -> str:
            kind = "gone" if (i, role) == (1, "primary") else "t"
            return server.link(f"{role}.{i}@example.org", kind)

        rows = speaker_rows(link)
        france_primary = rows[6]
        rows += [[*france_primary[:4], france_primary[4] + "x", ""], INVALID_ROW]
        roster = write_csv(tmp / "speakers.csv", rows, bom=True, delimiter=";")
        meeting = meeting_file(tmp / "m.toml", ["127.0.0.1"])
        # These runs compare languages, not speed: a loaded machine must not add a slow-
        # answer WARN to one language's run and not another's.
        profile = write_profile(tmp / "patient.toml", """
            [checks."links.http".thresholds.ttfb_ms]
            warn = 60000
            fail = 120000
            source = "test: response time is not what these runs compare"
            """, extends="un-rsi-speaker")  # fmt: skip
        reports = tmp / "reports"
        selftest_report(reports, "egypt-p.json", email="primary.0@example.org")
        selftest_report(reports, "egypt-a.json", email="alternate.0@example.org",
                        age=dt.timedelta(days=5))  # stale  # fmt: skip
        selftest_report(reports, "russia-a.json", email="alternate.2@example.org",
                        verdict="NOT READY")  # fmt: skip
        out = {}
        for lang, args, env in (
            ("ar", ["--lang", "ar"], {}),
            ("zh", ["--lang", "zh"], {}),
            ("en", ["--lang", "en"], {"LANG": "ru_RU.UTF-8"}),  # --lang wins
            ("fr", [], {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "fr_FR.UTF-8"}),
        ):
            folder = tmp / f"out-{lang}"
            result = run_batch(
                roster, "--meeting", str(meeting), "--profile", str(profile), "--out",
                str(folder), "--reports", str(reports), *args, env={**server.env(), **env},
            )  # fmt: skip
            assert result.returncode == 2, result.stderr  # invalid rows on the roster
            assert (folder / "results.json").is_file(), result.stderr
            out[lang] = (folder, result)
    finally:
        server.close()
    names = [n for pair in NAMES.values() for n in pair] + list(NAMES) + [
        "Batch test meeting", "un-rsi-speaker", "Marc Sans Adresse", "UTC",
    ]  # fmt: skip
    return out, names, (roster, meeting, profile)


def _results(folder: Path) -> dict:
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def test_language_recorded_keys_and_values_unchanged(runs) -> None:
    out, *_ = runs
    base = _results(out["en"][0])
    for lang in ("ar", "zh", "en", "fr"):
        data = _results(out[lang][0])
        assert data["language"] == lang  # fr: chosen from LANG alone; en: --lang beat LANG
        assert set(data) == set(base)
        assert [(r["row"], r["status"], r["check_verdict"]) for r in data["rows"]] == [
            (r["row"], r["status"], r["check_verdict"]) for r in base["rows"]
        ]
        assert [sorted(f) for r in data["rows"] for f in r["findings"]] == [
            sorted(f) for r in base["rows"] for f in r["findings"]
        ]
        assert [e["row"] for e in data["invalid_rows"]] == [9, 10]


def test_findings_and_reasons_in_the_run_language(runs) -> None:
    """The checks ran with the batch's language active: their findings (from the links
    family's own catalog) are Arabic / Chinese; the readiness reasons too."""
    out, *_ = runs
    english = {r["row"]: r for r in _results(out["en"][0])["rows"]}
    assert "No self-test received." in english[3]["reasons"]
    for lang in ("ar", "zh"):
        rows = {r["row"]: r for r in _results(out[lang][0])["rows"]}
        gone = [f for f in rows[3]["findings"] if f["check_id"] == "links.http"]
        assert gone and gone[0]["status"] == "FAIL"
        assert SCRIPT[lang].search(gone[0]["message"]), gone[0]["message"]
        assert SCRIPT[lang].search(gone[0]["remediation"]), gone[0]["remediation"]
        assert gone[0]["message"] != english[3]["findings"][0]["message"]
        for row in rows.values():
            for reason in row["reasons"]:
                assert SCRIPT[lang].search(reason), (lang, reason)
        invalid = {e["row"]: e["error"] for e in _results(out[lang][0])["invalid_rows"]}
        assert all(SCRIPT[lang].search(e) for e in invalid.values()), invalid


@pytest.mark.parametrize("lang", ["ar", "zh"])
def test_no_english_sentence_in_dashboard_and_to_chase(runs, lang) -> None:
    out, names, _ = runs
    folder = out[lang][0]
    html = (folder / "dashboard.html").read_text(encoding="utf-8")
    chase = (folder / "to-chase.txt").read_text(encoding="utf-8")
    assert english_phrases(visible_text(html), names) == []
    assert english_phrases(chase, names) == []
    # The same documents in English do have these phrases: the detector detects.
    en = out["en"][0]
    assert english_phrases(visible_text((en / "dashboard.html").read_text("utf-8")), names)
    assert english_phrases((en / "to-chase.txt").read_text("utf-8"), names)
    # ...and the translated ones say something, in the language's own script.
    assert len(SCRIPT[lang].findall(visible_text(html))) > 500
    assert len(SCRIPT[lang].findall(chase)) > 200


def test_to_chase_is_a_letter_per_speaker(runs) -> None:
    """One message per speaker to chase, greeting them by name and signed, in the run's
    language (in Arabic each name and address is a left-to-right isolate)."""
    out, *_ = runs
    for lang, greeting, closing in (
        ("en", "Dear {name},", "Kind regards,\nThe meeting secretariat"),
        ("ar", "حضرة \u2068{name}\u2069 المحترم/المحترمة،", "مع أطيب التحيات،\nأمانة الاجتماع"),
        ("zh", "{name}，您好：", "此致敬礼\n会议秘书处"),
        ("fr", "Bonjour {name},", "Cordialement,\nLe secrétariat de la réunion"),
    ):
        chase = (out[lang][0] / "to-chase.txt").read_text(encoding="utf-8")
        data = _results(out[lang][0])
        todo = [r for r in data["rows"] if r["status"] != "ready"]
        assert todo and chase.count(closing) == len(todo)
        for r in todo:
            assert greeting.format(name=r["name"]) in chase
        plain = chase.replace("\u2068", "").replace("\u2069", "")
        assert "<primary.1@example.org>" in plain  # each message says whom it is for


def test_html_lang_and_direction(runs) -> None:
    out, *_ = runs
    for lang, tag in (
        ("ar", '<html lang="ar" dir="rtl">'),
        ("zh", '<html lang="zh-Hans" dir="ltr">'),
        ("fr", '<html lang="fr" dir="ltr">'),
    ):
        assert tag in (out[lang][0] / "dashboard.html").read_text(encoding="utf-8")


def test_csv_keeps_machine_headings_xlsx_is_translated(runs) -> None:
    from openpyxl import load_workbook

    out, *_ = runs
    for lang in ("ar", "zh", "en"):
        folder = out[lang][0]
        with (folder / "results.csv").open(encoding="utf-8-sig", newline="") as fh:
            table = list(csv.reader(fh))
        assert tuple(table[0]) == COLUMNS  # the same in every language: re-importable
        assert {r[6] for r in table[1:]} <= {"ready", "not_ready", "error", "unchecked"}
        book = load_workbook(folder / "results.xlsx", read_only=True)
        head = next(book.worksheets[0].iter_rows(max_row=1, values_only=True))
        if lang == "en":
            assert book.sheetnames == ["Speakers", "Delegations", "Invalid rows"]
            assert head[:3] == ("Row", "Delegation", "Name")
        else:
            assert all(SCRIPT[lang].search(name) for name in book.sheetnames), book.sheetnames
            assert all(SCRIPT[lang].search(h) for h in head), head


def test_stderr_in_the_run_language(runs) -> None:
    out, *_ = runs
    for lang in ("ar", "zh"):
        err = out[lang][1].stderr
        lines = [line for line in err.splitlines() if line.startswith("meetcheck: ")]
        assert lines and all(SCRIPT[lang].search(line) for line in lines), err
        assert "checked ·" not in err and "not ready" not in err


def test_unsupported_language_is_exit_2_with_the_list(tmp_path) -> None:
    roster = write_csv(tmp_path / "r.csv", [])
    result = run_batch(roster, "--meeting", "m.toml", "--lang", "de")
    assert result.returncode == 2
    assert "'de' is not supported (supported: " + ", ".join(LANGUAGES) + ")" in result.stderr
    assert "Traceback" not in result.stderr


# -- the Arabic dashboard in a real browser ----------------------------------------------

VISIBLE_NAMES = (
    "Array.from(document.querySelectorAll('#speakers tbody:not([hidden]) tr.main th span[dir]'))"
    ".map(s => s.textContent)"
)


@pytest.fixture(scope="module")
def arabic_page(runs):
    from support.cdp import Chromium

    out, *_ = runs
    with Chromium(netns=True, window=(1280, 1000)) as browser:
        tab = browser.open((out["ar"][0] / "dashboard.html").as_uri())
        yield tab, _results(out["ar"][0])
        assert tab.errors == [], tab.errors


def test_arabic_dashboard_right_to_left_sorts_and_filters(arabic_page) -> None:
    tab, data = arabic_page
    direction = "getComputedStyle(document.querySelector({!r})).direction".format
    assert tab.evaluate("document.documentElement.lang + ' ' + document.dir") == "ar rtl"
    for selector in ("h1", "#count", "table#speakers", ".tiles", "label[for=f-text]"):
        assert tab.evaluate(direction(selector)) == "rtl", selector
    # The table's first column (#) is on the right.
    assert tab.evaluate(
        "(() => { const c = document.querySelectorAll('#speakers thead th');"
        " return c[0].getBoundingClientRect().left > c[1].getBoundingClientRect().left; })()"
    )
    names = [r["name"] for r in data["rows"]]
    assert tab.evaluate(VISIBLE_NAMES) == names
    count = tab.evaluate("document.getElementById('count').textContent")
    assert ARABIC.search(count) and f"\u2068{len(names)}\u2069" in count
    # Sorting: by delegation, then the row number (ascending at first) -> descending.
    tab.click("th[data-key=delegation] button")
    assert tab.evaluate("document.querySelector('th[data-key=delegation]').ariaSort") == "ascending"
    shown = tab.evaluate(VISIBLE_NAMES)
    order = sorted(data["rows"], key=lambda r: shown.index(r["name"]))
    by_delegation = [r["delegation"] for r in order]
    assert by_delegation == sorted(by_delegation)
    tab.click("th[data-key=row] button")
    tab.click("th[data-key=row] button")
    assert tab.evaluate(VISIBLE_NAMES) == names[::-1]
    assert tab.evaluate("document.querySelector('th[data-key=row]').ariaSort") == "descending"
    # Filtering: not ready only, with the translated count.
    tab.evaluate("(c => { c.value = 'not_ready'; c.dispatchEvent(new Event('change')); })"
                 "(document.getElementById('f-status'))")  # fmt: skip
    not_ready = [r["name"] for r in data["rows"] if r["status"] == "not_ready"]
    assert sorted(tab.evaluate(VISIBLE_NAMES)) == sorted(not_ready) and not_ready
    count = tab.evaluate("document.getElementById('count').textContent")
    assert f"\u2068{len(not_ready)}\u2069" in count and ARABIC.search(count)
    # Expanding a row shows its findings in Arabic.
    row = next(i for i, r in enumerate(data["rows"])
               if any(f["status"] == "FAIL" for f in r["findings"]))  # fmt: skip
    tab.click(f"#r-{row} button.expand")
    detail = tab.evaluate(f"document.getElementById('d-{row}').innerText")
    assert ARABIC.search(detail) and data["rows"][row]["findings"][0]["check_id"] in detail
    # A reason that begins with a check id ("links.http: ...") is still an Arabic sentence:
    # it runs right to left, the id isolated inside it.
    assert data["rows"][row]["reasons"][0].startswith("\u2068links.")
    assert tab.evaluate(direction(f"#d-{row} .reasons li")) == "rtl"
    assert tab.evaluate(direction(f"#d-{row} .findings p")) == "rtl"


def _texts(finding: dict) -> tuple[str, ...]:
    return tuple(finding[k] for k in ("check_id", "title", "message", "remediation"))


def test_outputs_rewritten_in_another_language_from_the_journal(runs, tmp_path) -> None:
    """The journal keeps each finding's recipe: rewriting the English run's outputs with
    ``--resume --lang ar`` (nothing left to check, nothing contacted) renders the rows'
    findings, reasons and errors in Arabic too."""
    import shutil

    out, _, (roster, meeting, profile) = runs
    folder = tmp_path / "out"
    shutil.copytree(out["en"][0], folder)
    result = run_batch(roster, "--meeting", str(meeting), "--profile", str(profile), "--out",
                       str(folder), "--resume", "--lang", "ar")  # fmt: skip
    assert result.returncode == 2, result.stderr
    again, arabic = _results(folder), _results(out["ar"][0])
    assert again["language"] == "ar"
    for row, fresh in zip(again["rows"], arabic["rows"], strict=True):
        assert row["checked_at"] == next(
            r["checked_at"] for r in _results(out["en"][0])["rows"] if r["row"] == row["row"]
        )  # not checked again
        assert list(map(_texts, row["findings"])) == list(map(_texts, fresh["findings"]))
        assert "i18n" not in str(row["findings"])  # the recipes stay in the journal
        assert all(ARABIC.search(reason) for reason in row["reasons"])
