"""Link checks: the personal link is well-formed, safe, trusted, working and the holder's own."""

from collections.abc import Callable
from typing import Any

from meetcheck.check import register_checks
from meetcheck.checks.links._catalog import catalog
from meetcheck.hookimpl import hookimpl
from meetcheck.i18n import register_catalogs

# Imported when the checks are collected, not when meetcheck starts (meetcheck --help).
meetcheck_register_checks = register_checks(
    "meetcheck.checks.links.form:LinkForm",
    "meetcheck.checks.links.safety:LinkSafety",
    "meetcheck.checks.links.tls:LinkTls",
    "meetcheck.checks.links.page:LinkHttp",
    "meetcheck.checks.links.tokens:LinkToken",
)
meetcheck_register_catalogs = register_catalogs(catalog)


@hookimpl
def meetcheck_register_plugin_tables(register: Callable[..., Any]) -> None:
    """``[plugins.links]`` in a meeting file: the meeting's own "link expired" phrases."""
    from meetcheck.checks.links.page import validate_table

    register("links", validate_table)
