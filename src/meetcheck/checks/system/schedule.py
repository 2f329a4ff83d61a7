"""The meeting's sessions in the participant's own time zone, with the early-join test window.

Delegates join from every time zone: a notice that says "10:00 CEST" is easy to misread
(in late November Geneva is on CET), so each session is shown in both zones, and sessions
in the participant's night are flagged so they can plan or hand over to their alternate.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

from meetcheck.check import Check, Finding, Option, Severity
from meetcheck.context import CheckContext

if TYPE_CHECKING:
    from meetcheck.meeting import Session

DASH = "\u2013"


def utcnow() -> dt.datetime:
    """The current time; tests replace this module attribute to fix "now"."""
    return dt.datetime.now(dt.UTC)


def local_zone_name() -> str:
    """The machine's IANA zone name when it can be found (TZ, /etc/localtime), else ''."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo" + os.sep in target:
            candidates.append(target.split("zoneinfo" + os.sep, 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name and not Path(name).is_absolute():
            try:
                ZoneInfo(name)
                return name
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ""


def _day(t: dt.datetime) -> str:
    return f"{t:%a} {t.day} {t:%b}"


def _span(start: dt.datetime, end: dt.datetime, with_day: bool) -> str:
    """'Wed 25 Nov 10:00–12:00 CET'; the end carries its day when it falls on another."""
    head = f"{_day(start)} " if with_day else ""
    tail = f"{_day(end)} " if end.date() != start.date() else ""
    return f"{head}{start:%H:%M}{DASH}{tail}{end:%H:%M} {start:%Z}"


def overlaps_night(start: dt.datetime, end: dt.datetime, night_from: int, night_to: int) -> bool:
    """Whether [start, end) touches the local night [night_from, night_to) hours on any day.

    Compared on wall-clock time, so a DST change inside the night does not shift it.
    """
    if night_from == night_to:
        return False
    s, e = start.replace(tzinfo=None), end.replace(tzinfo=None)
    length = (night_to - night_from) % 24
    day = s.date() - dt.timedelta(days=1)
    while day <= e.date():
        night_start = dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=night_from)
        if s < night_start + dt.timedelta(hours=length) and night_start < e:
            return True
        day += dt.timedelta(days=1)
    return False


def _in_calendar(session: Session) -> bool:
    from meetcheck.meeting import MAX_YEAR, MIN_YEAR

    return all(MIN_YEAR <= t.year <= MAX_YEAR for t in (session.start, session.end))


class Schedule(Check):
    """Shows when to be ready, in the delegate's own time, before they are needed."""

    id = "system.schedule"
    title = "Meeting times in your time zone"
    severity = Severity.LOW
    remediation = "Note the session times in your own time zone in your calendar."
    options = {
        "test_window_minutes": Option(
            int,
            60,
            "join-early test window before the first session of each day, minutes",
            min=0,
            max=24 * 60,
        ),
        "night_start_hour": Option(
            int, 0, "local hour the participant's night starts (0-23)", min=0, max=23
        ),
        "night_end_hour": Option(
            int, 6, "local hour the participant's night ends (0-23)", min=0, max=23
        ),
    }

    async def run(self, ctx: CheckContext) -> list[Finding]:
        meeting = ctx.require_meeting()
        if not meeting.sessions:
            ctx.skip("the meeting file lists no sessions")
        night = (int(ctx.options["night_start_hour"]), int(ctx.options["night_end_hour"]))
        lead = int(ctx.options["test_window_minutes"])

        zone, zone_label, note = self._zone(ctx.participant.timezone)
        # Far from today, time-zone arithmetic overflows (year 9999 + an offset): such a
        # session is a typo, shown as one, and the others still get their times.
        from meetcheck.meeting import MAX_YEAR, MIN_YEAR

        odd = [s for s in meeting.sessions if not _in_calendar(s)]
        sessions = sorted((s for s in meeting.sessions if _in_calendar(s)), key=lambda s: s.start)
        odd_findings = [
            Finding.warn(
                f"{s.title}: {s.start.isoformat()} is outside the years {MIN_YEAR} to {MAX_YEAR}"
                "; its time cannot be shown",
                fix="Ask the meeting secretariat for a corrected meeting file.",
            )
            for s in odd
        ]
        if not sessions:
            return odd_findings
        now = utcnow()
        upcoming = [s for s in sessions if s.end > now]
        facts = {"timezone": zone_label, "sessions": len(sessions), "sessions_left": len(upcoming)}
        if not upcoming:
            last = sessions[-1].end
            return odd_findings + [
                Finding.warn(
                    f"every session is over: the last one ended {_day(last)} "
                    f"{last:%H:%M %Z}" + note,
                    fix="Check that you have the meeting file for the right meeting; ask the "
                    "secretariat for the current one.",
                    facts=facts,
                )
            ]

        summary = f"times shown in {zone_label} (your time){note}"
        over = len(sessions) - len(upcoming)
        if over:
            summary += f"; {over} earlier session{'s' if over > 1 else ''} already over"
        findings = [Finding.passed(summary, facts=facts)]
        first_of_day: dict[dt.date, Session] = {}
        for session in sessions:
            first_of_day.setdefault(session.start.date(), session)
        for index, session in enumerate(sessions, start=1):
            if session not in upcoming:
                continue
            first = first_of_day.pop(session.start.date(), None)
            if first is not None and first.start > now:
                findings.append(self._test_window(first, lead, zone))
            findings.append(self._session(index, session, zone, night, now))
        return findings + odd_findings

    @staticmethod
    def _zone(name: str | None) -> tuple[dt.tzinfo | None, str, str]:
        """(zone or None for the machine's zone, a label, a note about a fallback)."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        if name:
            try:
                return ZoneInfo(name), name, ""
            except (ZoneInfoNotFoundError, ValueError):
                note = f" (unknown time zone {name!r}; using this computer's)"
        else:
            note = ""
        local = local_zone_name()
        if local:
            return ZoneInfo(local), local, note
        return None, f"this computer's time zone ({utcnow().astimezone():%Z})", note

    @staticmethod
    def _pair(start: dt.datetime, end: dt.datetime, zone: dt.tzinfo | None) -> str:
        """The span in the meeting's zone '= ' the span in the participant's."""
        there = _span(start, end, with_day=True)
        ls, le = start.astimezone(zone), end.astimezone(zone)
        if ls.utcoffset() == start.utcoffset() and f"{ls:%Z}" == f"{start:%Z}":
            return f"{there} (your time too)"
        return f"{there} = {_span(ls, le, with_day=ls.date() != start.date())} (your time)"

    def _session(
        self,
        index: int,
        session: Session,
        zone: dt.tzinfo | None,
        night: tuple[int, int],
        now: dt.datetime,
    ) -> Finding:
        title = session.title
        label = title if title.lower().startswith("session") else f"Session {index} ({title})"
        text = f"{label}: {self._pair(session.start, session.end, zone)}"
        if session.start <= now:
            text += ", in progress now"
        facts = {f"session_{index}_start_local": session.start.astimezone(zone).isoformat()}
        local = session.start.astimezone(zone), session.end.astimezone(zone)
        if overlaps_night(*local, *night):
            return Finding.warn(
                f"{text}: during your night ({night[0]:02d}:00{DASH}{night[1]:02d}:00)",
                fix="Plan for this session: set up and test the evening before, and if you "
                "cannot be there, arrange for your alternate speaker to take the floor.",
                facts=facts,
            )
        return Finding.passed(text, facts=facts)

    @staticmethod
    def _test_window(first: Session, lead: int, zone: dt.tzinfo | None) -> Finding:
        """The notice's "join early and test": ``lead`` minutes before the day's first session."""
        opens = first.start - dt.timedelta(minutes=lead)
        here = opens.astimezone(zone)
        there = f"{opens:%H:%M %Z}"
        when = (
            f"{_day(here)} {here:%H:%M %Z}" if here.date() != opens.date() else f"{here:%H:%M %Z}"
        )
        same = here.utcoffset() == opens.utcoffset() and f"{here:%Z}" == f"{opens:%Z}"
        pair = f"{there} (your time too)" if same else f"{there} = {when} (your time)"
        return Finding.passed(
            f"Early-join test, {_day(first.start)}: from {pair}, {lead} min before the first "
            "session of the day",
            facts={f"test_window_{opens.date().isoformat()}": here.isoformat()},
        )
