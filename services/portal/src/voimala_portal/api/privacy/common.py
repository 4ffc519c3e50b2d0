"""What the privacy pages share: the coordinator's role, ids from URLs and from a service's
`Location`, and service answers' times."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import httpx
from fastapi import Depends
from starlette.exceptions import HTTPException

from ...repository.sessions import SessionUser
from ...services import Caller, ServiceError
from ...web.session import require

#: Only coordinators act on a person's rights (the services refuse anyone else as well).
Coordinator = Annotated[SessionUser, Depends(require("coordinator"))]

#: Why these pages read a participant's name (the participants service audits every read).
PURPOSE = "data_protection"


def path_id(value: str) -> uuid.UUID:
    """An id from the URL: anything but a UUID is a page that does not exist (404, not 500)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise HTTPException(404) from None


def located(response: httpx.Response, prefix: str, key: str) -> uuid.UUID:
    """The id of what a 202 started: the last part of its `Location` (`/erasures/{id}`), else
    the answer's `key`."""
    where = response.headers.get("location", "")
    candidates = [where.rstrip("/").rsplit("/", 1)[-1]] if where.startswith(prefix) else []
    if response.content:
        body = response.json()
        if isinstance(body, dict) and body.get(key):
            candidates.append(str(body[key]))
    for candidate in candidates:
        try:
            return uuid.UUID(candidate)
        except ValueError:
            continue
    raise ServiceError(502, {"title": "No location in the answer"})


def when(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


async def name_of(caller: Caller, participant_id: uuid.UUID, *, erased: bool = True) -> str | None:
    """The participant's name for the page's heading; None when the register no longer has
    them: the page is still shown. With `erased=False` an erased participant is the erased
    page (410, naming the erasure)."""
    try:
        found = await caller.get("participants", f"/participants/{participant_id}", purpose=PURPOSE)
    except ServiceError as exc:
        if exc.status == 404 or (erased and exc.status == 410):
            return None
        raise
    return f"{found.get('given_name') or ''} {found.get('family_name') or ''}".strip() or None
