"""The self-test page in the delegate's language: which language a request asks for, and
the page rendered in it (every sentence from the catalog ``meetcheck-selftest``, the
passage to read aloud from the audio family's, ``lang`` and ``dir`` on the root).

Kept out of :mod:`meetcheck.server` so the page's words are extracted into this package's
catalog with the rest of the self-test's, not into the core's.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from meetcheck.i18n.language import DEFAULT, LANGUAGES, NAMES, normalize, use_language

if TYPE_CHECKING:
    import jinja2


def choose_language(query: Mapping[str, str], accept_language: str) -> str:
    """``?lang=xx`` when it names one of the six, else the first of the six the browser's
    ``Accept-Language`` lists, else English (the report follows the same choice)."""
    asked = normalize(query.get("lang", ""))
    if asked in LANGUAGES:
        return asked
    for part in accept_language.split(","):
        code = normalize(part.split(";", 1)[0])
        if code in LANGUAGES:
            return code
    return DEFAULT


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    from meetcheck.report.html import fmt
    from meetcheck.selftest._catalog import _, ngettext

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("meetcheck.selftest", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["fmt"] = fmt
    env.globals.update(_=_, ngettext=ngettext)
    return env


def render(language: str, **values: Any) -> str:
    """The page in ``language``; ``values`` are the template's (meeting, participant,
    config_json, record_s, silence_s)."""
    from meetcheck.checks.audio.guide import passage
    from meetcheck.report.html import HTML_LANG, page_language

    with use_language(language):
        switcher = [
            {"code": c, "lang": HTML_LANG.get(c, c), "name": NAMES[c], "current": c == language}
            for c in LANGUAGES
        ]
        return (
            _environment()
            .get_template("selftest.html.j2")
            .render(passage=passage(), languages=switcher, **page_language(), **values)
        )
