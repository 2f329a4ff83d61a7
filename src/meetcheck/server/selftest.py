"""The browser self-test: ``/selftest`` and ``/selftest/<personal token>``.

``GET`` serves one self-contained page (:mod:`meetcheck.selftest.page`: inline CSS and
JavaScript, no external resource, in the delegate's language). The page measures
and uploads; it holds no threshold and no rule. ``POST {page}/report`` takes its upload
(``multipart/form-data``: a ``measurements`` JSON part, the ``recording``, and one
``channel.<code>`` part per channel it captured), bounded in size (``[selftest]
max_upload_bytes``) and duration (``max_recording_seconds``). A worker process judges it
with the same checks and profile as ``meetcheck check`` (:mod:`meetcheck.selftest.job`),
the report is stored as JSON in ``[selftest] reports_dir`` and the page gets it back, with
the HTML report. The audio is deleted after the judgement unless ``keep_recordings``.

Who the report is about comes only from the personal token in the URL: the upload cannot
name a participant, so a token lets its holder submit their own report and nobody else's.
Without a token the report is anonymous.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import logging
import re
import secrets
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from meetcheck.i18n.core import _
from meetcheck.i18n.language import use_language
from meetcheck.server.problems import problem, too_large
from meetcheck.server.state import request_state

log = logging.getLogger("meetcheck.server.selftest")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_MEASUREMENTS_BYTES = 512 * 1024
AUDIO_TYPES = ("audio/wav", "audio/x-wav", "audio/wave", "audio/ogg", "audio/webm",
               "audio/opus", "application/octet-stream")  # fmt: skip
PART_NAME = re.compile(r"^(measurements|recording|channel\.[a-z]{2,8})$")
RECORD_S, SILENCE_S, LISTEN_S = 8.0, 2.0, 4.0
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    # Nothing leaves for another host: fetches go to this server only, media plays from
    # blobs and this server. (WebRTC is outside CSP; the page offers only this server's
    # own ICE candidates and STUN.)
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; "
    "style-src 'unsafe-inline'; connect-src 'self'; media-src 'self' blob:; "
    "img-src data:; frame-src 'self'; base-uri 'none'; form-action 'none'",
}


@dataclass
class SelftestStats:
    """What ``/healthz`` and the index page show (reports stored, judgements now), and
    what the handlers share: the gate bounding judgements at once, the meeting file."""

    meeting_text: Callable[[str], str]  # base URL -> the meeting file, without secrets
    workers: int = 2
    reports: int = 0
    judging: int = 0
    rejected: int = 0
    failed: int = 0
    gate: asyncio.Semaphore = field(init=False)
    spare: Any = field(init=False)  # meetcheck.selftest.job.Spare
    #: Channel analyses the pages sent ahead: id -> (owner token, started, task).
    pending: dict[str, tuple[str, float, asyncio.Future[Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from meetcheck.selftest.job import Spare

        self.gate = asyncio.Semaphore(self.workers)
        self.spare = Spare()

    async def close(self) -> None:
        for _owner, _started, task in self.pending.values():
            task.cancel()
        self.pending.clear()
        await self.spare.close()

    def as_dict(self) -> dict[str, int]:
        return {
            "reports": self.reports,
            "judging": self.judging,
            "rejected": self.rejected,
            "failed": self.failed,
        }


PENDING_S = 120.0  # a page sends its judgement about 3 s after its channels


def count_reports(folder: str) -> int:
    path = Path(folder)
    return sum(1 for _ in path.glob("*.json")) if path.is_dir() else 0


# -- the page ------------------------------------------------------------------------------
def _participant(request: web.Request) -> tuple[dict[str, Any], str]:
    """The participant the token in the URL names (and that token), or an anonymous one.
    A bad token is a 403/404/410 problem, as the /join page says."""
    from meetcheck.server.links import LinkError

    token = request.match_info.get("token", "")
    if not token:
        return {"name": "", "email": "", "delegation": "", "role": "primary"}, ""
    signer, roster = request_state(request).links
    try:
        person = signer.verify(token, roster=roster)
    except LinkError as exc:
        problem(exc.status, f"this personal link cannot be used: {exc}")
    return {
        "name": person.name,
        "email": person.email,
        "delegation": person.delegation,
        "role": person.role,
    }, token


async def page(request: web.Request) -> web.Response:
    from meetcheck.selftest.page import render

    state = request_state(request)
    language = delegate_language(request)
    person, token = _participant(request)
    await state.selftest.spare.prime()  # the judging process warms up while they record
    base = state.base_for(request)
    cfg = state.config
    # The access token goes to personal-link holders, and to everyone when there is none.
    bearer = cfg.token if (token or not cfg.token) else ""
    stun = state.stun_url(base)
    config = {
        # the report comes back in the page's language, whatever the browser asks
        "upload_url": f"{request.path.rstrip('/')}/report?lang={language}",
        "channels_url": f"{request.path.rstrip('/')}/channels?lang={language}",
        "echo_url": f"{base}/echo",
        "token": bearer,
        "ice_servers": [{"urls": [stun]}] if stun else [],
        "channels": [
            {"code": s.code, "label": s.label, "url": f"{base}/whep/{s.code}"}
            for s in state.channels.sources.values()
        ],
        "record_s": RECORD_S,
        "silence_s": SILENCE_S,
        "listen_s": LISTEN_S,
    }
    text = render(
        language,
        meeting=cfg.meeting_name,
        participant=person if token else None,
        config_json=json.dumps(config).replace("</", "<\\/"),
        record_s=int(RECORD_S),
        silence_s=int(SILENCE_S),
    )
    return web.Response(text=text, content_type="text/html", headers=HEADERS)


# -- the upload ----------------------------------------------------------------------------
async def _read_part(part: BodyPartReader, target: Any, budget: list[int], limit: int) -> int:
    """Copy one part into ``target`` (a file or bytearray) within the upload's budget."""
    size = 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        budget[0] -= len(chunk)
        if budget[0] < 0:
            too_large(limit, "the self-test upload")
        target.write(chunk) if hasattr(target, "write") else target.extend(chunk)
    return size


