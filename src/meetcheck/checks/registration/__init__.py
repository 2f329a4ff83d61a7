"""Registration checks: the address, the deadline and, over a roster, the two speakers."""

from collections.abc import Callable
from typing import Any

from meetcheck.check import register_checks
from meetcheck.checks.registration._catalog import catalog
from meetcheck.hookimpl import hookimpl
from meetcheck.i18n import register_catalogs

# Imported when the checks are collected, not when meetcheck starts (meetcheck --help).
meetcheck_register_checks = register_checks(
    "meetcheck.checks.registration.email:RegistrationEmail",
    "meetcheck.checks.registration.email:RegistrationPersonal",
    "meetcheck.checks.registration.deadline:RegistrationDeadline",
)
meetcheck_register_catalogs = register_catalogs(catalog)


@hookimpl
def meetcheck_add_options(add: Callable[..., Any]) -> None:
    """``--registered DATE``: when the participant registered, for registration.deadline."""
    import click

    add(
        "--registered",
        default=None,
        type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]),
        metavar="DATE",
        help="When you registered (YYYY-MM-DD), to compare with the deadline.",
    )
