"""Network checks: the connection a delegate's voice travels over."""

from meetcheck.check import register_checks
from meetcheck.checks.network.interface import NetworkInterface

meetcheck_register_checks = register_checks(NetworkInterface)
