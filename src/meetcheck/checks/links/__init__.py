"""Link checks: the personal link is well-formed, safe, trusted, working and the holder's own."""

from collections.abc import Callable
from typing import Any

from meetcheck.check import register_checks
from meetcheck.checks.links._catalog import catalog
from meetcheck.checks.links.form import LinkForm
from meetcheck.checks.links.page import LinkHttp, validate_table
from meetcheck.checks.links.safety import LinkSafety
from meetcheck.checks.links.tls import LinkTls
from meetcheck.checks.links.tokens import LinkToken
from meetcheck.hookimpl import hookimpl
from meetcheck.i18n import register_catalogs

meetcheck_register_checks = register_checks(LinkForm, LinkSafety, LinkTls, LinkHttp, LinkToken)
meetcheck_register_catalogs = register_catalogs(catalog)


@hookimpl
def meetcheck_register_plugin_tables(register: Callable[..., Any]) -> None:
    """``[plugins.links]`` in a meeting file: the meeting's own "link expired" phrases."""
    register("links", validate_table)
