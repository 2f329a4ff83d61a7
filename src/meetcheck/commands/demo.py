"""``meetcheck demo``: the self-test against an embedded test meeting on 127.0.0.1.

It needs no network and nothing but the package: the test-meeting server runs in a thread
of this process, the microphone is stood in for by a generated speech-like sample, and the
report is written as HTML next to the terminal verdict.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from meetcheck.hookimpl import hookimpl
from meetcheck.i18n.option import language_option

DEMO_SECONDS = 8.0


def write_demo_audio(path: Path, seconds: float = DEMO_SECONDS) -> Path:
    """A speech-like sample standing in for a microphone (no sound card needed)."""
    import wave

    import numpy as np

    from meetcheck.media.frames import SAMPLE_RATE
    from meetcheck.media.voice import fullband_voice

    # a good microphone in a quiet room: full band, room noise 44 dB under the voice
    pcm = fullband_voice(seconds, SAMPLE_RATE, seed=7, room_noise_dbfs=-70.0)
    data = (np.clip(pcm, -1, 1) * 32767).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(data)
    return path


@click.command()
@click.option(
    "--profile", "profile_ref", default="un-rsi-speaker", show_default=True, metavar="NAME|PATH"
)
@click.option(
    "-o",
    "--output",
    default="meetcheck-demo-report.html",
    show_default=True,
    metavar="PATH",
    help="Where to write the HTML report.",
)
@click.option(
    "--json", "json_path", default=None, metavar="PATH", help="Also write the JSON report here."
)
@click.option("-q", "--quiet", is_flag=True, help="No live progress on stderr.")
@language_option
@click.pass_context
def demo(
    ctx: click.Context,
    profile_ref: str,
    output: str,
    json_path: str | None,
    quiet: bool,
    lang: str,
) -> None:
    """Self-test against an embedded local test meeting (no network needed)."""
    from meetcheck.commands.check import check_and_report
    from meetcheck.i18n.core import _
    from meetcheck.participant import Participant

    with tempfile.TemporaryDirectory(prefix="meetcheck-demo-") as tmp:
        audio = write_demo_audio(Path(tmp) / "demo-speech.wav")
        from meetcheck.server.app import serve_in_thread

        with serve_in_thread() as server:
            meeting_url = f"{server.base_url}/.well-known/meetcheck/meeting.toml"
            participant = Participant(
                name="Demo Delegate",
                email="demo.delegate@example.org",
                delegation="Demo",
                role="primary",
                link=server.demo_link(),
                audio=str(audio),
            )
            formats, outputs = ["text", "html"], ["-", output]  # text to the terminal
            if json_path:
                formats.append("json")
                outputs.append(json_path)
            where = _("meetcheck demo: test meeting at {url}").format(url=server.base_url)
            click.echo(where, err=True)
            code = check_and_report(
                ctx,
                participant,
                meeting_url,
                profile_ref,
                formats=tuple(formats),
                outputs=tuple(outputs),
                quiet=quiet,
            )
    click.echo(_("HTML report: {path}").format(path=output), err=True)
    ctx.exit(code)


@hookimpl
def meetcheck_register_commands(cli: click.Group) -> None:
    cli.add_command(demo)
