"""``meetcheck demo``: the self-test against an embedded test meeting on 127.0.0.1.

It needs no network and nothing but the package: the test-meeting server runs in a thread
of this process, the microphone is stood in for by a generated speech-like sample, and the
report is written as HTML next to the terminal verdict.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from meetcheck.hookimpl import hookimpl

DEMO_SECONDS = 8.0


@contextmanager
def background_server(**config: Any) -> Iterator[Any]:
    """Run a MeetingServer on its own event loop in a daemon thread for the with-block."""
    from meetcheck.server.app import MeetingServer
    from meetcheck.server.config import ServerConfig

    server = MeetingServer(ServerConfig(**config))
    loop = asyncio.new_event_loop()
    started = threading.Event()
    failure: list[BaseException] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.start())
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)
            started.set()
            return
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="meetcheck-demo-server", daemon=True)
    thread.start()
    started.wait(timeout=30)
    if failure:
        raise failure[0]
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def write_demo_audio(path: Path, seconds: float = DEMO_SECONDS) -> Path:
    """A speech-like sample standing in for a microphone (no sound card needed)."""
    import wave

    import numpy as np

    from meetcheck.media.programme import generate_programme

    pcm = generate_programme("en", seconds, 48000, seed=7)
    data = (np.clip(pcm, -1, 1) * 32767).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(data)
    return path


@click.command()
@click.option("--profile", "profile_ref", default="un-rsi-speaker", show_default=True,
              metavar="NAME|PATH")
@click.option("-o", "--output", default="meetcheck-demo-report.html", show_default=True,
              metavar="PATH", help="Where to write the HTML report.")
@click.option("--json", "json_path", default=None, metavar="PATH",
              help="Also write the JSON report here.")
@click.option("-q", "--quiet", is_flag=True, help="No live progress on stderr.")
@click.pass_context
def demo(ctx: click.Context, profile_ref: str, output: str, json_path: str | None,
         quiet: bool) -> None:
    """Self-test against an embedded local test meeting (no network needed)."""
    from meetcheck.cli import run_check
    from meetcheck.participant import Participant

    with tempfile.TemporaryDirectory(prefix="meetcheck-demo-") as tmp:
        audio = write_demo_audio(Path(tmp) / "demo-speech.wav")
        with background_server() as server:
            meeting_url = f"{server.base_url}/.well-known/meetcheck/meeting.toml"
            participant = Participant(
                name="Demo Delegate", email="demo.delegate@example.org", delegation="Demo",
                role="primary", link=server.demo_link(), audio=str(audio),
            )
            formats, outputs = ["text", "html"], [None, output]
            if json_path:
                formats.append("json")
                outputs.append(json_path)
            click.echo(f"meetcheck demo: test meeting at {server.base_url}", err=True)
            code = run_check(ctx, participant, meeting_url, profile_ref,
                             formats=tuple(formats), outputs=tuple(o or "-" for o in outputs),
                             quiet=quiet)
    click.echo(f"HTML report: {output}", err=True)
    ctx.exit(code)


@hookimpl
def meetcheck_register_commands(cli: click.Group) -> None:
    cli.add_command(demo)
