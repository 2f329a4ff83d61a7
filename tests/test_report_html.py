"""The HTML report: self-contained, escaped, verdict first, every check explained."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser

import pytest
from support.reports import SCRIPT, SECRET_TOKEN, run_json, strings

from meetcheck.report.html import gauge, render


@pytest.fixture
def run(tmp_path, monkeypatch):
    """A real mixed run that wrote both JSON and HTML; returns (html, report dict)."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report.html"
    result, data = run_json(tmp_path, "--format", "html", "-o", str(out))
    assert result.exit_code == 1, result.output
    return out.read_text(encoding="utf-8"), data


class Page(HTMLParser):
    """Collects what the browser would act on: tags, attributes, text, headings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self._heading: str | None = None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._buf = tag, ""

    def handle_endtag(self, tag):
        if tag == self._heading:
            self.headings.append((tag, self._buf.strip()))
            self._heading = None

    def handle_data(self, data):
        self.text.append(data)
        if self._heading:
            self._buf += data


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def check_html(html: str, cid: str) -> str:
    """One check's section."""
    start = html.index(f'id="check-{cid}"')
    return html[start : html.index("</section>", start)]


def svgs(page: Page) -> list[dict[str, str]]:
    return [attrs for tag, attrs in page.elements if tag == "svg"]


def section(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end)]


def test_self_contained(run):
    html, data = run
    lowered = html.lower()
    for banned in ("<script", "<link", "@import", "url(", "<img", "<iframe", "<object"):
        assert banned not in lowered, banned
    page = parse(html)
    for tag, attrs in page.elements:
        for name, value in attrs.items():
            assert "//" not in value, (tag, name, value)
            if name in ("href", "src", "action", "srcset", "poster", "data"):
                assert value.startswith("#"), (tag, name, value)
    # Any URL left is text copied from the report (a source, a redacted link), never ours.
    report_text = "\n".join(strings(data))
    urls = re.findall(r"https?://[^\s<>\"')]+", "\n".join(page.text))
    assert urls, "the test report should contain URLs shown as text"
    for url in urls:
        assert url in report_text, url
    style = section(html, "<style>", "</style>")
    assert "http" not in style


def test_markup_in_report_text_is_escaped(run):
    html, _ = run
    assert SCRIPT not in html
    assert "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "Committee &lt;on&gt; Tests" in html
    assert "script" not in [tag for tag, _ in parse(html).elements]


def test_secrets_stay_redacted(run):
    html, _ = run
    assert SECRET_TOKEN not in html
    assert "hunter2hunter2" not in html
    assert "https://rsi.example.org/join/s3cr\u20263456" in html


def test_verdict_first_with_its_meaning(run):
    html, _ = run
    page = parse(html)
    assert page.headings[0] == ("h1", "NOT READY")
    assert [h for h in page.headings if h[0] == "h1"] == [("h1", "NOT READY")]
    first_check = html.index('id="check-')
    assert html.index("NOT READY") < html.index("What to fix") < first_check
    assert html.index("At least one required check failed") < first_check
    assert [h[1] for h in page.headings if h[0] == "h2"] == [
        "What to fix",
        "Checks",
        "Environment",
    ]


def test_what_to_fix_lists_every_non_pass_required_check(run):
    html, _ = run
    fix = section(html, 'id="fix-heading"', 'id="checks-heading"')
    required, advisory = fix.split("Advisory checks")
    expected = {
        "x.bitrate": "Move closer to the router or use a cable.",  # FAIL finding's advice
        "x.jitter": "Close video streaming on your network.",  # WARN
        "x.boom": "Report this to the secretariat.",  # ERROR: the check's remediation
        "x.slow": "Check your connection, then run again.",  # TIMEOUT
        "x.after": "skipped because x.bitrate ended FAIL",  # SKIPPED: the reason
    }
    for cid, text in expected.items():
        assert f'href="#check-{cid}"' in required
        assert text in required
    for passing in ("x.rtt", "system.os", "y.hostile"):
        assert f'href="#check-{passing}"' not in required
    assert 'href="#check-y.hostile"' in advisory
    order = [required.index(f'href="#check-{c}"') for c in ("x.bitrate", "x.boom", "x.jitter")]
    assert order == sorted(order), "failures first, then errors, then warnings"


def test_each_check_has_status_measurements_threshold_and_reason(run):
    html, data = run
    checks = html[html.index('id="checks-heading"') : html.index('id="env-heading"')]
    for r in data["results"]:
        assert f'id="check-{r["id"]}"' in checks
    bitrate, jitter = check_html(html, "x.bitrate"), check_html(html, "x.jitter")
    assert "<span>FAIL</span>" in bitrate.split("</header>")[0]  # the word, not only a colour
    assert "320 kbit/s" in bitrate
    assert "warning below 1000 kbit/s, fail below 500 kbit/s" in bitrate
    # the citation stays in the language the profile wrote it in
    assert 'Source: <span lang="en" translate="no">platform requirements</span>' in bitrate
    assert "opus, G.722" in bitrate  # list values
    assert "<span>WARN</span>" in jitter.split("</header>")[0]
    assert "42.5 ms" in jitter
    assert "warning above 30 ms, fail above 50 ms" in jitter
    assert "<strong>Error:</strong> RuntimeError: device vanished" in check_html(html, "x.boom")
    assert "<strong>Timed out:</strong> did not finish within 0.2 s" in check_html(html, "x.slow")
    after = check_html(html, "x.after")
    assert "<strong>Skipped:</strong> skipped because x.bitrate ended FAIL" in after


