"""What a report format is.

Reporters render the redacted report data, so a saved JSON report re-renders to exactly
what the live run would have written. The data is the JSON report (schema in
``meetcheck/report/schema/``):

- ``verdict`` (READY, READY WITH WARNINGS, NOT READY, INCOMPLETE), ``interrupted``,
  ``summary`` (checks per status), ``started_at``, ``finished_at``, ``duration_s``;
- ``participant`` (name, email, delegation, role, link, mic, audio, timezone), ``meeting``
  (name, timezone, sessions, endpoints) or None, ``profile`` (name, version, digest,
  source, extends);
- ``results``: one per check, in id order: ``id``, ``title``, ``category``,
  ``severity``, ``required``, ``status``, ``duration_s``, ``reason``, ``remediation`` and
  ``findings`` (``status``, ``message``, ``remediation``, ``measurements`` as
  ``{name, value, unit}``, ``threshold`` as ``{metric, unit, direction, warn, fail,
  source}`` or None);
- ``environment``: meetcheck and plugin versions, Python, OS, plugin errors;
- ``language`` (ar, zh, en, fr, ru, es): the language the texts are in; results and
  findings may carry ``i18n`` recipes to render their texts again in another language.

Reporters are called with the report's language active (``meetcheck.i18n``): fixed text
goes through the core catalog (``meetcheck.i18n.core._``), words for verdicts and
statuses come from ``meetcheck.report.words``.

``meetcheck.report.plain`` formats values, thresholds and findings the way the built-in
reporters do.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class Reporter:
    """A ``--format``. ``render(data)`` returns text, or bytes for a binary format; a
    ``render(data, options)`` also gets the ``--report-option FORMAT.KEY=VALUE`` values
    given for it, which must be among ``options`` (name: help)."""

    name: str  # the value of --format
    description: str
    extension: str  # used to guess the format from -o PATH
    render: Callable[..., str | bytes]
    options: Mapping[str, str] = field(default_factory=dict)

    def output(self, data: dict[str, Any], options: Mapping[str, str] | None = None) -> str | bytes:
        if "options" in inspect.signature(self.render).parameters:
            return self.render(data, options=dict(options or {}))
        return self.render(data)


def validate_reporter(obj: Any) -> None:
    if not isinstance(obj, Reporter):
        raise TypeError(f"{obj!r} is not a meetcheck.Reporter")
    if not isinstance(obj.name, str) or not NAME.match(obj.name):
        raise ValueError(
            f"reporter name {obj.name!r} must be lower-case letters, digits, '-' or '_' "
            "(e.g. 'github-actions')"
        )
