"""Who belongs to the programme's target groups."""

from __future__ import annotations

from voimala_contracts.participants import TargetGroup

#: Subsidy days that put a job seeker in the programme's target groups.
SUBSIDY_LONG = 500
SUBSIDY_MEDIUM = 300


def target_group(subsidy_days: int | None, referral_reason: str | None) -> TargetGroup | None:
    """Days on labour-market subsidy decide the group; otherwise a staff referral with a reason."""
    if subsidy_days is not None and subsidy_days >= SUBSIDY_LONG:
        return "subsidy_500_plus"
    if subsidy_days is not None and subsidy_days >= SUBSIDY_MEDIUM:
        return "subsidy_300_499"
    if referral_reason:
        return "referred_by_staff"
    return None
