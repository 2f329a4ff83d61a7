"""The audio analysis against ground truth the tests generate: tones and noise at known
levels, noise at known speech-to-noise ratios, known cut-offs, clipping, hum, DC, dropouts,
silence, dead channels, and the same take in several formats and sample rates.

Tolerances from the issue: level within 0.5 dB, bandwidth class always right, SNR within
2 dB between 10 and 40 dB.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from support.audio import db, lowpass, sine, voice, write_audio

from meetcheck.media.analysis import AudioAnalyzer
from meetcheck.media.audiofile import analyse_file, iter_pcm
from meetcheck.media.levels import ActiveLevelMeter, active_level_dbfs

SR = 48000


@pytest.fixture(scope="module")
def take() -> np.ndarray:
    """Ten seconds of a full-band voice, clean (digital silence in the pauses)."""
    return voice(10.0, SR)


@pytest.fixture(scope="module")
def room_take() -> np.ndarray:
    """The same voice in a quiet room: white noise at -70 dBFS under it."""
    return voice(10.0, SR, room_noise_dbfs=-70.0)


def analyse(tmp_path: Path, pcm: np.ndarray, sr: int = SR, name: str = "x.wav", **kw):
    return analyse_file(write_audio(tmp_path / name, pcm, sr), **kw)


@pytest.mark.parametrize("amplitude", [0.9, 0.3, 0.05, 0.005])
def test_tone_levels(tmp_path, amplitude):
    r = analyse(tmp_path, sine(amplitude, 3.0, SR))
    assert r.active_level_dbfs == pytest.approx(db(amplitude / math.sqrt(2)), abs=0.5)
    assert r.peak_dbfs == pytest.approx(db(amplitude), abs=0.05)
    assert r.true_peak_dbtp == pytest.approx(db(amplitude), abs=0.1)
    # BS.1770: a 1 kHz sine reads its peak level less 3.01 dB in LUFS
    assert r.loudness_lufs == pytest.approx(db(amplitude) - 3.01, abs=0.1)
    assert not r.has_speech  # a steady tone is not speech


def test_true_peak_between_samples(tmp_path):
    """fs/4 at 45 degrees: every sample at 0.707 of the peak, which lies between samples."""
    t = np.arange(2 * SR) / SR
    x = 0.5 * np.sin(2 * np.pi * 12000 * t + np.pi / 4)
    r = analyse(tmp_path, x)
    assert r.peak_dbfs == pytest.approx(db(0.5) - 3.01, abs=0.05)
    assert r.true_peak_dbtp == pytest.approx(db(0.5), abs=0.5)


@pytest.mark.parametrize("level", [-20.0, -40.0])
def test_noise_level(tmp_path, level):
    rng = np.random.default_rng(3)
    r = analyse(tmp_path, 10 ** (level / 20) * rng.standard_normal(3 * SR))
    assert r.active_level_dbfs == pytest.approx(level, abs=0.5)
    assert r.noise_floor_dbfs == pytest.approx(level, abs=1.0)
    assert not r.has_speech


def test_clean_voice(tmp_path, take):
    r = analyse(tmp_path, take)
    assert r.active_level_dbfs == pytest.approx(active_level_dbfs(take, SR), abs=0.05)
    assert r.active_level_dbfs == pytest.approx(-26.0, abs=0.5)
    assert r.has_speech and 3.0 < r.speech_s < 8.0
    assert r.band == "fullband"
    assert r.clipped(3) == (0, 0.0)
    assert r.hum_dbfs < -120


@pytest.mark.parametrize("snr", [10, 20, 30, 40])
def test_speech_to_noise_ratio(tmp_path, take, snr):
    """Ground truth: the clean take's P.56 level minus the added noise's RMS level."""
    speech = active_level_dbfs(take, SR)
    rng = np.random.default_rng(snr)
    noise_dbfs = speech - snr
    x = take + 10 ** (noise_dbfs / 20) * rng.standard_normal(take.size)
    r = analyse(tmp_path, x)
    assert r.snr_db == pytest.approx(snr, abs=2.0)
    assert r.noise_floor_dbfs == pytest.approx(noise_dbfs, abs=1.0)
    assert r.speech_level_dbfs == pytest.approx(speech, abs=1.0)


@pytest.mark.parametrize(
    ("cutoff", "band"),
    [(3400, "narrowband"), (7000, "wideband"), (11000, "super-wideband"), (15000, "fullband")],
)
def test_bandwidth_class_of_low_passed_speech(tmp_path, room_take, cutoff, band):
    r = analyse(tmp_path, lowpass(room_take, SR, cutoff))
    assert r.band == band
    assert r.bandwidth_hz == pytest.approx(cutoff, rel=0.08)
    assert r.low_hz < 125


@pytest.mark.parametrize(
    ("sr", "band"), [(8000, "narrowband"), (16000, "wideband"), (44100, "fullband")]
)
def test_bandwidth_follows_the_sample_rate(tmp_path, sr, band):
    r = analyse(tmp_path, voice(6.0, sr), sr)
    assert r.sample_rate == sr
    assert r.band == band
    assert r.active_level_dbfs == pytest.approx(-26.0, abs=0.5)


def test_high_pass_shows_in_the_low_edge(tmp_path, room_take):
    spec = np.fft.rfft(room_take)
    spec[np.fft.rfftfreq(room_take.size, 1 / SR) < 300] = 0
    r = analyse(tmp_path, np.fft.irfft(spec, room_take.size))
    assert 250 <= r.low_hz <= 400


@pytest.mark.parametrize("suffix", [".flac", ".ogg", ".mp3", ".m4a"])
def test_the_same_take_in_other_formats(tmp_path, take, suffix):
    wav = analyse(tmp_path, take)
    other = analyse(tmp_path, take, name="x" + suffix)
    assert other.codec != wav.codec
    assert other.active_level_dbfs == pytest.approx(wav.active_level_dbfs, abs=0.5)
    assert other.band == wav.band == "fullband"
    assert other.duration_s == pytest.approx(wav.duration_s, abs=0.1)


def test_known_clipping_ratio(tmp_path, room_take):
    x = room_take.copy()
    rng = np.random.default_rng(5)
    starts = rng.choice(np.arange(1000, x.size - 1000, 100), size=40, replace=False)
    for i, s in enumerate(starts):
        x[s : s + 10] = 1.0 if i % 2 else -1.0  # 40 flat tops of 10 samples
    for s in rng.choice(np.arange(1050, x.size - 1000, 100), size=30, replace=False):
        x[s : s + 2] = 1.0  # 2-sample peaks are not clipping at min_run 3
    r = analyse(tmp_path, x)
    runs, ratio = r.clipped(3)
    assert runs == 40
    assert ratio == pytest.approx(400 / x.size, rel=0.01)
    assert r.clipped(11) == (0, 0.0)
    assert r.clipped(2)[0] == 70


@pytest.mark.parametrize(("freq", "level"), [(50.0, -50.0), (60.0, -65.0)])
def test_known_hum(tmp_path, room_take, freq, level):
    """Hum at a known RMS level, split over the fundamental and two harmonics."""
    t = np.arange(room_take.size) / SR
    amps = np.array([1.0, 0.5, 0.25])
    amps *= 10 ** (level / 20) * math.sqrt(2) / math.sqrt(np.sum(amps**2))
    hum = sum(a * np.sin(2 * np.pi * freq * (k + 1) * t) for k, a in enumerate(amps))
    r = analyse(tmp_path, room_take + hum)
    assert r.hum_hz == freq
    assert r.hum_dbfs == pytest.approx(level, abs=1.0)
    assert analyse(tmp_path, room_take).hum_dbfs < -90


@pytest.mark.parametrize("offset", [0.02, -0.005])
def test_known_dc(tmp_path, room_take, offset):
    r = analyse(tmp_path, room_take + offset)
    assert r.dc[0] == pytest.approx(offset, abs=2e-4)


def _loud_spots(x: np.ndarray, count: int) -> list[int]:
    """Sample indices where the voice is loud for 20 ms either side, a second apart."""
    win = int(0.02 * SR)
    env = np.sqrt(np.convolve(x * x, np.ones(win) / win, mode="same"))
    spots: list[int] = []
    for i in np.argsort(env)[::-1]:
        if all(abs(i - s) > SR for s in spots) and win * 2 < i < x.size - 3 * win:
            spots.append(int(i))
        if len(spots) == count:
            return spots
    raise AssertionError("not enough loud spots")


def test_known_dropouts(tmp_path, room_take):
    x = room_take.copy()
    for s in _loud_spots(x, 3):
        x[s : s + int(0.02 * SR)] = 0.0  # 20 ms of samples lost mid-word
    r = analyse(tmp_path, x)
    found = r.dropouts_inside_speech(0.005)
    assert len(found) == 3
    assert all(d.length_s == pytest.approx(0.02, abs=0.001) for d in found)
    assert analyse(tmp_path, room_take).dropouts_inside_speech(0.005) == []
    assert r.dropouts_inside_speech(0.025) == []  # shorter than asked for


def test_digital_silence_in_the_pauses_is_a_gate_not_dropouts(tmp_path, take):
    r = analyse(tmp_path, take)
    assert r.gated and r.dropouts_inside_speech(0.001) == []
    assert r.noise_floor_dbfs == -math.inf


def test_silence(tmp_path):
    r = analyse(tmp_path, np.zeros(2 * SR))
    assert not r.has_speech
    assert r.active_level_dbfs == -math.inf and r.loudness_lufs == -math.inf
    assert r.clipped(3) == (0, 0.0)


def test_stereo_with_a_quiet_and_a_dead_channel(tmp_path, room_take):
    quiet = analyse(tmp_path, np.stack([room_take, room_take * 0.1]))
    assert quiet.channels == 2
    left, right = quiet.channel_levels_dbfs
    assert left - right == pytest.approx(20.0, abs=0.5)
    dead = analyse(tmp_path, np.stack([np.zeros_like(room_take), room_take]))
    assert dead.channel_levels_dbfs[0] == -math.inf
    assert dead.channel_levels_dbfs[1] == pytest.approx(-26.0, abs=0.5)


def test_chunking_does_not_change_the_result(tmp_path, room_take):
    """Streaming carries state across chunks: tiny chunks give the same figures."""
    x = room_take.copy()
    for s in _loud_spots(x, 2):
        x[s : s + 480] = 0.0
    x[SR : SR + 5] = 1.0
    path = write_audio(tmp_path / "c.wav", x, SR)
    whole, small = analyse_file(path), analyse_file(path, chunk_s=0.0123)
    for name in ("active_level_dbfs", "loudness_lufs", "true_peak_dbtp"):
        assert getattr(small, name) == pytest.approx(getattr(whole, name), abs=0.02), name
    # the DC estimate is the running mean, updated per chunk: a trace of the chunking
    assert small.noise_floor_dbfs == pytest.approx(whole.noise_floor_dbfs, abs=0.1)
    assert small.clipped(3) == whole.clipped(3) == (1, 5 / x.size)
    assert len(small.dropouts_inside_speech(0.005)) == len(whole.dropouts_inside_speech(0.005))
    assert small.band == whole.band


def test_streaming_p56_equals_one_pass(take):
    meter = ActiveLevelMeter(SR)
    for part in np.array_split(take, 37):
        meter.feed(part)
    assert meter.level() == pytest.approx(active_level_dbfs(take, SR), abs=1e-6)


def test_level_series_is_bounded():
    a = AudioAnalyzer(8000, 1)
    rng = np.random.default_rng(0)
    for _ in range(200):  # 200 s
        a.feed(0.01 * rng.standard_normal((1, 8000)))
    r = a.finish()
    assert 100 <= len(r.level_series) <= 480
    assert r.level_series[-1][0] == pytest.approx(200, abs=5)


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng is not installed")
@pytest.mark.parametrize(("cutoff", "band"), [(3400, "narrowband"), (7000, "wideband")])
def test_real_speech_from_espeak(tmp_path, cutoff, band):
    """A real speech engine (22.05 kHz output): levels and bandwidth classes still hold."""
    wav = tmp_path / "es.wav"
    text = "Madam President, the delegation thanks the Secretariat for this meeting."
    subprocess.run(["espeak-ng", "-v", "fr", "-w", str(wav), text], check=True, timeout=30)
    x = np.concatenate(list(iter_pcm(wav)), axis=1)[0]
    full = analyse_file(wav)
    assert full.sample_rate == 22050 and full.has_speech
    assert full.band == "super-wideband"  # 11 kHz of audio at 22.05 kHz
    assert full.active_level_dbfs == pytest.approx(active_level_dbfs(x, 22050), abs=0.05)
    cut = analyse(tmp_path, lowpass(x, 22050, cutoff), 22050, name="cut.wav")
    assert cut.band == band
    quiet = analyse(tmp_path, x * 10 ** (-12 / 20), 22050, name="quiet.wav")
    assert quiet.active_level_dbfs == pytest.approx(full.active_level_dbfs - 12, abs=0.5)


@pytest.mark.parametrize("loss", [0, 20, 40, 60])
def test_echo_return_loss_of_a_known_echo(loss):
    from meetcheck.media.echo import find_echo, test_signal

    s = test_signal(SR)
    rng = np.random.default_rng(loss)
    y = 10 ** (-70 / 20) * rng.standard_normal(int(4.5 * SR))  # a quiet room
    delay = int(1.123 * SR)
    y[delay : delay + s.size] += s * 10 ** (-loss / 20)
    found = find_echo(y, s, SR)
    assert found.detected
    assert found.return_loss_db == pytest.approx(loss, abs=1.0)
    assert found.delay_ms == pytest.approx(1123.0, abs=0.1)
    quiet = find_echo(10 ** (-70 / 20) * rng.standard_normal(int(4.5 * SR)), s, SR)
    assert not quiet.detected and quiet.return_loss_db > 60
