"""Running the checks for one participant, without the command line.

``meetcheck check``, ``meetcheck demo`` and plugin commands (and the coming batch run)
come here, so they select, run and report checks the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meetcheck.check import Check
    from meetcheck.meeting import Meeting
    from meetcheck.participant import Participant
    from meetcheck.plugins import Plugins
    from meetcheck.profile import Profile
    from meetcheck.report.model import Report
    from meetcheck.runner import Runner
    from meetcheck.sensors import Sensors


def load_inputs(
    plugins: Plugins, profile_ref: str, meeting_ref: str | None
) -> tuple[Profile, Meeting | None]:
    """The profile (validated against the installed checks, plugins' profiles and tables
    included) and the meeting file."""
    from meetcheck.meeting import load_meeting
    from meetcheck.profile import load_profile

    profile = load_profile(profile_ref, plugins.checks(), plugins)
    meeting = load_meeting(meeting_ref, plugins.plugin_tables()) if meeting_ref else None
    return profile, meeting


def prepare(
    plugins: Plugins,
    participant: Participant,
    profile: Profile,
    meeting: Meeting | None,
    *,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    quiet: bool = True,
    show_secrets: bool = False,
    cli_options: Mapping[str, Any] | None = None,
    notes: list[str] | None = None,
    checks: Sequence[type[Check]] | None = None,
    sensors: Sensors | None = None,
) -> Runner:
    """A runner for the checks the profile, ``only`` and ``skip`` select, or for
    ``checks`` already selected (a batch selects once for all its rows); with ``sensors``
    they judge those readings instead of measuring (:mod:`meetcheck.sensors`)."""
    from meetcheck.runner import Runner, select_checks

    if checks is None:
        checks = select_checks(plugins.checks(), profile, only, skip, notes)
    runner = Runner(plugins, profile, participant, meeting, checks, sensors=sensors)
    runner.info.options.update(quiet=quiet, show_secrets=show_secrets)
    runner.info.cli_options.update(cli_options or {})
    return runner


async def run_participant_async(
    plugins: Plugins,
    participant: Participant,
    profile: Profile,
    meeting: Meeting | None,
    **options: Any,
) -> Report:
    """Run the selected checks on the running event loop; options as :func:`prepare`."""
    return await prepare(plugins, participant, profile, meeting, **options).run()


def run_participant(
    plugins: Plugins,
    participant: Participant,
    profile: Profile,
    meeting: Meeting | None,
    **options: Any,
) -> Report:
    """Run the selected checks on a fresh event loop and return the (unredacted) report."""
    from meetcheck.runner import run_sync

    return run_sync(prepare(plugins, participant, profile, meeting, **options))
