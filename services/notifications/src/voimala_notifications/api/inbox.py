"""HTTP entrypoints: a person's in-app inbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import TypeAdapter
from voimala_kit.http import Page, next_time_cursor, time_cursor

from ..handlers import inbox as use
from ..repository.messages import InboxEntry, InboxMessage
from .deps import Person, PlatformDep
from .schemas import MessageOut

router = APIRouter(prefix="/recipients", tags=["inbox"])
#: A page's messages validated in one call (pydantic's loop), each from its row's own fields
#: (a row's `__dict__`): as fast as validating the records was.
_MESSAGES = TypeAdapter(list[MessageOut])


def _key(message: InboxMessage | InboxEntry) -> tuple[datetime, uuid.UUID]:
    return message.created_at, message.id


@router.get("/{recipient_id}/messages", response_model=Page[MessageOut])
async def list_messages(
    recipient_id: uuid.UUID,
    who: Person,
    platform: PlatformDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[MessageOut]:
    """A person's messages, newest first."""
    use.may_read(who, recipient_id)  # a refusal before the cursor is looked at
    query = use.InboxPage(recipient_id, time_cursor(cursor), limit + 1)
    async with platform.db.transaction() as conn:  # the read and its audit row
        found = await use.read_inbox(platform.deps, conn, query, who)
    items = _MESSAGES.validate_python([vars(m) for m in found[:limit]])
    return Page[MessageOut](items=items, next_cursor=next_time_cursor(found, limit, _key))


@router.post("/{recipient_id}/messages/{message_id}/read", status_code=204)
async def mark_read(
    recipient_id: uuid.UUID, message_id: uuid.UUID, who: Person, platform: PlatformDep
) -> None:
    async with platform.db.transaction() as conn:
        await use.mark_read(platform.deps, conn, use.MarkRead(recipient_id, message_id), who)
