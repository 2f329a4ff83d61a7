"""Audio checks: the microphone a speaker will really use, measured from a recording."""

from meetcheck.check import register_checks
from meetcheck.checks.audio._catalog import catalog
from meetcheck.i18n import register_catalogs

# Imported when the checks are collected, not when meetcheck starts (meetcheck --help).
meetcheck_register_checks = register_checks(
    "meetcheck.checks.audio.format:AudioFormat",
    "meetcheck.checks.audio.speech:Speech",
    "meetcheck.checks.audio.level:Level",
    "meetcheck.checks.audio.level:Clipping",
    "meetcheck.checks.audio.noise:Noise",
    "meetcheck.checks.audio.bandwidth:Bandwidth",
    "meetcheck.checks.audio.noise:Hum",
    "meetcheck.checks.audio.noise:DcOffset",
    "meetcheck.checks.audio.dropouts:Dropouts",
    "meetcheck.checks.audio.format:AudioChannels",
    "meetcheck.checks.audio.echo:Echo",
)
meetcheck_register_catalogs = register_catalogs(catalog)
