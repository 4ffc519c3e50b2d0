"""Who may see and do what."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends
from voimala_kit import STAFF, Platform, Principal, Problem, decode_cursor, encode_cursor, require
from voimala_kit.refusals import forbidden

from ..settings import Settings

Staff = Annotated[Principal, Depends(require(*STAFF))]
Coordinator = Annotated[Principal, Depends(require("coordinator"))]
Anyone = Annotated[Principal, Depends(require(*STAFF, "employer", "mentor", "participant"))]
StaffOrEmployer = Annotated[Principal, Depends(require(*STAFF, "employer"))]
StaffOrMentor = Annotated[Principal, Depends(require(*STAFF, "mentor"))]
CoordinatorOrEmployer = Annotated[Principal, Depends(require("coordinator", "employer"))]
Mentor = Annotated[Principal, Depends(require("mentor"))]


def settings_of(platform: Platform) -> Settings:
    assert isinstance(platform.settings, Settings)
    return platform.settings


def is_staff(who: Principal) -> bool:
    return who.has(*STAFF)


def own_partner(who: Principal, partner_id: uuid.UUID) -> None:
    """Staff, or an employer whose token's `org` is this partner."""
    if is_staff(who) or (who.has("employer") and who.org == str(partner_id)):
        return
    raise forbidden("you may manage only your own organisation's openings")


def cursor_of(cursor: str | None) -> tuple[Any, uuid.UUID] | None:
    if not cursor:
        return None
    at, rid = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(at), uuid.UUID(rid)
    except (TypeError, ValueError):
        raise Problem(400, "Bad cursor", "the cursor is not one this API gave out") from None


def next_cursor(rows: list[dict[str, Any]], limit: int, at: str) -> str | None:
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return encode_cursor([last[at].isoformat(), str(last["id"])])
