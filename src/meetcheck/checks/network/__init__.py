"""Network checks: the connection a delegate's voice travels over."""

from meetcheck.check import register_checks
from meetcheck.checks.network._catalog import catalog
from meetcheck.checks.network.interface import NetworkInterface
from meetcheck.checks.network.media import MediaPath
from meetcheck.checks.network.mos import MeanOpinionScore
from meetcheck.checks.network.reach import Reachability
from meetcheck.checks.network.stun import StunProbe
from meetcheck.checks.network.throughput import Throughput
from meetcheck.checks.network.turn import TurnRelay
from meetcheck.i18n import register_catalogs

meetcheck_register_checks = register_checks(
    NetworkInterface, Reachability, StunProbe, TurnRelay, MediaPath, Throughput, MeanOpinionScore
)
meetcheck_register_catalogs = register_catalogs(catalog)
