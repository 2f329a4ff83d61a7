"""The HTML report draws the audio findings' series as inline SVG (level over time, the
speech spectrum against 125 Hz - 15 kHz) from the JSON report alone."""

from __future__ import annotations

import copy
import json
import math
import re

import pytest
from support.audio import lowpass, voice, write_audio

from meetcheck.report.html import charts_for, render

SR = 48000


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    from click.testing import CliRunner

    from meetcheck.cli import cli

    d = tmp_path_factory.mktemp("audio-report")
    audio = write_audio(d / "tel.wav", lowpass(voice(8.0, SR, room_noise_dbfs=-70), SR, 3400), SR)
    out = d / "r.json"
    args = ["check", "--only", "audio", "--audio", str(audio), "-q", "--format", "json"]
    result = CliRunner().invoke(cli, [*args, "-o", str(out)])
    assert result.exit_code == 1, result.output  # a telephone-band microphone is NOT READY
    return json.loads(out.read_text())


def _finding(data: dict, check: str) -> dict:
    return next(r for r in data["results"] if r["id"] == check)["findings"][0]


def _points(svg: str) -> list[tuple[float, float]]:
    pts = re.search(r'<polyline class="line-speech" points="([^"]*)"', svg).group(1)
    return [tuple(map(float, p.split(","))) for p in pts.split()]


def test_level_and_spectrum_charts(report):
    html = render(report)
    charts = re.findall(r'<svg class="chart" role="img".*?</svg>', html, re.S)
    assert len(charts) == 3  # level, speech spectrum with pauses, pause spectrum (noise)
    level = next(c for c in charts if "Level over" in c)
    assert "warn -36 dBFS" in level and "fail -50 dBFS" in level  # the profile's limits
    pts = _points(level)
    assert len(pts) >= 60 and pts[-1][0] == pytest.approx(480, abs=1)
    spectrum = next(c for c in charts if "Spectrum of the speech" in c)
    assert "125 Hz - 15 kHz (ISO 24019)" in spectrum
    # the telephone band: the speech line falls to the chart's floor above 3.4 kHz
    x_4k = 480 * math.log10(4000 / 50) / math.log10(20000 / 50)  # the chart's log axis
    high = [y for x, y in _points(spectrum) if x > x_4k + 20]
    assert high and min(high) > 120  # y > 120 of 160: below -60 dB
    assert not re.search(r'(src|href)="https?:', html)  # self-contained


def test_the_text_report_has_no_series(report, tmp_path):
    from click.testing import CliRunner

    from meetcheck.cli import cli

    saved = tmp_path / "r.json"
    saved.write_text(json.dumps(report))
    text = CliRunner().invoke(cli, ["report", "render", str(saved), "--format", "text"])
    assert text.exit_code == 0, text.output
    assert "level_over_time" not in text.stdout and "audio.bandwidth" in text.stdout
    html = CliRunner().invoke(cli, ["report", "render", str(saved), "--format", "html"])
    assert html.stdout.count('<svg class="chart"') == 3


@pytest.mark.parametrize(
    "bad",
    [None, "text", {"level_over_time": "x"}, {"level_over_time": [[1, "a"], [2]]},
     {"speech_spectrum": [[100, float("nan")]]}],
)  # fmt: skip
def test_malformed_series_draw_nothing(report, bad):
    data = copy.deepcopy(report)
    finding = _finding(data, "audio.level")
    finding["extra"] = {"audio_charts": bad}
    assert charts_for(finding) == []
    render(data)  # and the page still renders


def test_demo_style_report_has_charts(report):
    assert charts_for(_finding(report, "audio.level"))
    assert not charts_for(_finding(report, "audio.format"))
