"""Network checks: the connection a delegate's voice travels over."""

from meetcheck.check import register_checks
from meetcheck.checks.network._catalog import catalog
from meetcheck.i18n import register_catalogs

# Imported when the checks are collected, not when meetcheck starts (meetcheck --help).
meetcheck_register_checks = register_checks(
    "meetcheck.checks.network.interface:NetworkInterface",
    "meetcheck.checks.network.reach:Reachability",
    "meetcheck.checks.network.stun:StunProbe",
    "meetcheck.checks.network.turn:TurnRelay",
    "meetcheck.checks.network.media:MediaPath",
    "meetcheck.checks.network.throughput:Throughput",
    "meetcheck.checks.network.mos:MeanOpinionScore",
)
meetcheck_register_catalogs = register_catalogs(catalog)
