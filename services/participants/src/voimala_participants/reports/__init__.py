"""Reports for a period: ESF entry/exit indicators, service-point figures, Lean lead times."""

from .figures import ACTIVITY_KINDS, PROPOSAL_KINDS, build
from .render import to_csv, to_svg

__all__ = ["ACTIVITY_KINDS", "PROPOSAL_KINDS", "build", "to_csv", "to_svg"]
