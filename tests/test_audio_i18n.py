"""The audio family in the six UN languages (issue 14): every title, finding, reason and
remediation of a run is translated, values are formatted after translation (so a saved
report re-renders into exactly the English), plural forms follow each language, and the
guided recording (prompts, the passage to read, ``mic list``) speaks the run's language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from support.audio import voice, with_dropouts, write_audio

from meetcheck.i18n import LANGUAGES

SR = 48000
ALL = ("ar", "zh", "en", "fr", "ru", "es")
#: Texts made only of values and a word some languages share with English ("mono").
SAME_WORDS = re.compile(r"^\d+ Hz, mono, \w+$")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """Takes that make every audio check say something other than a plain pass."""
    d = tmp_path_factory.mktemp("audio-i18n")
    good = voice(12.0, SR, room_noise_dbfs=-70.0)
    t = np.arange(good.size) / SR
    return {
        "good": write_audio(d / "good.wav", good, SR),
        "bluetooth": write_audio(d / "bt.wav", voice(10.0, 8000, room_noise_dbfs=-70), 8000),
        "dead_right": write_audio(d / "stereo.wav", np.stack([good, np.zeros_like(good)]), SR),
        "stereo": write_audio(d / "stereo_ok.wav", np.stack([good, good * 0.9]), SR),
        "clipped": write_audio(d / "clip.wav", np.clip(good * 16, -1, 1), SR),
        "hum": write_audio(d / "hum.wav", good + 0.02 * np.sin(2 * np.pi * 50 * t), SR),
        "dropouts": write_audio(d / "drop.wav", with_dropouts(good, SR, 7), SR),
        "silent": write_audio(d / "silent.wav", np.zeros(3 * SR), SR),
    }


def _report(meetcheck_cli, tmp_path: Path, audio: Path, lang: str) -> dict:
    out = tmp_path / f"{audio.stem}.{lang}.json"
    result = meetcheck_cli("check", "--lang", lang, "--only", "audio", "--audio", str(audio),
                           "-q", "--format", "json", "-o", str(out))  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    return json.loads(out.read_text(encoding="utf-8"))


def _texts(data: dict) -> dict[str, list[str]]:
    """What a delegate reads of each result: title, reason, messages, remediations."""
    out = {}
    for r in data["results"]:
        texts = [r["title"], r.get("reason") or ""]
        for f in r["findings"]:
            texts += [f["message"], f.get("remediation") or ""]
        out[r["id"]] = texts
    return out


@pytest.mark.parametrize("name", ["good", "bluetooth", "dead_right", "stereo", "clipped",
                                  "hum", "dropouts", "silent"])  # fmt: skip
def test_every_text_is_translated_and_renders_back_to_the_english(
    meetcheck_cli, files, tmp_path, name
):
    english = _report(meetcheck_cli, tmp_path, files[name], "en")
    want = _texts(english)
    for lang in set(LANGUAGES) - {"en"}:
        data = _report(meetcheck_cli, tmp_path, files[name], lang)
        assert data["language"] == lang
        got = _texts(data)
        assert got.keys() == want.keys()
        for cid, texts in got.items():
            for mine, theirs in zip(texts, want[cid], strict=True):
                same = mine == theirs and theirs and not SAME_WORDS.match(theirs)
                assert not same, f"{lang} {cid}: still English: {mine!r}"
        # the recipes are complete: the same report rendered in English is the English run
        saved = tmp_path / f"{files[name].stem}.{lang}.json"
        back = tmp_path / f"{name}.{lang}.en.json"
        result = meetcheck_cli("report", "render", "--lang", "en", str(saved),
                               "--format", "json", "-o", str(back))  # fmt: skip
        assert result.exit_code == 0, result.output
        assert _texts(json.loads(back.read_text(encoding="utf-8"))) == want


def _finding(data: dict, cid: str) -> str:
    return next(r for r in data["results"] if r["id"] == cid)["findings"][0]["message"]


def test_plural_forms_follow_each_language(meetcheck_cli, files, tmp_path):
    """Seven dropouts: Russian's 'many' form, French's and Spanish's plural; two channels:
    Arabic's dual form, which spells the number out."""
    msgs = {lang: _finding(_report(meetcheck_cli, tmp_path, files["dropouts"], lang),
                           "audio.dropouts") for lang in ALL}  # fmt: skip
    assert msgs["en"].startswith("7 dropouts cut the speech off (at ")
    assert msgs["en"].endswith(" and 2 more)")
    assert msgs["ru"].startswith("7 пропаданий звука прервали речь")
    assert msgs["fr"].startswith("7 coupures ont interrompu la parole")
    assert msgs["es"].startswith("7 cortes interrumpieron la voz")
    assert "\u2068" in msgs["ar"]  # values isolated inside right-to-left text
    assert msgs["zh"].startswith("语音中出现 7 次断音（位于 ")
    stereo = _finding(_report(meetcheck_cli, tmp_path, files["stereo"], "ar"), "audio.channels")
    assert stereo.startswith("قناتان")
    ru = _finding(_report(meetcheck_cli, tmp_path, files["stereo"], "ru"), "audio.channels")
    assert ru.startswith("2 канала, разница уровней")


