"""Judging one browser self-test: the same checks and profile as ``meetcheck check``, on
the readings the page uploaded (:mod:`meetcheck.sensors`).

:func:`judge` is the whole job, synchronous. The server runs it in a child process
(:func:`run_isolated`), never on its event loop: decoding and analysing the audio takes
seconds of processor time, which would stall every WebRTC session the server carries. A
plain ``python -c`` child (as the channel family does), so a crash or a hang in a media
library ends that job only, and a timeout kills it.
"""

from __future__ import annotations

import json
from typing import Any

from meetcheck.selftest.readings import SOURCE, channel_collection, echo_figures

#: Profile per role when serve.toml's [selftest] profile is empty.
PROFILE_BY_ROLE = {"listener": "un-rsi-listener", "interpreter": "un-rsi-interpreter"}
DEFAULT_PROFILE = "un-rsi-speaker"


def profile_for(role: str, configured: str = "") -> str:
    return configured or PROFILE_BY_ROLE.get(role, DEFAULT_PROFILE)


def sensors_for(job: dict[str, Any]) -> Any:
    """The readings of one upload: the recording, the echo call's figures, the channels."""
    from meetcheck.sensors import Sensors

    m = job["measurements"]
    readings: dict[str, Any] = {}
    if job.get("recording"):
        readings["audio.recording"] = job["recording"]
        readings["audio.device"] = m["devices"]["microphone"] or None
    figures = echo_figures(m["echo"])
    if figures is not None:
        readings["network.media"] = figures
    if job.get("channels_pickle"):  # analysed ahead, while the delegate still recorded
        import base64
        import pickle

        readings["channels.receive"] = pickle.loads(base64.b64decode(job["channels_pickle"]))
    elif m["channels"] and not m.get("channels_id"):  # sent ahead but lost: not judged
        readings["channels.receive"] = channels_for(job)
    about = {
        "user_agent": m["user_agent"],
        "devices": m["devices"],
        "echo_error": m["echo"]["error"],
        "echo_samples": m["echo"]["samples"],
        "channels": [
            {k: c[k] for k in ("code", "ok", "first_audio_ms", "stats", "stats_before")}
            for c in m["channels"]
        ],
    }
    return Sensors(SOURCE, readings, about)


def recording_problem(path: str, limit_s: float) -> str:
    """Why the uploaded recording cannot be judged (not audio, too long), or ""."""
    from meetcheck.media.audiofile import AudioFileError, read_mono
    from meetcheck.selftest._catalog import _

    rate = 8000  # enough to count seconds
    try:
        pcm = read_mono(path, rate, limit_s + 1)
    except AudioFileError as exc:
        return _("The recording is not readable audio ({detail}). Please test again.").format(
            detail=str(exc)
        )
    if pcm.size / rate > limit_s:
        return _(
            "The recording is longer than {seconds} s, the most this server accepts. "
            "Please test again."
        ).format(seconds=f"{limit_s:g}")
    return ""


def channels_for(job: dict[str, Any]) -> Any:
    """The channels as the browser received them, analysed (the slow part: the identity
    decoder, about 0.5 s of processor per channel)."""
    from meetcheck.media.audiofile import read_mono
    from meetcheck.media.frames import SAMPLE_RATE

    m = job["measurements"]
    listen_s = float(m.get("listen_s") or 4.0)
    pcm = {
        code: read_mono(path, SAMPLE_RATE, listen_s + 1)
        for code, path in job.get("channel_audio", {}).items()
    }
    collection = channel_collection(m["channels"], pcm, listen_s)
    collection.identity_channels = job.get("identity_channels")
    return collection


def analyse_channels(job: dict[str, Any]) -> dict[str, Any]:
    """The channel part alone, sent ahead by the page: ``{"collection": <pickle, base64>}``
    for the judging process (both are this meetcheck's own processes)."""
    import base64
    import pickle

    return {"collection": base64.b64encode(pickle.dumps(channels_for(job))).decode("ascii")}


def _speaking(language: str, fn: Any, *args: Any) -> Any:
    """``fn(*args)`` in ``language`` (a pool's thread does not inherit the run's)."""
    from meetcheck.i18n.language import use_language

    with use_language(language):
        return fn(*args)