async def _receive(request: web.Request, folder: Path) -> tuple[Any, dict[str, str]]:
    """The measurements (parsed JSON) and the audio files written into ``folder``."""
    limit = request_state(request).config.selftest_max_upload_bytes
    if request.content_length is not None and request.content_length > limit:
        too_large(limit, "the self-test upload")
    if not request.content_type.startswith("multipart/form-data"):
        problem(415, "send the self-test as multipart/form-data (measurements, recording)")
    budget = [limit]
    raw = bytearray()
    files: dict[str, str] = {}
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                problem(400, "nested multipart parts are not accepted")
            name = part.name or ""
            if not PART_NAME.match(name) or name in files or (name == "measurements" and raw):
                problem(400, f"unexpected or repeated part {name[:40]!r}")
            if name == "measurements":
                await _read_part(part, raw, budget, limit)
                if len(raw) > MAX_MEASUREMENTS_BYTES:
                    too_large(MAX_MEASUREMENTS_BYTES, "the measurements part")
                continue
            ctype = (part.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype not in AUDIO_TYPES:
                problem(415, f"part {name}: expected audio (WAV, Ogg or WebM), got {ctype!r}")
            path = folder / f"{name}.audio"
            with path.open("wb") as out:
                if not await _read_part(part, out, budget, limit):
                    problem(400, f"part {name} is empty")
            files[name] = str(path)
    except ValueError as exc:  # aiohttp: a malformed multipart body
        problem(400, f"malformed multipart body: {exc}")
    if not raw:
        problem(400, "the upload has no measurements part")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem(400, f"the measurements part is not JSON: {exc}")
    return data, files


def delegate_language(request: web.Request) -> str:
    """``?lang=xx``, else the first of the six languages the browser asks for
    (Accept-Language), else English: the page and its report speak the delegate's."""
    from meetcheck.selftest.page import choose_language

    return choose_language(request.query, request.headers.get("Accept-Language", ""))


def _store(folder: str, report: dict[str, Any], person: dict[str, Any]) -> Path:
    """Write the JSON report (the shipped schema) under a name that sorts by time."""
    from meetcheck.report.jsonreport import render

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    who = re.sub(r"[^a-z0-9]+", "-", person["email"].split("@")[0].lower()).strip("-")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"selftest-{stamp}-{who or 'anonymous'}-{secrets.token_hex(3)}.json"
    tmp = path.with_suffix(".part")
    tmp.write_text(render(report), encoding="utf-8")
    tmp.replace(path)  # a batch reading the folder never sees half a report
    return path


def _speaking(handler: Handler) -> Handler:
    """The handler with the delegate's language active: its 4xx reasons are what the page
    shows them."""

    @functools.wraps(handler)
    async def in_language(request: web.Request) -> web.StreamResponse:
        with use_language(delegate_language(request)):
            return await handler(request)

    return in_language


@_speaking
async def submit(request: web.Request) -> web.Response:
    from meetcheck.selftest.job import profile_for, run_isolated
    from meetcheck.selftest.readings import BadUpload, check_measurements

    state = request_state(request)
    cfg = state.config
    stats: SelftestStats = state.selftest
    person, token = _participant(request)
    folder = Path(tempfile.mkdtemp(prefix="meetcheck-selftest-"))
    keep = False
    try:
        try:
            raw, files = await _receive(request, folder)
            measurements = check_measurements(raw)
        except BadUpload as exc:
            stats.rejected += 1
            problem(422, exc.for_delegate())
        except web.HTTPException:
            raise
        except Exception:
            stats.rejected += 1
            raise
        if "recording" not in files:
            stats.rejected += 1
            problem(400, "the upload has no recording part")
        base = state.base_for(request)
        job = {
            "measurements": measurements,
            "recording": files["recording"],
            "channel_audio": {
                k.split(".", 1)[1]: v for k, v in files.items() if k.startswith("channel.")
            },
            "max_recording_s": cfg.selftest_max_recording_seconds,
            "language": delegate_language(request),
            "participant": {**person, "link": f"{base}/join/{token}" if token else ""},
            "profile": profile_for(person["role"], cfg.selftest_profile),
            "meeting_toml": stats.meeting_text(base),
            "meeting_source": f"{base}/selftest",
            "identity_channels": [
                s.code for s in state.channels.sources.values() if s.identity_enabled
            ],
        }
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        job["channels_pickle"] = await _channels_sent_ahead(
            stats, measurements["channels_id"], token
        )
        t1 = loop.time()
        async with stats.gate:
            stats.judging += 1
            try:
                answer = await run_isolated(job, cfg.selftest_judge_timeout, stats.spare)
            except RuntimeError as exc:
                stats.failed += 1
                log.warning("self-test not judged: %s", exc)
                problem(500, _("The self-test could not be judged ({reason}). Please test again.")
                        .format(reason=str(exc)))  # fmt: skip
            finally:
                stats.judging -= 1
        timing = {"channels_wait_s": round(t1 - t0, 3), "judge_s": round(loop.time() - t1, 3)}
        if "error" in answer:
            stats.rejected += 1
            problem(422, answer["error"])
        stored = _store(cfg.selftest_reports_dir, answer["report"], person)
        stats.reports += 1
        if cfg.selftest_keep_recordings:
            keep = True
            shutil.move(str(folder), str(stored.with_suffix("")) + "-audio")
        log.info("self-test stored: %s (%s)", stored.name, answer["report"]["verdict"])
        return web.json_response(
            {
                "verdict": answer["report"]["verdict"],
                "report": answer["report"],
                "html": answer["html"],
                "stored": stored.name,
                "timing": timing,
            },
            headers={"Cache-Control": "no-store"},
        )
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


@_speaking
async def channels_ahead(request: web.Request) -> web.Response:
    """The channels' audio, sent while the delegate is still recording: analysed at once,
    in a process of its own, and picked up by the judgement that names its id."""
    from meetcheck.selftest.job import run_isolated
    from meetcheck.selftest.readings import BadUpload, check_measurements

    state = request_state(request)
    stats: SelftestStats = state.selftest
    token = _participant(request)[1]
    now = asyncio.get_running_loop().time()
    for key, (_owner, started, task) in list(stats.pending.items()):
        if now - started > PENDING_S:
            task.cancel()
            del stats.pending[key]
    if len(stats.pending) >= 4 * stats.workers:
        busy = _("Too many self-tests are running at once. Please try again in a moment.")
        problem(503, busy, headers={"Retry-After": "5"})
    folder = Path(tempfile.mkdtemp(prefix="meetcheck-selftest-"))
    try:
        raw, files = await _receive(request, folder)
        measurements = check_measurements(raw)
    except BadUpload as exc:
        shutil.rmtree(folder, ignore_errors=True)
        stats.rejected += 1
        problem(422, exc.for_delegate())
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    job = {
        "kind": "channels",
        "measurements": measurements,
        "channel_audio": {
            k.split(".", 1)[1]: v for k, v in files.items() if k.startswith("channel.")
        },
        "identity_channels": [
            s.code for s in state.channels.sources.values() if s.identity_enabled
        ],
    }

    async def analyse() -> Any:
        try:
            return await run_isolated(job, state.config.selftest_judge_timeout, stats.spare)
        finally:
            shutil.rmtree(folder, ignore_errors=True)  # the channels' audio is not kept

    key = secrets.token_urlsafe(12)
    stats.pending[key] = (token, now, asyncio.ensure_future(analyse()))
    return web.json_response({"channels_id": key}, headers={"Cache-Control": "no-store"})


async def _channels_sent_ahead(stats: SelftestStats, key: str, token: str) -> str:
    """The pickled collection the page's earlier upload produced, or "" (none, another
    holder's, or its analysis failed: the judgement then goes without channels)."""
    entry = stats.pending.get(key) if key else None
    if entry is None or entry[0] != token:
        return ""
    del stats.pending[key]
    try:
        return (await entry[2]).get("collection", "")
    except (RuntimeError, asyncio.CancelledError) as exc:
        log.warning("channel analysis failed: %s", exc)
        return ""


def setup_selftest(app: web.Application) -> None:
    app.router.add_get("/selftest", page)
    app.router.add_post("/selftest/report", submit)
    app.router.add_post("/selftest/channels", channels_ahead)
    app.router.add_get("/selftest/{token}", page)
    app.router.add_post("/selftest/{token}/report", submit)
    app.router.add_post("/selftest/{token}/channels", channels_ahead)
