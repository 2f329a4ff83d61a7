"""Live microphones through a real PulseAudio server (pipe sources fed with known audio):
listing with bus and form factor, the guided recording measured like a file, and a
missing server or unknown device reported as findings, never a traceback."""

from __future__ import annotations

import json

import numpy as np
import pytest
from support.audio import voice
from support.pulse import HAVE_PULSE, running

import meetcheck.commands.mic as mic_command

pytestmark = pytest.mark.skipif(not HAVE_PULSE, reason="pulseaudio / pulseaudio-utils missing")
SR = 48000


@pytest.fixture(scope="module")
def pulse(tmp_path_factory):
    hands_free = (8000, 1, "device.description='Headset (hands-free)' device.bus=bluetooth "
                  "device.form_factor=headset")  # fmt: skip
    name = "bluez_source.00_1B_66.handsfree_head_unit"
    with running(tmp_path_factory.mktemp("pulse"), {name: hands_free}) as server:
        yield server


@pytest.fixture
def short_recording(monkeypatch):
    monkeypatch.setattr(mic_command, "READ_S", 4.0)
    monkeypatch.setattr(mic_command, "SILENT_S", 1.0)


def test_mic_list(meetcheck_cli, pulse, monkeypatch):
    monkeypatch.setenv("PULSE_SERVER", pulse.server)
    result = meetcheck_cli("mic", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    usb = next(line for line in lines if line.startswith("usb_mic:"))
    assert "RODE NT-USB" in usb and "bus usb" in usb and "form factor microphone" in usb
    bt = next(line for line in lines if line.startswith("bluez_source"))
    assert "Bluetooth device" in bt and "8000 Hz" in bt


def _run(meetcheck_cli, tmp_path, *args):
    out = tmp_path / "r.json"
    result = meetcheck_cli("check", "--only", "audio", "-q", "--format", "json", "-o", str(out),
                           *args)  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    data = json.loads(out.read_text())
    return result, {r["id"]: r for r in data["results"]}


def _m(result: dict, name: str):
    return next(m["value"] for f in result["findings"] for m in f["measurements"]
                if m["name"] == name)  # fmt: skip


def test_guided_recording_from_a_usb_microphone(
    meetcheck_cli, pulse, monkeypatch, tmp_path, short_recording
):
    monkeypatch.setenv("PULSE_SERVER", pulse.server)
    take = voice(10.0, SR, room_noise_dbfs=-70.0)
    pulse.feed("usb_mic", take)
    result, results = _run(meetcheck_cli, tmp_path, "--mic", "usb_mic")
    assert "Read this aloud" in result.stderr and "stay silent" in result.stderr
    assert _m(results["audio.speech"], "speech_s") > 1.0  # 5 s of a voice with pauses
    assert _m(results["audio.level"], "active_level_dbfs") == pytest.approx(-26.0, abs=1.0)
    assert _m(results["audio.format"], "sample_rate_hz") == SR
    assert _m(results["audio.bandwidth"], "band") == "fullband"
    assert _m(results["audio.format"], "duration_s") == pytest.approx(5.0, abs=0.05)


def test_bluetooth_headset_fails_format_and_bandwidth(
    meetcheck_cli, pulse, monkeypatch, tmp_path, short_recording
):
    monkeypatch.setenv("PULSE_SERVER", pulse.server)
    name = "bluez_source.00_1B_66.handsfree_head_unit"
    pulse.feed(name, voice(10.0, 8000, room_noise_dbfs=-70.0))
    result, results = _run(meetcheck_cli, tmp_path, "--mic", name)
    assert result.exit_code == 1
    fmt = results["audio.format"]
    assert fmt["status"] == "FAIL" and _m(fmt, "sample_rate_hz") == 8000
    assert results["audio.bandwidth"]["status"] == "FAIL"
    assert _m(results["audio.bandwidth"], "band") == "narrowband"


def test_unknown_device_and_no_server_are_findings(meetcheck_cli, pulse, monkeypatch, tmp_path):
    monkeypatch.setenv("PULSE_SERVER", pulse.server)
    result, results = _run(meetcheck_cli, tmp_path, "--mic", "no-such-mic")
    assert result.exit_code == 1 and "Traceback" not in result.output
    finding = results["audio.level"]["findings"][0]
    assert finding["status"] == "FAIL" and "unknown microphone 'no-such-mic'" in finding["message"]
    assert "usb_mic" in finding["message"]  # the microphones there are
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'nothing-here'}")
    result, results = _run(meetcheck_cli, tmp_path, "--mic")
    assert result.exit_code == 1 and "Traceback" not in result.output
    message = results["audio.speech"]["findings"][0]["message"]
    assert "no PulseAudio or PipeWire sound server" in message
    assert "microphone:" in result.stderr


