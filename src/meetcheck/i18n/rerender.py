"""A saved report's texts in another language (``meetcheck report render --lang``).

Each translated text in a report carries its recipe under ``i18n``; rendering the recipe
with the installed catalogs gives the text in the active language. A text without a
recipe (a plugin's own English, an exception message) or from a domain that is not
installed here is kept as saved. Ids, names, units, keys and ``verdict`` never change.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from meetcheck.i18n.language import current_language
from meetcheck.i18n.text import render_recipe

if TYPE_CHECKING:
    from meetcheck.i18n.catalog import Catalog


def _retranslate(item: dict[str, Any], catalogs: Mapping[str, Catalog]) -> None:
    recipes = item.get("i18n")
    if not isinstance(recipes, dict):
        return
    for key, recipe in recipes.items():
        if isinstance(recipe, Mapping) and isinstance(item.get(key), str):
            item[key] = render_recipe(recipe, catalogs, item[key])


def translate_report(data: dict[str, Any], catalogs: Mapping[str, Catalog]) -> dict[str, Any]:
    """A copy of ``data`` with every text that has a recipe rendered in the active
    language, and ``language`` set to it."""
    out = copy.deepcopy(data)
    for result in out.get("results", []):
        _retranslate(result, catalogs)
        for finding in result.get("findings", []):
            _retranslate(finding, catalogs)
    out["language"] = current_language()
    return out