def test_a_gauge_per_thresholded_number(run):
    html, _ = run
    page = parse(html)
    gauges = [a for a in svgs(page) if a.get("class") == "gauge"]
    labels = sorted(g["aria-label"] for g in gauges)
    assert labels == [
        "jitter 42.5 ms against warning above 30 ms, fail above 50 ms",
        "rtt 80 ms against warning above 150 ms, fail above 300 ms",
        "upload 320 kbit/s against warning below 1000 kbit/s, fail below 500 kbit/s",
    ]
    assert all(g["role"] == "img" for g in gauges)


def test_gauge_places_value_between_limits():
    higher = {"direction": "higher_is_worse", "warn": 30, "fail": 50}
    g = gauge(42.5, higher)
    ticks = {t["label"]: t["x"] for t in g["ticks"]}
    assert ticks["warn"] < g["value_x"] < ticks["fail"]
    zones = {z["kind"]: z for z in g["zones"]}
    assert zones["ok"]["x"] == 0 and zones["fail"]["x"] == ticks["fail"]

    lower = {"direction": "lower_is_worse", "warn": 1000, "fail": 500}
    g = gauge(320, lower)
    ticks = {t["label"]: t["x"] for t in g["ticks"]}
    assert g["value_x"] < ticks["fail"] < ticks["warn"]
    zones = {z["kind"]: z for z in g["zones"]}
    assert zones["fail"]["x"] == 0 and zones["ok"]["x"] == ticks["warn"]
    assert 0 <= g["value_x"] <= g["width"]

    negative = gauge(-30.0, {"direction": "lower_is_worse", "warn": -20, "fail": -40})
    ticks = {t["label"]: t["x"] for t in negative["ticks"]}
    assert ticks["fail"] < negative["value_x"] < ticks["warn"]

    assert gauge(True, higher) is None
    assert gauge("fast", higher) is None
    assert gauge(float("nan"), higher) is None
    assert gauge(5, {"direction": "higher_is_worse", "warn": None, "fail": None}) is None
    only_fail = gauge(5, {"direction": "higher_is_worse", "warn": None, "fail": 10})
    assert [z["kind"] for z in only_fail["zones"]] == ["ok", "fail"]


def test_environment_names_versions_profile_and_plugin_errors(run):
    html, data = run
    env = html[html.index('id="env-heading"') :]
    e = data["environment"]
    assert f"<dd>{e['meetcheck_version']}</dd>" in env
    assert "<td>statuses</td><td>9.8.7</td><td>directory</td>" in env
    assert data["profile"]["digest"] in env
    assert "test-speaker 1.2 (extends un-rsi-speaker)" in env
    assert f"{e['os']} {e['os_release']}" in env
    assert "<strong>broken</strong> failed to import: ImportError: needs libfoo" in env
    assert "Morning: 2026-12-01 10:00:00 +01:00 to 2026-12-01 13:00:00 +01:00" in env


def test_accessible_and_printable(run):
    html, data = run
    assert '<html lang="en">' in html
    assert "@media print" in html and "break-inside: avoid" in html
    page = parse(html)
    for r in data["results"]:  # the status is written out in every check's heading row
        head = check_html(html, r["id"]).split("</header>")[0]
        assert f"<span>{r['status']}</span>" in head
    for attrs in svgs(page):
        assert attrs.get("aria-hidden") == "true" or attrs.get("role") == "img"


def test_attribute_values_are_escaped_too(run):
    _, data = run
    data = copy.deepcopy(data)
    finding = next(r for r in data["results"] if r["id"] == "x.jitter")["findings"][0]
    finding["measurements"][0]["name"] = 'jit"ter<x>'
    finding["threshold"]["metric"] = 'jit"ter<x>'
    page = parse(render(data))
    labels = [a["aria-label"] for a in svgs(page) if "aria-label" in a]
    assert any(label.startswith('jit"ter<x> 42.5 ms') for label in labels)


def test_empty_and_interrupted_reports_render(run):
    _, data = run
    data = copy.deepcopy(data)
    data.update(results=[], interrupted=True, verdict="INCOMPLETE", meeting=None)
    data["summary"] = dict.fromkeys(data["summary"], 0)
    html = render(data)
    assert "No checks ran." in html
    assert "The run was interrupted" in html
    assert "no meeting file given" in html
    assert parse(html).headings[0] == ("h1", "INCOMPLETE")