def test_chinese_uses_full_width_punctuation(meetcheck_cli, files, tmp_path):
    data = _report(meetcheck_cli, tmp_path, files["bluetooth"], "zh")
    message = _finding(data, "audio.format")
    assert message.startswith("录音采样率为 8000 Hz（单声道）：低于")
    assert "(" not in message and ":" not in message


# -- the guided recording (a real PulseAudio server) ---------------------------------------


@pytest.fixture(scope="module")
def pulse(tmp_path_factory):
    from support.pulse import HAVE_PULSE, running

    if not HAVE_PULSE:
        pytest.skip("pulseaudio / pulseaudio-utils missing")
    hands_free = (8000, 1, "device.description='Headset (hands-free)' device.bus=bluetooth "
                  "device.form_factor=headset")  # fmt: skip
    with running(tmp_path_factory.mktemp("pulse"), {"bluez_source.00_1B": hands_free}) as s:
        yield s


@pytest.mark.parametrize(
    ("lang", "passage", "prompts"),
    [
        ("es", "Señora Presidenta, distinguidos delegados", ("Lea este texto en voz alta",
                                                           "guarde silencio", "Micrófono:")),
        ("zh", "主席女士，各位代表", ("请以正常语速朗读", "现在请保持安静 1 秒", "麦克风：")),
        ("ar", "السيدة الرئيسة", ("يُرجى قراءة النص التالي", "لمدة ثانية واحدة", "الميكروفون:")),
    ],
)  # fmt: skip
def test_guided_recording_speaks_the_run_language(
    meetcheck_cli, pulse, monkeypatch, tmp_path, lang, passage, prompts
):
    import meetcheck.commands.mic as mic_command

    monkeypatch.setattr(mic_command, "READ_S", 3.0)
    monkeypatch.setattr(mic_command, "SILENT_S", 1.0)
    monkeypatch.setenv("PULSE_SERVER", pulse.server)
    pulse.feed("usb_mic", voice(8.0, SR, room_noise_dbfs=-70.0))
    out = tmp_path / "r.json"
    result = meetcheck_cli("check", "--lang", lang, "--only", "audio.speech", "--mic", "usb_mic",
                           "--no-echo-test", "-q", "--format", "json", "-o", str(out))  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    assert passage in result.stderr
    for prompt in prompts:
        assert prompt in result.stderr, result.stderr
    assert "Madam President" not in result.stderr and "Read this aloud" not in result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["language"] == lang


def test_mic_list_in_french(meetcheck_cli, pulse, monkeypatch):
    monkeypatch.setenv("PULSE_SERVER", pulse.server)
    result = meetcheck_cli("mic", "list", "--lang", "fr")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    bt = next(line for line in lines if line.startswith("bluez_source"))
    assert "appareil Bluetooth" in bt and "bus bluetooth" in bt and "8000 Hz, 1 can." in bt
    assert "enregistré par" in bt and "recorded by" not in bt
    english = meetcheck_cli("mic", "list", "--lang", "en").stdout
    assert "Bluetooth device" in english
