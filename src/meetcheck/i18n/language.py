"""The languages reports are written in, and which one the current run uses.

The active language is a context variable, not a global: each run (and each test) sets it
for its own duration with :func:`use_language`, asyncio tasks inherit it, and nothing
leaks from one run into the next.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator, Mapping

#: The six official languages of the United Nations, in the UN's own (alphabetical) order.
LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
DEFAULT = "en"
RTL = frozenset({"ar"})
#: Each language's name in itself, for lists a delegate chooses from.
NAMES = {
    "ar": "العربية",
    "zh": "中文",
    "en": "English",
    "fr": "Français",
    "ru": "Русский",
    "es": "Español",
}
ENV_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")

_active: contextvars.ContextVar[str] = contextvars.ContextVar("meetcheck_language", default=DEFAULT)


class UnsupportedLanguage(ValueError):
    """A language outside :data:`LANGUAGES` was asked for."""

    def __init__(self, code: str) -> None:
        super().__init__(f"{code!r} is not supported (supported: {', '.join(LANGUAGES)})")
        self.code = code


def current_language() -> str:
    """The language texts are rendered in right now (``en`` unless a run chose another)."""
    return _active.get()


def is_rtl(code: str | None = None) -> bool:
    """Whether ``code`` (default: the active language) is written right to left."""
    return (code or current_language()) in RTL


FSI, PDI = "\u2068", "\u2069"  # Unicode first-strong isolate ... pop directional isolate


def isolate(text: str) -> str:
    """``text`` as an isolated run inside right-to-left text (numbers, units, ids, URLs
    then keep their own order); unchanged in left-to-right languages or when empty."""
    return f"{FSI}{text}{PDI}" if text and is_rtl() else text


@contextlib.contextmanager
def use_language(code: str) -> Iterator[str]:
    """Render texts in ``code`` inside the block; the previous language comes back after."""
    if code not in LANGUAGES:
        raise UnsupportedLanguage(code)
    token = _active.set(code)
    try:
        yield code
    finally:
        _active.reset(token)


def normalize(value: str) -> str:
    """``zh_CN.UTF-8``, ``fr-CH``, ``AR`` -> ``zh``, ``fr``, ``ar``; '' for ``C``/``POSIX``."""
    code = value.strip().split(".", 1)[0].split("@", 1)[0].replace("-", "_").split("_", 1)[0]
    code = code.lower()
    return "" if code in ("", "c", "posix") else code


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the locale asks for (LC_ALL, then LC_MESSAGES, then LANG, as gettext
    reads them), or English when none is set or the first one set is not supported."""
    env = os.environ if environ is None else environ
    for name in ENV_VARS:
        value = env.get(name, "")
        if value:
            # LANGUAGE-style lists ("fr:en") are allowed in LC_*: the first supported wins.
            for part in value.split(":"):
                code = normalize(part)
                if code in LANGUAGES:
                    return code
            return DEFAULT
    return DEFAULT


def choose(option: str | None, environ: Mapping[str, str] | None = None) -> str:
    """``--lang`` when given (it must be supported), else the locale, else English."""
    if option:
        code = normalize(option) if option.lower() not in LANGUAGES else option.lower()
        if code not in LANGUAGES:
            raise UnsupportedLanguage(option)
        return code
    return from_environment(environ)
