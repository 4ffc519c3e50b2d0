"""Who may call: staff manage, participants register themselves, the programme is public.
And what every endpoint works with: the running service, typed with its settings and deps."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from voimala_kit.auth import STAFF, Principal, authenticate_if_sent, require
from voimala_kit.service import Platform, get_platform

from ..handlers.deps import Deps
from ..settings import Settings

Staff = Annotated[Principal, Depends(require(*STAFF))]
StaffOrParticipant = Annotated[Principal, Depends(require(*STAFF, "participant"))]

#: A caller with a token is checked as everywhere; a caller without one is a guest.
MaybePrincipal = Annotated[Principal | None, Depends(authenticate_if_sent)]

PlatformDep = Annotated[Platform[Settings, Deps], Depends(get_platform)]
