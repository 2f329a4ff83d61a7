"""``--lang``: one decorator for every command that writes a report (check, demo,
report render, batch), so they choose the language the same way.

The choice is entered as a resource of the command's click context: it holds while the
command runs and is undone when the command ends, so nothing leaks into the next
invocation (or the next test).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from meetcheck.i18n.language import LANGUAGES, UnsupportedLanguage, choose, use_language

F = TypeVar("F", bound=Callable[..., Any])
HELP = (
    "Language of the report and messages: " + ", ".join(LANGUAGES)
    + ". Default: the locale (LC_ALL, LC_MESSAGES, LANG), else en."
)  # fmt: skip


def _activate(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    try:
        code = choose(value)
    except UnsupportedLanguage as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
    ctx.with_resource(use_language(code))
    return code


def language_option(fn: F) -> F:
    """Add ``--lang`` to a click command; the command gets the chosen code as ``lang``
    and runs with it active (:func:`meetcheck.i18n.current_language`)."""
    return click.option(
        "--lang",
        "lang",
        default=None,
        metavar="|".join(LANGUAGES),
        callback=_activate,
        expose_value=True,
        help=HELP,
    )(fn)
