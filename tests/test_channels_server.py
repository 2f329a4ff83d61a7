"""What `meetcheck serve` gained for the channel checks: `[channels.X] delay_ms`, a channel
delayed on purpose against the programme clock."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

import meetcheck.server.config as config_module
from meetcheck.errors import InputError
from meetcheck.server.channels import DelayLine
from meetcheck.server.config import load_server_config


def _load(tmp_path: Path, text: str):
    path = tmp_path / "serve.toml"
    path.write_text(text, encoding="utf-8")
    return load_server_config(str(path))


def test_delay_ms_is_read_per_channel(tmp_path: Path) -> None:
    cfg = _load(tmp_path, "[channels.floor]\n[channels.es]\ndelay_ms = 250\n")
    assert cfg.channel("es").delay_ms == 250
    assert cfg.channel("floor").delay_ms == 0


@pytest.mark.parametrize("value", ["1001", "-1", '"300"', "0.5", "true"])
def test_delay_ms_out_of_range_or_not_an_integer_names_the_key(tmp_path: Path, value: str) -> None:
    with pytest.raises(InputError) as info:
        _load(tmp_path, f"[channels.floor]\n[channels.es]\ndelay_ms = {value}\n")
    message = str(info.value)
    assert "channels.es.delay_ms" in message and "\n" not in message


def test_delay_ms_is_documented_with_the_other_keys() -> None:
    doc = config_module.__doc__ or ""
    assert "delay_ms = 0" in doc
    block = doc.split("::", 1)[1].split("\n\n")
    text = "\n\n".join(b for b in block if b.startswith("    ")).replace("\n    ", "\n")
    raw = tomllib.loads(text.strip())
    assert raw["channels"]["floor"]["delay_ms"] == 0
    assert "delay_ms" in config_module.CHANNEL_KEYS


@pytest.mark.parametrize("delay", [0, 1, 960, 9600, 48000])
def test_delay_line_delays_by_exactly_n_samples_across_blocks(delay: int) -> None:
    rng = np.random.default_rng(delay)
    signal = rng.standard_normal(96000).astype(np.float32)
    line = DelayLine(delay)
    out = np.concatenate([line.process(signal[i : i + 9600]) for i in range(0, 96000, 9600)])
    assert len(out) == len(signal)
    assert not out[:delay].any()
    np.testing.assert_array_equal(out[delay:], signal[: len(signal) - delay])
