"""``registration.deadline``: the speaker registered by the meeting file's deadline.

The notice sets two: the delegation's note verbale (``delegation_deadline``) and the
speakers' own registration (``speaker_deadline``). A deadline given as a date lasts to the
end of that day in the meeting's time zone. The registration time comes from
``--registered`` (or the roster's column in a batch run); without it the check says how
long registration stays open.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from meetcheck.check import Check, Finding, Option, Severity
from meetcheck.checks.registration._catalog import N_, _, ngettext
from meetcheck.checks.system.schedule import MONTHS, WEEKDAYS
from meetcheck.context import CheckContext
from meetcheck.i18n import localize

SPEAKERS = ("primary", "alternate")


def deadline_end(value: Any, zone: str) -> dt.datetime:
    """The last moment of a deadline: a date means the end of that day in ``zone``."""
    from zoneinfo import ZoneInfo

    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))
    start = dt.datetime.combine(value, dt.time(), tzinfo=ZoneInfo(zone))
    return start + dt.timedelta(days=1)


def as_moment(value: Any, zone: str) -> dt.datetime | None:
    """A registration time from a datetime, a date (its start) or ISO text; None if none."""
    from zoneinfo import ZoneInfo

    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=ZoneInfo(zone))
    raise ValueError(f"not a date: {value!r}")


def late_by(registered: dt.datetime, deadline: dt.datetime) -> dt.timedelta | None:
    """How late a registration was, or None when it was on time."""
    return registered - deadline if registered >= deadline else None


def _days(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours < 48:
        return f"{hours:.0f} h"
    days = round(hours / 24)
    return ngettext("{n} day", "{n} days", days).format(n=days)


def _date(value: dt.date, weekday: bool = False) -> str:
    """'Thu 05 Nov 2026' (or '05 Nov 2026'), with the day and month names of the run's
    language (the system family's catalog has them)."""
    month = localize(MONTHS[value.month - 1])
    if not weekday:
        return _("{day:02d} {month} {year}").format(day=value.day, month=month, year=value.year)
    return _("{weekday} {day:02d} {month} {year}").format(
        weekday=localize(WEEKDAYS[value.weekday()]), day=value.day, month=month, year=value.year
    )


class RegistrationDeadline(Check):
    """A late speaker may get no personal link before the meeting."""

    id = "registration.deadline"
    title = N_("Registered by the deadline")
    severity = Severity.MEDIUM
    remediation = N_(
        "Contact the meeting secretariat now: registrations after the deadline may not "
        "receive a personal link in time."
    )
    options = {
        "late": Option(str, "warn", "what a late registration is", choices=("warn", "fail")),
    }

    async def run(self, ctx: CheckContext) -> Finding:
        meeting = ctx.require_meeting()
        key = "speaker_deadline" if ctx.participant.role in SPEAKERS else "delegation_deadline"
        value = meeting.registration.get(key) or meeting.registration.get("speaker_deadline")
        if value is None:
            ctx.skip(_("the meeting file gives no registration deadline"))
        deadline = deadline_end(value, meeting.timezone)
        shown = _date(value, weekday=True)
        if not isinstance(value, dt.datetime):
            shown = _("{date} (end of day)").format(date=shown)
        registered = as_moment(ctx.cli_options.get("registered"), meeting.timezone)
        if registered is not None:
            late = late_by(registered, deadline)
            facts = {"registered": registered.isoformat(), "deadline": deadline.isoformat()}
            if late is None:
                message = _("registered {date}, by {deadline}").format(
                    date=_date(registered), deadline=shown
                )
                return Finding.passed(message, facts=facts)
            message = _("registered {date}, {late} after the deadline {deadline}").format(
                date=_date(registered), late=_days(late), deadline=shown
            )
            if ctx.options["late"] == "fail":
                return Finding.fail(message, facts=facts)
            return Finding.warn(message, facts=facts)
        now = dt.datetime.now(dt.UTC)
        if now < deadline:
            return Finding.passed(
                _("registration open until {deadline} ({left} left)").format(
                    deadline=shown, left=_days(deadline - now)
                ),
                facts={"deadline": deadline.isoformat()},
            )
        return Finding.passed(
            _("registration closed {deadline}; if you registered in time, nothing to do").format(
                deadline=shown
            ),
            facts={"deadline": deadline.isoformat()},
        )
