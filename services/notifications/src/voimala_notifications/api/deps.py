"""What endpoints are given: the running platform (typed with this service's settings and
dependencies) and the caller, by role."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from voimala_kit.auth import STAFF, Principal, require
from voimala_kit.service import Platform, get_platform

from ..handlers.deps import Deps
from ..settings import Settings

PlatformDep = Annotated[Platform[Settings, Deps], Depends(get_platform)]

#: A person (their own inbox and preferences) or staff.
Person = Annotated[Principal, Depends(require(*STAFF, "ops", "participant", "mentor", "employer"))]
#: Staff and ops, who watch delivery.
Watcher = Annotated[Principal, Depends(require(*STAFF, "ops"))]
#: Who may send a failed message again.
Ops = Annotated[Principal, Depends(require("ops", "coordinator"))]
Coordinator = Annotated[Principal, Depends(require("coordinator"))]
