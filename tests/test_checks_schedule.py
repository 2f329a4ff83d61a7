"""system.schedule with the seed meeting's sessions, explicit time zones and a fixed "now"."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from meetcheck.check import Status
from meetcheck.checks.system import schedule
from meetcheck.checks.system.schedule import Schedule, overlaps_night
from meetcheck.errors import InputError
from meetcheck.meeting import Meeting, Session
from meetcheck.report.model import CheckResult
from meetcheck.testing import assert_status, measurement, run_check_sync

UTC = dt.UTC
# The seed notice: 25-27 Nov 2020, 10-12, 13-15 and 16-18 Geneva time (the notice says
# CEST, but Geneva is on CET, UTC+1, in late November).
SESSIONS = [
    {"start": f"2020-11-{day}T{a:02d}:00:00", "end": f"2020-11-{day}T{a + 2:02d}:00:00"}
    for day in (25, 26, 27)
    for a in (10, 13, 16)
]
MEETING = {"timezone": "Europe/Zurich", "sessions": SESSIONS}
BEFORE = dt.datetime(2020, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch):
    def set_now(when: dt.datetime) -> None:
        monkeypatch.setattr(schedule, "utcnow", lambda: when)

    set_now(BEFORE)
    return set_now


def messages(result: CheckResult) -> list[str]:
    return [f.message for f in result.findings]


def test_new_york_sees_eastern_times_and_night_warnings(now) -> None:
    result = run_check_sync(Schedule, meeting=MEETING, timezone="America/New_York")
    lines = messages(result)
    assert (
        "Session 1: Wed 25 Nov 10:00\u201312:00 CET = 04:00\u201306:00 EST (your time)"
        in (lines[2])
    )
    assert lines[1].startswith("Early-join test, Wed 25 Nov: from 09:00 CET = 03:00 EST")
    assert "Session 3: Wed 25 Nov 16:00\u201318:00 CET = 10:00\u201312:00 EST (your time)" in lines
    night = [f for f in result.findings if f.status is Status.WARN]
    assert len(night) == 3  # the 10:00 session each day starts at 04:00 in New York
    assert all("during your night" in f.message and f.remediation for f in night)
    assert_status(result, Status.WARN)
    assert measurement(result, "timezone") == "America/New_York"
    assert measurement(result, "sessions_left") == 9
    assert measurement(result, "session_1_start_local") == "2020-11-25T04:00:00-05:00"


def test_same_zone_passes_and_says_so(now) -> None:
    result = run_check_sync(Schedule, meeting=MEETING, timezone="Europe/Zurich")
    assert_status(result, Status.PASS)
    assert "Session 1: Wed 25 Nov 10:00\u201312:00 CET (your time too)" in messages(result)
    windows = [m for m in messages(result) if m.startswith("Early-join test")]
    assert len(windows) == 3  # one a day
    assert windows[0].startswith("Early-join test, Wed 25 Nov: from 09:00 CET (your time too)")


def test_tokyo_evening_session_crosses_midnight(now) -> None:
    result = run_check_sync(Schedule, meeting=MEETING, timezone="Asia/Tokyo")
    line = next(m for m in messages(result) if m.startswith("Session 3:"))
    assert line.startswith(
        "Session 3: Wed 25 Nov 16:00\u201318:00 CET = Thu 26 Nov 00:00\u201302:00 JST (your time)"
    )
    assert "during your night" in line
    first = next(m for m in messages(result) if m.startswith("Session 1:"))
    assert "= 18:00\u201320:00 JST (your time)" in first and "night" not in first


def test_machine_zone_is_used_without_a_participant_zone(now, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    result = run_check_sync(Schedule, meeting=MEETING)
    assert measurement(result, "timezone") == "Asia/Kolkata"
    assert any("= 14:30\u201316:30 IST (your time)" in m for m in messages(result))


def test_test_window_lead_time_is_an_option(now) -> None:
    profile = {"options": {"test_window_minutes": 30}}
    result = run_check_sync(Schedule, meeting=MEETING, timezone="Europe/Zurich", profile=profile)
    assert messages(result)[1].startswith("Early-join test, Wed 25 Nov: from 09:30 CET")
    assert "30 min before" in messages(result)[1]


def test_night_hours_are_options_and_may_wrap_midnight(now) -> None:
    late = {"options": {"night_start_hour": 17, "night_end_hour": 7}}
    result = run_check_sync(Schedule, meeting=MEETING, timezone="Europe/Zurich", profile=late)
    warned = [f.message for f in result.findings if f.status is Status.WARN]
    assert len(warned) == 3 and all(m.startswith("Session") for m in warned)
    assert all("16:00\u201318:00" in m for m in warned)


def test_in_progress_and_past_sessions(now) -> None:
    now(dt.datetime(2020, 11, 25, 9, 30, tzinfo=UTC))  # 10:30 CET: session 1 running
    result = run_check_sync(Schedule, meeting=MEETING, timezone="Europe/Zurich")
    lines = messages(result)
    assert "Session 1: Wed 25 Nov 10:00\u201312:00 CET (your time too), in progress now" in lines
    assert not any("Early-join test, Wed 25 Nov" in m for m in lines)  # that window is gone
    assert any(m.startswith("Early-join test, Thu 26 Nov") for m in lines)
    now(dt.datetime(2020, 11, 26, 12, 0, tzinfo=UTC))  # 13:00 CET on day 2
    result = run_check_sync(Schedule, meeting=MEETING, timezone="Europe/Zurich")
    assert "4 earlier sessions already over" in messages(result)[0]
    assert measurement(result, "sessions_left") == 5


def test_every_session_over_warns(now) -> None:
    now(dt.datetime(2020, 12, 1, tzinfo=UTC))
    result = run_check_sync(Schedule, meeting=MEETING, timezone="Europe/Zurich")
    assert_status(result, Status.WARN)
    assert "every session is over" in result.findings[0].message
    assert "Fri 27 Nov 18:00 CET" in result.findings[0].message


def test_dst_is_applied_per_date(now) -> None:
    # 29 March 2021: Geneva on summer time (CEST), New York already on EDT.
    session = {"start": "2021-03-29T10:00:00", "end": "2021-03-29T12:00:00"}
    meeting = {"timezone": "Europe/Zurich", "sessions": [session]}
    result = run_check_sync(Schedule, meeting=meeting, timezone="America/New_York")
    assert any("10:00\u201312:00 CEST = 04:00\u201306:00 EDT" in m for m in messages(result))


def test_skips_without_meeting_or_sessions(now) -> None:
    assert_status(run_check_sync(Schedule), Status.SKIPPED)
    empty = run_check_sync(Schedule, meeting={"timezone": "Europe/Zurich"})
    assert_status(empty, Status.SKIPPED)
    assert "no sessions" in empty.reason


def test_unknown_participant_zone_falls_back_without_crashing(now, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    result = run_check_sync(Schedule, meeting=MEETING, timezone="Mars/Olympus")
    assert "unknown time zone 'Mars/Olympus'" in result.findings[0].message
    assert measurement(result, "timezone") == "UTC"


def test_bad_night_hour_is_refused_with_the_profile(now) -> None:
    profile = {"options": {"night_start_hour": 25}}
    with pytest.raises(InputError, match="night_start_hour: must be from 0 to 23, got 25"):
        run_check_sync(Schedule, meeting=MEETING, timezone="UTC", profile=profile)


def test_session_at_the_edge_of_the_calendar_is_a_warning_not_an_error(now) -> None:
    # The meeting-file parser refuses such years; a plugin may still build a Meeting itself.
    ny = ZoneInfo("America/New_York")
    far = Session(
        "Far", dt.datetime(9999, 12, 31, 20, tzinfo=ny), dt.datetime(9999, 12, 31, 22, tzinfo=ny)
    )
    near = Session(
        "Near", dt.datetime(2020, 11, 25, 10, tzinfo=ny), dt.datetime(2020, 11, 25, 12, tzinfo=ny)
    )
    meeting = Meeting(
        name="Edge", source="<test>", timezone="America/New_York", sessions=[far, near]
    )
    result = run_check_sync(Schedule, meeting=meeting, timezone="Europe/Zurich")
    assert_status(result, Status.WARN)
    lines = messages(result)
    assert any("Far" in m and "outside the years 2000 to 2100" in m for m in lines), lines
    assert any(m.startswith("Session 1 (Near): Wed 25 Nov 10:00") for m in lines), lines


@pytest.mark.parametrize(
    ("start", "end", "night", "expected"),
    [
        ((2020, 11, 25, 4), (2020, 11, 25, 6), (0, 6), True),
        ((2020, 11, 25, 6), (2020, 11, 25, 8), (0, 6), False),  # starts as the night ends
        ((2020, 11, 25, 22), (2020, 11, 26, 0), (0, 6), False),  # ends as the night starts
        ((2020, 11, 25, 23), (2020, 11, 26, 1), (0, 6), True),
        ((2020, 11, 25, 20), (2020, 11, 25, 23), (22, 7), True),
        ((2020, 11, 25, 12), (2020, 11, 25, 14), (22, 7), False),
        ((2020, 11, 25, 3), (2020, 11, 25, 5), (6, 6), False),  # no night at all
    ],
)
def test_overlaps_night(start, end, night, expected) -> None:
    assert overlaps_night(dt.datetime(*start), dt.datetime(*end), *night) is expected
