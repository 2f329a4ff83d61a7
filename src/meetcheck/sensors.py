"""Sensor inputs: what was measured elsewhere (a delegate's browser), for a run to judge.

A run normally measures for itself: the network checks place their own echo call, the
channel checks listen with aiortc, the audio checks read ``--audio FILE``. A run given
:class:`Sensors` judges readings that another instrument took instead, with the same
checks and the same profile, so there is one set of rules whatever did the measuring.

The seam is small on purpose (see ``docs/selftest.md``):

* a check declares which readings it can be judged from: ``Check.senses`` (reading names);
* in a run with sensors, a check none of whose readings were given is SKIPPED with the
  reason (it would otherwise measure the wrong computer: the server's); a check that
  declares nothing is never run on someone else's measurements;
* a family's collector asks ``ctx.sensors.get(name)`` before measuring, and marks what
  it reports with ``ctx.sensors.source`` (``"browser"``).

Reading names used by the built-in families (a plugin may add its own):

=======================  ==================================================================
``audio.recording``      path of the recording (any format PyAV reads)
``audio.device``         the microphone's name as the instrument shows it (a hint only)
``network.media``        :class:`meetcheck.webrtc.echo_probe.EchoFigures` from the browser's
                         ``getStats()`` of its echo call (:mod:`meetcheck.webrtc.browser_stats`)
``channels.receive``     :class:`meetcheck.checks.channels._collect.Collection`, received and
                         captured by the browser
=======================  ==================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from meetcheck.i18n.core import _


@dataclass
class Sensors:
    """Readings taken by ``source`` (e.g. ``"browser"``), by reading name."""

    source: str
    readings: dict[str, Any] = field(default_factory=dict)
    #: What the instrument says about itself (user agent, device labels): for the report.
    about: Mapping[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        """The reading, or None when the instrument did not take it."""
        return self.readings.get(name)

    def has(self, name: str) -> bool:
        return self.readings.get(name) is not None

    def why_not(self, senses: tuple[str, ...]) -> str:
        """Why a check reading ``senses`` cannot be judged on these readings ("" if it can)."""
        if not senses:
            return self.says(
                _("not part of the browser self-test: this check measures for itself "
                  "(run meetcheck check on the computer for it)"),
                "not part of the {source} self-test: this check measures for itself "
                "(run meetcheck check on the computer for it)",
            )  # fmt: skip
        if any(self.has(name) for name in senses):
            return ""
        return self.says(
            _("the browser did not measure {readings}"),
            "the {source} did not measure {readings}",
            readings=", ".join(senses),
        )

    def says(self, browser: str, other: str, **values: Any) -> str:
        """``browser`` (a translated template) from the browser self-test; ``other`` (its
        English, naming ``{source}``) from an instrument a plugin adds."""
        if self.source == "browser":
            return browser.format(**values)
        return other.format(source=self.source, **values)
