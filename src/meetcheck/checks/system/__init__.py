"""System checks: the computer a delegate will speak from."""

from meetcheck.check import register_checks
from meetcheck.checks.system._catalog import catalog
from meetcheck.checks.system.clock import ClockOffset
from meetcheck.checks.system.cpu import Processor
from meetcheck.checks.system.device import OperatingSystem
from meetcheck.checks.system.schedule import Schedule
from meetcheck.i18n import register_catalogs

meetcheck_register_checks = register_checks(OperatingSystem, Processor, ClockOffset, Schedule)
meetcheck_register_catalogs = register_catalogs(catalog)
