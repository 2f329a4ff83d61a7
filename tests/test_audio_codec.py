"""The speaker's recording as the platform carries it: through the test meeting's echo
endpoint (Opus over WebRTC on loopback, both ways), measured like the original."""

from __future__ import annotations

import json

import pytest
from support.audio import lowpass, voice, write_audio

SR = 48000


def _facts(results: dict) -> dict:
    """Every measurement of every finding, by name."""
    return {
        m["name"]: m["value"]
        for r in results.values()
        for f in r["findings"]
        for m in f["measurements"]
    }


def _level_and_band(meetcheck_cli, server, tmp_path, take, *args) -> dict:
    """audio.level and audio.bandwidth on ``take`` with the test meeting: results by id."""
    audio = write_audio(tmp_path / "v.wav", take, SR)
    out = tmp_path / "r.json"
    result = meetcheck_cli(
        "check", "--meeting", server.meeting_url, "--audio", str(audio), "-q",
        "--only", "audio.level", "--only", "audio.bandwidth", "--format", "json", "-o", str(out),
        *args,
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    return {r["id"]: r for r in json.loads(out.read_text())["results"]}


@pytest.mark.parametrize(("cutoff", "band"), [(None, None), (3400, "narrowband")])
def test_after_the_codec(meetcheck_cli, meeting_server, tmp_path, cutoff, band):
    take = voice(6.0, SR, room_noise_dbfs=-70.0)
    if cutoff:
        take = lowpass(take, SR, cutoff)
    results = _level_and_band(meetcheck_cli, meeting_server, tmp_path, take)
    facts = _facts(results)
    messages = [f["message"] for r in results.values() for f in r["findings"]]
    assert any("as the platform carries it" in m for m in messages), messages
    # Opus keeps the level of speech; today's echo path (webrtc/client.py with the server's
    # echo) returns even a steady tone 3 dB low (noted in issue 10's closing note), so the
    # margin admits that until it is fixed. The codec cannot widen a band the mic cut.
    assert facts["active_level_after_codec_dbfs"] == pytest.approx(
        facts["active_level_dbfs"], abs=3.5
    )
    assert facts["bandwidth_after_codec_hz"] <= facts["bandwidth_hz"] * 1.2  # two 1/12 octaves
    if band:
        assert facts["band_after_codec"] == band


def test_without_a_meeting_nothing_is_sent(meetcheck_cli, tmp_path):
    audio = write_audio(tmp_path / "v.wav", voice(3.0, SR, room_noise_dbfs=-70.0), SR)
    out = tmp_path / "r.json"
    result = meetcheck_cli("check", "--audio", str(audio), "-q", "--only", "audio.bandwidth",
                           "--format", "json", "-o", str(out))  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    data = json.loads(out.read_text())
    assert all("platform carries" not in f["message"]
               for r in data["results"] for f in r["findings"])  # fmt: skip


def _opened(server) -> int:
    import requests

    return requests.get(server.base_url + "/healthz", timeout=10).json()["sessions"]["opened"]


def test_one_echo_call_serves_both_families(meetcheck_cli, meeting_server, tmp_path):
    """network.media and the audio checks judge the same call: the echo endpoint sees one
    session, the network figures and the after-codec audio are both there, and the call
    carried the speaker's voice (Opus keeps a voice's level; a 440 Hz tone would have no
    band to speak of)."""
    audio = write_audio(tmp_path / "v.wav", voice(6.0, SR, room_noise_dbfs=-70.0), SR)
    out = tmp_path / "r.json"
    before = _opened(meeting_server)
    result = meetcheck_cli(
        "check", "--meeting", meeting_server.meeting_url, "--audio", str(audio), "-q",
        "--only", "network.media", "--only", "audio.level", "--only", "audio.bandwidth",
        "--format", "json", "-o", str(out),
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    assert _opened(meeting_server) - before == 1
    results = {r["id"]: r for r in json.loads(out.read_text())["results"]}
    facts = _facts(results)
    # the call's figures (judged against the profile: a busy machine may warn on jitter)
    assert results["network.media"]["status"] != "ERROR", results["network.media"]
    assert facts["rtt_ms"] > 0 and facts["audio_frames_received"] > 100
    assert facts["active_level_after_codec_dbfs"] == pytest.approx(
        facts["active_level_dbfs"], abs=3.5
    )
    assert facts["band_after_codec"] in ("super-wideband", "fullband")


def _after_codec(meetcheck_cli, server, tmp_path, take, *args) -> dict:
    """The after-codec findings of audio.level and audio.bandwidth, by metric."""
    found = {}
    for r in _level_and_band(meetcheck_cli, server, tmp_path, take, *args).values():
        for f in r["findings"]:
            for m in f["measurements"]:
                if m["name"].endswith("_after_codec_dbfs") or m["name"].endswith("_codec_hz"):
                    found[m["name"]] = f
    return found


def test_after_codec_figures_are_judged_with_the_profiles_sources(
    meetcheck_cli, meeting_server, tmp_path
):
    """A quiet, 7 kHz microphone: the sound as the platform carries it is judged against
    the profile's after-codec limits (with their sources), and the fix points at the
    microphone, which the platform cannot repair."""
    take = lowpass(voice(6.0, SR, room_noise_dbfs=-70.0), SR, 7000) * 10 ** (-14 / 20)
    found = _after_codec(meetcheck_cli, meeting_server, tmp_path, take)
    level = found["active_level_after_codec_dbfs"]
    assert level["status"] == "WARN"  # -40 dBFS sent: under -36, over -50
    assert level["threshold"]["warn"] == -36 and "P.56" in level["threshold"]["source"]
    band = found["bandwidth_after_codec_hz"]
    assert band["status"] == "FAIL" and "ISO 24019" in band["threshold"]["source"]
    assert "Fix the microphone first" in band["remediation"]

    found = _after_codec(meetcheck_cli, meeting_server, tmp_path, voice(6.0, SR),
                         "--profile", "un-rsi-interpreter")  # fmt: skip
    assert found["bandwidth_after_codec_hz"]["status"] == "PASS"  # fullband Opus: 20 kHz
    assert found["bandwidth_after_codec_hz"]["threshold"]["fail"] == 13000


def test_a_platform_that_narrows_the_voice_is_named(meetcheck_cli, meeting_server, tmp_path):
    """Opus cuts at 20 kHz (RFC 6716's fullband): with an after-codec limit above that and a
    22 kHz microphone, the microphone passes and the platform is named."""
    profile = tmp_path / "strict.toml"
    profile.write_text(
        'extends = "un-rsi-speaker"\nname = "strict"\nversion = "1"\n'
        'description = "after-codec limit above Opus fullband"\naudience = "speaker"\n'
        '[checks."audio.bandwidth".thresholds.bandwidth_after_codec_hz]\n'
        'warn = 21500\nfail = 21000\nsource = "test: above Opus fullband (20 kHz)"\n'
    )
    take = voice(6.0, SR, room_noise_dbfs=-70.0)
    found = _after_codec(meetcheck_cli, meeting_server, tmp_path, take, "--profile", str(profile))
    band = found["bandwidth_after_codec_hz"]
    assert band["status"] == "FAIL", band
    assert "the platform makes your voice narrower" in band["remediation"]
