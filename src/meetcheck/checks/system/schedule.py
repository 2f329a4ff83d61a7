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
from meetcheck.checks.system._catalog import N_, _, ngettext
from meetcheck.context import CheckContext
from meetcheck.i18n import localize

if TYPE_CHECKING:
    from meetcheck.meeting import Session

DASH = "\u2013"
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
MONTHS = (
    N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"),
    N_("Jul"), N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"),
)  # fmt: skip


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
    """'Wed 25 Nov', in the run's language."""
    return _("{weekday} {day} {month}").format(
        weekday=localize(WEEKDAYS[t.weekday()]), day=t.day, month=localize(MONTHS[t.month - 1])
    )


def _span(start: dt.datetime, end: dt.datetime, with_day: bool) -> str:
    """'Wed 25 Nov 10:00–12:00 CET'; the end carries its day when it falls on another."""
    other_day = end.date() != start.date()
    if with_day and other_day:
        text = _("{day} {start}–{end_day} {end} {zone}")
    elif with_day:
        text = _("{day} {start}–{end} {zone}")
    elif other_day:
        text = _("{start}–{end_day} {end} {zone}")
    else:
        text = _("{start}–{end} {zone}")
    return text.format(
        day=_day(start) if with_day else "",
        end_day=_day(end) if other_day else "",
        start=f"{start:%H:%M}",
        end=f"{end:%H:%M}",
        zone=f"{start:%Z}",
    )


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
    title = N_("Meeting times in your time zone")
    severity = Severity.LOW
    remediation = N_("Note the session times in your own time zone in your calendar.")
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
            ctx.skip(_("the meeting file lists no sessions"))
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
                _(
                    "{title}: {start} is outside the years {first} to {last}; "
                    "its time cannot be shown"
                ).format(title=s.title, start=s.start.isoformat(), first=MIN_YEAR, last=MAX_YEAR),
                fix=_("Ask the meeting secretariat for a corrected meeting file."),
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
                    _noted(
                        _("every session is over: the last one ended {day} {time}").format(
                            day=_day(last), time=f"{last:%H:%M %Z}"
                        ),
                        note,
                    ),
                    fix=_(
                        "Check that you have the meeting file for the right meeting; ask the "
                        "secretariat for the current one."
                    ),
                    facts=facts,
                )
            ]

        summary = _noted(_("times shown in {zone} (your time)").format(zone=zone_label), note)
        over = len(sessions) - len(upcoming)
        if over:
            summary = ngettext(
                "{message}; {n} earlier session already over",
                "{message}; {n} earlier sessions already over",
                over,
            ).format(message=summary, n=over)
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
                note = _("unknown time zone {zone}; using this computer's").format(zone=repr(name))
        else:
            note = ""
        local = local_zone_name()
        if local:
            return ZoneInfo(local), local, note
        label = _("this computer's time zone ({zone})").format(zone=f"{utcnow().astimezone():%Z}")
        return None, label, note

    @staticmethod
    def _pair(start: dt.datetime, end: dt.datetime, zone: dt.tzinfo | None) -> str:
        """The span in the meeting's zone '= ' the span in the participant's."""
        there = _span(start, end, with_day=True)
        ls, le = start.astimezone(zone), end.astimezone(zone)
        if ls.utcoffset() == start.utcoffset() and f"{ls:%Z}" == f"{start:%Z}":
            return _("{there} (your time too)").format(there=there)
        here = _span(ls, le, with_day=ls.date() != start.date())
        return _("{there} = {here} (your time)").format(there=there, here=here)

    def _session(
        self,
        index: int,
        session: Session,
        zone: dt.tzinfo | None,
        night: tuple[int, int],
        now: dt.datetime,
    ) -> Finding:
        title = session.title
        if title.lower().startswith("session"):
            label: str = title
        else:
            label = _("Session {index} ({title})").format(index=index, title=title)
        text = _("{session}: {times}").format(
            session=label, times=self._pair(session.start, session.end, zone)
        )
        if session.start <= now:
            text = _("{session}, in progress now").format(session=text)
        facts = {f"session_{index}_start_local": session.start.astimezone(zone).isoformat()}
        local = session.start.astimezone(zone), session.end.astimezone(zone)
        if overlaps_night(*local, *night):
            return Finding.warn(
                _("{session}: during your night ({start}–{end})").format(
                    session=text, start=f"{night[0]:02d}:00", end=f"{night[1]:02d}:00"
                ),
                fix=_(
                    "Plan for this session: set up and test the evening before, and if you "
                    "cannot be there, arrange for your alternate speaker to take the floor."
                ),
                facts=facts,
            )
        return Finding.passed(text, facts=facts)

    @staticmethod
    def _test_window(first: Session, lead: int, zone: dt.tzinfo | None) -> Finding:
        """The notice's "join early and test": ``lead`` minutes before the day's first session."""
        opens = first.start - dt.timedelta(minutes=lead)
        here = opens.astimezone(zone)
        there = f"{opens:%H:%M %Z}"
        when: str = f"{here:%H:%M %Z}"
        if here.date() != opens.date():
            when = _("{day} {time}").format(day=_day(here), time=when)
        same = here.utcoffset() == opens.utcoffset() and f"{here:%Z}" == f"{opens:%Z}"
        if same:
            pair = _("{there} (your time too)").format(there=there)
        else:
            pair = _("{there} = {here} (your time)").format(there=there, here=when)
        return Finding.passed(
            _(
                "Early-join test, {day}: from {times}, {minutes} min before the first "
                "session of the day"
            ).format(day=_day(first.start), times=pair, minutes=lead),
            facts={f"test_window_{opens.date().isoformat()}": here.isoformat()},
        )


def _noted(message: str, note: str) -> str:
    """``message; note`` when there is a note (a time-zone fallback), else the message."""
    return _("{message}; {note}").format(message=message, note=note) if note else message
