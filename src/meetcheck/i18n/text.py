"""Translated text that remembers how it was made, so a report can be re-rendered in
another language later (``meetcheck report render --lang fr``).

A :class:`Text` is a ``str`` (everything that takes a string takes it) plus its recipe:
the catalog, the English ``msgid`` (and plural form with its count) and the named values
it was formatted with. Values are formatted *after* translation, so each language puts
them where its grammar wants them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from meetcheck.i18n.language import is_rtl, isolate

if TYPE_CHECKING:
    from meetcheck.i18n.catalog import Catalog

_PLACEHOLDER = r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?:[!:][^{}]*)?\}"


def placeholders(template: str) -> set[str]:
    """The ``{name}`` fields of a template (``{{`` escapes are not fields)."""
    return set(re.findall(_PLACEHOLDER, template))


def _tidy(text: str) -> str:
    """An empty value (a unitless ``{unit}``) must not leave a double or trailing space."""
    return re.sub(" {2,}", " ", text).strip(" ")


class _Isolated:
    """A value inside right-to-left text: formatted as the template asks, then wrapped in
    Unicode's first-strong isolate (FSI ... PDI), so a number, unit, id or URL keeps its
    own left-to-right order in Arabic and never reorders the words around it."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __format__(self, spec: str) -> str:
        return isolate(format(self.value, spec))


def fill(template: str, values: Mapping[str, Any]) -> str:
    """``template`` with its named values; in a right-to-left language each value is
    isolated. Double spaces are tidied only when a value is empty (a unitless ``{unit}``)."""
    if is_rtl():
        rendered = template.format(**{k: _Isolated(v) for k, v in values.items()})
    else:
        rendered = template.format(**values)
    if any(v is None or (isinstance(v, str) and not v) for v in values.values()):
        return _tidy(rendered)
    return rendered


class Text(str):
    """A message in one language plus the recipe to render it in any other.

    Build one with a catalog's ``_`` / ``N_`` / ``ngettext``; ``.format(name=value)``
    returns another Text that also remembers the values. Concatenating gives a plain
    ``str`` (the recipe is lost): compose with a template instead, e.g.
    ``_("{message}; {note}").format(message=a, note=b)``.
    """

    catalog: Catalog | None
    msgid: str
    plural: str | None
    n: int | None
    args: dict[str, Any]

    def __new__(
        cls,
        value: str = "",
        catalog: Catalog | None = None,
        msgid: str | None = None,
        plural: str | None = None,
        n: int | None = None,
        args: Mapping[str, Any] | None = None,
    ) -> Text:
        self = super().__new__(cls, value)
        self.catalog = catalog
        self.msgid = value if msgid is None else msgid
        self.plural = plural
        self.n = n
        self.args = dict(args or {})
        return self

    def format(self, *positional: Any, **values: Any) -> Text:  # type: ignore[override]
        """Fill the named placeholders; positional ``{}`` fields are not allowed, since a
        translator must be able to move each value."""
        if positional:
            raise TypeError("Text.format takes named values only: _('{n} items').format(n=3)")
        rendered = fill(str(self), values)
        args = {**self.args, **values}
        return Text(rendered, self.catalog, self.msgid, self.plural, self.n, args)

    def localized(self) -> Text:
        """This text rendered again in the active language (itself without a catalog)."""
        if self.catalog is None:
            return self
        template = self.catalog.template(self.msgid, self.plural, self.n)
        if not self.args:
            return Text(template, self.catalog, self.msgid, self.plural, self.n)
        values = {k: localize(v) for k, v in self.args.items()}
        try:
            rendered = fill(template, values)
        except (KeyError, IndexError, ValueError):  # a broken translation: the English
            rendered = fill(self.catalog.english(self.msgid, self.plural, self.n), values)
        return Text(rendered, self.catalog, self.msgid, self.plural, self.n, self.args)

    def to_dict(self) -> dict[str, Any]:
        """The recipe as JSON: ``{domain, msgid[, plural, n][, args]}``; nested Texts in
        ``args`` are recipes too, anything else is kept as a JSON value or shown as text."""
        out: dict[str, Any] = {"domain": self.catalog.domain if self.catalog else "",
                               "msgid": self.msgid}  # fmt: skip
        if self.plural is not None:
            out["plural"] = self.plural
            out["n"] = self.n
        if self.args:
            out["args"] = {k: _arg(v) for k, v in self.args.items()}
        return out

    def __deepcopy__(self, memo: dict[int, Any]) -> Text:
        return self  # immutable, like any str

    def __copy__(self) -> Text:
        return self

    def __reduce__(self) -> Any:
        return (Text, (str(self), self.catalog, self.msgid, self.plural, self.n, self.args))


def _arg(value: Any) -> Any:
    if isinstance(value, Text):
        return value.to_dict() if value.catalog is not None else str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value if not isinstance(value, str) else str(value)
    return str(value)


def localize(value: Any) -> Any:
    """A Text re-rendered in the active language; any other value unchanged."""
    return value.localized() if isinstance(value, Text) else value


def recipe(value: Any) -> dict[str, Any] | None:
    """The JSON recipe of a translated text, None for plain text (a plugin's own English)."""
    if isinstance(value, Text) and value.catalog is not None:
        return value.to_dict()
    return None


def recipes(**texts: Any) -> dict[str, Any]:
    """``{"i18n": {name: recipe}}`` for the translated ones among ``texts``, or ``{}``:
    what a report stores so ``report render --lang`` can translate the texts again."""
    found = {name: r for name, value in texts.items() if (r := recipe(value)) is not None}
    return {"i18n": found} if found else {}


def render_recipe(
    data: Mapping[str, Any], catalogs: Mapping[str, Catalog], fallback: str
) -> str:
    """A recipe from a saved report rendered in the active language; ``fallback`` (the text
    as saved) when its domain is not installed or the recipe is malformed."""
    try:
        catalog = catalogs.get(data["domain"])
        if catalog is None:
            return fallback
        plural = data.get("plural")
        n = data.get("n") if plural is not None else None
        template = catalog.template(str(data["msgid"]), plural, n)
        args = data.get("args") or {}
        if not args:
            return template
        values = {
            k: render_recipe(v, catalogs, "") if isinstance(v, Mapping) else v
            for k, v in args.items()
        }
        if any(v == "" and isinstance(args[k], Mapping) for k, v in values.items()):
            return fallback
        return fill(template, values)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return fallback
