"""Audio checks: the microphone a speaker will really use, measured from a recording."""

from meetcheck.check import register_checks
from meetcheck.checks.audio._catalog import catalog
from meetcheck.checks.audio.bandwidth import Bandwidth
from meetcheck.checks.audio.dropouts import Dropouts
from meetcheck.checks.audio.echo import Echo
from meetcheck.checks.audio.format import AudioChannels, AudioFormat
from meetcheck.checks.audio.level import Clipping, Level
from meetcheck.checks.audio.noise import DcOffset, Hum, Noise
from meetcheck.checks.audio.speech import Speech
from meetcheck.i18n import register_catalogs

meetcheck_register_checks = register_checks(
    AudioFormat,
    Speech,
    Level,
    Clipping,
    Noise,
    Bandwidth,
    Hum,
    DcOffset,
    Dropouts,
    AudioChannels,
    Echo,
)
meetcheck_register_catalogs = register_catalogs(catalog)
