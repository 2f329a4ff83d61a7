"""Live capture through PortAudio (sounddevice): on Linux PortAudio records through ALSA,
whose ``pulse`` device (libasound2-plugins) reaches a real user-mode PulseAudio server fed
from files. Levels come back within the audio tolerances; the sound server's metadata is
merged in; the backend used is named; no PortAudio and no device are findings."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from support.audio import sine, voice, write_audio
from support.pulse import HAVE_PULSE, running

import meetcheck.commands.mic as mic_command
from meetcheck.media import portaudio
from meetcheck.media.capture import Source, find_source, list_sources, merge, record

pytestmark = [
    pytest.mark.skipif(not HAVE_PULSE, reason="pulseaudio / pulseaudio-utils missing"),
    pytest.mark.skipif(not portaudio.available(), reason="sounddevice / libportaudio2 missing"),
]
SR = 48000


@pytest.fixture(scope="module")
def pulse(tmp_path_factory):
    sources = {
        "tone_mic": (SR, 1, "device.description='Tone' device.bus=usb"),
        "laptop_mic": (SR, 2, "device.description='Built-in Audio' device.bus=pci "
                       "device.form_factor=internal"),
    }  # fmt: skip
    with running(tmp_path_factory.mktemp("pulse"), sources) as server:
        yield server


@pytest.fixture
def server_env(pulse, monkeypatch):
    monkeypatch.setenv("PULSE_SERVER", pulse.server)
    return pulse


def _take(source: Source, seconds: float) -> np.ndarray:
    """``seconds`` after 1 s that flushes what the pipe held, as mono."""
    pcm = np.concatenate(list(record(source, 1.0 + seconds)), axis=1)
    return pcm[:, SR:].mean(axis=0)


def test_a_recorded_file_comes_back_at_its_levels(server_env, tmp_path):
    """A voice file fed to the server and recorded by PortAudio: the recording is the file
    (looped), so its active speech level and loudness match the file's within 0.5 dB."""
    from meetcheck.media.audiofile import read_mono
    from meetcheck.media.levels import active_level_dbfs, rms_dbfs

    path = write_audio(tmp_path / "voice.flac", voice(4.0, SR, room_noise_dbfs=-70.0), SR)
    truth = read_mono(path, SR, 60.0)
    server_env.feed("usb_mic", truth)
    source = find_source("usb_mic", list_sources("portaudio"))
    assert (source.backend, source.route, source.host_api) == ("portaudio", "usb_mic", "ALSA")
    assert (source.bus, source.form_factor) == ("usb", "microphone")  # the server's metadata
    got = _take(source, truth.size / SR)  # one whole loop: a circular shift of the file
    assert got.size == truth.size
    assert active_level_dbfs(got, SR) == pytest.approx(active_level_dbfs(truth, SR), abs=0.5)
    assert rms_dbfs(got) == pytest.approx(rms_dbfs(truth), abs=0.5)

    server_env.feed("tone_mic", sine(0.05, 2.0, SR))
    tone = _take(find_source("tone_mic", list_sources("portaudio")), 1.5)
    assert rms_dbfs(tone) == pytest.approx(20 * np.log10(0.05 / np.sqrt(2)), abs=0.5)


def test_stereo_device_and_the_level_meter(server_env):
    server_env.feed("laptop_mic", np.vstack([sine(0.1, 2.0, SR), sine(0.01, 2.0, SR)]))
    source = find_source("Built-in Audio", list_sources("portaudio"))
    assert source.kind() == "built-in microphone" and source.channels == 2
    levels: list[float] = []
    pcm = np.concatenate(list(record(source, 2.0, on_level=levels.append)), axis=1)
    assert pcm.shape == (2, 2 * SR) and len(levels) == 20
    left, right = (20 * np.log10(np.sqrt(np.mean(c[SR:] ** 2))) for c in pcm)
    assert left - right == pytest.approx(20.0, abs=0.5)  # the channels stay apart


def test_mic_list_names_the_backend(meetcheck_cli, server_env):
    out = meetcheck_cli("mic", "list").stdout
    usb = next(line for line in out.splitlines() if line.startswith("usb_mic:"))
    assert "bus usb" in usb and "recorded by PortAudio (ALSA) through the sound server" in usb
    out = meetcheck_cli("mic", "list", "--capture-backend", "pulse").stdout
    usb = next(line for line in out.splitlines() if line.startswith("usb_mic:"))
    assert "bus usb" in usb and "recorded by PulseAudio/PipeWire (parec)" in usb


