"""``meetcheck mic list`` and the guided recording ``meetcheck check --mic`` makes.

Why the recording happens before the checks: the speaker must know when to speak and when
to stay silent, with a level meter to show the microphone hears them; that needs the
terminal, which the checks' live progress uses once they run. The recording is saved as a
WAV and measured exactly like ``--audio FILE``.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from meetcheck.hookimpl import hookimpl
from meetcheck.i18n.option import language_option

# the choices, without importing the capture module (numpy) to show --help
BACKENDS = ("auto", "portaudio", "pulse")

if TYPE_CHECKING:
    from meetcheck.participant import Participant

READ_S = 8.0
SILENT_S = 2.0
# The passage and the prompts are in the audio family's catalog (translated):
# meetcheck.checks.audio.guide


def _echo_test(source, out_dir: Path, backend: str) -> dict | None:  # noqa: ANN001 -- a Source
    """Play a test sound through the default output while recording; what came back."""
    import threading

    import numpy as np

    from meetcheck.checks.audio import guide
    from meetcheck.media.capture import CaptureError, play, record
    from meetcheck.media.echo import MAX_DELAY_S, TEST_S, find_echo, test_signal

    rate = source.sample_rate or 48000
    reference = test_signal(rate)
    sound = out_dir / "test-sound.wav"
    _write_wav(sound, reference[None, :], rate)
    heard: list[np.ndarray] = []
    failed: list[str] = []

    def listen() -> None:
        try:
            heard.extend(record(source, TEST_S + MAX_DELAY_S + 0.5))
        except CaptureError as exc:
            failed.append(str(exc))

    click.echo(guide.test_sound(), err=True)
    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    try:
        play(str(sound), backend)
    except CaptureError as exc:
        click.echo(f"meetcheck: {guide.loudspeaker_problem(str(exc))}", err=True)
        listener.join(TEST_S + MAX_DELAY_S + 15)
        return None
    listener.join(TEST_S + MAX_DELAY_S + 15)
    if failed or not heard:
        why = failed[0] if failed else None
        click.echo(f"meetcheck: {guide.loudspeaker_problem(why)}", err=True)
        return None
    mono = np.concatenate(heard, axis=1).mean(axis=0)
    return find_echo(mono, reference, rate).to_dict()


def guided_recording(
    participant: Participant,
    out_dir: Path | None = None,
    playback: bool = False,
    echo_test: bool = True,
    backend: str = "auto",
) -> Participant:
    """Record the speaker reading, then silent, from ``participant.mic``; the participant
    with ``audio`` set to the recording. On failure the participant is returned unchanged
    (the audio checks then report why) and the reason is printed."""
    import numpy as np

    from meetcheck.checks.audio import guide
    from meetcheck.levelmeter import LevelMeter
    from meetcheck.media.capture import CaptureError, find_source, list_sources, record
    from meetcheck.media.device import write_device_note

    try:
        source = find_source(participant.mic or "default", list_sources(backend))
    except CaptureError as exc:
        click.echo(f"meetcheck: {guide.microphone_problem(str(exc))}", err=True)
        return participant
    click.echo(guide.microphone(source), err=True)
    click.echo(guide.read_aloud(READ_S), err=True)
    click.echo(f"\n    {guide.passage()}\n", err=True)

    meter = LevelMeter(click.get_text_stream("stderr"))
    chunks = []
    try:
        chunks += list(record(source, READ_S, on_level=meter.show))
        meter.end()
        click.echo(guide.stay_silent(SILENT_S), err=True)
        chunks += list(record(source, SILENT_S, on_level=meter.show))
    except CaptureError as exc:
        meter.end()
        click.echo(f"meetcheck: {guide.microphone_problem(str(exc))}", err=True)
        return participant
    finally:
        meter.end()  # also when interrupted: what follows starts on a clean line
    pcm = np.concatenate(chunks, axis=1)
    if out_dir is None:
        out_dir = Path(tempfile.mkdtemp(prefix="meetcheck-mic-"))
        atexit.register(shutil.rmtree, out_dir, True)
    path = out_dir / "microphone.wav"
    _write_wav(path, pcm, source.sample_rate or 48000)
    write_device_note(path, source)
    if echo_test:
        import json

        from meetcheck.media.echo import echo_result_path

        result = _echo_test(source, out_dir, backend)
        if result is not None:
            echo_result_path(path).write_text(json.dumps(result), encoding="utf-8")
    if playback:
        from meetcheck.media.capture import play

        click.echo(guide.playing_back(), err=True)
        try:
            play(str(path), backend)
        except CaptureError as exc:
            click.echo(f"meetcheck: {guide.playback_problem(str(exc))}", err=True)
    return replace(participant, audio=str(path))


def _write_wav(path: Path, pcm, rate: int) -> None:  # noqa: ANN001 -- (channels, n) floats
    import wave

    import numpy as np

    data = (np.clip(pcm.T, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(pcm.shape[0])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data.tobytes())


@click.group()
def mic() -> None:
    """Microphones the sound server knows."""


BACKEND_OPTION = dict(
    type=click.Choice(BACKENDS),
    default="auto",
    show_default=True,
    help="What records the microphone: PortAudio (sounddevice: Windows, macOS, Linux) or "
    "PulseAudio/PipeWire's parec; auto takes PortAudio when it is installed.",
)


@mic.command("list")
@click.option("--capture-backend", **BACKEND_OPTION)
@language_option
def mic_list(capture_backend: str, lang: str) -> None:
    """List capture devices with their bus and form factor."""
    from meetcheck.checks.audio import guide
    from meetcheck.media.capture import CaptureError, list_sources
    from meetcheck.readable import visible

    try:
        sources = list_sources(capture_backend)
    except CaptureError as exc:
        click.echo(f"meetcheck: error: {exc}", err=True)
        sys.exit(1)
    if not sources:
        click.echo(guide.no_devices())
    for s in sources:
        details = guide.details(s, ", ".join(map(visible, s.aliases)))
        click.echo(f"{visible(s.name)}: {visible(s.description)} ({details})")


@hookimpl
def meetcheck_register_commands(cli: click.Group) -> None:
    cli.add_command(mic)


@hookimpl
def meetcheck_add_options(add) -> None:  # noqa: ANN001 -- the hook's add(...)
    add("--capture-backend", **BACKEND_OPTION)
    add(
        "--playback",
        is_flag=True,
        help="With --mic: play the recording back so you hear yourself.",
    )
    add(
        "--echo-test/--no-echo-test",
        default=True,
        help="With --mic: play a 1 s test sound to find whether the microphone hears the "
        "loudspeakers (on by default).",
    )
