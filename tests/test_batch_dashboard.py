"""The batch dashboard: one self-contained, escaped, accessible page; in a real headless
Chromium it sorts, filters and expands rows without a server and logs no errors."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

import pytest
from support.batch_results import (
    CONTROL_EMAIL,
    HOSTILE_NAME,
    INVALID,
    ROWS,
    TLS_FINDING,
    build_results,
)
from support.contrast import low_contrast_text

from meetcheck.batch.dashboard import render_dashboard, script_json


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside each element with an id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):
        if self.tags and self.tags[-1][0] == "script" and self.lasttag == "script":
            self.scripts.append(data)

    def all(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag]


def tags(html: str) -> Tags:
    page = Tags()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def html() -> str:
    return render_dashboard(build_results())


def scripts(html: str) -> list[str]:
    return re.findall(r"<script[^>]*>(.*?)</script>", html, re.S)


def test_self_contained_no_external_urls(html):
    lowered = html.lower()
    for banned in ("<link", "@import", "url(", "<img", "<iframe", "<object", "fetch(",
                   "xmlhttprequest", "<base"):  # fmt: skip
        assert banned not in lowered, banned
    for tag, attrs in tags(html).tags:
        for name in ("src", "href", "action", "xlink:href"):
            assert name not in attrs, (tag, attrs)
    # The only "http" text is the (redacted) personal links shown as escaped text.
    assert set(re.findall(r"https?://[^\s<\"]+", html)) == {ROWS[0]["link"]}


def test_csp_allows_exactly_the_inline_script(html):
    csp = next(a["content"] for a in tags(html).all("meta")
               if a.get("http-equiv") == "Content-Security-Policy")  # fmt: skip
    assert "default-src 'none'" in csp
    code = scripts(html)[-1]
    digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1]
    assert not any(k.startswith("on") for _, a in tags(html).tags for k in a), "inline handler"


@pytest.mark.parametrize(("language", "expected"), [
    ("en", ("en", "ltr")), ("ar", ("ar", "rtl")), ("zh", ("zh-Hans", "ltr")), ("ru", ("ru", "ltr")),
    ("he", ("en", "ltr")),  # not one of the six: the page is in English
    ('en" onload="alert(1)', ("en", "ltr")), (None, ("en", "ltr")),
])  # fmt: skip
def test_lang_and_direction_on_html(language, expected):
    page = tags(render_dashboard(build_results(language=language)))
    attrs = page.all("html")[0]
    assert (attrs["lang"], attrs["dir"]) == expected


def test_hostile_text_escaped_and_script_block_safe(html):
    assert HOSTILE_NAME not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    # Exactly the three script elements of the template close (rows, words, code): nothing
    # in the data does.
    assert html.lower().count("</script") == 3 and html.lower().count("<script") == 3
    data = json.loads(scripts(html)[0])
    assert [r["name"] for r in data] == [r["name"] for r in ROWS]
    escaped = '["\\u003c/script\\u003e\\u003c!--\\u0026\\u2028"]'
    assert script_json(["</script><!--&\u2028"]) == escaped


def test_control_characters_shown_visibly(html):
    assert "\x1b" not in html
    assert CONTROL_EMAIL.replace("\x1b", "\\x1b") in html
    assert CONTROL_EMAIL.replace("\x1b", "\\x1b") in json.loads(scripts(html)[0])[9]["email"]


def test_every_row_its_findings_and_selftest_state(html):
    for n, row in enumerate(ROWS):
        start = html.index(f'<tbody id="r-{n}"')
        body = html[start : html.index("</tbody>", start)]
        assert f'<td class="num">{row["row"]}</td>' in body
        if row["name"] != HOSTILE_NAME:
            assert f'<span dir="auto">{row["name"]}</span>' in body
        for f in row["findings"]:
            assert f["check_id"] in body
    tls = html[html.index('id="d-2"'):]
    assert TLS_FINDING["remediation"] in tls[: tls.index("</tr>")]
    stale = html[html.index('id="r-3"'):html.index('id="r-4"')]
    assert "Stale: READY, 130 h old" in stale and "too old: ask for a new self-test" in stale
    assert "No self-test report received" in html[html.index('id="r-7"'):html.index('id="r-8"')]


def test_invalid_rows_listed_with_number_and_error(html):
    part = html[html.index('id="invalid-heading"'):]
    assert "Invalid roster rows (3)" in part
    for bad in INVALID:
        error = bad["error"].replace("'", "&#39;")
        assert f'<tr><td>{bad["row"]}</td><td>{error}</td></tr>' in part


def test_totals_and_incomplete_marker():
    complete = render_dashboard(build_results())
    assert "4 of 10 speakers ready · 1 of 6 delegations ready" in complete
    assert "Incomplete run" not in complete
    partial = render_dashboard(build_results(complete=False))
    assert "Incomplete run" in partial and "1 speaker not checked yet" in partial


def test_accessible_structure(html):
    page = tags(html)
    ids = {a["id"] for _, a in page.tags if "id" in a}
    assert all(a.get("scope") in ("col", "row") for a in page.all("th"))
    labelled = {a["for"] for a in page.all("label")}
    for control in page.all("select") + [a for a in page.all("input")]:
        assert control["id"] in labelled
    sortable = [a for a in page.all("th") if "data-key" in a]
    assert len(sortable) == 8 and sum("aria-sort" in a for a in sortable) == 1
    expanders = [a for a in page.all("button") if "expand" in a.get("class", "")]
    assert len(expanders) == len(ROWS)
    for b in expanders:
        assert b["aria-expanded"] == "false" and b["aria-controls"] in ids
    assert ":focus-visible" in html
    # Status in words next to the colour.
    words = re.findall(r'<span class="badge s-[a-z]+"><svg .*?</svg><span>([^<]+)</span>', html)
    assert len(words) == html.count('class="badge ') > 2 * len(ROWS)
    assert set(words) == {"Ready", "Not ready", "Error", "Unchecked", "FAIL", "ERROR", "WARN"}


def test_progress_chart_and_its_text_alternative(html):
    page = tags(html)
    svg = next(a for a in page.all("svg") if a.get("role") == "img")
    assert svg["aria-labelledby"] == "chart-title chart-desc"
    assert "3 runs from 2026-11-26 09:00:00 UTC to 2026-11-30 02:00:00 UTC" in html
    # 20 %, 30 %, 40 % of speakers ready: y = 180 - share * 180.
    lines = {a["class"]: a["points"] for a in page.all("polyline")}
    assert lines["speakers"] == "0.0,144.0 280.0,126.0 560.0,108.0"
    assert "<td>4 of 10</td>" in html and "<td>1 of 6</td>" in html


def test_partial_document_still_renders():
    html = render_dashboard({"rows": [{"row": 1, "name": "Zoë"}], "history": "nonsense"})
    assert "0 of 0 speakers ready" in html and "Zoë" in html and "No earlier runs" in html


def test_same_input_same_bytes():
    assert render_dashboard(build_results()) == render_dashboard(build_results())


# -- in a real browser -------------------------------------------------------------------

NAMES_JS = (
    "Array.from(document.querySelectorAll('#speakers tbody:not([hidden]) tr.main th span[dir]'))"
    ".map(span => span.textContent)"
)
COUNT_JS = "document.getElementById('count').textContent"


def set_control(page, ident: str, value: str, event: str) -> None:
    """A control's new value and the event the browser fires for it."""
    page.evaluate(f"(c => {{ c.value = {value!r}; c.dispatchEvent(new Event({event!r})); }})"
                  f"(document.getElementById({ident!r}))")  # fmt: skip


