"""Message catalogs: one gettext domain per part of meetcheck, and per plugin.

The core (verdicts, progress, reporters, commands) is the domain ``meetcheck``; each
built-in check family has its own (``meetcheck-system``, ``meetcheck-network``, ...), kept
in a ``locale/`` folder next to its code, and registered through the
``meetcheck_register_catalogs`` hook exactly as a third-party plugin registers its own.
Compiled ``.mo`` files are read with the standard library's :mod:`gettext`, on first use
of a language, so choosing English costs nothing and ``meetcheck --help`` reads no file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from meetcheck.i18n.language import DEFAULT, LANGUAGES, current_language
from meetcheck.i18n.text import Text

DOMAIN = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class Catalog:
    """One gettext domain and the folder holding ``LANG/LC_MESSAGES/DOMAIN.mo``.

    Use its three markers in the code the domain covers (Babel extracts them)::

        catalog = Catalog.beside(__file__, "meetcheck-system")
        _, N_, ngettext = catalog.gettext, catalog.mark, catalog.ngettext

    ``_("only {value} logical CPUs").format(value=2)`` translates now, in the run's
    language; ``N_("...")`` marks a class attribute (a check's title) whose English is kept
    and translated where it is shown; ``ngettext(singular, plural, n)`` picks the plural
    form by each language's rules (Arabic has six, Russian three, Chinese one).
    """

    def __init__(self, domain: str, directory: str | Path) -> None:
        if not DOMAIN.match(domain):
            raise ValueError(f"catalog domain {domain!r} must be lower-case, e.g. 'my-plugin'")
        self.domain = domain
        self.directory = Path(directory)
        self._loaded: dict[str, Any] = {}

    @classmethod
    def beside(cls, module_file: str, domain: str) -> Catalog:
        """The catalog in the ``locale/`` folder next to ``module_file`` (pass ``__file__``)."""
        # abspath, not resolve(): no file-system calls while `meetcheck --help` imports
        # every family
        return cls(domain, Path(os.path.abspath(module_file)).parent / "locale")

    def __repr__(self) -> str:
        return f"Catalog({self.domain!r}, {str(self.directory)!r})"

    def __deepcopy__(self, memo: dict[int, Any]) -> Catalog:
        return self  # shared, like a module

    def __reduce__(self) -> Any:
        return (Catalog, (self.domain, self.directory))  # not the loaded translations

    def mo_path(self, language: str) -> Path:
        return self.directory / language / "LC_MESSAGES" / f"{self.domain}.mo"

    def po_path(self, language: str) -> Path:
        return self.directory / language / "LC_MESSAGES" / f"{self.domain}.po"

    def _translations(self, language: str) -> Any:
        """The compiled catalog of ``language`` (None: untranslated, English is shown)."""
        if language == DEFAULT:
            return None
        if language not in self._loaded:
            path = self.mo_path(language)
            found = None
            if path.is_file():
                import gettext

                with path.open("rb") as fh:
                    found = gettext.GNUTranslations(fh)
            self._loaded[language] = found
        return self._loaded[language]

    def english(self, msgid: str, plural: str | None = None, n: int | None = None) -> str:
        if plural is None:
            return msgid
        return msgid if n == 1 else plural

    def template(self, msgid: str, plural: str | None = None, n: int | None = None) -> str:
        """The translation of ``msgid`` in the active language, still unformatted."""
        found = self._translations(current_language())
        if found is None:
            return self.english(msgid, plural, n)
        if plural is None:
            return found.gettext(msgid)
        return found.ngettext(msgid, plural, int(n or 0))

    # -- the markers Babel extracts -----------------------------------------------------
    def gettext(self, msgid: str) -> Text:
        """``_``: ``msgid`` translated into the active language."""
        return Text(self.template(msgid), self, msgid)

    def ngettext(self, singular: str, plural: str, n: int) -> Text:
        """The plural form for ``n`` in the active language; format ``{n}`` yourself."""
        return Text(self.template(singular, plural, n), self, singular, plural, n)

    def mark(self, msgid: str) -> Text:
        """``N_``: keep the English now, translate where shown (``localize(check.title)``)."""
        return Text(msgid, self, msgid)

    def languages(self) -> list[str]:
        """The languages this catalog has a compiled translation for (English always)."""
        return [code for code in LANGUAGES if code == DEFAULT or self.mo_path(code).is_file()]


def register_catalogs(*catalogs: Catalog) -> Callable[..., None]:
    """The ``meetcheck_register_catalogs`` hook in one line, as ``register_checks`` is::

    meetcheck_register_catalogs = register_catalogs(catalog)
    """
    from meetcheck.hookimpl import hookimpl

    @hookimpl
    def meetcheck_register_catalogs(register: Callable[[Catalog], None]) -> None:
        for catalog in catalogs:
            register(catalog)

    return meetcheck_register_catalogs


def validate_catalog(obj: Any) -> None:
    """A registered catalog must be a Catalog; its folder may not exist yet (English only)."""
    if not isinstance(obj, Catalog):
        raise TypeError(f"{obj!r} is not a meetcheck.i18n.Catalog")
