"""The base of the checks that judge every received channel: the family listens to all
channels once per run, a channel that was not received is reported the same way by each
of them, and each check only judges the received ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from meetcheck.check import Check, Finding
from meetcheck.checks.channels._collect import IMPORTS, SENSES, Collection, collect
from meetcheck.checks.channels._findings import not_received

if TYPE_CHECKING:
    from meetcheck.context import CheckContext


class ReceivedChannelsCheck(Check):
    timing = True
    imports = IMPORTS
    senses = SENSES

    async def run(self, ctx: CheckContext) -> list[Finding]:
        data = await collect(ctx)
        out = not_received(ctx, data)
        return out + self.assess(ctx, data)

    def assess(self, ctx: CheckContext, data: Collection) -> list[Finding]:
        """Findings for the channels in ``data.received``."""
        raise NotImplementedError