def aria_sort(page, key: str) -> str | None:
    return page.evaluate(f"document.querySelector('th[data-key={key}]').ariaSort")


@pytest.fixture(scope="module")
def browser():
    from support.cdp import Chromium

    with Chromium(netns=True, window=(1280, 1000)) as chromium:
        yield chromium


@pytest.fixture
def page(browser, tmp_path):
    path = tmp_path / "dashboard.html"
    path.write_text(render_dashboard(build_results()), encoding="utf-8")
    tab = browser.open(path.as_uri())
    yield tab
    assert tab.errors == [], tab.errors
    browser.send("Target.closeTarget", {"targetId": tab.target})


def names(page) -> list[str]:
    return page.evaluate(NAMES_JS)


def test_browser_renders_every_row(page):
    assert page.evaluate(COUNT_JS) == "10 of 10 speakers shown"
    assert names(page) == [r["name"] for r in ROWS]
    assert page.evaluate("getComputedStyle(document.querySelector('tr.detail')).display") == "none"


def test_browser_sorts_by_click_and_keyboard(page):
    page.click("th[data-key=delegation] button")
    ascending = page.evaluate(
        "Array.from(document.querySelectorAll('#speakers tbody tr.main td:nth-child(2)'))"
        ".map(td => td.textContent)"
    )
    rows_by_delegation = sorted(ROWS, key=lambda r: (r["delegation"], r["row"]))
    assert ascending == [r["delegation"] for r in rows_by_delegation]
    assert names(page) == [r["name"] for r in rows_by_delegation]
    assert aria_sort(page, "delegation") == "ascending" and aria_sort(page, "row") is None
    # Keyboard: focus the "#" header's button and press Enter twice -> rows in reverse order.
    page.evaluate("document.querySelector('th[data-key=row] button').focus()")
    page.press("Enter")
    assert names(page) == [r["name"] for r in ROWS]
    page.press("Enter")
    assert names(page) == [r["name"] for r in reversed(ROWS)]
    assert aria_sort(page, "row") == "descending"
    # Status sorts by what needs chasing first, not alphabetically.
    page.click("th[data-key=status] button")
    statuses = page.evaluate("Array.from(document.querySelectorAll('#speakers tbody[data-status]'))"
                             ".map(b => b.dataset.status)")  # fmt: skip
    order = ["not_ready", "error", "unchecked", "ready"]
    assert statuses == sorted(statuses, key=order.index) and statuses[0] == "not_ready"


