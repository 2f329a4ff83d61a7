"""``meetcheck serve``: the test-meeting server a secretariat runs.

Imports nothing heavy at module level (aiohttp, aiortc, PyAV load inside the command), so
``meetcheck --help`` stays fast.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from meetcheck.hookimpl import hookimpl
from meetcheck.redact import stderr_handler


class _LogFormatter(logging.Formatter):
    """JSON lines (access log, session events) as they are; other records prefixed."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if message.startswith("{") and not record.exc_info:
            return message
        text = f"meetcheck serve: {record.levelname.lower()}: {message}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def _configure_logging(verbose: bool) -> logging.Handler:
    """One redacting handler at the root: aiohttp's, asyncio's and aiortc's records (and
    the tracebacks in them) pass through redaction like ours."""
    handler = stderr_handler(_LogFormatter())
    logging.getLogger().addHandler(handler)
    logging.getLogger("meetcheck.server").setLevel(logging.INFO)
    if not verbose:
        logging.getLogger("meetcheck.server.sessions").setLevel(logging.WARNING)
    for noisy in ("aioice", "aiortc"):
        logging.getLogger(noisy).setLevel(logging.WARNING if verbose else logging.ERROR)
    return handler


def _banner(server: Any) -> str:
    lines = [
        f"# meetcheck serve: test meeting at {server.base_url}/",
        f"# meeting file served at {server.meeting_url}",
        f"# check a computer with: meetcheck check --meeting {server.meeting_url}",
        "# stop with Ctrl-C (SIGINT) or SIGTERM",
    ]
    for email, link in server.demo_links().items():
        lines.append(f"# personal link for {email}: {link}")
    return "\n".join(lines) + "\n"


async def _serve(config: Any, print_only: bool) -> None:
    import asyncio
    import signal

    from meetcheck.server.app import MeetingServer

    server = MeetingServer(config)
    await server.start()
    try:
        click.echo(_banner(server) + server.meeting_toml(include_tokens=True), nl=False)
        sys.stdout.flush()
        if print_only:
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):  # not the main thread / Windows
                pass
        await stop.wait()
        logging.getLogger("meetcheck.server").info("shutting down")
    finally:
        await server.stop()


@click.command("serve")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="serve.toml",
    help="Server settings (every one has a default).",
)
@click.option("--host", default=None, help="Bind address  [default: 127.0.0.1]")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="0 = any free port.")
@click.option("--cert", type=click.Path(exists=True, dir_okay=False), default=None,
              help="TLS certificate chain (PEM); with --key, serve https.")  # fmt: skip
@click.option("--key", type=click.Path(exists=True, dir_okay=False), default=None,
              help="TLS private key (PEM).")  # fmt: skip
@click.option("--public-url", default=None, metavar="URL",
              help="Base URL delegates reach this server at (behind a proxy).")  # fmt: skip
@click.option("--print-meeting", is_flag=True,
              help="Start, print the meeting file, and exit at once.")  # fmt: skip
@click.option("-v", "--verbose", is_flag=True, help="Also log session events.")
def serve(
    config_path: str | None,
    host: str | None,
    port: int | None,
    cert: str | None,
    key: str | None,
    public_url: str | None,
    print_meeting: bool,
    verbose: bool,
) -> None:
    """Run the test-meeting server: interpretation channels (WHEP), echo, throughput,
    STUN and demo links. Prints its meeting file on stdout and runs until SIGINT/SIGTERM."""
    import asyncio

    from meetcheck.errors import InputError
    from meetcheck.server.config import load_server_config

    if bool(cert) != bool(key):
        raise InputError("--cert and --key go together: give both to serve https")
    if public_url is not None and not public_url.startswith(("http://", "https://")):
        raise InputError(f"--public-url {public_url}: expected an http(s) URL")
    config = load_server_config(
        config_path,
        host=host,
        port=port,
        cert=cert,
        key=key,
        public_url=public_url.rstrip("/") if public_url else None,
    )
    handler = _configure_logging(verbose)
    try:
        asyncio.run(_serve(config, print_meeting))
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        pass
    finally:
        logging.getLogger().removeHandler(handler)


@hookimpl
def meetcheck_register_commands(cli: click.Group) -> None:
    cli.add_command(serve)
