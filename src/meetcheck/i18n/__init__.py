"""Reports in the six UN languages: gettext catalogs per domain, the run's language, and
translated text that can be rendered again in another language. See docs/i18n.md."""

from meetcheck.i18n.catalog import Catalog, register_catalogs
from meetcheck.i18n.language import (
    LANGUAGES,
    UnsupportedLanguage,
    current_language,
    is_rtl,
    use_language,
)
from meetcheck.i18n.text import Text, localize, recipe

__all__ = [
    "LANGUAGES", "Catalog", "Text", "UnsupportedLanguage", "current_language", "is_rtl",
    "localize", "recipe", "register_catalogs", "use_language",
]  # fmt: skip
