"""The words of the guided recording (``meetcheck check --mic``) and of ``meetcheck mic
list``, in the audio family's catalog so they are translated with its checks.

Why here and not in :mod:`meetcheck.commands.mic`: a catalog's messages are the ones marked
in its own folder, and these belong with the audio checks that judge the recording. The
reading passage is translated too, so a delegate reads aloud in the run's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meetcheck.checks.audio._catalog import N_, _, ngettext
from meetcheck.i18n import localize

if TYPE_CHECKING:
    from meetcheck.media.device import Source

# Translators: read aloud by the delegate during the microphone test; write it as a
# delegate would say it at the meeting, about 8 seconds at a normal pace.
PASSAGE = N_(
    "Madam President, distinguished delegates: my delegation thanks the Secretariat for "
    "the preparation of this meeting, and supports the draft decision before us."
)

#: What :meth:`Source.kind` says, in words a delegate reads (others are shown as they are).
_KINDS = {
    "monitor of an output (not a microphone)": N_("monitor of an output (not a microphone)"),
    "Bluetooth device": N_("Bluetooth device"),
    "built-in microphone": N_("built-in microphone"),
    "microphone": N_("microphone"),
    "headset": N_("headset"),
    "webcam": N_("webcam"),
    "USB microphone": N_("USB microphone"),
    "USB headset": N_("USB headset"),
    "USB webcam": N_("USB webcam"),
}


def passage() -> str:
    """The passage to read aloud, in the run's language."""
    return localize(PASSAGE)


def kind(source: Source) -> str:
    """What the device probably is, in the run's language."""
    english = source.kind()
    return localize(_KINDS[english]) if english in _KINDS else english


def recorded_by(source: Source) -> str:
    """Which backend records the device, in the run's language (product names stay)."""
    if source.backend != "portaudio":
        return source.recorded_by()
    api = source.host_api or _("default host API")
    if source.route:
        return _("PortAudio ({host_api}) through the sound server").format(host_api=api)
    return f"PortAudio ({api})"


def microphone(source: Source) -> str:
    return _("Microphone: {device} ({kind}), recorded by {backend}").format(
        device=source.description or source.name, kind=kind(source), backend=recorded_by(source)
    )


def _timed(silent: bool, seconds: float) -> str:
    """The two timed prompts, with the plural form for their number of seconds."""
    n = round(seconds)
    if silent:
        text = ngettext(
            "Now stay silent for {n} second (the room's noise)...",
            "Now stay silent for {n} seconds (the room's noise)...",
            n,
        )
    else:
        text = ngettext(
            "Read this aloud, at your normal pace, for {n} second:",
            "Read this aloud, at your normal pace, for {n} seconds:",
            n,
        )
    return text.format(n=n)


def read_aloud(seconds: float) -> str:
    return _timed(False, seconds)


def stay_silent(seconds: float) -> str:
    return _timed(True, seconds)


def test_sound() -> str:
    return _("Now a short test sound through your loudspeakers (about 4 s)...")


def playing_back() -> str:
    return _("Playing your recording back: this is how you sound...")


def microphone_problem(error: str) -> str:
    return _("microphone: {error}").format(error=error)


def loudspeaker_problem(error: str | None) -> str:
    return _("loudspeaker test: {error}").format(error=error or _("no audio"))


def playback_problem(error: str) -> str:
    return _("playback: {error}").format(error=error)


def no_devices() -> str:
    return _("no capture devices")


def details(source: Source, aliases: str) -> str:
    """The parenthesis after a device's name in ``meetcheck mic list``."""
    parts = [
        kind(source),
        _("bus {bus}").format(bus=source.bus) if source.bus else "",
        _("form factor {form_factor}").format(form_factor=source.form_factor)
        if source.form_factor
        else "",
        _("{rate} Hz, {channels} ch").format(rate=source.sample_rate, channels=source.channels)
        if source.sample_rate
        else "",
        _("also named {names}").format(names=aliases) if aliases else "",
        _("recorded by {backend}").format(backend=recorded_by(source)),
    ]
    return _(", ").join(p for p in parts if p)
