"""Level helpers against signals whose levels are known analytically."""

import math

import numpy as np
import pytest

from meetcheck.media.levels import active_level_dbfs, clipped_runs, peak_dbfs, rms_dbfs

SR = 48000


def sine(amplitude: float, seconds: float, freq: float = 997.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def db(x: float) -> float:
    return 20 * math.log10(x)


@pytest.mark.parametrize("amplitude", [1.0, 0.5, 0.05, 0.001])
def test_rms_and_peak_of_a_sine(amplitude):
    x = sine(amplitude, 1.0)
    assert rms_dbfs(x) == pytest.approx(db(amplitude / math.sqrt(2)), abs=0.01)
    assert peak_dbfs(x) == pytest.approx(db(amplitude), abs=0.01)


def test_full_scale_square_wave_is_zero_dbfs():
    x = np.where(sine(1.0, 0.5) >= 0, 1.0, -1.0)
    assert rms_dbfs(x) == pytest.approx(0.0, abs=1e-9)
    assert peak_dbfs(x) == pytest.approx(0.0, abs=1e-9)


def test_silence_and_empty_input_are_minus_infinity():
    for x in (np.zeros(4800), np.zeros(0)):
        assert rms_dbfs(x) == -math.inf
        assert peak_dbfs(x) == -math.inf
        assert active_level_dbfs(x, SR) == -math.inf


def test_active_level_of_a_continuous_signal_is_its_rms():
    x = sine(0.2, 5.0)
    assert active_level_dbfs(x, SR) == pytest.approx(db(0.2 / math.sqrt(2)), abs=0.05)


def test_active_level_ignores_pauses_and_low_noise():
    """4 s bursts separated by 4 s or 12 s of quiet: the RMS falls with the pause length,
    the active level stays at the bursts' RMS (less 10*log10(4.2/4) = 0.21 dB, as P.56's
    200 ms hangover counts 0.2 s of each pause as active)."""
    burst = sine(0.1, 4.0)
    rng = np.random.default_rng(1)
    expected = db(0.1 / math.sqrt(2)) - 10 * math.log10(4.2 / 4.0)
    for pause_s in (4, 12):
        x = np.concatenate([burst, np.zeros(pause_s * SR, dtype=np.float32)] * 3)
        x += 10 ** (-75 / 20) * rng.standard_normal(len(x)).astype(np.float32)  # hiss
        assert active_level_dbfs(x, SR) == pytest.approx(expected, abs=0.3)
        duty = 4 / (4 + pause_s)
        assert rms_dbfs(x) == pytest.approx(db(0.1 / math.sqrt(2) * math.sqrt(duty)), abs=0.1)


def test_active_level_scales_with_gain():
    rng = np.random.default_rng(2)
    x = rng.standard_normal(6 * SR) * (np.arange(6 * SR) % SR < SR // 2)
    base = active_level_dbfs(0.01 * x, SR)
    assert active_level_dbfs(0.1 * x, SR) == pytest.approx(base + 20.0, abs=0.05)


def test_clipped_runs_finds_only_runs_long_enough():
    x = np.zeros(1000, dtype=np.float32)
    x[100:101] = 1.0  # one full-scale sample: legitimate peak
    x[200:202] = -1.0  # two: still below min_run
    x[300:303] = 1.0  # three
    x[500:510] = -0.9995  # ten, above -0.1 dBFS (0.98855)
    x[700:720] = 0.98  # below the threshold
    assert clipped_runs(x) == [(300, 3), (500, 10)]
    assert clipped_runs(x, min_run=2) == [(200, 2), (300, 3), (500, 10)]
    assert clipped_runs(x, threshold_dbfs=-0.2) == [(300, 3), (500, 10), (700, 20)]
    assert clipped_runs(np.zeros(0)) == []


def test_clipped_runs_of_an_overdriven_sine():
    """A 100 Hz sine driven to amplitude 2 and clipped at full scale: two flat tops per
    cycle, each where |2 sin| >= 10^(-0.1/20), i.e. a fraction 1 - 2 asin(0.4943)/pi of
    the 240-sample half cycle."""
    x = np.clip(sine(2.0, 1.0, freq=100.0), -1.0, 1.0)
    runs = clipped_runs(x)
    assert len(runs) == 200
    expected = 240 * (1 - 2 * math.asin(10 ** (-0.1 / 20) / 2) / math.pi)
    assert all(abs(length - expected) <= 2 for _, length in runs)
    assert clipped_runs(sine(0.5, 1.0)) == []
