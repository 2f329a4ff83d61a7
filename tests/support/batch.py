"""Helpers for the batch tests: rosters written as Excel writes them, meeting files, a
self-test report made by the real runner, and ``meetcheck batch`` as a real process."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.helpers import same_code_env

HEAD = ["delegation", "name", "role", "email", "link", "language"]
# Names in every script the UN uses, and accented Latin.
NAMES = {
    "Egypt": ("محمد عبد الله", "فاطمة الزهراء"),
    "China": ("王小明", "李华"),
    "Russian Federation": ("Иван Петров", "Мария Сидорова"),
    "France": ("Élodie Martin", "François Noël-Ñúñez"),
}


def write_csv(
    path: Path, rows: list[list[str]], *, delimiter: str = ",", bom: bool = False,
    head: list[str] | None = None, crlf: bool = True,
) -> Path:  # fmt: skip
    """As Excel's "CSV UTF-8" writes it: BOM, CRLF, its locale's separator."""
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
        out.writerow(head or HEAD)
        out.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[Any]], sheet: str = "Speakers", first: str = "") -> Path:
    """A workbook; ``first`` puts another (notes) sheet before the roster."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    if first:
        ws.title = first
        ws.append(["These are notes, not the roster"])
        ws = book.create_sheet(sheet)
    else:
        ws.title = sheet
    ws.append(HEAD)
    for r in rows:
        ws.append(r)
    book.save(path)
    return path


def speaker_rows(
    link: Any, delegations: dict[str, tuple[str, str]] | None = None
) -> list[list[str]]:
    """Two speakers per delegation; ``link(delegation_index, role)`` gives each link."""
    out = []
    for i, (d, (p, a)) in enumerate((delegations or NAMES).items()):
        for role, name in (("primary", p), ("alternate", a)):
            email = f"{role}.{i}@example.org"
            out.append([d, name, role, email, link(i, role), ""])
    return out


def meeting_file(path: Path, hosts: list[str]) -> Path:
    start = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)  # within the test certificates
    end = start + dt.timedelta(hours=3)
    path.write_text(
        'name = "Batch test meeting"\ntimezone = "UTC"\n'
        f"[platform]\nhosts = {json.dumps(hosts)}\n"
        f'[[sessions]]\ntitle = "Opening"\nstart = {start:%Y-%m-%dT%H:%M:%SZ}\n'
        f"end = {end:%Y-%m-%dT%H:%M:%SZ}\n",
        encoding="utf-8",
    )
    return path


def batch_cmd(roster: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "meetcheck", "batch", str(roster), *args]


def run_batch(roster: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60):
    return subprocess.run(
        batch_cmd(roster, *args), capture_output=True, text=True, timeout=timeout,
        env=same_code_env(**(env or {})),
    )  # fmt: skip


def selftest_report(
    folder: Path, name: str, *, email: str = "", link: str = "", verdict: str = "READY",
    age: dt.timedelta = dt.timedelta(hours=2),
) -> Path:  # fmt: skip
    """A self-test report made by the real runner (registration checks only, nothing on
    the network), redacted as ``meetcheck check`` saves it, dated ``age`` ago."""
    from meetcheck.participant import Participant
    from meetcheck.plugins import Plugins
    from meetcheck.run import load_inputs, run_participant

    plugins = Plugins()
    profile, _ = load_inputs(plugins, "un-rsi-speaker", None)
    who = Participant(name="x", email=email, link=link)
    report = run_participant(plugins, who, profile, None, only=("registration.email",))
    data = report.redacted()
    when = dt.datetime.now(dt.UTC) - age
    data["started_at"] = (when - dt.timedelta(seconds=30)).isoformat()
    data["finished_at"] = when.isoformat()
    data["verdict"] = verdict
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


class CountingServer:
    """A loopback HTTPS server (test CA) that answers ``/t/<token>`` with a welcome page
    after ``delay`` seconds and ``/gone/<token>`` with 410, counting requests per path."""

    def __init__(self, tmp: Path, delay: float = 0.0) -> None:
        import collections
        import ssl
        import threading

        from tests.support.certs import make_pki
        from tests.support.tls_server import WELCOME, _page, _Server

        self.pki = make_pki(tmp / "pki")
        self.delay = delay
        self.hits: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

        def counted(status: int, html: str) -> Any:
            send = _page(status, html)

            def handle(h: Any) -> None:
                with self._lock:
                    self.hits[h.path] += 1
                if self.delay and h.server.stopping.wait(self.delay):
                    return
                send(h)

            return handle

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.pki.cert, self.pki.key)
        routes = {"/t/": counted(200, WELCOME), "/gone/": counted(410, "<h1>Gone</h1>")}
        self.server = _Server(ctx, routes)
        self.server.request_queue_size = 256
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def link(self, email: str, kind: str = "t") -> str:
        """A personal link whose JWT names ``email`` and lasts 30 days."""
        import secrets

        from tests.support.links import days, make_jwt

        token = make_jwt(email=email, exp=days(30)).rsplit(".", 1)[0]
        return f"https://127.0.0.1:{self.port}/{kind}/{token}.{secrets.token_urlsafe(32)}"

    def env(self) -> dict[str, str]:
        return {"REQUESTS_CA_BUNDLE": str(self.pki.ca)}

    def close(self) -> None:
        self.server.stopping.set()
        self.server.shutdown()
        self.server.server_close()
