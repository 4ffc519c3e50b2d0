"""Who may call: staff manage, participants register themselves, the programme is public."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from voimala_kit import STAFF, PlatformDep, Principal, require

from ..handlers import Policy
from ..settings import Settings

Staff = Annotated[Principal, Depends(require(*STAFF))]
StaffOrParticipant = Annotated[Principal, Depends(require(*STAFF, "participant"))]

_bearer = HTTPBearer(auto_error=False)


def maybe_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """A caller with a token is checked as everywhere; a caller without one is a guest."""
    if credentials is None:
        return None
    verifier = request.app.state.platform.verifier
    principal: Principal = verifier.verify(credentials.credentials)
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(maybe_principal)]


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
