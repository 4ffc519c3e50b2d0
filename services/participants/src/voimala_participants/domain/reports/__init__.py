"""Reports for a period: ESF entry/exit indicators, service-point figures, Lean lead times."""

from .facts import Entry, Facts, Milestone, Outcome, VisitFact
from .figures import ACTIVITY_KINDS, PROPOSAL_KINDS, Report, build, education
from .render import to_csv, to_svg

__all__ = [
    "ACTIVITY_KINDS",
    "PROPOSAL_KINDS",
    "Entry",
    "Facts",
    "Milestone",
    "Outcome",
    "Report",
    "VisitFact",
    "build",
    "education",
    "to_csv",
    "to_svg",
]