def _run(meetcheck_cli, tmp_path, *args):
    out = tmp_path / "r.json"
    result = meetcheck_cli("check", "--only", "audio", "-q", "--format", "json", "-o", str(out),
                           "--no-echo-test", *args)  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    return result, {r["id"]: r for r in json.loads(out.read_text())["results"]}


@pytest.mark.parametrize(
    "backend, named", [("portaudio", "PortAudio (ALSA)"), ("pulse", "PulseAudio/PipeWire (parec)")]
)
def test_guided_recording_with_each_backend(
    meetcheck_cli, server_env, tmp_path, monkeypatch, backend, named
):
    monkeypatch.setattr(mic_command, "READ_S", 3.0)
    monkeypatch.setattr(mic_command, "SILENT_S", 1.0)
    server_env.feed("usb_mic", voice(10.0, SR, room_noise_dbfs=-70.0))
    result, results = _run(meetcheck_cli, tmp_path, "--mic", "usb_mic",
                           "--capture-backend", backend)  # fmt: skip
    assert f"recorded by {named}" in result.stderr
    fmt = results["audio.format"]["findings"][0]["measurements"]
    assert next(m["value"] for m in fmt if m["name"] == "recorded_by").startswith(named)
    level = results["audio.level"]["findings"][0]["measurements"]
    active = next(m["value"] for m in level if m["name"] == "active_level_dbfs")
    assert active == pytest.approx(-26.0, abs=1.0)


def test_without_portaudio(meetcheck_cli, server_env, tmp_path, monkeypatch):
    """sounddevice not installed: asking for PortAudio is a finding naming the package;
    auto falls back to the sound server's tools."""
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # what an absent package does
    result, results = _run(meetcheck_cli, tmp_path, "--mic", "usb_mic",
                           "--capture-backend", "portaudio")  # fmt: skip
    finding = results["audio.level"]["findings"][0]
    assert finding["status"] == "FAIL" and "pip install sounddevice" in finding["message"]
    out = meetcheck_cli("mic", "list").stdout
    assert "recorded by PulseAudio/PipeWire (parec)" in out


def test_no_device_at_all(meetcheck_cli, tmp_path, monkeypatch):
    """No sound server and no pactl: PortAudio sees no device; a clear line, exit 1."""
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'nothing-here'}")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pactl/parec
    result = meetcheck_cli("mic", "list", "--capture-backend", "portaudio")
    assert result.exit_code == 0 and "no capture devices" in result.stdout
    result, results = _run(meetcheck_cli, tmp_path, "--mic", "--capture-backend", "portaudio")
    message = results["audio.speech"]["findings"][0]["message"]
    assert "no microphone found" in message


def test_merge_by_alsa_card_and_name():
    """A server source and the PortAudio device of the same ALSA card are one entry with
    the server's metadata, recorded through PortAudio's pulse device."""
    server = [
        Source("alsa_input.usb-RODE", "RODE NT-USB Mono", bus="usb", alsa_hw="hw:1,0"),
        Source("bluez_input.00_1B", "Jabra Evolve", bus="bluetooth"),
    ]
    devices = [
        Source("pulse", "pulse", backend="portaudio", host_api="ALSA", device=5),
        Source("RODE NT-USB: USB Audio (hw:1,0)", "", backend="portaudio", device=2,
               alsa_hw="hw:1,0"),  # fmt: skip
        Source("Jabra Evolve", "", backend="portaudio", device=3),
    ]
    merged = {s.name: s for s in merge(devices, server)}
    assert set(merged) == {"alsa_input.usb-RODE", "bluez_input.00_1B", "pulse"}
    rode = merged["alsa_input.usb-RODE"]
    assert (rode.bus, rode.device, rode.route) == ("usb", 5, "alsa_input.usb-RODE")
    assert find_source("RODE NT-USB: USB Audio (hw:1,0)", list(merged.values())) == rode
    assert merged["bluez_input.00_1B"].kind() == "Bluetooth device"
    # without the pulse device, a server source is recorded by parec
    alone = merge(devices[1:], server)
    assert alone[0].backend == "pulse" and alone[0].aliases == ("RODE NT-USB: USB Audio (hw:1,0)",)
