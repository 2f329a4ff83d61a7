"""The self-test's server side over real HTTP: upload, judging, storage, limits, tokens.

A real ``meetcheck serve`` (in a thread) and real uploads (aiohttp's client, multipart), a
recording made from espeak-ng speech; the browser's part is in test_selftest_browser.py.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
from support.audio import write_audio
from support.english import english_fragments, visible_text

from meetcheck.report.load import load_report
from meetcheck.server.app import serve_in_thread
from meetcheck.server.config import ServerConfig

RTT_S = [0.031, 0.029, 0.035, 0.030, 0.033]


def speech_wav(path: Path, seconds: float = 11.0) -> Path:
    """8 s of espeak-ng speech then 3 s of quiet, 48 kHz mono WAV: longer than the page's
    10 s recording, so the fake microphone (which loops its file) never wraps inside it."""
    from meetcheck.media.audiofile import read_mono

    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng not installed (apt-get install espeak-ng)")
    raw = path.with_suffix(".espeak.wav")
    subprocess.run(
        ["espeak-ng", "-v", "en", "-s", "150", "-w", str(raw),
         "The Conference reaffirms the importance of full and effective participation of "
         "all delegations, and requests interpretation in all six official languages."],
        check=True,
    )  # fmt: skip
    voice = read_mono(raw, 48000, 8.0)
    quiet = np.random.default_rng(1).normal(0, 3e-4, int((seconds - 8.0) * 48000))
    return write_audio(path, np.concatenate([voice, quiet]), 48000)


def measurements(**over: Any) -> dict[str, Any]:
    samples = [
        {
            "t": 500.0 * i,
            "remote-inbound-rtp": {"roundTripTime": rtt, "jitter": 0.004, "packetsLost": 1},
            "outbound-rtp": {"packetsSent": 25 * (i + 1), "bytesSent": 2500 * (i + 1)},
            "inbound-rtp": {"packetsReceived": 25 * (i + 1), "packetsLost": 0, "jitter": 0.006},
            "candidate-pair": {"localCandidateType": "srflx", "protocol": "udp"},
        }
        for i, rtt in enumerate(RTT_S)
    ]
    data = {
        "version": 1,
        "user_agent": "test agent",
        "devices": {"microphone": "USB Headset", "headphones": "USB Headset"},
        "recording": {"seconds": 10.0},
        "echo": {"samples": samples, "connect_ms": 150.0, "error": ""},
        "channels": [],
    }
    return data | over


@pytest.fixture(scope="module")
def wav(tmp_path_factory) -> Path:
    return speech_wav(tmp_path_factory.mktemp("selftest") / "speech.wav")


@pytest.fixture
def server(tmp_path):
    cfg = ServerConfig(selftest_reports_dir=str(tmp_path / "reports"), access_log=False)
    with serve_in_thread(cfg) as srv:
        yield srv


def post(url: str, parts: list[tuple[str, bytes, str]], **kw: Any) -> tuple[int, Any]:
    async def go() -> tuple[int, Any]:
        form = aiohttp.FormData()
        for name, body, ctype in parts:
            form.add_field(name, body, content_type=ctype, filename=f"{name}.bin")
        async with aiohttp.ClientSession() as s, s.post(url, data=form, **kw) as r:
            text = await r.text()
            try:
                return r.status, json.loads(text)
            except ValueError:
                return r.status, text

    return asyncio.run(go())


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    async def go() -> tuple[int, str]:
        async with aiohttp.ClientSession() as s, s.get(url, headers=headers) as r:
            return r.status, await r.text()

    return asyncio.run(go())


def upload(wav: Path, meas: dict[str, Any] | None = None) -> list[tuple[str, bytes, str]]:
    return [
        ("measurements", json.dumps(meas or measurements()).encode(), "application/json"),
        ("recording", wav.read_bytes(), "audio/wav"),
    ]


def test_upload_is_judged_stored_and_counted(server, wav: Path, tmp_path: Path) -> None:
    status, body = post(server.base_url + "/selftest/report", upload(wav))
    assert status == 200, body
    report = body["report"]
    stored = tmp_path / "reports" / body["stored"]
    assert json.loads(stored.read_text()) == report
    assert load_report(str(stored))["verdict"] == body["verdict"]  # the shipped schema
    assert report["extra"]["source"] == "browser"
    assert report["extra"]["browser"]["user_agent"] == "test agent"
    results = {r["id"]: r for r in report["results"]}
    # The audio family judged the uploaded recording.
    assert results["audio.speech"]["status"] == "PASS"
    # network.media judged the browser's figures: the median RTT of the samples.
    media = results["network.media"]
    facts = {m["name"]: m["value"] for f in media["findings"] for m in f["measurements"]}
    assert facts["rtt_ms"] == pytest.approx(1000 * sorted(RTT_S)[2])
    assert facts["source"] == "browser getStats()"
    assert facts["candidate_type"] == "srflx/udp"
    assert "burst_loss_pct" in facts["not_measured"]
    assert facts["up_loss_pct"] == pytest.approx(100 * 1 / 125)
    assert results["network.mos"]["status"] in ("PASS", "WARN")
    # What the browser cannot measure is skipped, saying so; nothing measured the server.
    for cid in ("network.stun", "system.cpu", "audio.echo"):
        assert results[cid]["status"] == "SKIPPED"
        assert "browser self-test" in results[cid]["reason"]
    assert results["channels.receive"]["status"] == "SKIPPED"
    assert "html" in body and "<html" in body["html"]
    health = json.loads(get(server.base_url + "/healthz")[1])
    assert health["selftest"]["reports"] == 1
    _, index = get(server.base_url + "/")
    assert '<strong id="selftest-reports">1</strong>' in index
    # the recording was deleted after the analysis
    assert not list(Path(tempfile.gettempdir()).glob("meetcheck-selftest-*"))


def test_the_report_comes_back_in_the_browsers_language(server, wav: Path) -> None:
    status, body = post(
        server.base_url + "/selftest/report",
        upload(wav),
        headers={"Accept-Language": "de-CH, fr;q=0.8, en;q=0.5"},
    )
    assert status == 200, body
    assert 'lang="fr"' in body["html"][:400]
    status, body = post(
        server.base_url + "/selftest/report", upload(wav), headers={"Accept-Language": "ar"}
    )
    assert 'lang="ar"' in body["html"][:400] and 'dir="rtl"' in body["html"][:400]
    # The seam's skip reason too: "not part of the browser self-test", in Arabic.
    stun = next(r for r in body["report"]["results"] if r["id"] == "network.stun")
    assert stun["status"] == "SKIPPED"
    assert stun["reason"].startswith("ليس جزءًا من الاختبار الذاتي في المتصفح"), stun


def test_meetcheck_batch_reads_the_stored_reports(server, wav: Path, tmp_path: Path) -> None:
    from meetcheck.batch.selftests import SelfTestIndex, load_selftests

    token = server.demo_link().rsplit("/", 1)[1]
    status, body = post(f"{server.base_url}/selftest/{token}/report", upload(wav))
    assert status == 200, body
    tests = load_selftests(tmp_path / "reports")
    assert [t.file for t in tests] == [body["stored"]]
    found = SelfTestIndex(tests).latest_for("Demo.Delegate@example.org", "")
    assert found is not None and found.source == "browser"
    assert found.verdict == body["verdict"]


def test_personal_link_names_the_participant_and_nobody_else(server, wav: Path) -> None:
    link = server.demo_link()
    token = link.rsplit("/", 1)[1]
    status, page = get(f"{server.base_url}/selftest/{token}")
    assert status == 200 and "Demo Delegate" in page and 'lang="en"' in page
    meas = measurements(participant={"name": "Someone Else", "email": "x@example.org"})
    status, body = post(f"{server.base_url}/selftest/{token}/report", upload(wav, meas))
    assert status == 200, body
    who = body["report"]["participant"]
    assert (who["name"], who["email"]) == ("Demo Delegate", "demo.delegate@example.org")
    assert token not in json.dumps(body["report"])  # the link is stored redacted
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    status, body = post(f"{server.base_url}/selftest/{tampered}/report", upload(wav))
    assert status == 403
    assert json.loads(get(server.base_url + "/healthz")[1])["selftest"]["reports"] == 1


def test_bluetooth_label_from_the_browser_warns(server, wav: Path) -> None:
    meas = measurements(devices={"microphone": "Jabra Evolve (Bluetooth Hands-Free)"})
    status, body = post(server.base_url + "/selftest/report", upload(wav, meas))
    fmt = next(r for r in body["report"]["results"] if r["id"] == "audio.format")
    assert fmt["status"] == "WARN" and "Bluetooth" in fmt["findings"][0]["message"]


def test_page_is_self_contained_and_accessible(server) -> None:
    async def headers() -> dict[str, str]:
        async with aiohttp.ClientSession() as s, s.get(server.base_url + "/selftest") as r:
            return dict(r.headers)

    csp = asyncio.run(headers())["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp  # nowhere else
    status, page = get(server.base_url + "/selftest")
    assert status == 200
    assert 'lang="en"' in page and 'aria-live="polite"' in page
    assert 'role="meter"' in page and "aria-valuenow" in page
    assert '<label for="mic">' in page and '<label for="out">' in page
    for external in ("src=\"http", "href=\"http", "<link ", "@import", "url("):
        assert external not in page
    # No rules in the page: its script names no status, threshold or limit (it measures).
    script = page.split("<script>")[-1].lower()
    for rule in ("threshold", "limit", '"pass"', '"warn"', '"fail"', "dbfs <", "dbfs >"):
        assert rule not in script
    # Its human text sits in the template's text table, not in the script.
    assert '"speak": "Recording: read the passage aloud now."' in page


@pytest.mark.parametrize(
    "parts, status",
    [
        ([], 415),  # not multipart at all
        ([("measurements", b"{not json", "application/json")], 400),
        ([("measurements", json.dumps(measurements()).encode(), "application/json")], 400),
        ([("measurements", json.dumps({"version": 9}).encode(), "application/json")], 422),
        ([("measurements", json.dumps(measurements(echo={"samples": [{"t": "x"}]})).encode(),
           "application/json")], 422),  # fmt: skip
        ([("recording", b"RIFF", "text/html")], 415),
        ([("surprise", b"x", "text/plain")], 400),
    ],
)
def test_bad_uploads_are_4xx(server, parts, status) -> None:
    got, body = post(server.base_url + "/selftest/report", parts)
    assert got == status, body
    assert isinstance(body, dict) and body.get("detail")


def test_not_audio_and_too_long_are_422(server, wav: Path, tmp_path: Path) -> None:
    meas = json.dumps(measurements()).encode()
    got, body = post(
        server.base_url + "/selftest/report",
        [
            ("measurements", meas, "application/json"),
            ("recording", b"RIFF" + b"x" * 999, "audio/wav"),
        ],
    )
    assert got == 422 and "not readable audio" in body["detail"]
    long = write_audio(tmp_path / "long.wav", np.zeros(48000 * 31) + 0.01, 48000)
    got, body = post(
        server.base_url + "/selftest/report",
        [("measurements", meas, "application/json"), ("recording", long.read_bytes(), "audio/wav")],
    )
    assert got == 422 and "longer than 30 s" in body["detail"]


def test_upload_size_is_bounded(tmp_path: Path, wav: Path) -> None:
    cfg = ServerConfig(
        selftest_reports_dir=str(tmp_path / "r"), selftest_max_upload_bytes=50_000,
        access_log=False,
    )  # fmt: skip
    with serve_in_thread(cfg) as srv:
        got, body = post(srv.base_url + "/selftest/report", upload(wav))
    assert got == 413, body


def test_keep_recordings(tmp_path: Path, wav: Path) -> None:
    cfg = ServerConfig(
        selftest_reports_dir=str(tmp_path / "r"), selftest_keep_recordings=True,
        access_log=False,
    )  # fmt: skip
    with serve_in_thread(cfg) as srv:
        got, body = post(srv.base_url + "/selftest/report", upload(wav))
    assert got == 200, body
    kept = tmp_path / "r" / (Path(body["stored"]).stem + "-audio") / "recording.audio"
    assert kept.read_bytes() == wav.read_bytes()


def test_serve_toml_selftest_section(tmp_path: Path) -> None:
    from meetcheck.errors import InputError
    from meetcheck.server.config import load_server_config

    path = tmp_path / "serve.toml"
    path.write_text('[selftest]\nreports_dir = "out"\nmax_upload_bytes = 2048\nworkers = 3\n')
    cfg = load_server_config(str(path))
    assert cfg.selftest_reports_dir == str(tmp_path / "out")
    assert (cfg.selftest_max_upload_bytes, cfg.selftest_workers) == (2048, 3)
    assert not cfg.selftest_keep_recordings and cfg.selftest_max_recording_seconds == 30
    path.write_text("[selftest]\nworkers = 0\n")
    with pytest.raises(InputError, match="selftest.workers"):
        load_server_config(str(path))
    path.write_text("[selftest]\nsurprise = 1\n")
    with pytest.raises(InputError, match="surprise"):
        load_server_config(str(path))


def test_channels_sent_ahead_count_only_for_their_sender(server, wav: Path, tmp_path: Path) -> None:
    """The page sends the channels' audio while still recording; the judgement picks the
    analysis up by its id, and only from the same link (an anonymous page cannot use it)."""
    floor = write_audio(
        tmp_path / "floor.wav", np.random.default_rng(2).normal(0, 0.05, 48000 * 4), 48000
    )
    channel = {
        "code": "floor", "label": "Floor", "ok": True, "first_audio_ms": 640.0,
        "stats": {"packetsReceived": 250, "packetsLost": 0, "jitter": 0.004,
                  "concealedSamples": 0, "totalSamplesReceived": 192000},
    }  # fmt: skip
    ahead = {"version": 1, "listen_s": 4.0, "channels": [channel]}
    token = server.demo_link().rsplit("/", 1)[1]
    parts = [
        ("measurements", json.dumps(ahead).encode(), "application/json"),
        ("channel.floor", floor.read_bytes(), "audio/wav"),
    ]
    status, body = post(f"{server.base_url}/selftest/{token}/channels", parts)
    assert status == 200, body
    key = body["channels_id"]
    meas = measurements(channels=[channel], channels_id=key)
    # another sender (here: no link) cannot use this analysis
    status, other = post(server.base_url + "/selftest/report", upload(wav, meas))
    results = {r["id"]: r for r in other["report"]["results"]}
    assert results["channels.receive"]["status"] == "SKIPPED"
    status, mine = post(f"{server.base_url}/selftest/{token}/report", upload(wav, meas))
    assert status == 200, mine
    results = {r["id"]: r for r in mine["report"]["results"]}
    receive = results["channels.receive"]
    assert receive["status"] == "PASS", receive
    facts = {m["name"]: m["value"] for f in receive["findings"] for m in f["measurements"]}
    assert facts["first_audio_ms"] == 640.0


# -- the page in the delegate's language (issue 14) ------------------------------------------
def page_words(page: str) -> str:
    """What the delegate reads on the page: its visible text, the sentences its script
    shows (the texts table) and the meter's spoken value."""
    table = re.search(r'<script type="application/json" id="texts">(.*?)</script>', page, re.S)
    assert table, "the page has no texts table"
    shown = [visible_text(page), *json.loads(table.group(1)).values()]
    shown += re.findall(r'aria-valuetext="([^"]*)"', page)
    return " ".join(re.findall(r"[A-Za-z']+", " ".join(shown)))


