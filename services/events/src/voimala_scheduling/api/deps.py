"""Who may call: staff manage, participants register themselves, the programme is public."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends
from voimala_kit import STAFF, PlatformDep, Principal, require
from voimala_kit.auth import authenticate_if_sent

from ..handlers import Policy
from ..settings import Settings

Staff = Annotated[Principal, Depends(require(*STAFF))]
StaffOrParticipant = Annotated[Principal, Depends(require(*STAFF, "participant"))]

#: A caller with a token is checked as everywhere; a caller without one is a guest.
MaybePrincipal = Annotated[Principal | None, Depends(authenticate_if_sent)]


def policy_of(platform: PlatformDep) -> Policy:
    settings = platform.settings
    assert isinstance(settings, Settings)
    return policy_from(settings)


def policy_from(settings: Settings) -> Policy:
    return Policy(
        horizon=timedelta(days=settings.horizon_days),
        reminder_lead=timedelta(hours=settings.reminder_lead_hours),
    )


PolicyDep = Annotated[Policy, Depends(policy_of)]
