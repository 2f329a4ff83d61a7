"""The self-test reports speakers send back (``--reports DIR``): each matched to its roster
row by e-mail address, or by the token of its link (compared, never printed), the latest
kept, and one older than ``--max-age`` flagged stale."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meetcheck.errors import InputError
from meetcheck.readable import visible

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([wdhm])\s*$", re.IGNORECASE)
_UNIT_HOURS = {"w": 168.0, "d": 24.0, "h": 1.0, "m": 1 / 60}
READY_VERDICTS = ("READY", "READY WITH WARNINGS")


def parse_duration(text: str) -> dt.timedelta:
    """``3d``, ``12h``, ``90m``, ``2w``."""
    m = _DURATION.match(text or "")
    if not m or float(m.group(1)) <= 0:
        raise InputError(f"--max-age {visible(text)}: expected a duration such as 3d, 12h or 90m")
    return dt.timedelta(hours=float(m.group(1)) * _UNIT_HOURS[m.group(2).lower()])


@dataclass
class SelfTest:
    file: str
    email: str
    link_key: str  # the link as redact_url shows it: comparable, not usable
    verdict: str
    generated_at: dt.datetime
    source: str  # "cli" or "browser"

    def summary(self, now: dt.datetime, max_age: dt.timedelta) -> dict[str, Any]:
        age = now - self.generated_at
        return {
            "verdict": self.verdict,
            "generated_at": self.generated_at.isoformat().replace("+00:00", "Z"),
            "age_hours": round(age.total_seconds() / 3600, 1),
            "stale": age > max_age,
            "source": self.source,
            "file": self.file,
        }


def link_key(link: str) -> str:
    """A personal link as it can be compared with a (redacted) report's: the masked form
    keeps host, path shape and the token's first and last four characters."""
    from meetcheck.redact import redact_url

    return redact_url(link.strip()).rstrip("/").lower() if link else ""


def _moment(text: str) -> dt.datetime:
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _read(path: Path) -> SelfTest:
    from meetcheck.report.load import load_report

    data = load_report(str(path))
    person = data.get("participant") or {}
    ids = [r.get("id", "") for r in data.get("results", [])]
    return SelfTest(
        file=path.name,
        email=str(person.get("email") or "").strip().lower(),
        link_key=link_key(str(person.get("link") or "")),
        verdict=str(data["verdict"]),
        generated_at=_moment(str(data.get("finished_at") or data.get("started_at"))),
        # the browser self-test marks itself (extra.source); older reports by their checks
        source=str((data.get("extra") or {}).get("source") or "")
        or ("browser" if any(i.startswith("browser.") for i in ids) else "cli"),
    )


def load_selftests(folder: str | Path, warn: Any = None) -> list[SelfTest]:
    """Every readable report in ``folder`` (``*.json``, not recursive). A file that is not
    a meetcheck report is skipped with a warning: speakers send all sorts."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"--reports {visible(str(folder))}: not a folder")
    out = []
    for path in sorted(root.glob("*.json")):
        try:
            out.append(_read(path))
        except (InputError, KeyError, ValueError, TypeError) as exc:
            if warn:
                from meetcheck.batch.messages import skipping_selftest

                warn(skipping_selftest(visible(path.name), visible(str(exc))[:200]))
    return out


class SelfTestIndex:
    """The latest self-test per e-mail address, and per link for reports that name no
    address (a report that names one is that person's, whatever link it was run with)."""

    def __init__(self, tests: list[SelfTest]) -> None:
        self.by_email: dict[str, SelfTest] = {}
        self.by_link: dict[str, SelfTest] = {}
        for t in tests:
            index, key = (self.by_email, t.email) if t.email else (self.by_link, t.link_key)
            if key and (key not in index or index[key].generated_at < t.generated_at):
                index[key] = t

    def latest_for(self, email: str, link: str) -> SelfTest | None:
        found = [
            t
            for t in (self.by_email.get(email.strip().lower()), self.by_link.get(link_key(link)))
            if t is not None
        ]
        return max(found, key=lambda t: t.generated_at) if found else None
