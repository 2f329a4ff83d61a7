"""System checks: the computer a delegate will speak from."""

from meetcheck.check import register_checks
from meetcheck.checks.system._catalog import catalog
from meetcheck.i18n import register_catalogs

# Imported when the checks are collected, not when meetcheck starts (meetcheck --help).
meetcheck_register_checks = register_checks(
    "meetcheck.checks.system.device:OperatingSystem",
    "meetcheck.checks.system.cpu:Processor",
    "meetcheck.checks.system.clock:ClockOffset",
    "meetcheck.checks.system.schedule:Schedule",
)
meetcheck_register_catalogs = register_catalogs(catalog)