def test_browser_filters_by_status_text_and_not_ready(page):
    set_control(page, "f-status", "not_ready", "change")
    assert names(page) == [r["name"] for r in ROWS if r["status"] == "not_ready"]
    assert page.evaluate(COUNT_JS) == "4 of 10 speakers shown"
    set_control(page, "f-status", "", "change")
    page.click("#f-text")
    page.type_text("elodie")  # accents folded: finds Élodie
    assert names(page) == ["Élodie Martin"]
    set_control(page, "f-text", "", "input")
    page.type_text("egypt")
    assert names(page) == [ROWS[2]["name"], ROWS[3]["name"]]
    set_control(page, "f-text", "nobody-here", "input")
    assert names(page) == [] and page.evaluate(COUNT_JS) == "0 of 10 speakers shown"
    assert page.evaluate("document.getElementById('no-match').hidden") is False
    set_control(page, "f-text", "", "input")
    page.click("#f-open")
    assert names(page) == [r["name"] for r in ROWS if r["status"] != "ready"]


def test_browser_expands_a_row_and_screenshot(page, tmp_path):
    detail = "document.getElementById('d-2')"
    assert page.evaluate(f"{detail}.hidden") is True
    page.click("#r-2 button.expand")
    assert page.evaluate("document.querySelector('#r-2 button.expand').ariaExpanded") == "true"
    assert page.evaluate(f"{detail}.hidden") is False
    assert TLS_FINDING["remediation"] in page.evaluate(f"{detail}.innerText")
    page.click("#r-3 button.expand")
    assert "too old" in page.evaluate("document.getElementById('d-3').innerText")
    # Arabic names read right to left inside the left-to-right table.
    assert page.evaluate("getComputedStyle(document.querySelector('#r-2 th span[dir=auto]'))"
                         ".direction") == "rtl"  # fmt: skip
    shot = page.screenshot(tmp_path / "dashboard.png")
    assert shot.stat().st_size > 10_000
    page.click("#r-2 button.expand")
    assert page.evaluate(f"{detail}.hidden") is True


def test_browser_arabic_page_right_to_left(browser, tmp_path):
    """lang="ar": the page runs right to left, each name in its own direction, and the
    chart keeps time running left to right."""
    path = tmp_path / "dashboard-ar.html"
    path.write_text(render_dashboard(build_results(language="ar")), encoding="utf-8")
    tab = browser.open(path.as_uri())
    try:
        direction = "getComputedStyle(document.querySelector({!r})).direction".format
        assert tab.evaluate("document.documentElement.lang + ' ' + document.dir") == "ar rtl"
        assert tab.evaluate(direction("#r-2 th span[dir=auto]")) == "rtl"
        assert tab.evaluate(direction("#r-0 th span[dir=auto]")) == "ltr"
        assert tab.evaluate(direction("svg.chart")) == "ltr"
        # The script's own text is in the page's language too, its numbers isolated.
        assert tab.evaluate(COUNT_JS) == "المتحدثون المعروضون: \u206810\u2069 من \u206810\u2069"
        assert tab.errors == [], tab.errors
    finally:
        browser.send("Target.closeTarget", {"targetId": tab.target})


def test_browser_text_contrast_meets_wcag_aa(page):
    page.evaluate("document.querySelectorAll('button.expand').forEach(b => b.click())")
    page.evaluate("document.querySelector('details.figures').open = true")
    assert page.evaluate("document.querySelectorAll('tr.detail:not([hidden])').length") == len(ROWS)
    assert low_contrast_text(page) == []


def test_browser_without_javascript_shows_every_detail(browser, tmp_path):
    path = tmp_path / "dashboard.html"
    path.write_text(render_dashboard(build_results()), encoding="utf-8")
    tab = browser.open("about:blank")
    try:
        tab.send("Emulation.setScriptExecutionDisabled", {"value": True})
        tab.navigate(path.as_uri())
        shown = tab.evaluate(
            "Array.from(document.querySelectorAll('tr.detail'))"
            ".filter(tr => getComputedStyle(tr).display === 'table-row').length + ' ' +"
            "getComputedStyle(document.querySelector('.controls')).display"
        )
        assert shown == f"{len(ROWS)} none"
    finally:
        browser.send("Target.closeTarget", {"targetId": tab.target})


def test_progress_with_one_run_and_without_history():
    one = build_results()
    one["history"] = one["history"][-1:]
    page = tags(render_dashboard(one))
    assert page.all("polyline") == []
    assert {(a["cx"], a["cy"]) for a in page.all("circle") if a.get("class") == "speakers"} == {
        ("280.0", "108.0")
    }
    none = build_results()
    none["history"] = []
    assert "No earlier runs of this roster yet" in render_dashboard(none)
