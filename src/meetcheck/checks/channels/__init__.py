"""Interpretation channel checks: every channel received, audible, the right one, in time.

One collection per run (``_collect``) listens to the floor and every interpretation
channel of the meeting file at once over WHEP; the checks judge it.
"""

from meetcheck.check import register_checks
from meetcheck.checks.channels._catalog import catalog
from meetcheck.i18n import register_catalogs

# Imported when the checks are collected, not when meetcheck starts (meetcheck --help).
meetcheck_register_checks = register_checks(
    "meetcheck.checks.channels.offered:ChannelsOffered",
    "meetcheck.checks.channels.receive:ChannelsReceive",
    "meetcheck.checks.channels.audio:ChannelsAudio",
    "meetcheck.checks.channels.identity:ChannelsIdentity",
    "meetcheck.checks.channels.delay:ChannelsDelay",
    "meetcheck.checks.channels.health:ChannelsHealth",
)
meetcheck_register_catalogs = register_catalogs(catalog)