def judge(job: dict[str, Any]) -> dict[str, Any]:
    """``{"report": <JSON report, redacted>, "html": <HTML report>}`` for one upload, or
    ``{"error": ...}`` when the recording cannot be judged (the server answers 422)."""
    import tomllib
    from concurrent.futures import ThreadPoolExecutor

    from meetcheck.i18n.language import use_language
    from meetcheck.meeting import parse_meeting
    from meetcheck.participant import Participant
    from meetcheck.plugins import Plugins
    from meetcheck.report.html import render
    from meetcheck.run import load_inputs, run_participant

    language = job.get("language") or "en"  # the delegate's, from their browser
    with ThreadPoolExecutor(2) as pool:  # decoding and analysis release the GIL: 2 cores
        why = pool.submit(_speaking, language, recording_problem, job["recording"],
                          job["max_recording_s"])  # fmt: skip
        sensors = pool.submit(sensors_for, job)
        plugins = Plugins()
        profile, _ = load_inputs(plugins, job["profile"], None)
        meeting = parse_meeting(tomllib.loads(job["meeting_toml"]), job["meeting_source"])
        if why.result():
            return {"error": why.result()}
        readings = sensors.result()
    participant = Participant(**job["participant"])
    with use_language(language):
        report = run_participant(
            plugins, participant, profile, meeting, sensors=readings, quiet=True
        )
        data = report.redacted()
        return {"report": data, "html": render(data)}


def _warm() -> None:
    """Import what judging needs before the job arrives (a spare process waits warm)."""
    import av  # noqa: F401
    import numpy  # noqa: F401

    import meetcheck.run  # noqa: F401
    from meetcheck.plugins import Plugins

    Plugins().checks()


def _child_main() -> None:
    """The judging process: warm up, then a JSON job on stdin, a JSON answer on stdout."""
    import sys

    _warm()
    job = json.loads(sys.stdin.buffer.read())
    work = analyse_channels if job.get("kind") == "channels" else judge
    out = json.dumps(work(job), ensure_ascii=False, default=str)
    sys.stdout.buffer.write(out.encode("utf-8"))
    sys.stdout.buffer.flush()


async def spawn() -> Any:
    """A judging process of this very meetcheck, warming up until its job arrives."""
    from meetcheck.aio import python_child

    return await python_child("from meetcheck.selftest.job import _child_main; _child_main()")


class Spare:
    """Processes started ahead of need: a delegate's verdict does not wait for Python,
    numpy, PyAV and the plugins to load (seconds on a busy server). Two by default: one
    for the channels the page sends ahead, one for the judgement that follows."""

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self._ready: list[Any] = []

    async def prime(self) -> None:
        """Have ``size`` warm processes ready (the page calls this when it is served)."""
        self._ready = [p for p in self._ready if p.returncode is None]
        while len(self._ready) < self.size:
            self._ready.append(await spawn())

    async def take(self) -> Any:
        """A warm process if one is ready (another starts warming in its place)."""
        self._ready = [p for p in self._ready if p.returncode is None]
        proc = self._ready.pop(0) if self._ready else await spawn()
        await self.prime()
        return proc

    async def close(self) -> None:
        for proc in self._ready:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        self._ready = []


async def run_isolated(
    job: dict[str, Any], timeout: float, spare: Spare | None = None
) -> dict[str, Any]:
    """:func:`judge` in a child process (``spare``'s warm one when given); RuntimeError
    when it fails or overruns ``timeout`` (then it is killed)."""
    import asyncio

    proc = await (spare.take() if spare is not None else spawn())
    try:
        out, err = await asyncio.wait_for(
            proc.communicate(json.dumps(job).encode("utf-8")), timeout
        )
    except TimeoutError:
        raise RuntimeError(f"judging did not finish within {timeout:g} s") from None
    finally:
        if proc.returncode is None:
            proc.kill()
            await asyncio.shield(proc.wait())
    if proc.returncode != 0 or not out:
        last = (err.decode(errors="replace").strip().splitlines() or [""])[-1]
        raise RuntimeError(f"judging failed (exit {proc.returncode}: {last[:200]})")
    return json.loads(out)
