"""The programme's report for a period, counted from the facts recorded by a moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from voimala_kit.db import Connection

from ..domain.reports import ACTIVITY_KINDS, PROPOSAL_KINDS, Report, build
from ..repository import reports
from .deps import Deps


@dataclass(frozen=True)
class ProgrammeReport:
    #: Helsinki days, both included.
    start: date
    end: date
    #: Count only the facts recorded by then; now when None.
    as_of: datetime | None


async def programme_report(deps: Deps, conn: Connection, cmd: ProgrammeReport) -> Report:
    """Read in one snapshot (the caller's transaction), so that the figures agree."""
    as_of = cmd.as_of or deps.clock.now()
    kinds = (ACTIVITY_KINDS, PROPOSAL_KINDS)
    facts = await reports.facts(conn, cmd.start, cmd.end, as_of, kinds)
    return build(cmd.start, cmd.end, as_of, facts)
