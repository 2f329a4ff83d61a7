"""The generated programme is speech-like by the measures the channel checks use."""

import numpy as np
import pytest

from meetcheck.media.levels import active_level_dbfs, clipped_runs, peak_dbfs, rms_dbfs
from meetcheck.media.opus import opus_roundtrip
from meetcheck.media.programme import generate_programme

SR = 48000
CODES = ["floor", "ar", "zh", "en", "fr", "ru", "es"]


@pytest.fixture(scope="module")
def programmes():
    return {code: generate_programme(code, 30.0) for code in CODES}


@pytest.mark.parametrize("code", CODES)
def test_level_length_and_headroom(programmes, code):
    x = programmes[code]
    assert x.dtype == np.float32 and x.shape == (30 * SR,)
    assert active_level_dbfs(x, SR) == pytest.approx(-26.0, abs=0.3)
    assert rms_dbfs(x) < active_level_dbfs(x, SR)  # it has pauses
    assert peak_dbfs(x) < -3.0
    assert clipped_runs(x) == []


@pytest.mark.parametrize("code", CODES)
def test_speech_like_spectrum_rhythm_and_pauses(programmes, code):
    x = programmes[code].astype(np.float64)
    power = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    assert 0.6 < power[freqs < 1000].sum() / power.sum() < 0.98  # voiced energy low down
    assert power[(freqs > 250) & (freqs < 4000)].sum() / power.sum() > 0.5
    assert power[freqs > 8000].sum() / power.sum() < 0.02
    # Syllable rhythm: the 10 ms envelope is modulated mostly at 2-8 Hz.
    env = np.sqrt(np.mean(x.reshape(-1, 480) ** 2, axis=1))
    mod = np.abs(np.fft.rfft((env - env.mean()) * np.hanning(len(env)))) ** 2
    mfreqs = np.fft.rfftfreq(len(env), 0.01)
    share = mod[(mfreqs >= 2) & (mfreqs <= 8)].sum() / mod[(mfreqs >= 0.5) & (mfreqs <= 50)].sum()
    assert share > 0.4
    # Pauses: a speaker-like share of 100 ms windows is silent.
    windows = np.array([rms_dbfs(x[i : i + 4800]) for i in range(0, len(x), 4800)])
    assert 0.1 < np.mean(windows < -66) < 0.45


def test_voices_differ_per_code_and_are_deterministic(programmes):
    a, b = programmes["en"].astype(np.float64), programmes["fr"].astype(np.float64)
    size = 1 << 21
    xc = np.fft.irfft(np.fft.rfft(a, size) * np.conj(np.fft.rfft(b, size)), size)
    assert np.abs(xc).max() / np.sqrt(np.sum(a**2) * np.sum(b**2)) < 0.2
    assert np.array_equal(generate_programme("en", 30.0), programmes["en"])
    assert not np.array_equal(generate_programme("en", 30.0, seed=1), programmes["en"])


def test_loops_without_a_click_and_other_rates():
    x = generate_programme("ru", 7.3)
    assert len(x) == round(7.3 * SR)
    assert not np.any(x[-int(0.25 * SR) :]) and not np.any(x[:480])
    y = generate_programme("ru", 2.0, sample_rate=16000)
    assert len(y) == 32000 and active_level_dbfs(y, 16000) == pytest.approx(-26.0, abs=0.5)
    assert len(generate_programme("ru", 0.0)) == 0


def test_survives_opus_as_audio(programmes):
    x = programmes["zh"][: 10 * SR]
    y = opus_roundtrip(x, 32000, loss=0.02, seed=3)
    assert active_level_dbfs(y, SR) == pytest.approx(active_level_dbfs(x, SR), abs=1.0)