def page_config(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="config">(.*?)</script>', page, re.S)
    assert found
    return json.loads(found.group(1))


def test_the_page_speaks_the_browsers_language(server) -> None:
    from meetcheck.checks.audio.guide import passage
    from meetcheck.i18n import use_language

    fragments = english_fragments()
    status, page = get(
        server.base_url + "/selftest", headers={"Accept-Language": "de-CH, ar;q=0.9, en;q=0.5"}
    )
    assert status == 200
    assert '<html lang="ar" dir="rtl">' in page
    english = sorted(f for f in fragments if f in page_words(page))
    assert english == [], english
    with use_language("ar"):
        assert passage() in page  # the audio family's passage, read aloud in Arabic
    assert "<bdi>8</bdi>" in page  # values in a sentence keep their own direction
    assert "ثانيتين" in page  # Arabic's dual: "for two seconds", the number in words
    # The control: the same page in English is made of those very sentences.
    _, english_page = get(server.base_url + "/selftest")
    assert '<html lang="en" dir="ltr">' in english_page
    assert len([f for f in fragments if f in page_words(english_page)]) >= 15


def test_lang_parameter_overrides_and_the_switcher_names_six_languages(server) -> None:
    from meetcheck.i18n.language import NAMES

    ar = {"Accept-Language": "ar"}
    _, page = get(server.base_url + "/selftest?lang=zh", headers=ar)
    assert '<html lang="zh-Hans" dir="ltr">' in page
    assert "测试您的麦克风和网络连接" in page and "，" in page
    # The upload asks for the same language, so the report matches the page.
    config = page_config(page)
    assert config["upload_url"] == "/selftest/report?lang=zh"
    assert config["channels_url"] == "/selftest/channels?lang=zh"
    link = r'<a href="\?lang=(\w+)" hreflang="[^"]+" lang="[^"]+"([^>]*)>([^<]+)</a>'
    links = re.findall(link, page)
    assert [(code, name) for code, _, name in links] == list(NAMES.items())
    assert [code for code, current, _ in links if "aria-current" in current] == ["zh"]
    # A language outside the six falls back to the browser's.
    _, page = get(server.base_url + "/selftest?lang=de", headers=ar)
    assert '<html lang="ar" dir="rtl">' in page


def test_upload_reasons_come_in_the_delegates_language(server, tmp_path: Path) -> None:
    bad = [("measurements", json.dumps({"version": 9}).encode(), "application/json")]
    got, body = post(server.base_url + "/selftest/report?lang=fr", bad)
    assert got == 422
    assert body["detail"].startswith("La page a envoyé des mesures que ce serveur ne peut pas")
    assert "measurements.version" in body["detail"]  # the technical detail, as it is
    got, body = post(server.base_url + "/selftest/report", bad, headers={"Accept-Language": "ar"})
    assert got == 422 and "يُرجى إعادة تحميل الصفحة" in body["detail"]
    meas = json.dumps(measurements()).encode()
    not_audio = [
        ("measurements", meas, "application/json"),
        ("recording", b"RIFF" + b"x" * 99, "audio/wav"),
    ]
    got, body = post(server.base_url + "/selftest/report?lang=ru", not_audio)
    assert got == 422 and body["detail"].startswith("Запись не удаётся прочитать как звук")
