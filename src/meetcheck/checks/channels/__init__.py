"""Interpretation channel checks: every channel received, audible, the right one, in time.

One collection per run (``_collect``) listens to the floor and every interpretation
channel of the meeting file at once over WHEP; the checks judge it.
"""

from meetcheck.check import register_checks
from meetcheck.checks.channels._catalog import catalog
from meetcheck.checks.channels.audio import ChannelsAudio
from meetcheck.checks.channels.delay import ChannelsDelay
from meetcheck.checks.channels.health import ChannelsHealth
from meetcheck.checks.channels.identity import ChannelsIdentity
from meetcheck.checks.channels.offered import ChannelsOffered
from meetcheck.checks.channels.receive import ChannelsReceive
from meetcheck.i18n import register_catalogs

meetcheck_register_checks = register_checks(
    ChannelsOffered, ChannelsReceive, ChannelsAudio, ChannelsIdentity, ChannelsDelay, ChannelsHealth
)
meetcheck_register_catalogs = register_catalogs(catalog)