def test_levels_of_the_recording_follow_the_source(pulse, monkeypatch):
    """The capture path itself: a tone at a known level comes back at that level."""
    from meetcheck.media.capture import find_source, list_sources, record
    from meetcheck.media.levels import rms_dbfs

    monkeypatch.setenv("PULSE_SERVER", pulse.server)
    t = np.arange(3 * SR) / SR
    pulse.feed("usb_mic", 0.1 * np.sin(2 * np.pi * 997 * t))
    source = find_source("usb_mic", list_sources())
    levels: list[float] = []
    pcm = np.concatenate(list(record(source, 3.0, on_level=levels.append)), axis=1)
    assert pcm.shape == (1, 3 * SR)
    # the pipe still held up to 0.7 s of what the previous test fed: judge the last 1.5 s
    assert rms_dbfs(pcm[0][-3 * SR // 2 :]) == pytest.approx(
        20 * np.log10(0.1 / np.sqrt(2)), abs=0.3
    )
    assert len(levels) == 30 and levels[-1] == pytest.approx(-23.0, abs=0.3)


def test_playback_reaches_the_output(meetcheck_cli, pulse, monkeypatch, tmp_path, short_recording):
    """--playback plays the recording on the default output: the null sink's monitor
    hears the voice at its level."""
    import threading

    from meetcheck.media.capture import find_source, list_sources, record
    from meetcheck.media.levels import active_level_dbfs

    monkeypatch.setenv("PULSE_SERVER", pulse.server)
    pulse.feed("usb_mic", voice(10.0, SR, room_noise_dbfs=-70.0))
    monitor = find_source("room.monitor", list_sources())
    heard: list[np.ndarray] = []
    listener = threading.Thread(
        target=lambda: heard.extend(record(monitor, 8.0, sample_rate=SR, channels=1))
    )
    listener.start()
    # without the loudspeaker test, whose test sound the monitor would hear as well
    result, results = _run(meetcheck_cli, tmp_path, "--mic", "usb_mic", "--playback",
                           "--no-echo-test")  # fmt: skip
    assert "Playing your recording back" in result.stderr
    listener.join(30)
    played = np.concatenate(heard, axis=1)[0]
    assert active_level_dbfs(played, SR) == pytest.approx(
        _m(results["audio.level"], "active_level_dbfs"), abs=1.5
    )


def test_echo_test_finds_the_loudspeaker(
    meetcheck_cli, pulse, monkeypatch, tmp_path, short_recording
):
    """A 'microphone' that is the loudspeaker's monitor hears the test sound at full level;
    a USB microphone fed separately does not hear it."""
    monkeypatch.setenv("PULSE_SERVER", pulse.server)
    result, results = _run(meetcheck_cli, tmp_path, "--mic", "room.monitor")
    assert "test sound" in result.stderr
    echo = results["audio.echo"]
    assert echo["status"] == "FAIL", echo
    assert _m(echo, "echo_detected") is True
    assert _m(echo, "echo_return_loss_db") == pytest.approx(0.0, abs=3.0)
    # a quiet room (-60 dBFS noise): a voice during the test sound would keep the
    # cross-correlation from ruling out the 30 dB the profile asks for
    room = 0.001 * np.random.default_rng(1).standard_normal(10 * SR)
    pulse.feed("usb_mic", room)
    result, results = _run(meetcheck_cli, tmp_path, "--mic", "usb_mic")
    echo = results["audio.echo"]
    assert echo["status"] == "PASS", echo
    assert _m(echo, "echo_detected") is False
    _, results = _run(meetcheck_cli, tmp_path, "--mic", "usb_mic", "--no-echo-test")
    assert results["audio.echo"]["status"] == "SKIPPED"
